// End to end through the real binary: scrape → rule → dispatch (route, inhibit) → webhook
// receivers on 127.0.0.1, and the console log integration with --dry-run.
#include <signal.h>

#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "tests/engine/http/background_server.h"
#include "tests/support/http_client.h"
#include "tests/support/subprocess.h"

namespace tocsin::testing {
namespace {

using json = nlohmann::json;

// A target serving fixed metrics and webhook sinks recording every delivery.
class Peers {
 public:
  Peers() {
    server_.router().add("GET", "/metrics", [](const http::Request&) {
      return http::Response::text(200,
                                  "# TYPE app_up gauge\napp_up{app=\"a\"} 0\n"
                                  "app_up{app=\"b\"} 1\n");
    });
    for (const char* sink : {"/pager", "/chat", "/am/api/v2/alerts"}) {
      server_.router().add("POST", sink, [this, sink](const http::Request& req) {
        std::lock_guard<std::mutex> l(mu_);
        deliveries_.emplace_back(sink, req.body);
        return http::Response::text(200, "");
      });
    }
    // A receiver that rejects everything with 400: permanent failure, no retry.
    server_.router().add("POST", "/broken", [](const http::Request&) {
      return http::Response::text(400, "bad payload\n");
    });
    EXPECT_TRUE(server_.start());
  }
  ~Peers() { server_.stop(); }  // before the state the handlers use goes
  std::uint16_t port() const { return server_.port(); }
  std::vector<std::pair<std::string, std::string>> deliveries() {
    std::lock_guard<std::mutex> l(mu_);
    return deliveries_;
  }

 private:
  BackgroundServer server_;
  std::mutex mu_;
  std::vector<std::pair<std::string, std::string>> deliveries_;
};

std::uint16_t wait_listening(Subprocess& p) {
  auto seen = p.wait_for_output("msg=listening", std::chrono::seconds(30));
  if (!seen) return 0;
  std::smatch m;
  if (!std::regex_search(*seen, m, std::regex(R"(address=127\.0\.0\.1:(\d+))"))) return 0;
  return static_cast<std::uint16_t>(std::stoi(m[1]));
}

std::string config_for(std::uint16_t peer) {
  std::string p = std::to_string(peer);
  return R"(global:
  scrape_interval: 1s
  scrape_timeout: 500ms
  evaluation_interval: 1s
scrape_configs:
  - job_name: app
    static_configs:
      - targets: ["127.0.0.1:)" + p + R"("]
rule_files: [app.rules.yml]
route:
  receiver: chat
  group_by: [alertname, app]
  group_wait: 1s
  group_interval: 1m
  routes:
    - matchers: ['severity="critical"']
      receiver: pager
      group_wait: 0s
    - matchers: ['severity="warning"']
      receiver: chat
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [alertname, app]
receivers:
  - name: pager
    webhook_configs:
      - url: http://127.0.0.1:)" + p + R"(/pager
  - name: chat
    webhook_configs:
      - url: http://127.0.0.1:)" + p + R"(/chat
)";
}

constexpr const char* kRules = R"(groups:
  - name: app
    rules:
      - alert: AppDown
        expr: app_up == 0
        labels: {severity: critical}
        annotations: {summary: "{{ $labels.app }} is down"}
      - alert: AppDown
        expr: app_up == 0
        labels: {severity: warning}
)";

TEST(EndToEnd, RuleFiresRoutesBySeverityAndInhibitsTheWarning) {
  Peers peers;
  TempDir dir;
  std::string cfg = dir.write("tocsin.yml", config_for(peers.port()));
  dir.write("app.rules.yml", kRules);
  Subprocess p({TOCSIN_BINARY, "run", "--config=" + cfg, "--web.listen-address=127.0.0.1:0",
                "--storage.path=" + dir.path() + "/data"});
  std::uint16_t port = wait_listening(p);
  ASSERT_NE(port, 0) << p.stderr_text();

  // Wait (bounded) for the critical alert at the pager.
  std::vector<std::pair<std::string, std::string>> got;
  for (int i = 0; i < 300 && got.empty(); ++i) {
    got = peers.deliveries();
    if (got.empty()) p.wait(std::chrono::milliseconds(50));
  }
  ASSERT_FALSE(got.empty()) << p.stderr_text();
  EXPECT_EQ(got[0].first, "/pager");
  json payload = json::parse(got[0].second);
  EXPECT_EQ(payload["version"], "4");
  EXPECT_EQ(payload["receiver"], "pager");
  EXPECT_EQ(payload["status"], "firing");
  ASSERT_EQ(payload["alerts"].size(), 1u);
  EXPECT_EQ(payload["alerts"][0]["labels"]["alertname"], "AppDown");
  EXPECT_EQ(payload["alerts"][0]["labels"]["app"], "a");
  EXPECT_EQ(payload["alerts"][0]["labels"]["job"], "app");
  EXPECT_EQ(payload["alerts"][0]["labels"]["severity"], "critical");
  EXPECT_EQ(payload["alerts"][0]["annotations"]["summary"], "a is down");

  // The warning of the same alertname and app is inhibited: it shows in the API as
  // suppressed and never reaches the chat receiver (its group_wait of 1s has long passed).
  bool suppressed = false;
  for (int i = 0; i < 100 && !suppressed; ++i) {
    auto alerts = json::parse(http_get(port, "/api/v2/alerts").body);
    for (const auto& a : alerts) {
      if (a["labels"]["severity"] == "warning" && a["status"]["state"] == "suppressed" &&
          !a["status"]["inhibitedBy"].empty()) {
        suppressed = true;
      }
    }
    if (!suppressed) p.wait(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(suppressed);
  p.wait(std::chrono::milliseconds(2500));
  for (const auto& [sink, body] : peers.deliveries()) EXPECT_EQ(sink, "/pager") << body;

  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(std::chrono::seconds(10)), 0);
}

TEST(EndToEnd, DryRunPrintsNotificationsOnTheConsole) {
  Peers peers;
  TempDir dir;
  std::string cfg = dir.write("tocsin.yml", config_for(peers.port()));
  dir.write("app.rules.yml", kRules);
  Subprocess p({TOCSIN_BINARY, "run", "--dry-run", "--config=" + cfg,
                "--web.listen-address=127.0.0.1:0", "--storage.path=" + dir.path() + "/data"});
  ASSERT_NE(wait_listening(p), 0) << p.stderr_text();
  auto seen = p.wait_for_output("AppDown", std::chrono::seconds(20));
  ASSERT_TRUE(seen) << p.stderr_text();
  EXPECT_NE(seen->find("pager"), std::string::npos) << *seen;
  p.wait(std::chrono::milliseconds(1500));
  EXPECT_TRUE(peers.deliveries().empty());  // --dry-run sends nothing over HTTP
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(std::chrono::seconds(10)), 0);
}

