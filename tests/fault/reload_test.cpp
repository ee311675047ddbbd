// Reloads in the middle of firing alerts, by SIGHUP (a burst of them) and by POST /-/reload:
// unchanged rules keep their state (same activeAt, never pending again, no second notification);
// a rule whose labels changed is a new rule and starts over (pending, new activeAt), a rule whose
// expression changed keeps its alerts (Prometheus copies state by name and labels); an invalid
// rule file or configuration is rejected (500 with the error for POST, as Prometheus does;
// tocsin_config_last_reload_successful 0) and the running rules go on firing.
#include <signal.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/engine/http/background_server.h"
#include "tests/fault/fixtures.h"

namespace tocsin::testing {
namespace {

constexpr const char* kRulesV1 = R"(groups:
  - name: g1
    rules:
      - alert: Unchanged
        expr: app_bad == 1
        for: 1s
      - alert: Changed
        expr: app_bad == 1
        for: 1s
        labels: {severity: page}
      - alert: ExprChanged
        expr: app_bad == 1
        for: 1s
  - name: g2
    rules:
      - alert: Untouched
        expr: app_bad == 1
        for: 1s
)";

// Changed gets other labels (a new rule to Prometheus); ExprChanged another expression.
constexpr const char* kRulesV2 = R"(groups:
  - name: g1
    rules:
      - alert: Unchanged
        expr: app_bad == 1
        for: 1s
      - alert: Changed
        expr: app_bad == 1
        for: 1s
        labels: {severity: ticket}
      - alert: ExprChanged
        expr: app_bad > 0
        for: 1s
  - name: g2
    rules:
      - alert: Untouched
        expr: app_bad == 1
        for: 1s
)";

constexpr const char* kRulesInvalid = R"(groups:
  - name: g1
    rules:
      - alert: Unchanged
        expr: app_bad ==
        for: 1s
)";

// Writes `content` to `path` by rename, as an editor or a config-management tool would.
void replace_file(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".new";
  { std::ofstream(tmp, std::ios::binary) << content; }
  std::filesystem::rename(tmp, path);
}

struct Seen {
  std::string state, active_at;
};

class ReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    peer_.router().add("GET", "/metrics", [](const http::Request&) {
      return http::Response::text(200, "# TYPE app_bad gauge\napp_bad 1\n");
    });
    rec_.attach(peer_.router());
    ASSERT_TRUE(peer_.start());
    cfg_ = dir_.write("tocsin.yml", peer_config(peer_.port()));
    rules_ = dir_.write("app.rules.yml", kRulesV1);
    t_ = std::make_unique<Tocsin>(cfg_, dir_.path() + "/data");
    ASSERT_TRUE(t_->wait_ready()) << t_->log();
  }
  void TearDown() override {
    t_.reset();
    peer_.stop();
  }

  // The one alert of rule `name` with every label of `labels`; state "" when there is none.
  Seen alert(const std::string& name, const std::map<std::string, std::string>& labels = {}) {
    for (const auto& a : t_->rule_alerts(name)) {
      bool all = true;
      for (const auto& [k, v] : labels) all = all && a["labels"].value(k, std::string()) == v;
      if (all) return {a.value("state", std::string()), a.value("activeAt", std::string())};
    }
    return {};
  }
  std::string last_evaluation(const std::string& group) {
    json j = t_->get_json("/api/v1/rules");
    if (!j.is_object()) return "";
    for (const auto& g : j["data"]["groups"]) {
      if (g.value("name", std::string()) == group) return g.value("lastEvaluation", std::string());
    }
    return "";
  }
  double reload_ok() { return t_->metric("tocsin_config_last_reload_successful").value_or(-1); }
  // For `period`, every 100 ms: each of `names` stays firing with the activeAt in `before`.
  void expect_kept(const std::vector<std::string>& names, const std::map<std::string, Seen>& before,
                   Ms period) {
    auto until = std::chrono::steady_clock::now() + period;
    do {
      for (const auto& n : names) {
        Seen s = alert(n);
        ASSERT_EQ(s.state, "firing") << n << " lost its state across the reload\n" << t_->log();
        ASSERT_EQ(s.active_at, before.at(n).active_at) << n << " restarted across the reload";
      }
      std::this_thread::sleep_for(Ms(100));
    } while (std::chrono::steady_clock::now() < until);
  }
  void expect_one_firing_notification_each(const std::vector<std::string>& names) {
    for (const auto& n : names) {
      EXPECT_EQ(rec_.alerts(n, "firing"), 1) << n << " notified again";
      EXPECT_EQ(rec_.alerts(n, "resolved"), 0) << n << " reported resolved";
    }
  }

  BackgroundServer peer_;
  WebhookRecorder rec_;
  TempDir dir_;
  std::string cfg_, rules_;
  std::unique_ptr<Tocsin> t_;
};

