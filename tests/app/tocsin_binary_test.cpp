// Integration: the real tocsin binary on an ephemeral 127.0.0.1 port — readiness, health,
// metrics, limits, reloads (good and broken) and graceful shutdown.
#include <signal.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "tests/support/http_client.h"
#include "tests/support/subprocess.h"

namespace tocsin::testing {
namespace {

constexpr const char* kGoodConfig = R"(global:
  scrape_interval: 15s
  evaluation_interval: 15s
  resolve_timeout: 5m
scrape_configs:
  - job_name: self
    static_configs:
      - targets: ["127.0.0.1:9"]
route:
  receiver: console
  group_by: [alertname]
receivers:
  - name: console
    log_configs: [{}]
)";

constexpr const char* kBrokenConfig = R"(global:
  scrape_interval: 15s
route:
  receiver: console
  group_wait: 5x
receivers:
  - name: console
)";

// Starts tocsin and returns its port (0 on failure).
std::uint16_t start(Subprocess& p) {
  auto seen = p.wait_for_output("msg=listening", std::chrono::seconds(30));
  if (!seen) return 0;
  std::smatch m;
  if (!std::regex_search(*seen, m, std::regex(R"(address=127\.0\.0\.1:(\d+))"))) return 0;
  return static_cast<std::uint16_t>(std::stoi(m[1]));
}

double metric_value(const std::string& text, const std::string& name) {
  std::smatch m;
  if (std::regex_search(text, m, std::regex("\n" + name + R"( ([-+0-9.eE]+))"))) {
    return std::stod(m[1]);
  }
  return -1;
}

