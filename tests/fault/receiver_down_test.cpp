// The webhook receiver goes away (connection refused) for eight group_intervals while alerts keep
// arriving: groups that existed before, groups created while it is down, groups resolved while it
// is down. When it is back on the same port every group must be delivered (firing ones firing,
// resolved ones resolved), every failed attempt counted, nothing given up, and tocsin's resident
// memory must stay bounded while the deliveries retry. Bounded: ~8 s down, 60 s to catch up.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <set>
#include <thread>

#include "tests/engine/http/background_server.h"
#include "tests/fault/fixtures.h"

namespace tocsin::testing {
namespace {

constexpr int kGroupsBefore = 60;  // g0..g59 exist before the receiver goes down
constexpr int kResolved = 10;      // g0..g9 resolve while it is down
constexpr int kAlertsPerGroup = 5;
constexpr Ms kDown(8000);          // 8 x group_interval

std::string config_for(std::uint16_t sink) {
  return R"(global:
  evaluation_interval: 1s
  resolve_timeout: 5m
route:
  receiver: hook
  group_by: [group]
  group_wait: 200ms
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:)" +
         std::to_string(sink) + R"(/hook
        send_resolved: true
)";
}

// The alerts of group `g`, firing (no endsAt) or resolved (endsAt now).
json group_alerts(int g, bool resolved) {
  json out = json::array();
  for (int i = 0; i < kAlertsPerGroup; ++i) {
    json a = {{"labels",
               {{"alertname", "Flow"}, {"group", "g" + std::to_string(g)},
                {"instance", "i" + std::to_string(i)}}},
              {"annotations", {{"summary", std::string(200, 'x')}}}};
    if (resolved) {
      a["startsAt"] = rfc3339_from_now(Ms(-60'000));
      a["endsAt"] = rfc3339_from_now(Ms(0));
    }
    out.push_back(std::move(a));
  }
  return out;
}

// Group label -> statuses seen for it, from the recorded notifications.
std::map<std::string, std::set<std::string>> delivered(const WebhookRecorder& rec) {
  std::map<std::string, std::set<std::string>> out;
  for (const auto& n : rec.notifications()) {
    if (!n.body.is_object()) continue;
    std::string group = n.body["groupLabels"].value("group", std::string());
    for (const auto& a : n.body["alerts"]) out[group].insert(a.value("status", std::string()));
  }
  return out;
}

// ASan keeps freed memory in a quarantine (256 MiB by default), which would hide a real leak
// behind its own growth: the child gets a small one (ignored by a build without ASan).
std::string asan_options() {
  const char* outer = std::getenv("ASAN_OPTIONS");
  std::string o = outer && *outer ? std::string(outer) + ":" : "";
  return "ASAN_OPTIONS=" + o + "quarantine_size_mb=16";
}

TEST(ReceiverDown, EveryGroupDeliveredAfterLongerThanGroupIntervalWithRetriesCountedAndBoundedMemory) {
  WebhookRecorder rec;
  auto sink = std::make_unique<BackgroundServer>();
  rec.attach(sink->router());
  ASSERT_TRUE(sink->start());
  const std::uint16_t sink_port = sink->port();
  TempDir dir;
  const std::string cfg = dir.write("tocsin.yml", config_for(sink_port));
  Tocsin t(cfg, dir.path() + "/data", {}, {asan_options()});
  ASSERT_TRUE(t.wait_ready()) << t.log();
  auto post = [&](const json& alerts) {
    HttpResult r = t.post("/api/v2/alerts", alerts.dump());
    EXPECT_EQ(r.status, 200) << r.body;
  };
  auto post_groups = [&](int from, int to) {
    json all = json::array();
    for (int g = from; g < to; ++g) {
      for (auto& a : group_alerts(g, false)) all.push_back(std::move(a));
    }
    post(all);
  };

  // Receiver up: the first groups are delivered.
  post_groups(0, kGroupsBefore);
  ASSERT_TRUE(wait_for([&] { return delivered(rec).size() >= kGroupsBefore; }, Ms(30'000)))
      << delivered(rec).size() << " groups delivered\n" << t.log();
  const double sent_before = t.metric("tocsin_notifications_total").value_or(0);
  const double failed_before = t.metric("tocsin_notifications_failed_total").value_or(0);
  EXPECT_EQ(failed_before, 0);

  // Receiver down: connection refused. Alerts keep coming every 100 ms: the groups that go on
  // are re-posted (as a Prometheus resends), g0..g9 resolve, a new group appears each time.
  sink.reset();
  const long rss_start = t.rss_kib();
  std::vector<long> rss;
  for (int g = 0; g < kResolved; ++g) post(group_alerts(g, true));
  int next_group = kGroupsBefore;
  const auto down_until = std::chrono::steady_clock::now() + kDown;
  for (int i = 0; std::chrono::steady_clock::now() < down_until && i < 200; ++i) {
    post_groups(kResolved, next_group + 1);
    ++next_group;
    rss.push_back(t.rss_kib());
    std::this_thread::sleep_for(Ms(100));
  }
  const int groups_total = next_group;
  const double failed_down = t.metric("tocsin_notifications_failed_total").value_or(0);
  const double requests_down = t.metric("tocsin_notification_requests_total").value_or(0);
  ASSERT_TRUE(t.running()) << t.log();

  // Receiver back on the same port.
  WebhookRecorder rec2;
  sink = std::make_unique<BackgroundServer>();
  rec2.attach(sink->router());
  ASSERT_TRUE(sink->start(sink_port)) << "port " << sink_port << " taken meanwhile";
  const auto back = std::chrono::steady_clock::now();
  auto missing = [&] {
    auto got = delivered(rec2);
    std::vector<std::string> out;
    for (int g = 0; g < groups_total; ++g) {
      const std::string name = "g" + std::to_string(g);
      if (g < kResolved && !got[name].count("resolved")) out.push_back(name + " resolved");
      if (g >= kGroupsBefore && !got[name].count("firing")) out.push_back(name + " firing");
    }
    return out;
  };
  EXPECT_TRUE(wait_for([&] { return missing().empty(); }, Ms(60'000)))
      << missing().size() << " deliveries missing, e.g. "
      << (missing().empty() ? std::string() : missing().front()) << "\n" << t.log();
  const auto caught_up = std::chrono::duration_cast<Ms>(std::chrono::steady_clock::now() - back);

  // Retries were counted: every group with something to say failed at least once while down.
  const int groups_waiting = kResolved + (groups_total - kGroupsBefore);
  const double failed = t.metric("tocsin_notifications_failed_total").value_or(0);
  const double sent = t.metric("tocsin_notifications_total").value_or(0);
  EXPECT_GE(failed_down, groups_waiting) << "failed attempts counted while down";
  EXPECT_GE(failed, failed_down);
  EXPECT_GE(requests_down - sent_before, failed_down - failed_before);
  EXPECT_GE(sent - sent_before, groups_waiting) << "deliveries after the receiver came back";
  json dead = t.get_json("/api/v2/tocsin/dead_letters");
  EXPECT_TRUE(dead.is_array() && dead.empty()) << dead.dump();

  // Memory bounded while down: what retries and re-posted alerts hold, not a copy per attempt.
  const long rss_max = *std::max_element(rss.begin(), rss.end());
  const size_t half = rss.size() / 2;
  const long first_half_max = *std::max_element(rss.begin(), rss.begin() + half);
  const long second_half_max = *std::max_element(rss.begin() + half, rss.end());
  std::printf("RSS while the receiver was down (KiB): start %ld, max %ld, first half max %ld, "
              "second half max %ld; %d groups, %.0f failed attempts, %.0f requests while down; "
              "every group delivered %lld ms after the receiver was back\n",
              rss_start, rss_max, first_half_max, second_half_max, groups_total, failed_down,
              requests_down, static_cast<long long>(caught_up.count()));
  EXPECT_LE(rss_max - rss_start, 96 * 1024) << "RSS grew by more than 96 MiB while down";
  EXPECT_LE(second_half_max - first_half_max, 48 * 1024) << "RSS still growing while down";
  EXPECT_TRUE(t.running());
}

}  // namespace
}  // namespace tocsin::testing
