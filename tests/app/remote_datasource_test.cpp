// `tocsin run` with a `datasource:` and `remote_write:` against the real Prometheus 2.42
// (/usr/bin/prometheus, --web.enable-remote-write-receiver): rules are evaluated as instant
// queries against Prometheus, the alert fires, the recording rule's result and ALERTS arrive back
// in Prometheus through remote-write; with Prometheus gone, the rules' health is err, the failure
// metrics count, and the firing alert stays firing. Skipped when Prometheus is not installed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "tests/support/http_client.h"
#include "tests/support/subprocess.h"
#include "tests/support/net.h"

namespace tocsin::testing {
namespace {

using nlohmann::json;
constexpr const char* kPrometheus = "/usr/bin/prometheus";

// Polls `ok` every 250 ms for up to `seconds` (generous: CI runs under ASan on shared cores).
bool eventually(const std::function<bool()>& ok, int seconds = 90) {
  for (int i = 0; i < seconds * 4; ++i) {
    if (ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return ok();
}

json get_json(std::uint16_t port, const std::string& target) {
  HttpResult r = http_get(port, target);
  if (r.status != 200) return json();
  json j = json::parse(r.body, nullptr, false);
  return j.is_discarded() ? json() : j;
}

// The result list of an instant query against Prometheus (empty on any failure).
json prom_query(std::uint16_t port, const std::string& expr) {
  json j = get_json(port, "/api/v1/query?query=" + expr);
  if (!j.is_object() || !j.contains("data")) return json::array();
  return j.at("data").value("result", json::array());
}

double metric(std::uint16_t port, const std::string& name) {
  HttpResult r = http_get(port, "/metrics");
  std::smatch m;
  if (std::regex_search(r.body, m, std::regex("\n" + name + R"( ([-+0-9.eE]+))"))) {
    return std::stod(m[1]);
  }
  return -1;
}

// name -> rule object of tocsin's /api/v1/rules.
std::map<std::string, json> rules_by_name(std::uint16_t port) {
  std::map<std::string, json> out;
  json j = get_json(port, "/api/v1/rules");
  if (!j.is_object()) return out;
  for (const auto& g : j.at("data").at("groups")) {
    for (const auto& r : g.at("rules")) out[r.at("name").get<std::string>()] = r;
  }
  return out;
}

bool alert_firing(std::uint16_t port) {
  json j = get_json(port, "/api/v1/alerts");
  if (!j.is_object()) return false;
  for (const auto& a : j.at("data").at("alerts")) {
    if (a.at("labels").value("alertname", "") == "PrometheusUp" &&
        a.value("state", "") == "firing") {
      return true;
    }
  }
  return false;
}

class RemoteDatasource : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kPrometheus)) {
      GTEST_SKIP() << kPrometheus << " is not installed (apt-get install prometheus)";
    }
    prom_port_ = free_port();
    const std::string prom_cfg = dir_.write("prometheus.yml", R"(global:
  scrape_interval: 1s
scrape_configs:
  - job_name: prometheus
    static_configs: [{targets: ["127.0.0.1:)" + std::to_string(prom_port_) + R"("]}]
)");
    prom_ = std::make_unique<Subprocess>(std::vector<std::string>{
        kPrometheus, "--config.file=" + prom_cfg, "--storage.tsdb.path=" + dir_.path() + "/tsdb",
        "--web.listen-address=127.0.0.1:" + std::to_string(prom_port_),
        "--web.enable-remote-write-receiver"});
    ASSERT_TRUE(prom_->wait_for_output("Server is ready to receive web requests",
                                       std::chrono::seconds(60)))
        << prom_->stderr_text();
    // The datasource has data once Prometheus scraped itself.
    ASSERT_TRUE(eventually([&] { return !prom_query(prom_port_, "up").empty(); }))
        << prom_->stderr_text();

    dir_.write("rules.yml", R"Y(groups:
  - name: remote
    interval: 1s
    rules:
      - record: job:up:sum
        expr: sum by (job) (up{job="prometheus"})
      - alert: PrometheusUp
        expr: up{job="prometheus"} == 1
        labels: {severity: info}
        annotations:
          summary: 'up is {{ $value }}, {{ with query "count(up)" }}{{ . | first | value }}{{ end }} target(s)'
)Y");
    const std::string url = "http://127.0.0.1:" + std::to_string(prom_port_);
    const std::string cfg = dir_.write("tocsin.yml", R"(global:
  evaluation_interval: 1s
  external_labels: {replica: tocsin-a}
rule_files: [rules.yml]
datasource:
  url: )" + url + R"(
  timeout: 10s
remote_write:
  - url: )" + url + R"(/api/v1/write
route: {receiver: console}
receivers: [{name: console, log_configs: [{}]}]
)");
    tocsin_ = std::make_unique<Subprocess>(std::vector<std::string>{
        TOCSIN_BINARY, "run", "--config=" + cfg, "--web.listen-address=127.0.0.1:0",
        "--storage.path=" + dir_.path() + "/data"});
    auto seen = tocsin_->wait_for_output("msg=listening", std::chrono::seconds(60));
    ASSERT_TRUE(seen) << tocsin_->stderr_text();
    std::smatch m;
    ASSERT_TRUE(std::regex_search(*seen, m, std::regex(R"(address=127\.0\.0\.1:(\d+))")));
    port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
  }

