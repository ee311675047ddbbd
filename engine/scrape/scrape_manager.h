// ScrapeManager: the scrape pools (one per scrape_config / job), their targets and scrape loops,
// scheduled on one timer wheel (Prometheus' scrape.Manager + scrapePool).
//
// apply(config) on every (re)load: a job whose scrape config is unchanged keeps its loops, series
// caches and file discovery untouched; a removed job stops (stale markers for its series). A
// changed job is rebuilt, as Prometheus reloads a scrape pool: each new loop takes over the
// series state of the old loop for the same target (labels and URL) — no stale markers and no
// gap for series that go on, the cache itself when the series options are unchanged — and the
// targets its file discovery found last time stay until the files are read again. Within a
// job, whenever discovery changes (static_configs at apply, file_sd_configs when files change),
// targets are rebuilt: unchanged targets (same labels and URL) keep their loop; new ones start on
// their hashed phase; vanished ones stop and their series get stale markers. Above target_limit,
// every target of the job fails its scrapes with "target_limit exceeded ...".
//
// Self-metrics: tocsin_scrapes_total{job}, tocsin_scrape_failures_total{job,reason},
// tocsin_targets{job} (active targets).
//
// Scheduling: every loop is a job on the JobScheduler it is given (in the engine, the one wheel
// shared with the rule groups), keyed by the target so its phase is stable across restarts.
//
// Threads: I/O thread only (construct, apply, stop, the views, destroy). File discovery reads
// on the manager's own one-thread blocking pool. Uses `clock` only for stop times. The
// scheduler outlives the manager.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "engine/common/result.h"
#include "engine/common/job_scheduler.h"
#include "engine/config/config.h"
#include "engine/http/curl_client.h"
#include "engine/scrape/file_sd.h"
#include "engine/scrape/scrape_loop.h"
#include "engine/scrape/target.h"

namespace tocsin::scrape {

struct ActiveTargetView {
  std::string pool;
  const Target* target;
  const ScrapeStatus* status;
};

struct DroppedTargetView {
  std::string pool;
  const Labels* discovered;
};

class ScrapeManager {
 public:
  ScrapeManager(boost::asio::io_context& io, http::CurlClient& client, JobScheduler& scheduler,
                AppenderFactory appenders, prometheus::Registry& registry, const Clock& clock);
  ~ScrapeManager();
  ScrapeManager(const ScrapeManager&) = delete;
  ScrapeManager& operator=(const ScrapeManager&) = delete;

  // Applies the scrape_configs. On error (a relabel rule that does not compile, an unreadable
  // password_file) nothing changes.
  Status apply(const config::Config& config);
  // Stops every loop (stale markers for all their series) and discovery.
  void stop();
  // Re-reads every file_sd file now (besides the refresh_interval timer).
  void refresh_discovery();

  // Views for /api/v1/targets; valid until the next apply/discovery update (same turn of the loop).
  std::vector<ActiveTargetView> active_targets() const;
  std::vector<DroppedTargetView> dropped_targets() const;
  std::map<std::string, std::size_t> dropped_target_counts() const;

 private:
  struct Loop {
    std::unique_ptr<ScrapeLoop> loop;
    JobId job = 0;
  };
  struct Pool {
    config::ScrapeConfig config;
    std::shared_ptr<const ScrapeOptions> options;
    std::vector<RelabelRule> relabel_rules;
    std::map<std::string, std::vector<TargetGroup>> groups;  // by provider: "static", "file/0"
    std::vector<std::unique_ptr<FileDiscovery>> discoveries;
    std::map<std::string, Loop> loops;  // by Target::key()
    // Loops of the job's previous configuration not yet taken over, by labels + URL (reload).
    std::map<std::string, std::unique_ptr<ScrapeLoop>> handover;
    bool same_series_options = false;  // as the previous configuration's
    std::vector<DroppedTarget> dropped;
    prometheus::Counter* scrapes = nullptr;
    prometheus::Gauge* targets = nullptr;
  };

  void sync(const std::string& name, Pool& pool);
  void stop_pool(Pool& pool);
  void on_scrape(const std::string& job, std::string_view reason);

  boost::asio::io_context& io_;
  http::CurlClient& client_;
  AppenderFactory appenders_;
  const Clock& clock_;
  JobScheduler& scheduler_;
  boost::asio::thread_pool blocking_{1};
  std::map<std::string, std::unique_ptr<Pool>> pools_;
  prometheus::Family<prometheus::Counter>& scrapes_total_;
  prometheus::Family<prometheus::Counter>& failures_total_;
  prometheus::Family<prometheus::Gauge>& targets_gauge_;
  prometheus::Counter& sd_file_read_errors_;  // prometheus_sd_file_read_errors_total
};

}  // namespace tocsin::scrape
