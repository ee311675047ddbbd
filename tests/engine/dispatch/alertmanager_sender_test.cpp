// Tests of the AlertmanagerSender against a fake Alertmanager (HttpServer on 127.0.0.1) and, when
// installed, Debian's real prometheus-alertmanager.
#include "engine/dispatch/alertmanager_sender.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <prometheus/registry.h>

#include "engine/http/router.h"
#include "engine/http/server.h"
#include "tests/support/http_client.h"
#include "tests/support/subprocess.h"
#include "tests/support/net.h"

namespace tocsin::dispatch {
namespace {

using nlohmann::json;

Alert make_alert(const std::string& name, int i, const std::string& severity = "warning") {
  Alert a;
  a.labels = Labels::from_unsorted({{"alertname", name},
                                    {"instance", "host" + std::to_string(i)},
                                    {"severity", severity}});
  a.annotations = {{"summary", "alert " + std::to_string(i)}};
  a.starts_at = 1'700'000'000'000;
  a.ends_at = 1'700'000'600'000;
  a.generator_url = "http://tocsin/graph?g0.expr=up";
  return a;
}

double metric(prometheus::Registry& registry, const std::string& name,
              const std::string& am = "") {
  for (const auto& f : registry.Collect()) {
    if (f.name != name) continue;
    for (const auto& m : f.metric) {
      bool match = am.empty();
      for (const auto& l : m.label) {
        if (l.name == "alertmanager" && l.value == am) match = true;
      }
      if (!match) continue;
      if (f.type == prometheus::MetricType::Counter) return m.counter.value;
      if (f.type == prometheus::MetricType::Gauge) return m.gauge.value;
    }
  }
  return -1;
}

// A fake Alertmanager recording every POST; answers `status`.
class SenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto handler = [this](const http::Request& r) {
      requests.push_back(r);
      return http::Response::json(status, "");
    };
    router.add("POST", "/api/v2/alerts", handler);
    router.add("POST", "/am/api/v2/alerts", handler);
    http::ServerOptions so;
    so.address = "127.0.0.1";
    so.port = 0;
    server = std::make_unique<http::HttpServer>(io, router, so);
    ASSERT_TRUE(server->start());
    address = "127.0.0.1:" + std::to_string(server->port());
  }
  void TearDown() override {
    sender.reset();
    server->stop();
  }

