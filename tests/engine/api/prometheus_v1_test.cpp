// The Prometheus v1 query API over a real HttpServer on 127.0.0.1 and a real Head.
#include "engine/api/prometheus_v1.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine/http/server.h"
#include "tests/support/http_client.h"

namespace tocsin::api {
namespace {

using json = nlohmann::json;
using testing::http_get;
using testing::http_post;

class PrometheusV1Test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto app = head_.appender();
    // http_requests_total{job="api", instance="a"} grows 1/s; {instance="b"} 2/s; 0..600s.
    for (Timestamp t = 0; t <= 600'000; t += 15'000) {
      app->add(Labels{{"__name__", "http_requests_total"}, {"job", "api"}, {"instance", "a"}}, t,
               static_cast<double>(t) / 1000.0);
      app->add(Labels{{"__name__", "http_requests_total"}, {"job", "api"}, {"instance", "b"}}, t,
               2 * static_cast<double>(t) / 1000.0);
      app->add(Labels{{"__name__", "up"}, {"job", "node"}, {"instance", "c"}}, t, 1);
    }
    ASSERT_TRUE(app->commit());
    clock_.set(600'000);
    register_prometheus_v1(router_, head_, workers_, clock_,
                           BuildInfo{"0.1.0", "abc", "main", "", "", "g++"}, options_);
    http::ServerOptions so;
    so.port = 0;
    server_ = std::make_unique<http::HttpServer>(io_, router_, so);
    ASSERT_TRUE(server_->start());
    port_ = server_->port();
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    io_.stop();
    thread_.join();
    workers_.join();
  }

  json get_json(const std::string& target, int want_status = 200) {
    auto r = http_get(port_, target);
    EXPECT_EQ(r.status, want_status) << target << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }

