// The limits of `tocsin run` through the real binary on 127.0.0.1 (docs/operations.md, "Limits"):
// each flag reaches its component, the refusal answers the documented status with a message
// naming the limit, and the metric counts it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "tests/support/http_client.h"
#include "tests/support/subprocess.h"

namespace tocsin::testing {
namespace {

using json = nlohmann::json;

constexpr const char* kConfig = R"(global:
  evaluation_interval: 1h
route:
  receiver: console
  group_by: [alertname]
receivers:
  - name: console
    log_configs: [{}]
)";

// Starts tocsin and returns its port (0 on failure).
std::uint16_t start(Subprocess& p) {
  auto seen = p.wait_for_output("msg=listening", std::chrono::seconds(30));
  if (!seen) return 0;
  std::smatch m;
  if (!std::regex_search(*seen, m, std::regex(R"(address=127\.0\.0\.1:(\d+))"))) return 0;
  return static_cast<std::uint16_t>(std::stoi(m[1]));
}

// The value of the sample `series` (name and labels as exposed), or -1.
double metric(std::uint16_t port, const std::string& series) {
  HttpResult r = http_get(port, "/metrics");
  std::string::size_type at = r.body.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(r.body.substr(at + series.size() + 2));
}

std::string alerts_json(int from, int to) {
  json a = json::array();
  for (int i = from; i < to; ++i) {
    a.push_back({{"labels", {{"alertname", "A" + std::to_string(i)}}}});
  }
  return a.dump();
}

std::string silence_json(const std::string& value, const std::string& comment = "c") {
  return json{{"matchers", {{{"name", "alertname"}, {"value", value}, {"isRegex", false}}}},
              {"startsAt", "2020-01-01T00:00:00Z"},
              {"endsAt", "2999-01-01T00:00:00Z"},
              {"createdBy", "test"},
              {"comment", comment}}
      .dump();
}

TEST(TocsinLimits, FlagsReachTheirComponents) {
  TempDir dir;
  std::string cfg = dir.write("tocsin.yml", kConfig);
  Subprocess p({TOCSIN_BINARY, "run", "--config=" + cfg, "--web.listen-address=127.0.0.1:0",
                "--storage.path=" + dir.path() + "/data", "--web.max-request-body-size=8KiB",
                "--alerts.limit=2", "--silences.max-silences=1",
                "--silences.max-silence-size-bytes=1024", "--query.max-samples=1000"});
  std::uint16_t port = start(p);
  ASSERT_NE(port, 0) << p.stderr_text();

  // --web.max-request-body-size: 413 naming the limit, counted.
  HttpResult big = http_post(port, "/api/v2/alerts", std::string(8 * 1024 + 1, ' '));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(big.body,
            "request body too large: the limit is 8192 bytes, --web.max-request-body-size\n");
  EXPECT_EQ(metric(port, "tocsin_http_requests_rejected_total{reason=\"body_too_large\"}"), 1);
  EXPECT_GE(metric(port, "tocsin_http_open_connections"), 1);  // --web.max-connections' gauge

  // --alerts.limit: the first two are kept, the third refused with 429; updates still pass.
  HttpResult three = http_post(port, "/api/v2/alerts", alerts_json(0, 3));
  EXPECT_EQ(three.status, 429) << three.body;
  EXPECT_NE(three.body.find("alert limit reached: 1 of 3 alerts refused (--alerts.limit=2"),
            std::string::npos)
      << three.body;
  EXPECT_EQ(http_post(port, "/api/v2/alerts", alerts_json(0, 2)).status, 200);
  HttpResult listed = http_get(port, "/api/v2/alerts");
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(json::parse(listed.body).size(), 2u);
  EXPECT_EQ(metric(port, "tocsin_alerts_limited_total"), 1);

  // --silences.max-silence-size-bytes and --silences.max-silences: 400 with Alertmanager's
  // messages.
  HttpResult huge = http_post(port, "/api/v2/silences", silence_json("x", std::string(2000, 'c')));
  EXPECT_EQ(huge.status, 400);
  EXPECT_NE(huge.body.find("silence exceeded maximum size: "), std::string::npos) << huge.body;
  EXPECT_NE(huge.body.find("bytes (limit: 1024 bytes)"), std::string::npos) << huge.body;
  EXPECT_EQ(http_post(port, "/api/v2/silences", silence_json("a")).status, 200);
  HttpResult second = http_post(port, "/api/v2/silences", silence_json("b"));
  EXPECT_EQ(second.status, 400);
  EXPECT_EQ(json::parse(second.body), "exceeded maximum number of silences: 1 (limit: 1)");
  EXPECT_EQ(metric(port, "tocsin_silences_rejected_total{reason=\"max_silences\"}"), 1);
  EXPECT_EQ(metric(port, "tocsin_silences_rejected_total{reason=\"max_size\"}"), 1);

  // --query.max-samples: 422 execution, as Prometheus answers it.
  HttpResult q = http_get(port, "/api/v1/query?query=sum_over_time(vector(1)%5B1h:1s%5D)");
  EXPECT_EQ(q.status, 422) << q.body;
  json qj = json::parse(q.body, nullptr, false);
  EXPECT_EQ(qj["errorType"], "execution");
  EXPECT_EQ(qj["error"],
            "query processing would load too many samples into memory in query execution");
  HttpResult small = http_get(port, "/api/v1/query?query=sum_over_time(vector(1)%5B10m:1m%5D)");
  EXPECT_EQ(small.status, 200) << small.body;
}

TEST(TocsinLimits, QueryTimeoutFlag) {
  TempDir dir;
  std::string cfg = dir.write("tocsin.yml", kConfig);
  Subprocess p({TOCSIN_BINARY, "run", "--config=" + cfg, "--web.listen-address=127.0.0.1:0",
                "--storage.path=" + dir.path() + "/data", "--query.timeout=1ms"});
  std::uint16_t port = start(p);
  ASSERT_NE(port, 0) << p.stderr_text();
  // 2.6 million subquery steps cannot finish in a millisecond; the timeout parameter cannot
  // raise the flag's bound.
  HttpResult q = http_get(
      port, "/api/v1/query?query=count_over_time(vector(1)%5B30d:1s%5D)&timeout=1h");
  EXPECT_EQ(q.status, 503) << q.body;
  json qj = json::parse(q.body, nullptr, false);
  EXPECT_EQ(qj["errorType"], "timeout");
  EXPECT_EQ(qj["error"], "query timed out in expression evaluation");
}

TEST(TocsinLimits, BadLimitFlagsAreUsageErrors) {
  for (const std::vector<std::string>& flag :
       {std::vector<std::string>{"--web.max-request-body-size=lots"},
        std::vector<std::string>{"--alerts.limit=-1"},
        std::vector<std::string>{"--web.max-connections=many"},
        std::vector<std::string>{"--query.timeout=0s"},
        std::vector<std::string>{"--query.max-samples=0"}}) {
    std::vector<std::string> argv{TOCSIN_BINARY, "run", "--web.listen-address=127.0.0.1:0"};
    argv.insert(argv.end(), flag.begin(), flag.end());
    RunResult r = run_program(argv, std::chrono::seconds(30));
    EXPECT_EQ(r.exit_code, 2) << flag[0];
    const std::string name = flag[0].substr(0, flag[0].find('='));
    EXPECT_NE(r.err.find(name), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace tocsin::testing
