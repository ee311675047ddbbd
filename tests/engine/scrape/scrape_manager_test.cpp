// ScrapeManager end to end: YAML config → targets (static and file_sd) → scrape loops on the
// timer wheel → real exporters on 127.0.0.1 → storage::Head, and /api/v1/targets.
#include "engine/scrape/scrape_manager.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/scrape/targets_api.h"
#include "tests/engine/http/tls_server.h"
#include "tests/engine/scrape/scrape_testing.h"
#include "tests/support/subprocess.h"

namespace tocsin::scrape {
namespace {

using ::tocsin::testing::run_until;
using testing::Exporter;
using testing::series_of;

class ScrapeManagerTest : public ::testing::Test {
 protected:
  ScrapeManagerTest() : a_(io_), b_(io_), client_(io_) {
    a_.body = "metric_a 1\n";
    b_.body = "metric_b 2\n";
    manager_ = std::make_unique<ScrapeManager>(
        io_, client_, scheduler_, [this] { return head_.appender(); }, registry_, clock_);
  }

  std::string yaml(const std::string& jobs) {
    return "global:\n  scrape_interval: 100ms\n  scrape_timeout: 80ms\nscrape_configs:\n" + jobs;
  }

  const ActiveTargetView* active(const std::string& instance) {
    views_ = manager_->active_targets();
    for (const auto& v : views_) {
      if (v.target->labels.get("instance") == instance) return &v;
    }
    return nullptr;
  }

  bool scraped(const std::string& instance) {
    const auto* v = active(instance);
    return v != nullptr && v->status->health != TargetHealth::kUnknown;
  }

  double metric_value(const std::string& name, const std::map<std::string, std::string>& labels) {
    for (const auto& fam : registry_.Collect()) {
      if (fam.name != name) continue;
      for (const auto& m : fam.metric) {
        std::map<std::string, std::string> got;
        for (const auto& l : m.label) got[l.name] = l.value;
        if (got == labels) return fam.type == prometheus::MetricType::Counter ? m.counter.value
                                                                               : m.gauge.value;
      }
    }
    return -1;
  }