  TempDir dir_;
  std::uint16_t prom_port_ = 0, port_ = 0;
  std::unique_ptr<Subprocess> prom_, tocsin_;
};

TEST_F(RemoteDatasource, RulesQueryPrometheusAndResultsAreRemoteWrittenBack) {
  // tocsin scrapes nothing: the alert can only fire through the datasource.
  ASSERT_TRUE(eventually([&] { return alert_firing(port_); })) << tocsin_->stderr_text();
  auto rules = rules_by_name(port_);
  EXPECT_EQ(rules["job:up:sum"].value("health", ""), "ok") << rules["job:up:sum"].dump();
  EXPECT_EQ(rules["PrometheusUp"].value("health", ""), "ok");
  // The template's `query` went to the datasource too.
  json alerts = get_json(port_, "/api/v1/alerts");
  EXPECT_EQ(alerts.at("data").at("alerts").at(0).at("annotations").value("summary", ""),
            "up is 1, 1 target(s)");
  EXPECT_GT(metric(port_, "tocsin_datasource_queries_total"), 0);
  EXPECT_EQ(metric(port_, "tocsin_datasource_query_failures_total"), 0);

  // Recording rule result and ALERTS arrive in Prometheus, with the external labels.
  json recorded;
  ASSERT_TRUE(eventually([&] {
    recorded = prom_query(prom_port_, "job:up:sum");
    return !recorded.empty();
  })) << tocsin_->stderr_text();
  EXPECT_EQ(recorded.at(0).at("metric").value("replica", ""), "tocsin-a");
  EXPECT_EQ(recorded.at(0).at("metric").value("job", ""), "prometheus");
  EXPECT_EQ(recorded.at(0).at("value").at(1), "1");
  json firing;
  ASSERT_TRUE(eventually([&] {
    firing = prom_query(prom_port_, "ALERTS%7Balertname%3D%22PrometheusUp%22%7D");
    return !firing.empty();
  }));
  EXPECT_EQ(firing.at(0).at("metric").value("alertstate", ""), "firing");
  EXPECT_EQ(firing.at(0).at("metric").value("severity", ""), "info");
  EXPECT_FALSE(prom_query(prom_port_, "ALERTS_FOR_STATE").empty());
  HttpResult m = http_get(port_, "/metrics");
  EXPECT_NE(m.body.find("tocsin_remote_write_requests_total{result=\"success\""),
            std::string::npos);
}

TEST_F(RemoteDatasource, DatasourceDownFailsTheRulesAndKeepsTheAlertFiring) {
  ASSERT_TRUE(eventually([&] { return alert_firing(port_); })) << tocsin_->stderr_text();
  prom_->signal(SIGKILL);
  prom_->wait(std::chrono::seconds(30));

  ASSERT_TRUE(eventually([&] {
    auto rules = rules_by_name(port_);
    return rules["job:up:sum"].value("health", "") == "err" &&
           rules["PrometheusUp"].value("health", "") == "err";
  })) << tocsin_->stderr_text();
  auto rules = rules_by_name(port_);
  EXPECT_NE(rules["PrometheusUp"].value("lastError", "").find("datasource query"),
            std::string::npos)
      << rules["PrometheusUp"].dump();
  EXPECT_GT(metric(port_, "tocsin_datasource_query_failures_total"), 0);
  HttpResult m = http_get(port_, "/metrics");
  EXPECT_TRUE(std::regex_search(m.body, std::regex(R"(\ntocsin_rule_evaluation_failures_total\{[^}]*\} [1-9])")))
      << m.body;
  // Several failed evaluations later the alert is still firing, in the rules and in dispatch.
  const double failures = metric(port_, "tocsin_datasource_query_failures_total");
  ASSERT_TRUE(eventually([&] {
    return metric(port_, "tocsin_datasource_query_failures_total") >= failures + 6;
  }));
  EXPECT_TRUE(alert_firing(port_));
  EXPECT_EQ(rules_by_name(port_)["PrometheusUp"].value("state", ""), "firing");
  json am = get_json(port_, "/api/v2/alerts");
  ASSERT_TRUE(am.is_array()) << am.dump();
  ASSERT_EQ(am.size(), 1u) << am.dump();
  EXPECT_EQ(am.at(0).at("status").value("state", ""), "active");
}

}  // namespace
}  // namespace tocsin::testing
