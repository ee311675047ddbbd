// The state directory fills up while alerts fire: every state write (alerts.state, head.state,
// silences.json, nflog.json) fails; each failure is logged and counted by file
// (tocsin_state_write_failures_total), evaluation and notification go on, and the files written
// before stay byte for byte as they were and loadable — a tocsin killed then restarts from them.
// When space comes back the state that changed meanwhile reaches the disk.
//
// The full disk is a real one where the test may mount a small tmpfs (root with CAP_SYS_ADMIN),
// filled with a filler file; elsewhere, and always in the second test, it is the state writer's
// fault-injection hook (TOCSIN_FAULT_ENOSPC, engine/common/state_file.h). Bounded: each wait
// 30 s at most.
#include <signal.h>
#include <sys/mount.h>

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "engine/common/state_file.h"
#include "tests/engine/http/background_server.h"
#include "tests/fault/fixtures.h"

namespace tocsin::testing {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kStateFiles = {"alerts.state", "head.state", "silences.json",
                                              "nflog.json"};
const std::map<std::string, std::string> kKinds = {{"alerts.state", "alerts"},
                                                   {"head.state", "head"},
                                                   {"silences.json", "silences"},
                                                   {"nflog.json", "nflog"}};

constexpr const char* kRules = R"(groups:
  - name: app
    rules:
      - alert: FirstDown
        expr: first_up == 0
        for: 1s
      - alert: SecondDown
        expr: second_up == 0
        for: 1s
)";

std::string silence_body(const std::string& matched_name) {
  json s = {{"matchers", {{{"name", "alertname"}, {"value", matched_name}, {"isRegex", false}}}},
            {"startsAt", rfc3339_from_now(Ms(-1000))},
            {"endsAt", rfc3339_from_now(Ms(3'600'000))},
            {"createdBy", "fault test"},
            {"comment", "state directory full"}};
  return s.dump();
}

std::string file_bytes(const std::string& path) {
  auto t = read_state_file(path);
  return t ? *t : std::string();
}

// A full disk the test can fill and free under a running tocsin.
class FullDisk {
 public:
  virtual ~FullDisk() = default;
  virtual std::vector<std::string> env() const { return {}; }
  virtual void fill(Tocsin& t) = 0;
  virtual void free() = 0;
};

// A small tmpfs at `dir` (2 MiB, 64 inodes) filled by the kernel's measure: a filler file takes
// every block, then empty files every inode, so creating the temp file of any later state write
// fails with ENOSPC. tocsin is stopped (SIGSTOP) while it fills, at a moment when no state write
// is half done (no *.tmp): a temp file caught mid-way would free its blocks when it fails, and
// the next small write could go through.
class TmpfsDisk : public FullDisk {
 public:
  explicit TmpfsDisk(std::string dir) : dir_(std::move(dir)) {
    fs::create_directories(dir_);
    mounted_ =
        ::mount("tocsin-fault", dir_.c_str(), "tmpfs", 0, "size=2m,nr_inodes=64,mode=0755") == 0;
  }
  ~TmpfsDisk() override {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  void fill(Tocsin& t) override {
    for (int i = 0; i < 100; ++i) {
      t.signal(SIGSTOP);
      std::this_thread::sleep_for(Ms(20));
      if (!any_temp_file()) break;
      t.signal(SIGCONT);
      std::this_thread::sleep_for(Ms(5));
    }
    EXPECT_FALSE(any_temp_file());
    {
      std::ofstream out(dir_ + "/filler", std::ios::binary);
      const std::string chunk(4096, 'f');
      for (int i = 0; i < 1024 && out.write(chunk.data(), chunk.size()); ++i) out.flush();
    }
    for (int i = 0; i < 64; ++i) {
      std::ofstream f(dir_ + "/inode" + std::to_string(i));
      if (!f.is_open()) break;
      inodes_ = i + 1;
    }
    t.signal(SIGCONT);
  }
  void free() override {
    fs::remove(dir_ + "/filler");
    for (int i = 0; i < inodes_; ++i) fs::remove(dir_ + "/inode" + std::to_string(i));
    inodes_ = 0;
  }

 private:
  bool any_temp_file() const {
    for (const auto& e : fs::directory_iterator(dir_)) {
      if (e.path().extension() == ".tmp") return true;
    }
    return false;
  }
  std::string dir_;
  bool mounted_ = false;
  int inodes_ = 0;
};

// The state writer's hook: disk full while the flag file exists.
class InjectedDisk : public FullDisk {
 public:
  explicit InjectedDisk(std::string flag) : flag_(std::move(flag)) {}
  std::vector<std::string> env() const override { return {"TOCSIN_FAULT_ENOSPC=" + flag_}; }
  void fill(Tocsin&) override { std::ofstream(flag_) << "full\n"; }
  void free() override { fs::remove(flag_); }