  boost::asio::io_context io_;
  Exporter a_, b_;
  http::CurlClient client_;
  storage::Head head_;
  prometheus::Registry registry_;
  SystemClock clock_;
  WheelScheduler scheduler_{io_, clock_};
  std::unique_ptr<ScrapeManager> manager_;
  std::vector<ActiveTargetView> views_;
  ::tocsin::testing::TempDir dir_;
};

TEST_F(ScrapeManagerTest, StaticTargetsAreScrapedPeriodically) {
  auto cfg = testing::load_yaml(yaml("  - job_name: static\n    static_configs:\n"
                                     "      - targets: ['" + a_.address() + "']\n"
                                     "        labels: {env: test}\n"));
  ASSERT_TRUE(manager_->apply(cfg));
  ASSERT_TRUE(run_until(io_, [&] { return a_.hits >= 3; }));
  auto s = series_of(head_, "metric_a");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s.begin()->first,
            "metric_a{env=\"test\", instance=\"" + a_.address() + "\", job=\"static\"}");
  const auto& samples = s.begin()->second;
  ASSERT_GE(samples.size(), 2u);
  // Turns are phase-aligned to the 100ms interval.
  EXPECT_EQ(samples[1].t - samples[0].t, 100);
  EXPECT_EQ(samples[0].t % 100, samples[1].t % 100);
  EXPECT_GE(metric_value("tocsin_scrapes_total", {{"job", "static"}}), 2);
  EXPECT_EQ(metric_value("tocsin_targets", {{"job", "static"}}), 1);
}

TEST_F(ScrapeManagerTest, FileSdTargetsAppearAndDisappearWithStaleness) {
  const std::string file = dir_.write("targets.json", "[{\"targets\": [\"" + a_.address() +
                                                          "\"], \"labels\": {\"team\": \"x\"}}]");
  auto cfg = testing::load_yaml(yaml("  - job_name: files\n    file_sd_configs:\n"
                                     "      - files: ['" + dir_.path() + "/*.json']\n"
                                     "        refresh_interval: 1h\n"));
  ASSERT_TRUE(manager_->apply(cfg));
  ASSERT_TRUE(run_until(io_, [&] { return scraped(a_.address()); }));
  EXPECT_EQ(active(a_.address())->target->labels.get("team"), "x");
  EXPECT_EQ(active(a_.address())->target->discovered.get("__meta_filepath"), file);

  // The file is rewritten: a goes, b comes.
  dir_.write("targets.json", "[{\"targets\": [\"" + b_.address() + "\"]}]");
  manager_->refresh_discovery();
  ASSERT_TRUE(run_until(io_, [&] { return scraped(b_.address()); }));
  EXPECT_EQ(active(a_.address()), nullptr);
  auto a = series_of(head_, "metric_a").begin()->second;
  EXPECT_TRUE(storage::is_stale_nan(a.back().v)) << "a's series must end with a stale marker";
  std::string up_a = "up{instance=\"" + a_.address() + "\", job=\"files\", team=\"x\"}";
  EXPECT_TRUE(storage::is_stale_nan(series_of(head_, "up")[up_a].back().v));
  const int a_hits = a_.hits;

  // A broken rewrite keeps b.
  dir_.write("targets.json", "[{\"targets\": [");
  manager_->refresh_discovery();
  int b_hits = b_.hits;
  ASSERT_TRUE(run_until(io_, [&] { return b_.hits >= b_hits + 3; }));
  EXPECT_NE(active(b_.address()), nullptr);
  EXPECT_EQ(a_.hits, a_hits);
  EXPECT_EQ(metric_value("tocsin_targets", {{"job", "files"}}), 1);
}

TEST_F(ScrapeManagerTest, ReloadKeepsUnchangedJobsAndRebuildsChangedOnes) {
  const std::string jobs = "  - job_name: one\n    static_configs: [{targets: ['" + a_.address() +
                           "']}]\n  - job_name: two\n    static_configs: [{targets: ['" +
                           b_.address() + "']}]\n";
  ASSERT_TRUE(manager_->apply(testing::load_yaml(yaml(jobs))));
  ASSERT_TRUE(run_until(io_, [&] { return scraped(a_.address()) && scraped(b_.address()); }));
  const Target* a_before = active(a_.address())->target;
  const Target* b_before = active(b_.address())->target;

  // Same config again: the very same loops.
  ASSERT_TRUE(manager_->apply(testing::load_yaml(yaml(jobs))));
  EXPECT_EQ(active(a_.address())->target, a_before);
  EXPECT_EQ(active(b_.address())->target, b_before);
  EXPECT_NE(active(a_.address())->status->health, TargetHealth::kUnknown);

  // Job two changes (a label), job one does not.
  std::string changed = jobs;
  changed.replace(changed.rfind("']}]"), 4, "'], labels: {v: '2'}}]");
  ASSERT_TRUE(manager_->apply(testing::load_yaml(yaml(changed))));
  EXPECT_EQ(active(a_.address())->target, a_before);
  ASSERT_NE(active(b_.address()), nullptr);
  EXPECT_EQ(active(b_.address())->target->labels.get("v"), "2");

  // A job removed: its targets go, with stale markers.
  ASSERT_TRUE(manager_->apply(testing::load_yaml(yaml(changed.substr(0, changed.find("  - job_name: two"))))));
  EXPECT_EQ(active(b_.address()), nullptr);
  EXPECT_TRUE(storage::is_stale_nan(series_of(head_, "metric_b").begin()->second.back().v));
}

// A changed job is rebuilt as Prometheus reloads a scrape pool: the new loops take over the old
// loops' series, so nothing that goes on gets a stale marker (no gap for queries), targets from
// an unchanged file_sd_config stay, and only series the new configuration no longer writes end.
TEST_F(ScrapeManagerTest, ChangedJobHandsItsSeriesOverWithoutStaleMarkers) {
  a_.body = "metric_a 1\nmetric_x 2\n";
  dir_.write("targets.json", "[{\"targets\": [\"" + a_.address() + "\"]}]");
  auto job = [&](const std::string& timeout, const std::string& extra) {
    return yaml("  - job_name: j\n    scrape_timeout: " + timeout +
                "\n    static_configs: [{targets: ['" + b_.address() + "']}]\n" +
                "    file_sd_configs: [{files: ['" + dir_.path() + "/*.json'], "
                "refresh_interval: 1h}]\n" + extra);
  };
  auto stale_count = [&](const std::string& name) {
    int n = 0;
    for (const auto& [series, samples] : series_of(head_, name)) {
      for (const auto& smp : samples) n += storage::is_stale_nan(smp.v) ? 1 : 0;
    }
    return n;
  };
  ASSERT_TRUE(manager_->apply(testing::load_yaml(job("80ms", ""))));
  ASSERT_TRUE(run_until(io_, [&] { return a_.hits >= 2 && b_.hits >= 2; }));

  // The timeout changes: every loop is replaced, the series options are the same.
  ASSERT_TRUE(manager_->apply(testing::load_yaml(job("70ms", ""))));
  int a_hits = a_.hits, b_hits = b_.hits;
  ASSERT_TRUE(run_until(io_, [&] { return a_.hits >= a_hits + 3 && b_.hits >= b_hits + 3; }));
  ASSERT_NE(active(a_.address()), nullptr);
  EXPECT_EQ(active(a_.address())->target->internal.get("__scrape_timeout__"), "70ms");
  for (const char* name : {"metric_a", "metric_x", "metric_b", "up", "scrape_duration_seconds"}) {
    EXPECT_EQ(stale_count(name), 0) << name << " got a stale marker across the reload";
  }

  // Metric relabelling now drops metric_x: the cache cannot carry over, and only metric_x ends.
  ASSERT_TRUE(manager_->apply(testing::load_yaml(job(
      "70ms", "    metric_relabel_configs: [{source_labels: [__name__], regex: metric_x, "
              "action: drop}]\n"))));
  a_hits = a_.hits;
  ASSERT_TRUE(run_until(io_, [&] { return a_.hits >= a_hits + 3; }));
  EXPECT_EQ(stale_count("metric_x"), 1);
  EXPECT_TRUE(storage::is_stale_nan(series_of(head_, "metric_x").begin()->second.back().v));
  EXPECT_EQ(stale_count("metric_a"), 0);
  EXPECT_EQ(stale_count("up"), 0);

  // The job removed: now everything ends.
  ASSERT_TRUE(manager_->apply(testing::load_yaml(yaml(""))));
  EXPECT_EQ(stale_count("metric_a"), 1);
  EXPECT_EQ(stale_count("metric_b"), 1);
}

TEST_F(ScrapeManagerTest, BadRelabelConfigChangesNothing) {
  config::Config cfg = testing::load_yaml(
      yaml("  - job_name: one\n    static_configs: [{targets: ['" + a_.address() + "']}]\n"));
  ASSERT_TRUE(manager_->apply(cfg));
  config::Config bad = cfg;
  RelabelConfig r;
  r.regex = "(";
  bad.scrape_configs[0].relabel_configs.push_back(r);
  auto st = manager_->apply(bad);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("scrape job one: relabel_configs"), std::string::npos)
      << st.error().message;
  EXPECT_NE(active(a_.address()), nullptr);
}

