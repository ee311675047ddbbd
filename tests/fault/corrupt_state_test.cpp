// A corrupt or truncated state file under --storage.path is logged with what was lost and
// skipped; tocsin starts anyway and keeps every other file's state. For each of alerts.state,
// head.state, silences.json, nflog.json and dispatch.state in turn: truncated to half, one byte
// of the body flipped; then all five replaced by garbage at once. Each start checks the log line (file, what
// was lost, why) and that the others were kept: the silence, the firing alert's activeAt, the
// series head, and no repeated notification while the notification log is whole.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <thread>

#include "tests/engine/http/background_server.h"
#include "tests/fault/fixtures.h"

namespace tocsin::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kRules = R"(groups:
  - name: app
    rules:
      - alert: AppDown
        expr: app_up == 0
        for: 1s
)";

struct StateFile {
  std::string name;
  std::string lost;  // what the log must say was lost
};
const std::vector<StateFile> kFiles = {
    {"alerts.state", "alert states"},
    {"head.state", "recent samples"},
    {"silences.json", "silences"},
    {"nflog.json", "notification log"},
    {"dispatch.state", "aggregation groups"},
};

struct Damage {
  std::string name;
  std::string why;  // what the log must give as the reason
  std::function<std::string(const std::string&)> apply;
};
const std::vector<Damage> kDamages = {
    {"truncated", "truncated", [](const std::string& s) { return s.substr(0, s.size() / 2); }},
    {"one byte flipped", "checksum mismatch",
     [](const std::string& s) {
       std::string out = s;
       out[out.size() - 2] ^= 0x20;  // inside the body, past the header line
       return out;
     }},
};

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

class CorruptState : public ::testing::Test {
 protected:
  void SetUp() override {
    peer_.router().add("GET", "/metrics", [](const http::Request&) {
      return http::Response::text(200, "# TYPE app_up gauge\napp_up 0\n");
    });
    rec_.attach(peer_.router());
    ASSERT_TRUE(peer_.start());
    cfg_ = dir_.write("tocsin.yml", peer_config(peer_.port()));
    dir_.write("app.rules.yml", kRules);
    data_ = dir_.path() + "/data";
  }
  void TearDown() override { peer_.stop(); }

  std::unique_ptr<Tocsin> start() {
    auto t = std::make_unique<Tocsin>(cfg_, data_,
                                      std::vector<std::string>{
                                          "--storage.head-snapshot-interval=250ms"});
    EXPECT_TRUE(t->wait_ready()) << t->log();
    return t;
  }
  std::string active_at(const Tocsin& t) {
    auto a = t.rule_alerts("AppDown");
    return a.empty() ? "" : a.front().value("activeAt", std::string());
  }
  bool has_silence(const Tocsin& t, const std::string& id) {
    json j = t.get_json("/api/v2/silences");
    if (!j.is_array()) return false;
    for (const auto& s : j) {
      if (s.value("id", std::string()) == id) return true;
    }
    return false;
  }

  BackgroundServer peer_;
  WebhookRecorder rec_;
  TempDir dir_;
  std::string cfg_, data_;
};