// A notification the receiver rejects for good (400) is not retried and lands in the
// dead-letter log: listed by the API and appended to --storage.path/dead_letters.jsonl.
TEST(EndToEnd, UndeliverableNotificationGoesToTheDeadLetterLog) {
  Peers peers;
  TempDir dir;
  std::string cfg = config_for(peers.port());
  size_t pos = cfg.find("/pager\n");
  ASSERT_NE(pos, std::string::npos);
  cfg.replace(pos, 7, "/broken\n");
  std::string path = dir.write("tocsin.yml", cfg);
  dir.write("app.rules.yml", kRules);
  Subprocess p({TOCSIN_BINARY, "run", "--config=" + path, "--web.listen-address=127.0.0.1:0",
                "--storage.path=" + dir.path() + "/data"});
  std::uint16_t port = wait_listening(p);
  ASSERT_NE(port, 0) << p.stderr_text();
  json dead;
  for (int i = 0; i < 300 && (dead.is_null() || dead.empty()); ++i) {
    dead = json::parse(http_get(port, "/api/v2/tocsin/dead_letters").body);
    if (dead.empty()) p.wait(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(dead.size(), 1u) << p.stderr_text();
  EXPECT_EQ(dead[0]["receiver"], "pager");
  EXPECT_EQ(dead[0]["integration"], "webhook");
  EXPECT_EQ(dead[0]["attempts"], 1);  // a 400 is not retried
  EXPECT_NE(dead[0]["error"].get<std::string>().find("400"), std::string::npos) << dead[0];
  EXPECT_EQ(dead[0]["alerts"][0]["labels"]["alertname"], "AppDown");
  std::string file;
  for (int i = 0; i < 100 && file.empty(); ++i) {
    file = read_file(dir.path() + "/data/dead_letters.jsonl");
    if (file.empty()) p.wait(std::chrono::milliseconds(50));
  }
  ASSERT_FALSE(file.empty());
  json line = json::parse(file.substr(0, file.find('\n')));
  EXPECT_EQ(line["receiver"], "pager");
  EXPECT_EQ(line["groupKey"], dead[0]["groupKey"]);
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(std::chrono::seconds(10)), 0);
}

// `alerting: alertmanagers:` — rule alerts also go to an external Alertmanager (here a fake on
// 127.0.0.1 with a path prefix), next to tocsin's own dispatch.
TEST(EndToEnd, SendsRuleAlertsToExternalAlertmanagers) {
  Peers peers;
  TempDir dir;
  std::string cfg = config_for(peers.port()) + R"(alerting:
  alertmanagers:
    - path_prefix: /am
      static_configs:
        - targets: ["127.0.0.1:)" + std::to_string(peers.port()) + R"("]
)";
  std::string path = dir.write("tocsin.yml", cfg);
  dir.write("app.rules.yml", kRules);
  Subprocess p({TOCSIN_BINARY, "run", "--config=" + path, "--web.listen-address=127.0.0.1:0",
                "--storage.path=" + dir.path() + "/data"});
  ASSERT_NE(wait_listening(p), 0) << p.stderr_text();
  json posted;
  for (int i = 0; i < 300 && posted.is_null(); ++i) {
    for (const auto& [sink, body] : peers.deliveries()) {
      if (sink == "/am/api/v2/alerts") posted = json::parse(body);
    }
    if (posted.is_null()) p.wait(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(posted.is_array()) << p.stderr_text();
  ASSERT_GE(posted.size(), 1u);
  std::set<std::string> severities;
  for (const auto& a : posted) {
    EXPECT_EQ(a["labels"]["alertname"], "AppDown");
    EXPECT_EQ(a["labels"]["app"], "a");
    EXPECT_TRUE(a.contains("startsAt"));
    severities.insert(a["labels"]["severity"].get<std::string>());
  }
  EXPECT_TRUE(severities.count("critical"));
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(std::chrono::seconds(10)), 0);
}

}  // namespace
}  // namespace tocsin::testing