TEST_F(ScrapeManagerTest, TargetLimitFailsEveryTargetOfTheJob) {
  auto cfg = testing::load_yaml(yaml("  - job_name: limited\n    target_limit: 1\n"
                                     "    static_configs: [{targets: ['" + a_.address() + "', '" +
                                     b_.address() + "']}]\n"));
  ASSERT_TRUE(manager_->apply(cfg));
  ASSERT_TRUE(run_until(io_, [&] { return scraped(a_.address()) && scraped(b_.address()); }));
  EXPECT_EQ(active(a_.address())->status->last_error,
            "target_limit exceeded (number of targets: 2, limit: 1)");
  EXPECT_EQ(a_.hits + b_.hits, 0);
  EXPECT_GE(metric_value("tocsin_scrape_failures_total",
                         {{"job", "limited"}, {"reason", "target_limit"}}),
            2);
}

TEST_F(ScrapeManagerTest, TargetsApi) {
  auto cfg = testing::load_yaml(yaml(
      "  - job_name: api\n    scrape_timeout: 50ms\n"
      "    static_configs: [{targets: ['" + a_.address() + "', 'dropme:1']}]\n"
      "    relabel_configs:\n      - source_labels: [__address__]\n        regex: 'dropme:.*'\n"
      "        action: drop\n"
      "  - job_name: broken\n    static_configs: [{targets: ['" + b_.address() + "']}]\n"));
  b_.status = 500;
  ASSERT_TRUE(manager_->apply(cfg));
  ASSERT_TRUE(run_until(io_, [&] { return scraped(a_.address()) && scraped(b_.address()); }));

  http::Router router;
  register_targets_api(router, *manager_);
  http::Response res;
  http::Request req;
  req.method = "GET";
  req.path = "/api/v1/targets";
  router.dispatch(req, [&](http::Response r) { res = std::move(r); });
  ASSERT_EQ(res.status, 200);
  auto j = nlohmann::json::parse(res.body);
  EXPECT_EQ(j["status"], "success");
  auto& active_targets = j["data"]["activeTargets"];
  ASSERT_EQ(active_targets.size(), 2u);
  nlohmann::json a, b;
  for (auto& t : active_targets) (t["scrapePool"] == "api" ? a : b) = t;
  EXPECT_EQ(a["labels"], (nlohmann::json{{"instance", a_.address()}, {"job", "api"}}));
  EXPECT_EQ(a["discoveredLabels"]["__address__"], a_.address());
  EXPECT_EQ(a["discoveredLabels"]["__scrape_timeout__"], "50ms");
  EXPECT_EQ(a["scrapeUrl"], "http://" + a_.address() + "/metrics");
  EXPECT_EQ(a["globalUrl"], a["scrapeUrl"]);
  EXPECT_EQ(a["health"], "up");
  EXPECT_EQ(a["lastError"], "");
  EXPECT_EQ(a["scrapeInterval"], "100ms");
  EXPECT_EQ(a["scrapeTimeout"], "50ms");
  EXPECT_TRUE(a["lastScrapeDuration"].is_number());
  EXPECT_EQ(a["lastScrape"].get<std::string>().back(), 'Z');
  EXPECT_EQ(b["health"], "down");
  EXPECT_EQ(b["lastError"], "server returned HTTP status 500 Internal Server Error");
  auto& dropped = j["data"]["droppedTargets"];
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0]["discoveredLabels"]["__address__"], "dropme:1");
  EXPECT_EQ(j["data"]["droppedTargetCounts"]["api"], 1);

  auto only_dropped = nlohmann::json::parse(targets_json(*manager_, "dropped", ""));
  EXPECT_TRUE(only_dropped["data"]["activeTargets"].empty());
  EXPECT_EQ(only_dropped["data"]["droppedTargets"].size(), 1u);
  auto only_active = nlohmann::json::parse(targets_json(*manager_, "active", "broken"));
  EXPECT_EQ(only_active["data"]["activeTargets"].size(), 1u);
  EXPECT_TRUE(only_active["data"]["droppedTargets"].empty());
}

