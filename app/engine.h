// Engine: the running tocsin process — the composition root that wires concrete components.
//
// It owns the I/O context's users (HTTP server, and as stages land: scrape manager, rule
// manager, dispatcher, notifiers), the metrics registry and the health registry, and applies a
// configuration to all of them at start and on reload. A reload reads files on the blocking
// pool, then applies on the I/O thread; an invalid configuration is rejected as a whole and the
// running one stays.
//
// Thread contract: every method is called on the thread that runs `io` (after start(), only
// from handlers posted to it).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "engine/common/job_scheduler.h"
#include "engine/common/result.h"
#include "engine/common/time.h"
#include "engine/dispatch/alertmanager_sender.h"
#include "engine/dispatch/dispatcher.h"
#include "engine/dispatch/nflog.h"
#include "engine/dispatch/scheduler.h"
#include "engine/dispatch/silence.h"
#include "engine/http/curl_client.h"
#include "engine/http/health.h"
#include "engine/http/router.h"
#include "engine/http/self_metrics.h"
#include "engine/http/server.h"
#include "engine/remote/datasource.h"
#include "engine/remote/remote_write.h"
#include "engine/storage/head.h"
#include "notifiers/metrics.h"
#include "notifiers/templates.h"

namespace tocsin::scrape {
class ScrapeManager;
}
namespace tocsin::rules {
class Manager;
}
namespace tocsin::api {
class AlertmanagerApiV2;
}

namespace tocsin::app {

struct EngineOptions {
  std::vector<std::string> config_files;  // empty: the embedded default
  std::string listen_address = "127.0.0.1:9093";
  std::string web_config_file;  // --web.config.file: TLS and basic auth; "" = plain and open
  std::string external_url;
  std::string storage_path = "./data";
  bool dry_run = false;
  bool compat_prometheus2 = false;  // --compat=prometheus2 (also `tocsin: {compat: ...}`)
  Duration retention = 6 * kHour;    // --storage.retention: samples older than this are dropped
  Duration head_snapshot_interval = kMinute;  // --storage.head-snapshot-interval
  // Bounds (docs/operations.md, "Limits"); 0 = unbounded where the flag allows it.
  std::size_t max_request_body_bytes = 4u << 20;   // --web.max-request-body-size
  std::size_t max_connections = 512;               // --web.max-connections
  std::size_t alerts_limit = 200'000;              // --alerts.limit
  std::size_t max_silences = 10'000;               // --silences.max-silences
  std::size_t max_silence_size_bytes = 64u << 10;  // --silences.max-silence-size-bytes
  std::size_t notification_queue_limit = 10'000;   // --notifications.queue-limit
  std::int64_t query_max_samples = 50'000'000;     // --query.max-samples
  Duration query_timeout = 2 * kMinute;            // --query.timeout
};

// The loaded configuration as the engine applies it: source texts plus the parsed form.
struct LoadedConfig;

class Engine {
 public:
  Engine(boost::asio::io_context& io, EngineOptions options, const Clock& clock);
  ~Engine();

  storage::Head& head() { return head_; }

  // Loads the configuration and starts serving. Errors name every problem found.
  Status start();
  // Re-reads the configuration off the I/O thread and applies it; `done` gets the outcome.
  void reload(std::function<void(Status)> done);
  // Stops accepting work; pending notifications and state are flushed by the stages.
  void shutdown();

  std::uint16_t port() const { return server_ ? server_->port() : 0; }
  bool ready() const { return ready_; }

 private:
  void register_routes();
  Status apply(std::shared_ptr<LoadedConfig> cfg);
  void record_reload(bool ok);
  std::vector<std::unique_ptr<notifiers::Notifier>> make_notifiers(const config::Receiver& r);
  // Loads silences and the notification log from --storage.path (start-up only).
  void load_state();
  // Writes changed state files on the blocking pool; `sync` waits for the writes (shutdown).
  void persist_state(bool sync);
  void schedule_persist();
  // Writes one state file atomically (blocking pool or shutdown); failures are logged and
  // counted, and false.
  bool write_state(const std::string& path, std::string_view data);
  void note_state_write_failure(const std::string& path, const Error& e);
  // Snapshots the series head to head.state (on the blocking pool unless `sync`).
  void snapshot_head(bool sync);
  void schedule_retention();
  void schedule_head_snapshot();