 private:
  std::string flag_;
};

class StateDirFull : public ::testing::Test {
 protected:
  void SetUp() override {
    peer_.router().add("GET", "/metrics", [this](const http::Request&) {
      return http::Response::text(200, "first_up " + std::to_string(first_up_.load()) +
                                           "\nsecond_up " + std::to_string(second_up_.load()) +
                                           "\n");
    });
    rec_.attach(peer_.router());
    ASSERT_TRUE(peer_.start());
    cfg_ = dir_.write("tocsin.yml", peer_config(peer_.port()));
    dir_.write("app.rules.yml", kRules);
    data_ = dir_.path() + "/data";
  }
  void TearDown() override { peer_.stop(); }

  std::unique_ptr<Tocsin> start(const FullDisk& disk) {
    auto t = std::make_unique<Tocsin>(cfg_, data_,
                                      std::vector<std::string>{
                                          "--storage.head-snapshot-interval=250ms"},
                                      disk.env());
    EXPECT_TRUE(t->wait_ready()) << t->log();
    return t;
  }
  std::string post_silence(const Tocsin& t, const std::string& name) {
    HttpResult r = t.post("/api/v2/silences", silence_body(name));
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body, nullptr, false).value("silenceID", std::string());
  }
  std::set<std::string> silence_ids(const Tocsin& t) {
    std::set<std::string> ids;
    json j = t.get_json("/api/v2/silences");
    if (j.is_array()) {
      for (const auto& s : j) ids.insert(s.value("id", std::string()));
    }
    return ids;
  }
  std::string active_at(const Tocsin& t, const std::string& alertname) {
    auto a = t.rule_alerts(alertname);
    return a.empty() ? "" : a.front().value("activeAt", std::string());
  }
  double failures(const Tocsin& t, const std::string& file) {
    return t.metric("tocsin_state_write_failures_total", {{"file", file}}).value_or(0);
  }

  void run(FullDisk& disk);

  BackgroundServer peer_;
  WebhookRecorder rec_;
  std::atomic<int> first_up_{0}, second_up_{1};
  TempDir dir_;
  std::string cfg_, data_;
};

