// Alerts received through POST /api/v2/alerts and their aggregation groups survive kill -9
// (dispatch.state under --storage.path): Alertmanager forgets them on restart and so loses the
// resolved notification (alertmanager#2370) or flushes every group anew (#3407); tocsin must
// not. Bounded: each wait has a deadline; two short runs per test.
#include <gtest/gtest.h>

#include <thread>

#include "tests/engine/http/background_server.h"
#include "tests/fault/fixtures.h"

namespace tocsin::testing {
namespace {

std::string config_for(std::uint16_t sink, const char* group_wait) {
  return std::string(R"(global:
  resolve_timeout: 5m
route:
  receiver: hook
  group_by: [alertname]
  group_wait: )") + group_wait + R"(
  group_interval: 3s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:)" + std::to_string(sink) + R"(/hook
        send_resolved: true
)";
}

// Started 10 s ago, or now (an alert older than group_wait is flushed at once, as Alertmanager
// does, so a test of group_wait posts a fresh one).
std::string alert_json(const std::string& name, bool resolved, Ms age = Ms(10'000)) {
  json a = {{"labels", {{"alertname", name}, {"instance", "db-1"}}},
            {"annotations", {{"summary", name + " summary"}}},
            {"startsAt", rfc3339_from_now(-age)},
            {"endsAt", rfc3339_from_now(resolved ? Ms(0) : Ms(3'600'000))}};
  return json::array({a}).dump();
}

class ApiAlertsRestart : public ::testing::Test {
 protected:
  void SetUp() override {
    hook_.attach(sink_.router());
    ASSERT_TRUE(sink_.start());
  }
  void TearDown() override { sink_.stop(); }
  BackgroundServer sink_;
  WebhookRecorder hook_;
  TempDir dir_;
};

TEST_F(ApiAlertsRestart, TheResolvedNotificationOfAPostedAlertSurvivesKillNine) {
  const std::string cfg = dir_.write("am.yml", config_for(sink_.port(), "1s"));
  const std::string data = dir_.path() + "/data";
  {
    Tocsin t(cfg, data);
    ASSERT_TRUE(t.wait_ready()) << t.log();
    ASSERT_EQ(t.post("/api/v2/alerts", alert_json("DiskFull", false)).status, 200);
    ASSERT_TRUE(wait_for([&] { return hook_.alerts("DiskFull", "firing") >= 1; }, Ms(20'000)))
        << t.log();
    ASSERT_EQ(t.post("/api/v2/alerts", alert_json("DiskFull", true)).status, 200);
    // The state is written within a second of a change; the group's next flush (group_interval
    // after the first) has not come yet when the process dies.
    std::this_thread::sleep_for(Ms(1500));
    ASSERT_EQ(hook_.alerts("DiskFull", "resolved"), 0) << "resolved before the kill: no test";
    t.kill9();
  }
  Tocsin t(cfg, data);
  ASSERT_TRUE(t.wait_ready()) << t.log();
  EXPECT_TRUE(wait_for([&] { return hook_.alerts("DiskFull", "resolved") >= 1; }, Ms(20'000)))
      << "the resolved notification was lost by the restart\n" << t.log();
  std::this_thread::sleep_for(Ms(3500));  // one more group_interval: nothing else is due
  EXPECT_EQ(hook_.alerts("DiskFull", "firing"), 1) << t.log();
  EXPECT_EQ(hook_.alerts("DiskFull", "resolved"), 1) << t.log();
}

TEST_F(ApiAlertsRestart, APendingGroupKeepsItsAlertsAndItsFlushTime) {
  const std::string cfg = dir_.write("am.yml", config_for(sink_.port(), "6s"));
  const std::string data = dir_.path() + "/data";
  const auto posted = std::chrono::steady_clock::now();
  {
    Tocsin t(cfg, data);
    ASSERT_TRUE(t.wait_ready()) << t.log();
    ASSERT_EQ(t.post("/api/v2/alerts", alert_json("QueueStuck", false, Ms(0))).status, 200);
    std::this_thread::sleep_for(Ms(1500));  // written, and group_wait (6 s) still running
    t.kill9();
  }
  Tocsin t(cfg, data);
  ASSERT_TRUE(t.wait_ready()) << t.log();
  // The alert is still known (Alertmanager would list nothing)...
  json alerts = t.get_json("/api/v2/alerts");
  ASSERT_TRUE(alerts.is_array()) << t.log();
  ASSERT_EQ(alerts.size(), 1u) << alerts.dump();
  EXPECT_EQ(alerts[0]["labels"]["alertname"], "QueueStuck");
  // ...and its group flushes once, when group_wait after the post ends, not at the restart.
  ASSERT_TRUE(wait_for([&] { return hook_.alerts("QueueStuck", "firing") >= 1; }, Ms(30'000)))
      << t.log();
  const auto notes = hook_.notifications();
  ASSERT_EQ(notes.size(), 1u);
  const auto after = std::chrono::duration_cast<Ms>(notes[0].at - posted);
  EXPECT_GE(after.count(), 5'500) << "the restart flushed the group early";
  std::this_thread::sleep_for(Ms(3500));
  EXPECT_EQ(hook_.notifications().size(), 1u);
}

}  // namespace
}  // namespace tocsin::testing