  storage::Head head_;
  PrometheusV1Options options_;
  FakeClock clock_;
  boost::asio::io_context io_;
  boost::asio::thread_pool workers_{2};
  http::Router router_;
  std::unique_ptr<http::HttpServer> server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

TEST_F(PrometheusV1Test, InstantQueryVector) {
  json j = get_json("/api/v1/query?query=sum+by+(job)+(rate(http_requests_total[5m]))&time=600");
  EXPECT_EQ(j["status"], "success");
  EXPECT_EQ(j["data"]["resultType"], "vector");
  ASSERT_EQ(j["data"]["result"].size(), 1u);
  EXPECT_EQ(j["data"]["result"][0]["metric"], json({{"job", "api"}}));
  EXPECT_EQ(j["data"]["result"][0]["value"][0], 600.0);
  EXPECT_NEAR(std::stod(j["data"]["result"][0]["value"][1].get<std::string>()), 3.0, 1e-9);
}

TEST_F(PrometheusV1Test, InstantQueryDefaultsToNowAndScalar) {
  json j = get_json("/api/v1/query?query=1%2B1");
  EXPECT_EQ(j["data"]["resultType"], "scalar");
  EXPECT_EQ(j["data"]["result"][0], 600.0);
  EXPECT_EQ(j["data"]["result"][1], "2");
  json s = get_json("/api/v1/query?query=%22hi%22&time=1.5");
  EXPECT_EQ(s["data"]["resultType"], "string");
  EXPECT_EQ(s["data"]["result"][1], "hi");
}

TEST_F(PrometheusV1Test, PostFormBody) {
  auto r = http_post(port_, "/api/v1/query", "query=up&time=2024-01-01T00:00:00Z",
                     "application/x-www-form-urlencoded");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["data"]["result"].size(), 0u);  // no samples in 2024
  r = http_post(port_, "/api/v1/query", "query=up&time=300", "application/x-www-form-urlencoded");
  EXPECT_EQ(json::parse(r.body)["data"]["result"].size(), 1u);
}

TEST_F(PrometheusV1Test, RangeQueryMatrix) {
  json j = get_json("/api/v1/query_range?query=http_requests_total%7Binstance%3D%22a%22%7D"
                    "&start=0&end=60&step=15s");
  EXPECT_EQ(j["data"]["resultType"], "matrix");
  ASSERT_EQ(j["data"]["result"].size(), 1u);
  auto values = j["data"]["result"][0]["values"];
  ASSERT_EQ(values.size(), 5u);
  EXPECT_EQ(values[4], json::array({60.0, "60"}));
  EXPECT_EQ(j["data"]["result"][0]["metric"]["__name__"], "http_requests_total");
}

TEST_F(PrometheusV1Test, Errors) {
  json j = get_json("/api/v1/query?query=sum(", 400);
  EXPECT_EQ(j["status"], "error");
  EXPECT_EQ(j["errorType"], "bad_data");
  EXPECT_NE(j["error"].get<std::string>().find("1:5"), std::string::npos) << j["error"];
  j = get_json("/api/v1/query?query=up&time=yesterday", 400);
  EXPECT_NE(j["error"].get<std::string>().find("invalid parameter \"time\""), std::string::npos);
  j = get_json("/api/v1/query_range?query=up&start=10&end=0&step=1", 400);
  EXPECT_EQ(j["errorType"], "bad_data");
  j = get_json("/api/v1/query_range?query=up&start=0&end=10&step=0", 400);
  EXPECT_NE(j["error"].get<std::string>().find("step"), std::string::npos);
  j = get_json("/api/v1/query_range?query=up%5B5m%5D&start=0&end=10&step=1", 400);
  EXPECT_NE(j["error"].get<std::string>().find("range query"), std::string::npos);
  // Many-to-many matching fails at evaluation: 422 execution.
  j = get_json("/api/v1/query?query=http_requests_total+%2B+on(job)+http_requests_total&time=600",
               422);
  EXPECT_EQ(j["errorType"], "execution");
  j = get_json("/api/v1/series", 400);
  EXPECT_EQ(j["error"], "no match[] parameter provided");
}

// --query.max-samples: 50 samples, while a selector of http_requests_total reads 82 (2 series,
// 41 samples each, over the range and its 5m lookback).
class PrometheusV1LimitsTest : public PrometheusV1Test {
 protected:
  PrometheusV1LimitsTest() { options_.eval.max_samples = 50; }
};

TEST_F(PrometheusV1LimitsTest, TooManySamplesIs422ExecutionAsPrometheus) {
  for (const std::string target :
       {"/api/v1/query?query=sum_over_time(http_requests_total%5B10m%5D)&time=600",
        "/api/v1/query_range?query=http_requests_total&start=300&end=600&step=15"}) {
    json j = get_json(target, 422);
    EXPECT_EQ(j["status"], "error");
    EXPECT_EQ(j["errorType"], "execution");
    EXPECT_EQ(j["error"],
              "query processing would load too many samples into memory in query execution");
  }
  // Within the limit: one series' 41 samples.
  json j = get_json("/api/v1/query?query=count_over_time(up%5B10m%5D)&time=600");
  EXPECT_EQ(j["data"]["result"][0]["value"][1], "40");
}

TEST_F(PrometheusV1Test, TimeoutParameter) {
  // A timeout of 0 has passed before the query starts: 503 timeout, as Prometheus.
  json j = get_json("/api/v1/query?query=up&time=600&timeout=0s", 503);
  EXPECT_EQ(j["errorType"], "timeout");
  EXPECT_EQ(j["error"], "query timed out in expression evaluation");
  j = get_json("/api/v1/query_range?query=up&start=0&end=600&step=15&timeout=0", 503);
  EXPECT_EQ(j["errorType"], "timeout");
  j = get_json("/api/v1/query?query=up&timeout=soon", 400);
  EXPECT_EQ(j["errorType"], "bad_data");
  EXPECT_NE(j["error"].get<std::string>().find("invalid parameter \"timeout\""),
            std::string::npos);
  // A generous timeout (still capped by the 2m default) changes nothing.
  j = get_json("/api/v1/query?query=up&time=600&timeout=1h");
  EXPECT_EQ(j["status"], "success");
}

TEST_F(PrometheusV1Test, SeriesLabelsAndValues) {
  json j = get_json("/api/v1/series?match%5B%5D=http_requests_total&start=0&end=600");
  ASSERT_EQ(j["data"].size(), 2u);
  EXPECT_EQ(j["data"][0]["instance"], "a");
  j = get_json("/api/v1/labels");
  EXPECT_EQ(j["data"], json({"__name__", "instance", "job"}));
  j = get_json("/api/v1/label/job/values");
  EXPECT_EQ(j["data"], json({"api", "node"}));
  j = get_json("/api/v1/label/instance/values?match%5B%5D=up");
  EXPECT_EQ(j["data"], json({"c"}));
  j = get_json("/api/v1/status/buildinfo");
  EXPECT_EQ(j["data"]["version"], "0.1.0");
}

TEST(ApiTime, ParsesUnixAndRfc3339) {
  EXPECT_EQ(parse_api_time("1.5"), 1500);
  EXPECT_EQ(parse_api_time("1970-01-01T00:00:02Z"), 2000);
  EXPECT_FALSE(parse_api_time("abc"));
  EXPECT_EQ(parse_api_duration("15s"), 15000);
  EXPECT_EQ(parse_api_duration("0.25"), 250);
  EXPECT_FALSE(parse_api_duration("5x"));
}

}  // namespace
}  // namespace tocsin::api