void StateDirFull::run(FullDisk& disk) {
  // 1. Room on the disk: FirstDown fires and is notified, a silence is set, every file written.
  auto t = start(disk);
  ASSERT_TRUE(t);
  const std::string s1 = post_silence(*t, "Nothing1");
  ASSERT_TRUE(wait_for([&] { return rec_.alerts("FirstDown", "firing") >= 1; }, Ms(30'000)))
      << t->log();
  const std::string first_active = active_at(*t, "FirstDown");
  ASSERT_TRUE(wait_for(
      [&] {
        for (const auto& f : kStateFiles) {
          if (!fs::exists(data_ + "/" + f)) return false;
        }
        return file_bytes(data_ + "/silences.json").find(s1) != std::string::npos;
      },
      Ms(30'000)))
      << t->log();
  std::this_thread::sleep_for(Ms(1500));  // the firing state and the notification log persist

  // 2. The disk fills. State changes: a new silence, SecondDown fires and is notified.
  disk.fill(*t);
  const std::string s2 = post_silence(*t, "Nothing2");
  second_up_ = 0;
  EXPECT_TRUE(wait_for([&] { return rec_.alerts("SecondDown", "firing") >= 1; }, Ms(30'000)))
      << "notification stopped with the disk full\n" << t->log();
  ASSERT_TRUE(wait_for(
      [&] {
        for (const auto& f : kStateFiles) {
          if (failures(*t, f) < 1) return false;
        }
        return true;
      },
      Ms(30'000)))
      << t->get("/metrics").body << t->log();
  EXPECT_GE(t->log_lines_with({"cannot write state file", "No space left on device"}), 4)
      << t->log();
  // Every write fails from now on: what is on disk is what was there before.
  std::map<std::string, std::string> kept;
  for (const auto& f : kStateFiles) kept[f] = file_bytes(data_ + "/" + f);
  const std::string evaluated = active_at(*t, "SecondDown");
  std::this_thread::sleep_for(Ms(1500));
  for (const auto& f : kStateFiles) {
    EXPECT_EQ(file_bytes(data_ + "/" + f), kept[f]) << f << " changed while the disk was full";
    auto body = unframe_state(kKinds.at(f), 1'000, kept[f]);
    EXPECT_TRUE(body) << f << ": " << (body ? "" : body.error().message);
    EXPECT_FALSE(fs::exists(data_ + "/" + f + ".tmp")) << f << ".tmp left behind";
  }
  EXPECT_EQ(kept["silences.json"].find(s2), std::string::npos);
  EXPECT_EQ(active_at(*t, "SecondDown"), evaluated);
  EXPECT_EQ(active_at(*t, "FirstDown"), first_active);
  EXPECT_GE(failures(*t, "head.state"), 2) << "head snapshots are retried and fail again";
  EXPECT_EQ(t->get("/-/healthy").status, 200);

  // 3. Killed while the disk is full, restarted (still full): the old files load.
  t->kill9();
  t = start(disk);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->log_lines_with({"state file unreadable"}), 0) << t->log();
  EXPECT_EQ(t->log_lines_with({"series head restored"}), 1) << t->log();
  EXPECT_TRUE(silence_ids(*t).count(s1)) << "the old silences did not load";
  EXPECT_EQ(active_at(*t, "FirstDown"), first_active) << "the old alert states did not load";
  ASSERT_TRUE(wait_for([&] { return active_at(*t, "SecondDown") != ""; }, Ms(30'000)));
  const std::string second_active = active_at(*t, "SecondDown");
  const std::string s3 = post_silence(*t, "Nothing3");
  ASSERT_TRUE(wait_for([&] { return failures(*t, "silences.json") >= 1; }, Ms(30'000)))
      << t->log();

  // 4. Space again: the state that changed while full reaches the disk without a new change.
  disk.free();
  EXPECT_TRUE(wait_for(
      [&] { return file_bytes(data_ + "/silences.json").find(s3) != std::string::npos; },
      Ms(30'000)))
      << "the silence set while the disk was full never reached it after space came back\n"
      << t->log();
  EXPECT_TRUE(wait_for(
      [&] {
        auto body = unframe_state("alerts", 1'000, file_bytes(data_ + "/alerts.state"));
        return body && body->find("SecondDown") != std::string::npos;
      },
      Ms(30'000)))
      << "the alert state that changed while the disk was full never reached it\n" << t->log();
  std::this_thread::sleep_for(Ms(1500));
  t->kill9();
  t = start(disk);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->log_lines_with({"state file unreadable"}), 0) << t->log();
  EXPECT_TRUE(silence_ids(*t).count(s1));
  EXPECT_TRUE(silence_ids(*t).count(s3));
  EXPECT_EQ(active_at(*t, "FirstDown"), first_active);
  EXPECT_EQ(active_at(*t, "SecondDown"), second_active);
  // Each alert was notified once through all of it (the notification log carried it).
  EXPECT_EQ(rec_.alerts("FirstDown", "firing"), 1);
  EXPECT_GE(rec_.alerts("SecondDown", "firing"), 1);
}

TEST_F(StateDirFull, RealTmpfsFilledUp) {
  TmpfsDisk disk(data_);
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here; InjectedEnospc covers it";
  run(disk);
}

TEST_F(StateDirFull, InjectedEnospc) {
  InjectedDisk disk(dir_.path() + "/disk-full");
  run(disk);
}

}  // namespace
}  // namespace tocsin::testing