  // Runs the loop until `done` or 10s (bounded).
  bool run_until(const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      if (io.stopped()) io.restart();
      io.run_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  config::AlertmanagerTarget target() const {
    config::AlertmanagerTarget t;
    t.static_configs.push_back({{address}, {}});
    return t;
  }

  void make_sender(const config::AlertingConfig& cfg, AlertmanagerSenderOptions o = {}) {
    sender = std::make_unique<AlertmanagerSender>(client, registry, o);
    auto st = sender->apply(cfg);
    ASSERT_TRUE(st) << st.error().message;
  }

  std::string url(const std::string& prefix = "") const {
    return "http://" + address + prefix + "/api/v2/alerts";
  }

  boost::asio::io_context io;
  http::Router router;
  std::unique_ptr<http::HttpServer> server;
  http::CurlClient client{io};
  prometheus::Registry registry;
  std::unique_ptr<AlertmanagerSender> sender;
  std::vector<http::Request> requests;
  std::string address;
  int status = 200;
};

TEST_F(SenderTest, PostsAlertmanagerJsonWithPathPrefixAndBasicAuth) {
  config::AlertingConfig cfg;
  auto t = target();
  t.path_prefix = "/am/";
  t.http.basic_auth = config::BasicAuth{"user", "", config::Secret("pass"), ""};
  cfg.alertmanagers.push_back(t);
  make_sender(cfg);
  EXPECT_EQ(sender->alertmanager_count(), 1u);

  sender->send({make_alert("A", 1), make_alert("B", 2)});
  ASSERT_TRUE(run_until([&] { return metric(registry, "tocsin_notifications_sent_total",
                                            url("/am")) == 2; }));
  ASSERT_EQ(requests.size(), 1u);
  const auto& r = requests[0];
  EXPECT_EQ(r.path, "/am/api/v2/alerts");
  EXPECT_EQ(r.header("authorization"), "Basic dXNlcjpwYXNz");
  EXPECT_EQ(r.header("content-type"), "application/json");
  json body = json::parse(r.body);
  ASSERT_TRUE(body.is_array());
  ASSERT_EQ(body.size(), 2u);
  EXPECT_EQ(body[0]["labels"], json({{"alertname", "A"}, {"instance", "host1"},
                                     {"severity", "warning"}}));
  EXPECT_EQ(body[0]["annotations"], json({{"summary", "alert 1"}}));
  EXPECT_EQ(body[0]["startsAt"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(body[0]["endsAt"], "2023-11-14T22:23:20Z");
  EXPECT_EQ(body[0]["generatorURL"], "http://tocsin/graph?g0.expr=up");
  EXPECT_EQ(body[1]["labels"]["alertname"], "B");
  EXPECT_EQ(metric(registry, "tocsin_notifications_errors_total", url("/am")), 0);
  EXPECT_EQ(metric(registry, "tocsin_notifications_dropped_total"), 0);
  EXPECT_EQ(metric(registry, "tocsin_notifications_alertmanagers_discovered"), 1);
}

TEST_F(SenderTest, BatchesOfAtMost64OneRequestInFlight) {
  config::AlertingConfig cfg;
  cfg.alertmanagers.push_back(target());
  make_sender(cfg);
  std::vector<Alert> alerts;
  for (int i = 0; i < 150; ++i) alerts.push_back(make_alert("Many", i));
  sender->send(alerts);
  EXPECT_EQ(sender->in_flight(), 1u);
  EXPECT_EQ(sender->queue_length(), 150u - 64u);
  EXPECT_EQ(metric(registry, "tocsin_notifications_queue_length"), 86);
  std::size_t max_in_flight = 0;
  ASSERT_TRUE(run_until([&] {
    max_in_flight = std::max(max_in_flight, sender->in_flight());
    return metric(registry, "tocsin_notifications_sent_total", url()) == 150;
  }));
  EXPECT_EQ(max_in_flight, 1u);
  ASSERT_EQ(requests.size(), 3u);
  std::vector<std::size_t> sizes;
  std::vector<std::string> order;
  for (const auto& r : requests) {
    json b = json::parse(r.body);
    sizes.push_back(b.size());
    for (const auto& a : b) order.push_back(a["labels"]["instance"]);
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{64, 64, 22}));
  ASSERT_EQ(order.size(), 150u);
  for (int i = 0; i < 150; ++i) EXPECT_EQ(order[i], "host" + std::to_string(i));
  EXPECT_EQ(metric(registry, "tocsin_notifications_queue_length"), 0);
}

TEST_F(SenderTest, GlobalThenPerAlertmanagerRelabelling) {
  config::AlertingConfig cfg;
  config::RelabelConfig drop_info;
  drop_info.source_labels = {"severity"};
  drop_info.regex = "info";
  drop_info.action = config::RelabelAction::kDrop;
  cfg.alert_relabel_configs.push_back(drop_info);
  config::RelabelConfig add_team;
  add_team.target_label = "team";
  add_team.replacement = "sre";
  cfg.alert_relabel_configs.push_back(add_team);
  auto t = target();
  config::RelabelConfig drop_b;  // per Alertmanager, sees the global result
  drop_b.source_labels = {"alertname", "team"};
  drop_b.regex = "B;sre";
  drop_b.action = config::RelabelAction::kDrop;
  t.alert_relabel_configs.push_back(drop_b);
  cfg.alertmanagers.push_back(t);
  make_sender(cfg);

  sender->send({make_alert("A", 1), make_alert("B", 2), make_alert("C", 3, "info")});
  ASSERT_TRUE(run_until([&] { return !requests.empty() && sender->in_flight() == 0; }));
  json body = json::parse(requests[0].body);
  ASSERT_EQ(body.size(), 1u);
  EXPECT_EQ(body[0]["labels"]["alertname"], "A");
  EXPECT_EQ(body[0]["labels"]["team"], "sre");
  // Dropped by relabelling is not "dropped" in the error sense, as in Prometheus.
  EXPECT_EQ(metric(registry, "tocsin_notifications_dropped_total"), 0);
}

TEST_F(SenderTest, FullQueueDropsOldestAndCounts) {
  config::AlertingConfig cfg;
  cfg.alertmanagers.push_back(target());
  AlertmanagerSenderOptions o;
  o.queue_capacity = 10;
  o.max_batch_size = 4;
  make_sender(cfg, o);
  std::vector<Alert> first, second;
  for (int i = 0; i < 25; ++i) first.push_back(make_alert("First", i));
  for (int i = 0; i < 8; ++i) second.push_back(make_alert("Second", i));
  // 25 > 10: the oldest 15 dropped; 4 leave in a request, 6 stay queued.
  sender->send(first);
  EXPECT_EQ(metric(registry, "tocsin_notifications_dropped_total"), 15);
  EXPECT_EQ(sender->queue_length(), 6u);
  // 6 + 8 > 10: the oldest 4 queued dropped.
  sender->send(second);
  EXPECT_EQ(metric(registry, "tocsin_notifications_dropped_total"), 19);
  EXPECT_EQ(sender->queue_length(), 10u);
  ASSERT_TRUE(run_until(
      [&] { return metric(registry, "tocsin_notifications_sent_total", url()) == 14; }));
  std::vector<std::string> sent;
  for (const auto& r : requests) {
    for (const auto& a : json::parse(r.body)) {
      sent.push_back(a["labels"]["alertname"].get<std::string>() +
                     a["labels"]["instance"].get<std::string>());
    }
  }
  std::vector<std::string> want = {"Firsthost15", "Firsthost16", "Firsthost17", "Firsthost18",
                                   "Firsthost23", "Firsthost24"};
  for (int i = 0; i < 8; ++i) want.push_back("Secondhost" + std::to_string(i));
  EXPECT_EQ(sent, want);
}

TEST_F(SenderTest, ErrorStatusIsCountedAndLaterBatchesStillGo) {
  status = 500;
  config::AlertingConfig cfg;
  cfg.alertmanagers.push_back(target());
  AlertmanagerSenderOptions o;
  o.max_batch_size = 2;
  make_sender(cfg, o);
  sender->send({make_alert("A", 1), make_alert("A", 2), make_alert("A", 3)});
  ASSERT_TRUE(run_until([&] { return requests.size() == 2 && sender->in_flight() == 0; }));
  EXPECT_EQ(metric(registry, "tocsin_notifications_errors_total", url()), 3);
  EXPECT_EQ(metric(registry, "tocsin_notifications_dropped_total"), 3);
  EXPECT_EQ(metric(registry, "tocsin_notifications_sent_total", url()), 0);
  status = 200;
  sender->send({make_alert("A", 4)});
  ASSERT_TRUE(run_until(
      [&] { return metric(registry, "tocsin_notifications_sent_total", url()) == 1; }));
}

TEST_F(SenderTest, UnreachableAlertmanagerIsAnError) {
  config::AlertingConfig cfg;
  config::AlertmanagerTarget t;
  t.timeout = 2 * kSecond;
  t.static_configs.push_back({{"127.0.0.1:1"}, {}});  // nothing listens on port 1
  cfg.alertmanagers.push_back(t);
  make_sender(cfg);
  sender->send({make_alert("A", 1)});
  ASSERT_TRUE(run_until([&] {
    return metric(registry, "tocsin_notifications_errors_total",
                  "http://127.0.0.1:1/api/v2/alerts") == 1;
  }));
}

TEST_F(SenderTest, TwoAlertmanagersEachGetEveryAlert) {
  config::AlertingConfig cfg;
  auto t = target();
  t.static_configs[0].targets.push_back(address);  // duplicate: one sender
  cfg.alertmanagers.push_back(t);
  auto t2 = target();
  t2.path_prefix = "/am";
  cfg.alertmanagers.push_back(t2);
  make_sender(cfg);
  EXPECT_EQ(sender->alertmanager_count(), 2u);
  sender->send({make_alert("A", 1)});
  ASSERT_TRUE(run_until([&] { return requests.size() == 2 && sender->in_flight() == 0; }));
  std::vector<std::string> paths{requests[0].path, requests[1].path};
  std::sort(paths.begin(), paths.end());
  EXPECT_EQ(paths, (std::vector<std::string>{"/am/api/v2/alerts", "/api/v2/alerts"}));
}

TEST_F(SenderTest, TargetRelabellingAndReload) {
  config::AlertingConfig cfg;
  auto t = target();
  t.static_configs[0].targets.push_back("127.0.0.1:2");
  config::RelabelConfig keep;
  keep.source_labels = {"__address__"};
  keep.regex = address;
  keep.action = config::RelabelAction::kKeep;
  t.relabel_configs.push_back(keep);
  cfg.alertmanagers.push_back(t);
  make_sender(cfg);
  EXPECT_EQ(sender->alertmanager_count(), 1u);

  // Reload to no Alertmanagers: nothing more is queued or sent.
  ASSERT_TRUE(sender->apply(config::AlertingConfig{}));
  EXPECT_EQ(sender->alertmanager_count(), 0u);
  sender->send({make_alert("A", 1)});
  EXPECT_EQ(sender->in_flight(), 0u);
  EXPECT_EQ(metric(registry, "tocsin_notifications_alertmanagers_discovered"), 0);
}

TEST(AlertmanagerPlan, RejectsApiV1) {
  config::AlertingConfig cfg;
  config::AlertmanagerTarget t;
  t.api_version = "v1";
  cfg.alertmanagers.push_back(t);
  auto p = prepare_alertmanagers(cfg);
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("alerting.alertmanagers[0]: api_version"), std::string::npos)
      << p.error().message;
}

TEST(RealAlertmanager, ReceivesAlerts) {
  const std::string bin = "/usr/bin/prometheus-alertmanager";
  if (!std::filesystem::exists(bin)) GTEST_SKIP() << bin << " is not installed";
  testing::TempDir dir;
  std::string cfg_path = dir.write("alertmanager.yml",
                                   "route:\n  receiver: blackhole\nreceivers:\n- name: blackhole\n");
  std::filesystem::create_directories(dir.path() + "/data");
  std::uint16_t port = tocsin::testing::free_port();
  testing::Subprocess am({bin, "--config.file=" + cfg_path,
                          "--web.listen-address=127.0.0.1:" + std::to_string(port),
                          "--cluster.listen-address=", "--storage.path=" + dir.path() + "/data"});
  bool ready = false;
  for (int i = 0; i < 200 && !ready; ++i) {  // ≤ 20s
    if (!am.running()) break;
    ready = testing::http_get(port, "/-/ready").status == 200;
    if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(ready) << am.stderr_text();

  boost::asio::io_context io;
  http::CurlClient client(io);
  prometheus::Registry registry;
  AlertmanagerSender sender(client, registry);
  config::AlertingConfig cfg;
  config::AlertmanagerTarget t;
  t.static_configs.push_back({{"127.0.0.1:" + std::to_string(port)}, {}});
  cfg.alertmanagers.push_back(t);
  ASSERT_TRUE(sender.apply(cfg));
  std::vector<Alert> alerts;
  Timestamp now = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  for (int i = 0; i < 70; ++i) {  // two batches
    Alert a = make_alert("RealAm", i);
    a.starts_at = now - kMinute;
    a.ends_at = now + kHour;
    alerts.push_back(a);
  }
  sender.send(alerts);
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/api/v2/alerts";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (metric(registry, "tocsin_notifications_sent_total", url) != 70 &&
         metric(registry, "tocsin_notifications_errors_total", url) <= 0 &&
         std::chrono::steady_clock::now() < deadline) {
    if (io.stopped()) io.restart();
    io.run_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(metric(registry, "tocsin_notifications_sent_total", url), 70) << am.stderr_text();

  json got;
  for (int i = 0; i < 50; ++i) {  // ≤ 5s: the API sees alerts once they are stored
    auto r = testing::http_get(port, "/api/v2/alerts?filter=alertname%3D%22RealAm%22");
    ASSERT_EQ(r.status, 200) << r.body;
    got = json::parse(r.body);
    if (got.size() == 70) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(got.size(), 70u);
  std::set<std::string> instances;
  for (const auto& a : got) {
    EXPECT_EQ(a["labels"]["alertname"], "RealAm");
    EXPECT_EQ(a["annotations"]["summary"].get<std::string>().rfind("alert ", 0), 0u);
    EXPECT_EQ(a["generatorURL"], "http://tocsin/graph?g0.expr=up");
    EXPECT_EQ(a["status"]["state"], "active");
    instances.insert(a["labels"]["instance"].get<std::string>());
  }
  EXPECT_EQ(instances.size(), 70u);
}

}  // namespace
}  // namespace tocsin::dispatch
