// ScrapeLoop against a real exporter on 127.0.0.1, writing into a real storage::Head.
#include "engine/scrape/scrape_loop.h"

#include <gtest/gtest.h>

#include "parser/exposition/content_type.h"
#include "tests/engine/http/tls_server.h"
#include "tests/engine/scrape/scrape_testing.h"
#include "tests/support/net.h"
#include "tests/support/subprocess.h"

namespace tocsin::scrape {
namespace {

using ::tocsin::testing::run_until;
using testing::Exporter;
using testing::last_value;
using testing::series_of;

constexpr Timestamp kT0 = 1'700'000'000'000;

class ScrapeLoopTest : public ::testing::Test {
 protected:
  ScrapeLoopTest() : exporter_(io_), client_(io_) {
    cfg_.job_name = "node";
    cfg_.scrape_interval = 15 * kSecond;
    cfg_.scrape_timeout = 2 * kSecond;
  }

  // (Re)creates the loop from cfg_ for the exporter (or `address`).
  void make_loop(std::string address = "") {
    if (address.empty()) address = exporter_.address();
    auto built = build_target(Labels{{"__address__", address}}, Labels{}, cfg_, {});
    ASSERT_TRUE(built && built->target) << (built ? "dropped" : built.error().message);
    auto options = make_scrape_options(cfg_);
    ASSERT_TRUE(options) << options.error().message;
    loop_ = std::make_unique<ScrapeLoop>(
        client_, [this] { return head_.appender(); }, *options, std::move(*built->target),
        [this](std::string_view reason) { reasons_.emplace_back(reason); });
  }

  // One scrape at `ts`, run to completion.
  void scrape(Timestamp ts) {
    bool done = false;
    loop_->scrape(ts, [&] { done = true; });
    ASSERT_TRUE(run_until(io_, [&] { return done; }));
  }

  std::string instance() const { return exporter_.address(); }
  std::string lbl(const std::string& name, const std::string& extra = "") const {
    return name + "{" + extra + "instance=\"" + instance() + "\", job=\"node\"}";
  }
  double up() const { return last_value(head_, "up", lbl("up")); }