TEST_F(ScrapeManagerTest, RelabellingAndTlsThroughTheRealLoop) {
  auto pki = ::tocsin::testing::make_test_pki(dir_.path());
  ::tocsin::testing::TlsServer tls(io_, a_.router(), pki);
  a_.body = "metric_a{x=\"1\"} 1\nnoise 5\n";
  auto cfg = testing::load_yaml(yaml(
      // A TLS handshake under sanitizers on a loaded machine can take longer than the
      // fixture's 80ms timeout: this job gets a generous one.
      "  - job_name: tls\n    scrape_interval: 1s\n    scrape_timeout: 1s\n"
      "    scheme: https\n    tls_config:\n      ca_file: " + pki.ca_file +
      "\n      server_name: scrape.example\n"
      "    static_configs: [{targets: ['127.0.0.1:" + std::to_string(tls.port()) + "']}]\n"
      "    relabel_configs:\n      - target_label: instance\n        replacement: secure\n"
      "    metric_relabel_configs:\n      - source_labels: [__name__]\n        regex: noise\n"
      "        action: drop\n"));
  ASSERT_TRUE(manager_->apply(cfg));
  ASSERT_TRUE(run_until(io_, [&] { return scraped("secure"); }));
  EXPECT_EQ(active("secure")->status->health, TargetHealth::kUp) << active("secure")->status->last_error;
  auto s = series_of(head_, "metric_a");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s.begin()->first, "metric_a{instance=\"secure\", job=\"tls\", x=\"1\"}");
  EXPECT_TRUE(series_of(head_, "noise").empty());
}

}  // namespace
}  // namespace tocsin::scrape