  boost::asio::io_context& io_;
  EngineOptions options_;
  const Clock& clock_;
  Timestamp started_ = 0;
  bool ready_ = false;
  bool reloading_ = false;
  boost::asio::thread_pool blocking_{1};  // file reads and writes (may fsync)
  boost::asio::thread_pool workers_{2};   // queries and rule evaluation (CPU-bound)

  // The series store: written by scrapes and recording rules, read by queries and rules.
  storage::Head head_;

  std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
  std::shared_ptr<http::ProcessCollector> process_collector_;
  prometheus::Gauge* reload_success_ = nullptr;
  prometheus::Gauge* reload_success_time_ = nullptr;
  prometheus::Family<prometheus::Counter>* state_write_failures_ = nullptr;

  // Outbound HTTP (scrapes, notifications): one libcurl-multi client on the I/O loop.
  http::CurlClient curl_;
  // One timer wheel on one steady_timer schedules every scrape and every rule group.
  WheelScheduler wheel_;
  // Pipeline stages, in data-flow order. Declared after what they use, so destroyed first.
  std::unique_ptr<scrape::ScrapeManager> scrape_;
  std::unique_ptr<rules::Manager> rules_;
  // Dispatch: silences and the notification log are the app's (it persists them).
  dispatch::Silences silences_;
  dispatch::NotificationLog nflog_;
  dispatch::AsioScheduler dispatch_scheduler_;
  notifiers::NotifierMetrics notifier_metrics_;
  notifiers::TemplateSetPtr templates_;
  std::unique_ptr<dispatch::Dispatcher> dispatcher_;
  std::unique_ptr<api::AlertmanagerApiV2> am_api_;
  // Rule alerts also go to external Alertmanagers named by `alerting: alertmanagers:`.
  std::unique_ptr<dispatch::AlertmanagerSender> am_sender_;
  // Remote data (`datasource:`, `remote_write:`): replaced on the I/O thread by apply(), read by
  // rule workers; guarded by remote_mu_.
  void apply_remote(const LoadedConfig& cfg);
  std::vector<std::shared_ptr<remote::RemoteWriter>> remote_writers() const;
  mutable std::mutex remote_mu_;
  std::shared_ptr<const remote::Datasource> datasource_;
  std::vector<std::shared_ptr<remote::RemoteWriter>> writers_;
  remote::DatasourceMetrics datasource_metrics_;
  remote::RemoteWriteMetrics remote_write_metrics_;
  boost::asio::steady_timer persist_timer_;
  boost::asio::steady_timer retention_timer_;
  boost::asio::steady_timer head_snapshot_timer_;
  // Versions last handed to a write; kNeverWritten after a failed one, so the next persist
  // writes again.
  static constexpr std::uint64_t kNeverWritten = ~std::uint64_t{0};
  std::uint64_t silences_written_ = 0;
  std::uint64_t nflog_written_ = 0;
  std::uint64_t alerts_written_ = 0;  // rules_->state_version() last persisted
  std::uint64_t alerts_hash_ = 0;     // hash of the alert-state body last written
  dispatch::DispatchStateMarks dispatch_written_;  // the dispatcher's versions last persisted
  bool dispatch_writing_ = false;       // a dispatch.state write is on the worker (I/O thread)
  std::mutex dispatch_write_mu_;        // held while dispatch.state is written (any thread)
  std::optional<std::string> dispatch_state_;  // read at start, until the dispatcher exists

  http::HealthRegistry health_;
  http::Router router_;
  std::unique_ptr<http::HttpServer> server_;
  std::shared_ptr<LoadedConfig> config_;
};

}  // namespace tocsin::app