TEST(TocsinBinary, ServesReadyHealthMetricsAndReloads) {
  TempDir dir;
  std::string cfg = dir.write("tocsin.yml", kGoodConfig);
  Subprocess p({TOCSIN_BINARY, "run", "--config=" + cfg, "--web.listen-address=127.0.0.1:0",
                "--storage.path=" + dir.path() + "/data"});
  std::uint16_t port = start(p);
  ASSERT_NE(port, 0) << p.stderr_text();

  EXPECT_EQ(http_get(port, "/-/ready").status, 200);
  EXPECT_EQ(http_get(port, "/-/healthy").status, 200);
  EXPECT_EQ(http_get(port, "/no/such/path").status, 404);
  EXPECT_EQ(http_request("DELETE", port, "/-/ready").status, 405);

  HttpResult health = http_get(port, "/health");
  ASSERT_EQ(health.status, 200);
  auto h = nlohmann::json::parse(health.body);
  EXPECT_EQ(h["status"], "healthy");
  EXPECT_TRUE(h["uptime_seconds"].is_number());
  ASSERT_TRUE(h["components"].contains("config"));
  EXPECT_EQ(h["components"]["config"]["status"], "healthy");
  EXPECT_TRUE(h["components"]["config"]["latency_seconds"].is_number());

  HttpResult metrics = http_get(port, "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.headers["content-type"].find("version=0.0.4"), std::string::npos);
  EXPECT_NE(metrics.body.find("tocsin_build_info{"), std::string::npos);
  EXPECT_NE(metrics.body.find("process_cpu_seconds_total "), std::string::npos);
  EXPECT_EQ(metric_value(metrics.body, "tocsin_config_last_reload_successful"), 1);
  EXPECT_GT(metric_value(metrics.body, "tocsin_config_last_reload_success_timestamp_seconds"), 1e9);
  EXPECT_GE(metric_value(metrics.body, "process_resident_memory_bytes"), 1e5);

  // Bodies over the limit are refused with 413.
  EXPECT_EQ(http_post(port, "/-/reload", std::string(5 * 1024 * 1024, 'x')).status, 413);

  // A broken file: the reload fails, the old configuration keeps running.
  dir.write("tocsin.yml", kBrokenConfig);
  HttpResult bad = http_post(port, "/-/reload", "");
  EXPECT_EQ(bad.status, 500);
  EXPECT_NE(bad.body.find("tocsin.yml:5:15: route.group_wait"), std::string::npos) << bad.body;
  metrics = http_get(port, "/metrics");
  EXPECT_EQ(metric_value(metrics.body, "tocsin_config_last_reload_successful"), 0);
  EXPECT_EQ(http_get(port, "/-/ready").status, 200);
  HttpResult unhealthy = http_get(port, "/health");
  EXPECT_EQ(unhealthy.status, 503);
  EXPECT_NE(p.stderr_text().find("configuration reload failed"), std::string::npos);

  // Fixed again and reloaded by SIGHUP.
  dir.write("tocsin.yml", kGoodConfig);
  p.signal(SIGHUP);
  bool reloaded = false;
  for (int i = 0; i < 500 && !reloaded; ++i) {
    reloaded = metric_value(http_get(port, "/metrics").body,
                            "tocsin_config_last_reload_successful") == 1;
    if (!reloaded) p.wait(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(reloaded);

  p.signal(SIGTERM);
  auto code = p.wait(std::chrono::seconds(10));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
  EXPECT_NE(p.stderr_text().find("shutting down gracefully"), std::string::npos);
}

TEST(TocsinBinary, RunsTheEmbeddedDefaultConfig) {
  TempDir dir;
  Subprocess p({TOCSIN_BINARY, "run", "--web.listen-address=127.0.0.1:0",
                "--storage.path=" + dir.path() + "/data", "--log.format=json"});
  std::uint16_t port = 0;
  auto seen = p.wait_for_output("\"msg\":\"listening\"", std::chrono::seconds(30));
  ASSERT_TRUE(seen) << p.stderr_text();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(*seen, m, std::regex(R"(127\.0\.0\.1:(\d+))")));
  port = static_cast<std::uint16_t>(std::stoi(m[1]));
  EXPECT_EQ(http_get(port, "/-/ready").status, 200);
  p.signal(SIGINT);
  EXPECT_EQ(p.wait(std::chrono::seconds(10)), 0);
}

TEST(TocsinBinary, StartFailsOnInvalidConfigWithPosition) {
  TempDir dir;
  std::string cfg = dir.write("bad.yml", kBrokenConfig);
  RunResult r = run_program({TOCSIN_BINARY, "run", "--config=" + cfg,
                             "--web.listen-address=127.0.0.1:0"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bad.yml:5:15: route.group_wait"), std::string::npos) << r.err;
}

TEST(TocsinBinary, CheckConfigReportsEveryError) {
  TempDir dir;
  std::string good = dir.write("good.yml", kGoodConfig);
  std::string bad = dir.write("bad.yml", R"(global:
  scrape_interval: 1x
route:
  receiver: nobody
  group_wait: 5x
receivers:
  - name: console
    opsgenie_configs:
      - api_key: abc
)");
  RunResult ok = run_program({TOCSIN_BINARY, "check", "config", good});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  RunResult r = run_program({TOCSIN_BINARY, "check", "config", bad});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bad.yml:2:20: global.scrape_interval"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("bad.yml:5:15: route.group_wait"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("opsgenie_configs"), std::string::npos) << r.err;
  RunResult missing = run_program({TOCSIN_BINARY, "check", "config", dir.path() + "/nope.yml"});
  EXPECT_EQ(missing.exit_code, 1);
}

TEST(TocsinBinary, EvalWithoutInputIsAUsageError) {
  RunResult r = run_program({TOCSIN_BINARY, "eval"});  // tests/app/eval tests the command
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--series"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace tocsin::testing

namespace tocsin::testing {
namespace {

TEST(TocsinBinary, TestPromqlRunsScripts) {
  TempDir dir;
  std::string good = dir.write("good.test", R"(load 1m
  metric{a="x"} 0+10x10

eval instant at 5m metric
  metric{a="x"} 50

eval instant at 5m rate(metric[5m])
  {a="x"} 0.16666666666666666
)");
  std::string bad = dir.write("bad.test", R"(load 1m
  metric 1 2 3

eval instant at 2m metric
  metric 4
)");
  RunResult ok = run_program({TOCSIN_BINARY, "test", "promql", good});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("2 passed, 0 failed, 0 skipped"), std::string::npos) << ok.out;
  RunResult fail = run_program({TOCSIN_BINARY, "test", "promql", good, bad});
  EXPECT_EQ(fail.exit_code, 1);
  EXPECT_NE(fail.out.find("2 passed, 1 failed, 0 skipped"), std::string::npos) << fail.out;
  EXPECT_EQ(run_program({TOCSIN_BINARY, "test", "promql", "--compat=prometheus9", good}).exit_code,
            2);
}

}  // namespace
}  // namespace tocsin::testing

namespace tocsin::testing {
namespace {

// The embedded default: scrapes itself and loads the meta-monitoring rules.
TEST(TocsinBinary, EmbeddedDefaultScrapesItselfAndLoadsMetaRules) {
  TempDir dir;
  Subprocess p({TOCSIN_BINARY, "run", "--web.listen-address=127.0.0.1:0",
                "--storage.path=" + dir.path() + "/data"});
  std::uint16_t port = start(p);
  ASSERT_NE(port, 0) << p.stderr_text();
  auto rules = nlohmann::json::parse(http_get(port, "/api/v1/rules").body);
  ASSERT_EQ(rules["data"]["groups"].size(), 1u) << rules.dump();
  EXPECT_EQ(rules["data"]["groups"][0]["name"], "tocsin-meta");
  std::vector<std::string> names;
  for (const auto& r : rules["data"]["groups"][0]["rules"]) names.push_back(r["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"TargetDown", "RuleEvaluationFailures",
                                             "NotificationsFailing", "LimitReached",
                                             "ConfigReloadFailed"}));
  auto targets = nlohmann::json::parse(http_get(port, "/api/v1/targets").body);
  ASSERT_EQ(targets["data"]["activeTargets"].size(), 1u);
  EXPECT_EQ(targets["data"]["activeTargets"][0]["labels"]["instance"],
            "127.0.0.1:" + std::to_string(port));
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(std::chrono::seconds(10)), 0);
}

}  // namespace
}  // namespace tocsin::testing

namespace tocsin::testing {
namespace {

TEST(TocsinBinary, CheckAndTestRulesOnTheShippedRuleFiles) {
  std::string src = TOCSIN_SOURCE_DIR;
  RunResult check = run_program({TOCSIN_BINARY, "check", "rules", src + "/rules/builtin/meta.rules.yml"});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  RunResult test = run_program({TOCSIN_BINARY, "test", "rules",
                                src + "/rules/builtin/meta.rules.test.yml"});
  EXPECT_EQ(test.exit_code, 0) << test.out << test.err;
  EXPECT_NE(test.out.find("3 passed, 0 failed"), std::string::npos) << test.out;

  TempDir dir;
  std::string bad = dir.write("bad.rules.yml", "groups:\n  - name: g\n    rules:\n      - alert: X\n"
                                               "        expr: sum by (job (up)\n");
  RunResult r = run_program({TOCSIN_BINARY, "check", "rules", bad});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE((r.out + r.err).find("bad.rules.yml:5:"), std::string::npos) << r.out << r.err;
  RunResult gh = run_program({TOCSIN_BINARY, "check", "rules", "--format=github", bad});
  EXPECT_NE((gh.out + gh.err).find("::error file="), std::string::npos) << gh.out << gh.err;
}

}  // namespace
}  // namespace tocsin::testing

namespace tocsin::testing {
namespace {

// libcurl is loaded at run time (engine/http/curl_library.h). When it cannot be, tocsin still
// starts and serves its APIs; every outbound request fails with the loader's reason, so the
// target shows down with it.
TEST(TocsinBinary, WithoutLibcurlTargetsAreDownWithTheReason) {
  TempDir dir;
  std::string cfg = dir.write("tocsin.yml", kGoodConfig);
  Subprocess p({"/usr/bin/env", "TOCSIN_LIBCURL=/nonexistent/libcurl.so.4", TOCSIN_BINARY, "run",
                "--config=" + cfg, "--web.listen-address=127.0.0.1:0",
                "--storage.path=" + dir.path() + "/data"});
  std::uint16_t port = start(p);
  ASSERT_NE(port, 0) << p.stderr_text();
  EXPECT_EQ(http_get(port, "/-/ready").status, 200);
  EXPECT_EQ(http_post(port, "/api/v2/alerts", R"([{"labels":{"alertname":"Manual"}}])").status,
            200);
  EXPECT_NE(http_get(port, "/api/v2/alerts").body.find("Manual"), std::string::npos);
  // The first scrape comes within one 15 s interval; wait for it, bounded.
  std::string last_error;
  for (int i = 0; i < 300 && last_error.empty(); ++i) {
    auto t = nlohmann::json::parse(http_get(port, "/api/v1/targets").body, nullptr, false);
    if (t.is_object() && t["data"]["activeTargets"].size() == 1) {
      last_error = t["data"]["activeTargets"][0].value("lastError", "");
    }
    if (last_error.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(last_error.find("cannot load libcurl: /nonexistent/libcurl.so.4"), std::string::npos)
      << last_error;
  EXPECT_NE(p.stderr_text().find("cannot load libcurl"), std::string::npos);
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(std::chrono::seconds(10)), 0);
}

}  // namespace
}  // namespace tocsin::testing