  boost::asio::io_context io_;
  Exporter exporter_;
  http::CurlClient client_;
  storage::Head head_;
  config::ScrapeConfig cfg_;
  std::unique_ptr<ScrapeLoop> loop_;
  std::vector<std::string> reasons_;
};

TEST_F(ScrapeLoopTest, TextFormatSamplesAndReportSeries) {
  exporter_.body =
      "# HELP requests_total Requests.\n# TYPE requests_total counter\n"
      "requests_total{code=\"200\"} 10\nrequests_total{code=\"500\"} 2\ntemperature 21.5\n";
  make_loop();
  scrape(kT0);
  EXPECT_EQ(exporter_.last_request.header("accept"), exposition::kScrapeAcceptHeader);
  EXPECT_EQ(exporter_.last_request.header("x-prometheus-scrape-timeout-seconds"), "2");
  EXPECT_NE(exporter_.last_request.header("accept-encoding").find("gzip"), std::string::npos);

  auto req = series_of(head_, "requests_total");
  ASSERT_EQ(req.size(), 2u);
  ASSERT_EQ(req[lbl("requests_total", "code=\"200\", ")].size(), 1u);
  EXPECT_EQ(req[lbl("requests_total", "code=\"200\", ")][0].t, kT0);
  EXPECT_EQ(req[lbl("requests_total", "code=\"200\", ")][0].v, 10);
  EXPECT_EQ(last_value(head_, "temperature", lbl("temperature")), 21.5);
  EXPECT_EQ(up(), 1);
  EXPECT_EQ(last_value(head_, "scrape_samples_scraped", lbl("scrape_samples_scraped")), 3);
  EXPECT_EQ(last_value(head_, "scrape_samples_post_metric_relabeling",
                       lbl("scrape_samples_post_metric_relabeling")),
            3);
  EXPECT_EQ(last_value(head_, "scrape_series_added", lbl("scrape_series_added")), 3);
  EXPECT_GT(last_value(head_, "scrape_duration_seconds", lbl("scrape_duration_seconds")), 0);
  EXPECT_EQ(loop_->status().health, TargetHealth::kUp);
  EXPECT_EQ(loop_->status().last_scrape, kT0);
  EXPECT_EQ(loop_->cache_size(), 3u);

  // Second scrape: known series come from the cache; nothing new is added.
  exporter_.body = "requests_total{code=\"200\"} 11\nrequests_total{code=\"500\"} 2\ntemperature 22\n";
  scrape(kT0 + 15'000);
  EXPECT_EQ(last_value(head_, "scrape_series_added", lbl("scrape_series_added")), 0);
  EXPECT_EQ(last_value(head_, "requests_total", lbl("requests_total", "code=\"200\", ")), 11);
  EXPECT_EQ(loop_->cache_size(), 3u);
  EXPECT_EQ(reasons_, (std::vector<std::string>{"", ""}));
}

TEST_F(ScrapeLoopTest, OpenMetricsByContentTypeWithTimestamps) {
  exporter_.content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
  exporter_.body =
      "# TYPE jobs counter\njobs_total 5 1699999999.5\njobs_created 1600000000\n"
      "# TYPE info_x info\ninfo_x_info{v=\"1\"} 1\n# EOF\n";
  make_loop();
  scrape(kT0);
  auto jobs = series_of(head_, "jobs_total");
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs.begin()->second.at(0).t, 1'699'999'999'500);  // the exposed timestamp
  EXPECT_TRUE(series_of(head_, "jobs_created").empty());
  EXPECT_EQ(last_value(head_, "info_x_info", "info_x_info{instance=\"" + instance() + "\", job=\"node\", v=\"1\"}"), 1);
  EXPECT_EQ(up(), 1);

  // honor_timestamps: false stores the scrape's own time.
  cfg_.honor_timestamps = false;
  make_loop();
  scrape(kT0 + 15'000);
  auto j2 = series_of(head_, "jobs_total");
  EXPECT_EQ(j2.begin()->second.back().t, kT0 + 15'000);
}

TEST_F(ScrapeLoopTest, SlowTargetTimesOut) {
  exporter_.body = "a 1\n";
  exporter_.delay_ms = 3000;
  cfg_.scrape_timeout = 200;
  make_loop();
  auto start = std::chrono::steady_clock::now();
  scrape(kT0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(loop_->status().health, TargetHealth::kDown);
  EXPECT_NE(loop_->status().last_error.find("context deadline exceeded"), std::string::npos)
      << loop_->status().last_error;
  EXPECT_EQ(up(), 0);
  EXPECT_EQ(reasons_, (std::vector<std::string>{"timeout"}));
  EXPECT_TRUE(series_of(head_, "a").empty());
}

TEST_F(ScrapeLoopTest, BodySizeLimit) {
  exporter_.body = std::string(2000, '#') + "\na 1\n";
  cfg_.body_size_limit = 1000;
  make_loop();
  scrape(kT0);
  EXPECT_EQ(loop_->status().last_error, "body size limit exceeded");
  EXPECT_EQ(reasons_.back(), "body_size_limit");
  EXPECT_EQ(up(), 0);
  cfg_.body_size_limit = 4000;
  make_loop();
  scrape(kT0 + 1);
  EXPECT_EQ(up(), 1);
}

TEST_F(ScrapeLoopTest, MalformedBodiesNameTheLine) {
  struct Case {
    const char* body;
    const char* content_type;
    const char* want_prefix;
  };
  const Case cases[] = {
      {"a 1\nb{ 2\n", "text/plain; version=0.0.4", "line 2:"},
      {"a 1\nb 2\nc{x=\"y\" 3\n", "text/plain; version=0.0.4", "line 3:"},
      {"a notanumber\n", "text/plain; version=0.0.4", "line 1:"},
      {"# TYPE a gauge\na 1\n", "application/openmetrics-text; version=1.0.0", ""},  // no # EOF
  };
  Timestamp ts = kT0;
  for (const auto& c : cases) {
    exporter_.body = c.body;
    exporter_.content_type = c.content_type;
    make_loop();
    scrape(ts += 1000);
    EXPECT_EQ(loop_->status().health, TargetHealth::kDown) << c.body;
    EXPECT_EQ(loop_->status().last_error.rfind(c.want_prefix, 0), 0u)
        << c.body << " → " << loop_->status().last_error;
    EXPECT_FALSE(loop_->status().last_error.empty());
    EXPECT_EQ(reasons_.back(), "parse");
    EXPECT_EQ(up(), 0);
  }
  EXPECT_TRUE(series_of(head_, "a").empty());  // a failed scrape appends nothing
}

TEST_F(ScrapeLoopTest, Http500) {
  exporter_.status = 500;
  exporter_.body = "a 1\n";
  make_loop();
  scrape(kT0);
  EXPECT_EQ(loop_->status().last_error, "server returned HTTP status 500 Internal Server Error");
  EXPECT_EQ(reasons_.back(), "http_status");
  EXPECT_EQ(up(), 0);
}

TEST_F(ScrapeLoopTest, ConnectionRefused) {
  tocsin::testing::RefusingPort refusing;
  make_loop("127.0.0.1:" + std::to_string(refusing.port()));
  scrape(kT0);
  EXPECT_EQ(loop_->status().health, TargetHealth::kDown);
  EXPECT_EQ(reasons_.back(), "connection");
  EXPECT_NE(loop_->status().last_error.find("Get \"http://127.0.0.1:"), std::string::npos);
}

TEST_F(ScrapeLoopTest, StaleMarkersForVanishedSeriesFailuresAndStop) {
  exporter_.body = "a 1\nb 2\n";
  make_loop();
  scrape(kT0);
  exporter_.body = "a 1\n";  // b disappears
  scrape(kT0 + 15'000);
  auto b = series_of(head_, "b")[lbl("b")];
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[1].t, kT0 + 15'000);
  EXPECT_TRUE(storage::is_stale_nan(b[1].v));
  auto a = series_of(head_, "a")[lbl("a")];
  EXPECT_FALSE(storage::is_stale_nan(a.back().v));

  exporter_.status = 503;  // the target goes down: its series end
  scrape(kT0 + 30'000);
  a = series_of(head_, "a")[lbl("a")];
  ASSERT_EQ(a.size(), 3u);
  EXPECT_TRUE(storage::is_stale_nan(a[2].v));
  EXPECT_EQ(a[2].t, kT0 + 30'000);
  EXPECT_EQ(up(), 0);
  EXPECT_EQ(series_of(head_, "b")[lbl("b")].size(), 2u);  // not marked twice

  exporter_.status = 200;
  exporter_.body = "a 5\n";
  scrape(kT0 + 45'000);
  EXPECT_EQ(last_value(head_, "a", lbl("a")), 5);
  loop_->stop(kT0 + 50'000);  // the target is removed
  a = series_of(head_, "a")[lbl("a")];
  EXPECT_TRUE(storage::is_stale_nan(a.back().v));
  EXPECT_EQ(a.back().t, kT0 + 50'000);
  EXPECT_TRUE(storage::is_stale_nan(series_of(head_, "up")[lbl("up")].back().v));
}

TEST_F(ScrapeLoopTest, ExposedTimestampsAreLeftOutOfStaleness) {
  exporter_.body = "a 1 1699999990000\nb 1\n";
  make_loop();
  scrape(kT0);
  exporter_.body = "";
  scrape(kT0 + 15'000);
  EXPECT_EQ(series_of(head_, "a")[lbl("a")].size(), 1u);
  EXPECT_TRUE(storage::is_stale_nan(series_of(head_, "b")[lbl("b")].back().v));
}

TEST_F(ScrapeLoopTest, TargetLabelsWinUnlessHonorLabels) {
  exporter_.body = "m{job=\"exported\",instance=\"i\",exported_job=\"x\"} 1\n";
  make_loop();
  scrape(kT0);
  auto m = series_of(head_, "m");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m.begin()->first,
            "m{exported_exported_job=\"exported\", exported_instance=\"i\", exported_job=\"x\", "
            "instance=\"" + instance() + "\", job=\"node\"}");

  storage::Head other;
  cfg_.honor_labels = true;
  make_loop();
  loop_ = std::make_unique<ScrapeLoop>(
      client_, [&] { return other.appender(); }, *make_scrape_options(cfg_),
      loop_->target(), ScrapeObserver{});
  scrape(kT0);
  auto h = series_of(other, "m");
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h.begin()->first, "m{exported_job=\"x\", instance=\"i\", job=\"exported\"}");
}

TEST_F(ScrapeLoopTest, MetricRelabelling) {
  exporter_.body = "keep_me{x=\"1\"} 1\ndrop_me 2\nkeep_me{x=\"2\"} 3\n";
  RelabelConfig drop;
  drop.source_labels = {"__name__"};
  drop.regex = "drop_.*";
  drop.action = RelabelAction::kDrop;
  RelabelConfig rename;
  rename.source_labels = {"x"};
  rename.target_label = "y";
  rename.replacement = "v$1";
  cfg_.metric_relabel_configs = {drop, rename};
  make_loop();
  scrape(kT0);
  EXPECT_TRUE(series_of(head_, "drop_me").empty());
  auto k = series_of(head_, "keep_me");
  ASSERT_EQ(k.size(), 2u);
  EXPECT_EQ(k.begin()->first,
            "keep_me{instance=\"" + instance() + "\", job=\"node\", x=\"1\", y=\"v1\"}");
  EXPECT_EQ(last_value(head_, "scrape_samples_scraped", lbl("scrape_samples_scraped")), 3);
  EXPECT_EQ(last_value(head_, "scrape_samples_post_metric_relabeling",
                       lbl("scrape_samples_post_metric_relabeling")),
            2);
  // The dropped series is cached as dropped: the next scrape skips it without relabelling.
  scrape(kT0 + 15'000);
  EXPECT_EQ(loop_->cache_size(), 3u);
  EXPECT_TRUE(series_of(head_, "drop_me").empty());
}

TEST_F(ScrapeLoopTest, SampleLimitFailsTheWholeScrape) {
  exporter_.body = "a 1\nb 2\nc 3\n";
  cfg_.sample_limit = 2;
  make_loop();
  scrape(kT0);
  EXPECT_EQ(loop_->status().last_error, "sample limit exceeded");
  EXPECT_EQ(reasons_.back(), "sample_limit");
  EXPECT_TRUE(series_of(head_, "a").empty());
  EXPECT_EQ(up(), 0);
  cfg_.sample_limit = 3;
  make_loop();
  scrape(kT0 + 1);
  EXPECT_EQ(up(), 1);
}

TEST_F(ScrapeLoopTest, LabelLimits) {
  struct Case {
    std::uint64_t count, name_len, value_len;
    std::string want;
  };
  const Case cases[] = {
      {3, 0, 0, "label_limit exceeded (metric: m, number of labels: 4, limit: 3)"},
      {0, 5, 0, "label_name_length_limit exceeded (metric: m, label name: __name__, length: 8, "
                "limit: 5)"},
      {0, 0, 14, "label_value_length_limit exceeded (metric: m, label name: instance, value: \"" +
                     instance() + "\", length: " + std::to_string(instance().size()) +
                     ", limit: 14)"},
  };
  exporter_.body = "m{a=\"b\"} 1\n";
  Timestamp ts = kT0;
  for (const auto& c : cases) {
    cfg_.label_limit = c.count;
    cfg_.label_name_length_limit = c.name_len;
    cfg_.label_value_length_limit = c.value_len;
    make_loop();
    scrape(ts += 1000);
    EXPECT_EQ(loop_->status().last_error, c.want);
    EXPECT_EQ(reasons_.back(), "label_limit");
  }
  EXPECT_TRUE(series_of(head_, "m").empty());
  cfg_.label_limit = 4;
  cfg_.label_name_length_limit = 8;
  cfg_.label_value_length_limit = 0;
  make_loop();
  scrape(ts + 1000);
  EXPECT_EQ(up(), 1);
}

TEST_F(ScrapeLoopTest, ForcedErrorFailsWithoutContactingTheTarget) {
  exporter_.body = "a 1\n";
  make_loop();
  loop_->set_forced_error("target_limit exceeded (number of targets: 3, limit: 2)");
  scrape(kT0);
  EXPECT_EQ(exporter_.hits, 0);
  EXPECT_EQ(reasons_.back(), "target_limit");
  EXPECT_EQ(loop_->status().last_error, "target_limit exceeded (number of targets: 3, limit: 2)");
  loop_->set_forced_error(std::nullopt);
  scrape(kT0 + 1);
  EXPECT_EQ(exporter_.hits, 1);
  EXPECT_EQ(up(), 1);
}

TEST_F(ScrapeLoopTest, BasicAuthRightAndWrong) {
  exporter_.body = "a 1\n";
  exporter_.required_auth = "Basic dXNlcjpwYXNz";  // user:pass
  cfg_.http.basic_auth = config::BasicAuth{};
  cfg_.http.basic_auth->username = "user";
  cfg_.http.basic_auth->password = config::Secret("wrong");
  make_loop();
  scrape(kT0);
  EXPECT_EQ(loop_->status().last_error, "server returned HTTP status 401 Unauthorized");
  ::tocsin::testing::TempDir dir;
  cfg_.http.basic_auth->password = config::Secret();
  cfg_.http.basic_auth->password_file = dir.write("pw", "pass\n");
  make_loop();
  scrape(kT0 + 1);
  EXPECT_EQ(loop_->status().health, TargetHealth::kUp) << loop_->status().last_error;
}

TEST_F(ScrapeLoopTest, TlsWithTestCa) {
  ::tocsin::testing::TempDir dir;
  auto pki = ::tocsin::testing::make_test_pki(dir.path());
  ::tocsin::testing::TlsServer tls(io_, exporter_.router(), pki);
  exporter_.body = "secure 1\n";
  cfg_.scheme = "https";
  cfg_.http.tls_config.ca_file = pki.other_ca_file;
  make_loop("localhost:" + std::to_string(tls.port()));
  scrape(kT0);
  EXPECT_EQ(loop_->status().health, TargetHealth::kDown);
  EXPECT_EQ(reasons_.back(), "connection");
  cfg_.http.tls_config.ca_file = pki.ca_file;
  make_loop("localhost:" + std::to_string(tls.port()));
  scrape(kT0 + 1);
  EXPECT_EQ(loop_->status().health, TargetHealth::kUp) << loop_->status().last_error;
  EXPECT_EQ(series_of(head_, "secure").size(), 1u);
}

TEST_F(ScrapeLoopTest, GzipNegotiatedOrNot) {
  exporter_.body = "a 1\n";
  cfg_.enable_compression = false;
  make_loop();
  scrape(kT0);
  EXPECT_EQ(exporter_.last_request.header("accept-encoding"), "identity");
}

}  // namespace
}  // namespace tocsin::scrape