TEST_F(ReloadTest, SighupAndPostKeepUnchangedRulesAndRejectInvalidConfigs) {
  const std::vector<std::string> all = {"Unchanged", "Changed", "ExprChanged", "Untouched"};
  // Every alert fires and is notified once.
  ASSERT_TRUE(wait_for(
      [&] {
        for (const auto& n : all) {
          if (rec_.alerts(n, "firing") < 1) return false;
        }
        return true;
      },
      Ms(30'000)))
      << t_->log();
  std::map<std::string, Seen> before;
  for (const auto& n : all) before[n] = alert(n);
  for (const auto& n : all) ASSERT_EQ(before[n].state, "firing") << n;

  // 1. A burst of SIGHUPs with the same files: nothing changes.
  for (int i = 0; i < 5; ++i) {
    t_->signal(SIGHUP);
    std::this_thread::sleep_for(Ms(100));
  }
  ASSERT_TRUE(wait_for([&] { return t_->log_lines_with({"configuration reloaded"}) >= 1; },
                       Ms(20'000)))
      << t_->log();
  expect_kept(all, before, Ms(2000));
  EXPECT_EQ(reload_ok(), 1);

  // 2. POST /-/reload with changed rules.
  replace_file(rules_, kRulesV2);
  HttpResult r = t_->post("/-/reload", "");
  ASSERT_EQ(r.status, 200) << r.body << t_->log();
  EXPECT_EQ(reload_ok(), 1);
  // Changed{severity="ticket"} is a new rule: it starts pending with a new activeAt.
  Seen changed = alert("Changed", {{"severity", "ticket"}});
  EXPECT_NE(changed.state, "firing") << "a rule with new labels kept the old rule's state";
  ASSERT_TRUE(wait_for([&] { return alert("Changed", {{"severity", "ticket"}}).state == "firing"; },
                       Ms(20'000)))
      << t_->log();
  EXPECT_GT(rfc3339_seconds(alert("Changed", {{"severity", "ticket"}}).active_at),
            rfc3339_seconds(before["Changed"].active_at));
  EXPECT_EQ(alert("Changed", {{"severity", "page"}}).state, "") << "the old rule's alert stayed";
  // The others keep their state, ExprChanged included (same name and labels).
  expect_kept({"Unchanged", "ExprChanged", "Untouched"}, before, Ms(2000));

  // 3. An invalid rule file, by POST and by SIGHUP: rejected, the running rules go on.
  replace_file(rules_, kRulesInvalid);
  r = t_->post("/-/reload", "");
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("failed to reload config"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("app.rules.yml"), std::string::npos) << "the error names the file";
  EXPECT_EQ(reload_ok(), 0);
  const int failed_before = t_->log_lines_with({"configuration reload failed"});
  EXPECT_GE(failed_before, 1) << t_->log();
  t_->signal(SIGHUP);
  EXPECT_TRUE(wait_for(
      [&] { return t_->log_lines_with({"configuration reload failed"}) > failed_before; },
      Ms(20'000)))
      << t_->log();
  // An invalid configuration file too.
  replace_file(cfg_, "route: [this is not a route\n");
  r = t_->post("/-/reload", "");
  EXPECT_EQ(r.status, 500) << r.body;
  EXPECT_NE(r.body.find("tocsin.yml"), std::string::npos) << r.body;
  EXPECT_EQ(reload_ok(), 0);
  // The rules go on being evaluated and keep firing; nothing is notified again.
  const double evaluated = rfc3339_seconds(last_evaluation("g1"));
  EXPECT_TRUE(wait_for([&] { return rfc3339_seconds(last_evaluation("g1")) > evaluated; },
                       Ms(10'000)))
      << "rule evaluation stopped after a failed reload";
  expect_kept({"Unchanged", "ExprChanged", "Untouched"}, before, Ms(1500));
  EXPECT_EQ(alert("Changed", {{"severity", "ticket"}}).state, "firing");
  EXPECT_TRUE(t_->running());

  // 4. Valid again: accepted, state still kept.
  replace_file(cfg_, peer_config(peer_.port()));
  replace_file(rules_, kRulesV2);
  r = t_->post("/-/reload", "");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(reload_ok(), 1);
  expect_kept({"Unchanged", "ExprChanged", "Untouched"}, before, Ms(1500));

  // One firing notification for each rule that kept its state, none resolved; the new rule's
  // alert is notified once.
  expect_one_firing_notification_each({"Unchanged", "ExprChanged", "Untouched"});
  EXPECT_TRUE(wait_for(
      [&] {
        for (const auto& n : rec_.notifications()) {
          for (const auto& a : n.body["alerts"]) {
            if (a["labels"].value("severity", std::string()) == "ticket") return true;
          }
        }
        return false;
      },
      Ms(10'000)))
      << "the changed rule's new alert was never notified";
}

}  // namespace
}  // namespace tocsin::testing