TEST_F(CorruptState, EachDamagedFileIsLoggedAndSkippedAndTheOthersKept) {
  // The state to damage: AppDown firing and notified, a silence, a head with samples.
  std::string silence, first_active;
  {
    auto t = start();
    ASSERT_TRUE(t);
    json s = {{"matchers", {{{"name", "alertname"}, {"value", "Nothing"}, {"isRegex", false}}}},
              {"startsAt", rfc3339_from_now(Ms(-1000))},
              {"endsAt", rfc3339_from_now(Ms(3'600'000))},
              {"createdBy", "fault test"},
              {"comment", "kept unless silences.json is damaged"}};
    HttpResult r = t->post("/api/v2/silences", s.dump());
    ASSERT_EQ(r.status, 200) << r.body;
    silence = json::parse(r.body).value("silenceID", std::string());
    ASSERT_TRUE(wait_for([&] { return rec_.alerts("AppDown", "firing") >= 1; }, Ms(30'000)))
        << t->log();
    first_active = active_at(*t);
    ASSERT_FALSE(first_active.empty());
    ASSERT_EQ(t->stop(), 0) << t->log();  // a graceful stop writes every file
  }
  std::map<std::string, std::string> pristine;
  for (const auto& f : kFiles) {
    pristine[f.name] = read_file(data_ + "/" + f.name);
    ASSERT_FALSE(pristine[f.name].empty()) << f.name << " was not written";
  }
  auto restore = [&] {
    for (const auto& f : kFiles) write_bytes(data_ + "/" + f.name, pristine[f.name]);
  };

  for (const auto& file : kFiles) {
    for (const auto& damage : kDamages) {
      SCOPED_TRACE(file.name + " " + damage.name);
      restore();
      write_bytes(data_ + "/" + file.name, damage.apply(pristine[file.name]));
      const int notified = rec_.alerts("AppDown", "firing");
      auto t = start();
      ASSERT_TRUE(t);
      EXPECT_EQ(t->get("/-/ready").status, 200);
      // Logged once, naming the file, what was lost and why.
      EXPECT_EQ(t->log_lines_with({"state file unreadable", "/" + file.name,
                                   "lost=", file.lost, damage.why}),
                1)
          << t->log();
      EXPECT_EQ(t->log_lines_with({"state file unreadable"}), 1) << "another file was skipped";
      // The others are kept.
      EXPECT_EQ(has_silence(*t, silence), file.name != "silences.json");
      EXPECT_EQ(t->log_lines_with({"series head restored"}), file.name != "head.state" ? 1 : 0);
      // Without the head the rule has no sample until the first scrape, and an evaluation before
      // it resolves the restored alert (what the log says is lost): nothing to check there.
      const bool head_lost = file.name == "head.state";
      if (file.name == "alerts.state") {
        EXPECT_TRUE(wait_for([&] { return !active_at(*t).empty(); }, Ms(20'000)));
        EXPECT_NE(active_at(*t), first_active) << "alert state from a damaged file";
      } else if (!head_lost) {
        EXPECT_EQ(active_at(*t), first_active) << "alert state not kept";
      }
      // Without the notification log AppDown is notified again; with it, not.
      if (file.name == "nflog.json") {
        EXPECT_TRUE(wait_for([&] { return rec_.alerts("AppDown", "firing") > notified; },
                             Ms(20'000)))
            << t->log();
      } else if (!head_lost) {
        std::this_thread::sleep_for(Ms(file.name == "alerts.state" ? 2500 : 1500));
        EXPECT_EQ(rec_.alerts("AppDown", "firing"), notified) << "notified again";
      }
      t->kill9();
    }
  }

  // Every file garbage at once: one line each, tocsin starts with nothing.
  restore();
  for (const auto& f : kFiles) write_bytes(data_ + "/" + f.name, "\x7f" "ELF garbage\n");
  auto t = start();
  ASSERT_TRUE(t);
  for (const auto& f : kFiles) {
    EXPECT_EQ(t->log_lines_with({"state file unreadable", "/" + f.name, "lost=", f.lost,
                                 "not a tocsin state file"}),
              1)
        << f.name << "\n" << t->log();
  }
  EXPECT_FALSE(has_silence(*t, silence));
  EXPECT_EQ(t->get("/-/ready").status, 200);
  // And it goes on: the alert fires again (a new activeAt) and the files are written anew.
  EXPECT_TRUE(wait_for([&] { return !active_at(*t).empty(); }, Ms(20'000)));
  EXPECT_TRUE(wait_for(
      [&] { return read_file(data_ + "/alerts.state").rfind("tocsin-state alerts", 0) == 0; },
      Ms(20'000)));
}

}  // namespace
}  // namespace tocsin::testing
