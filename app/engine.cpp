#include "app/engine.h"

#include <filesystem>

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>
#include <prometheus/family.h>

#include "app/secret_files.h"
#include "app/version.h"
#include "engine/api/alertmanager_v2.h"
#include "engine/api/prometheus_v1.h"
#include "engine/common/hash.h"
#include "engine/common/log.h"
#include "engine/common/state_file.h"
#include "engine/config/load.h"
#include "engine/config/web_config.h"
#include "engine/remote/datasource.h"
#include "engine/remote/remote_write.h"
#include "engine/rules/api.h"
#include "engine/rules/manager.h"
#include "engine/scrape/scrape_manager.h"
#include "engine/scrape/targets_api.h"
#include "engine/storage/head_snapshot.h"
#include "notifiers/factory.h"
#include "rules/builtin_files.h"

namespace tocsin::app {

namespace asio = boost::asio;

struct LoadedConfig {
  config::Config config;
  rules::LoadedRules rules;            // rule files read and validated with the configuration
  notifiers::TemplateSetPtr templates;  // `templates:` globs on top of the defaults
  dispatch::AlertmanagerPlan alertmanagers;  // external Alertmanagers (alerting.alertmanagers)
  std::optional<config::HttpOptions> datasource_http;  // set when `datasource:` is configured
  std::vector<config::HttpOptions> remote_write_http;  // one per remote_write entry
  std::shared_ptr<const http::WebSecurity> web;  // --web.config.file; null without one
};

namespace {

// Virtual directory of the embedded files; paths under it are read from tocsin::builtin.
constexpr std::string_view kBuiltinDir = "<builtin>";

rules::ManagerOptions rules_options(const EngineOptions& options) {
  rules::ManagerOptions o;
  o.external_url = options.external_url;
  o.compat_prometheus2 = options.compat_prometheus2;
  o.max_samples = static_cast<std::int64_t>(options.query_max_samples);
  o.query_timeout = options.query_timeout;
  return o;
}

// Reads and validates everything a configuration names (blocking: runs on the blocking pool
// on reload). A configuration is applied whole or not at all.
Result<std::shared_ptr<LoadedConfig>> load_configuration(const EngineOptions& options,
                                                         http::CurlClient& curl) {
  config::LoadResult loaded;
  if (options.config_files.empty()) {
    std::string text(builtin::file("tocsin.yml"));
    const std::string placeholder = "__LISTEN_ADDRESS__";
    std::string target = options.listen_address;
    if (target.rfind("0.0.0.0:", 0) == 0 || target.rfind(":", 0) == 0) {
      target = "127.0.0.1" + target.substr(target.find(':'));
    }
    for (size_t p; (p = text.find(placeholder)) != std::string::npos;) {
      text.replace(p, placeholder.size(), target);
    }
    loaded = config::load_config_from_string(text, std::string(kBuiltinDir) + "/tocsin.yml");
  } else {
    loaded = config::load_config(options.config_files);
  }
  if (!loaded) return tl::unexpected(config::to_error(loaded.error()));
  auto cfg = std::make_shared<LoadedConfig>();
  cfg->config = std::move(*loaded);
  // The web config is read with the configuration (at start and on every reload), certificate
  // and key files included; an invalid one fails the load like any configuration error.
  if (!options.web_config_file.empty()) {
    auto web = config::load_web_config(options.web_config_file);
    if (!web) return tl::unexpected(config::to_error(web.error()));
    cfg->web = web->security;
  }
  // Secrets named by file are read here, on the blocking pool, never on the I/O thread.
  if (auto st = inline_secret_files(cfg->config); !st) return tl::unexpected(st.error());
  // Remote data: http_config resolved here (secret and TLS files read off the I/O thread).
  // datasource.query_offset is the rules' default offset while a datasource is used.
  if (!cfg->config.datasource.url.empty()) {
    auto http = config::resolve_http_options(cfg->config.datasource.http);
    if (!http) return tl::unexpected(http.error().with_context("datasource"));
    cfg->datasource_http = std::move(*http);
    if (cfg->config.datasource.query_offset > 0) {
      cfg->config.global.rule_query_offset = cfg->config.datasource.query_offset;
    }
  }
  for (const auto& w : cfg->config.remote_write) {
    auto http = config::resolve_http_options(w.http);
    if (!http) return tl::unexpected(http.error().with_context("remote_write " + w.url));
    cfg->remote_write_http.push_back(std::move(*http));
  }
  auto rules = rules::Manager::load(rules::RulesConfig::from(cfg->config), rules_options(options));
  if (!rules) return tl::unexpected(rules.error());
  cfg->rules = std::move(*rules);
  auto ams = dispatch::prepare_alertmanagers(cfg->config.alerting);
  if (!ams) return tl::unexpected(ams.error().with_context("alerting.alertmanagers"));
  cfg->alertmanagers = std::move(*ams);
  auto templates = notifiers::load_notification_templates(cfg->config.templates);
  if (!templates) return tl::unexpected(templates.error().with_context("templates"));
  cfg->templates = std::move(*templates);
  // Build every receiver's integrations once, so a bad secret file or template fails the load.
  notifiers::NotifierDeps deps;
  deps.client = &curl;
  deps.templates = cfg->templates;
  deps.dry_run = options.dry_run;
  for (const auto& r : cfg->config.receivers) {
    auto n = notifiers::make_notifiers(r, cfg->config.global, deps);
    if (!n) return tl::unexpected(n.error().with_context("receiver \"" + r.name + "\""));
  }
  return cfg;
}

std::string state_path(const EngineOptions& o, const char* name) {
  return (std::filesystem::path(o.storage_path) / name).string();
}

nlohmann::json dead_letter_json(const dispatch::DeadLetter& d) {
  nlohmann::json alerts = nlohmann::json::array();
  for (const auto& a : d.alerts) {
    nlohmann::json labels = nlohmann::json::object();
    for (const auto& [k, v] : a.labels) labels[k] = v;
    alerts.push_back({{"labels", labels},
                      {"fingerprint", fingerprint_hex(a.fingerprint())},
                      {"startsAt", format_rfc3339(a.starts_at)},
                      {"status", a.resolved_at(d.at) ? "resolved" : "firing"}});
  }
  return {{"at", format_rfc3339(d.at)},
          {"receiver", d.receiver},
          {"integration", d.integration},
          {"integrationIndex", d.integration_index},
          {"groupKey", d.group_key},
          {"error", d.error},
          {"attempts", d.attempts},
          {"alerts", alerts}};
}

}  // namespace

Engine::Engine(asio::io_context& io, EngineOptions options, const Clock& clock)
    : io_(io),
      options_(std::move(options)),
      clock_(clock),
      curl_(io),
      wheel_(io, clock),
      silences_(dispatch::SilencesOptions{.retention = 120 * kHour,
                                          .max_silences = options_.max_silences,
                                          .max_silence_size_bytes =
                                              options_.max_silence_size_bytes},
                registry_.get()),
      nflog_(120 * kHour, registry_.get()),
      dispatch_scheduler_(io, clock),
      notifier_metrics_(*registry_),
      persist_timer_(io),
      retention_timer_(io),
      head_snapshot_timer_(io) {
  process_collector_ = std::make_shared<http::ProcessCollector>();
  prometheus::BuildGauge()
      .Name("tocsin_build_info")
      .Help("A metric with a constant '1' value labeled by version, revision and compiler.")
      .Register(*registry_)
      .Add({{"version", version()}, {"revision", revision()}, {"compiler", compiler()}})
      .Set(1);
  reload_success_ = &prometheus::BuildGauge()
                         .Name("tocsin_config_last_reload_successful")
                         .Help("Whether the last configuration reload attempt was successful.")
                         .Register(*registry_)
                         .Add({});
  state_write_failures_ = &prometheus::BuildCounter()
                              .Name("tocsin_state_write_failures_total")
                              .Help("State file writes that failed (disk full, permissions), by file.")
                              .Register(*registry_);
  reload_success_time_ = &prometheus::BuildGauge()
                              .Name("tocsin_config_last_reload_success_timestamp_seconds")
                              .Help("Timestamp of the last successful configuration reload.")
                              .Register(*registry_)
                              .Add({});

  scrape_ = std::make_unique<scrape::ScrapeManager>(
      io_, curl_, wheel_, [this] { return head_.appender(); }, *registry_, clock_);
  datasource_metrics_.queries = &prometheus::BuildCounter()
                                     .Name("tocsin_datasource_queries_total")
                                     .Help("Instant queries sent to the datasource by rules.")
                                     .Register(*registry_)
                                     .Add({});
  datasource_metrics_.failures = &prometheus::BuildCounter()
                                      .Name("tocsin_datasource_query_failures_total")
                                      .Help("Datasource queries that failed (unreachable, "
                                            "timeout, error status or body).")
                                      .Register(*registry_)
                                      .Add({});
  remote_write_metrics_.requests = &prometheus::BuildCounter()
                                        .Name("tocsin_remote_write_requests_total")
                                        .Help("Remote-write requests by endpoint and result.")
                                        .Register(*registry_);
  remote_write_metrics_.samples = &prometheus::BuildCounter()
                                       .Name("tocsin_remote_write_samples_total")
                                       .Help("Samples remote-written successfully.")
                                       .Register(*registry_);
  remote_write_metrics_.dropped = &prometheus::BuildCounter()
                                       .Name("tocsin_remote_write_requests_dropped_total")
                                       .Help("Remote-write requests given up (queue full or a "
                                             "non-retryable answer).")
                                       .Register(*registry_);
  // Rules read the datasource when one is configured, and their output also goes to every
  // remote_write endpoint.
  rules::RuleStorage rule_storage{
      &head_,
      [this]() -> std::unique_ptr<storage::Appender> {
        auto writers = remote_writers();
        if (writers.empty()) return head_.appender();
        return std::make_unique<remote::TeeAppender>(head_.appender(), std::move(writers));
      },
      [this]() -> std::shared_ptr<const rules::InstantQuerier> {
        std::lock_guard lock(remote_mu_);
        return datasource_;
      }};
  rules_ = std::make_unique<rules::Manager>(
      std::move(rule_storage),
      [this](std::vector<Alert> alerts, Timestamp now) {
        if (am_sender_) am_sender_->send(alerts);
        if (dispatcher_) dispatcher_->put(std::move(alerts), now);
      },
      wheel_, *registry_, rules_options(options_),
      [this](std::function<void()> f) { asio::post(workers_, std::move(f)); },
      [this](std::function<void()> f) { asio::post(io_, std::move(f)); });
  am_sender_ = std::make_unique<dispatch::AlertmanagerSender>(curl_, *registry_);
}

Engine::~Engine() {
  persist_timer_.cancel();
  retention_timer_.cancel();
  head_snapshot_timer_.cancel();
  if (dispatcher_) dispatcher_->stop();
  blocking_.join();
  workers_.join();
}

std::vector<std::unique_ptr<notifiers::Notifier>> Engine::make_notifiers(
    const config::Receiver& r) {
  notifiers::NotifierDeps deps;
  deps.client = &curl_;
  deps.templates = templates_;
  deps.metrics = &notifier_metrics_;
  deps.dry_run = options_.dry_run;
  const config::GlobalConfig& global = config_ ? config_->config.global : config::GlobalConfig{};
  auto n = notifiers::make_notifiers(r, global, deps);
  if (!n) {
    // Validated at load time; a failure here (a secret file vanished) is logged, and the
    // receiver gets no integration until the next reload.
    log::error("cannot build receiver integrations",
               {{"receiver", r.name}, {"err", n.error().message}});
    return {};
  }
  return std::move(*n);
}

void Engine::record_reload(bool ok) {
  reload_success_->Set(ok ? 1 : 0);
  if (ok) reload_success_time_->Set(static_cast<double>(clock_.now()) / 1000.0);
}

void Engine::load_state() {
  std::error_code ec;
  std::filesystem::create_directories(options_.storage_path, ec);
  if (ec) {
    log::warn("cannot create the storage directory; state will not survive a restart",
              {{"path", options_.storage_path}, {"err", ec.message()}});
  }
  // Each file is framed (kind, version, length, checksum): a truncated or corrupt one is
  // logged with what is lost and skipped; tocsin starts anyway.
  auto read = [&](const char* name, std::string_view kind, int version,
                  const char* lost) -> std::optional<std::string> {
    std::string path = state_path(options_, name);
    if (!std::filesystem::exists(path)) return std::nullopt;
    auto text = read_state_file(path);
    auto body = text ? unframe_state(kind, version, *text) : Result<std::string>(tl::unexpected(text.error()));
    if (!body) {
      log::error("state file unreadable; starting without it",
                 {{"file", path}, {"lost", lost}, {"err", body.error().message}});
      return std::nullopt;
    }
    return std::move(*body);
  };
  auto restore = [&](const char* name, std::string_view kind, const char* lost, auto& store) {
    auto body = read(name, kind, 1, lost);
    if (!body) return;
    if (Status st = store.load(*body); !st) {
      log::error("state file unreadable; starting without it",
                 {{"file", state_path(options_, name)}, {"lost", lost}, {"err", st.error().message}});
    }
  };
  restore("silences.json", "silences", "silences", silences_);
  restore("nflog.json", "nflog", "notification log (repeats may be sent early)", nflog_);
  silences_written_ = silences_.version();
  nflog_written_ = nflog_.version();
  if (auto body = read("alerts.state", rules::kAlertStateKind, rules::kAlertStateVersion,
                       "alert states (for: restarts from pending)")) {
    auto saved = rules::decode_alert_states(*body);
    if (saved) {
      rules_->restore(std::move(*saved));
    } else {
      log::error("state file unreadable; starting without it",
                 {{"file", state_path(options_, "alerts.state")},
                  {"lost", "alert states (for: restarts from pending)"},
                  {"err", saved.error().message}});
    }
  }
  alerts_written_ = rules_->state_version();
  // Aggregation groups and the alerts they hold: restored once the dispatcher exists.
  dispatch_state_ = read("dispatch.state", dispatch::kDispatchStateKind,
                         dispatch::kDispatchStateVersion,
                         "aggregation groups and received alerts (groups start over)");
  if (auto body = read("head.state", storage::kHeadSnapshotKind, storage::kHeadSnapshotVersion,
                       "recent samples (rules see no history until scrapes refill it)")) {
    auto st = storage::decode_head(*body, head_);
    if (st) {
      log::info("series head restored", {{"series", std::to_string(st->series)},
                                         {"samples", std::to_string(st->samples)}});
    } else {
      log::error("head snapshot partly unreadable; kept what was whole",
                 {{"file", state_path(options_, "head.state")}, {"err", st.error().message}});
    }
  }
}

void Engine::persist_state(bool sync) {
  struct Write {
    std::string path, data;
    std::uint64_t* written;  // the version marker to reset when the write fails
  };
  std::vector<Write> writes;
  if (silences_.version() != silences_written_) {
    writes.push_back({state_path(options_, "silences.json"),
                      frame_state("silences", 1, silences_.snapshot()), &silences_written_});
    silences_written_ = silences_.version();
  }
  if (nflog_.version() != nflog_written_) {
    writes.push_back({state_path(options_, "nflog.json"), frame_state("nflog", 1, nflog_.snapshot()),
                      &nflog_written_});
    nflog_written_ = nflog_.version();
  }
  if (rules_->state_version() != alerts_written_) {
    alerts_written_ = rules_->state_version();
    std::string body = rules_->snapshot_alert_states();
    if (std::uint64_t h = fnv1a(body); h != alerts_hash_) {  // unchanged states: no write
      alerts_hash_ = h;
      writes.push_back({state_path(options_, "alerts.state"),
                        frame_state(rules::kAlertStateKind, rules::kAlertStateVersion, body),
                        &alerts_written_});
    }
  }
  // The dispatch state can be large (every alert): a snapshot of pointers is taken here and
  // streamed to the file by the worker, one write at a time (a change meanwhile waits a second).
  // A change is written within a second; refreshes alone (alerts sent again, groups' next flush
  // moving on) every kDispatchRefreshPersistInterval, and at shutdown.
  if (dispatcher_ && (sync || !dispatch_writing_) &&
      dispatch::dispatch_state_due(dispatcher_->state_version(), dispatcher_->refresh_version(),
                                   dispatch_written_, clock_.now(), sync)) {
    dispatch_written_ = {dispatcher_->state_version(), dispatcher_->refresh_version(),
                         clock_.now()};
    dispatch_writing_ = true;
    auto job = [this, snap = dispatcher_->snapshot(clock_.now())] {
      const std::string path = state_path(options_, "dispatch.state");
      std::lock_guard<std::mutex> one_writer(dispatch_write_mu_);  // shutdown's and a worker's
      Status st = write_state_streamed(path, dispatch::kDispatchStateKind,
                                       dispatch::kDispatchStateVersion,
                                       [&](const StateSink& sink) { snap->encode(sink); });
      if (!st) note_state_write_failure(path, st.error());
      asio::post(io_, [this, ok = bool(st)] {
        dispatch_writing_ = false;
        if (!ok) dispatch_written_.state_version = kNeverWritten;
      });
    };
    if (sync) {
      job();
    } else {
      asio::post(blocking_, std::move(job));
    }
  }
  if (writes.empty()) return;
  auto job = [this, writes = std::move(writes)] {
    // A failed write (disk full) is tried again at the next persist, changed or not: the I/O
    // thread forgets what it marked written, so the state reaches the disk when space is back.
    std::vector<std::uint64_t*> failed;
    for (const auto& w : writes) {
      if (!write_state(w.path, w.data)) failed.push_back(w.written);
    }
    if (failed.empty()) return;
    asio::post(io_, [this, failed = std::move(failed)] {
      for (std::uint64_t* written : failed) {
        *written = kNeverWritten;
        if (written == &alerts_written_) alerts_hash_ = 0;
      }
    });
  };
  if (sync) {
    job();
  } else {
    asio::post(blocking_, std::move(job));
  }
}

bool Engine::write_state(const std::string& path, std::string_view data) {
  // A full disk or a read-only directory: logged and counted; the previous file stays intact
  // (write_file_atomic never touches it before the rename) and everything else goes on.
  if (auto st = write_file_atomic(path, data); !st) {
    note_state_write_failure(path, st.error());
    return false;
  }
  return true;
}

void Engine::note_state_write_failure(const std::string& path, const Error& e) {
  log::error("cannot write state file", {{"file", path}, {"err", e.message}});
  state_write_failures_->Add({{"file", std::filesystem::path(path).filename().string()}})
      .Increment();
}

void Engine::snapshot_head(bool sync) {
  auto job = [this, mint = clock_.now() - options_.retention] {
    // Streamed: the encoded head (tens of MB at 100k series) never exists in memory whole.
    const std::string path = state_path(options_, "head.state");
    Status st = write_state_streamed(
        path, storage::kHeadSnapshotKind, storage::kHeadSnapshotVersion,
        [&](const StateSink& sink) { storage::encode_head(head_, mint, sink); });
    if (!st) note_state_write_failure(path, st.error());
  };
  if (sync) {
    job();
  } else {
    asio::post(blocking_, std::move(job));
  }
}

void Engine::schedule_head_snapshot() {
  // The head survives a restart at most one interval behind; encoding and writing run on the
  // blocking pool, reading the head under its shared lock a batch of series at a time.
  head_snapshot_timer_.expires_after(std::chrono::milliseconds(options_.head_snapshot_interval));
  head_snapshot_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    snapshot_head(false);
    schedule_head_snapshot();
  });
}

void Engine::schedule_persist() {
  // Silences and the notification log are written at most once a second, off the I/O thread.
  persist_timer_.expires_after(std::chrono::seconds(1));
  persist_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    persist_state(false);
    schedule_persist();
  });
}

void Engine::schedule_retention() {
  // Once a minute, drop samples older than the retention window. Truncation takes the store's
  // write lock and walks every series: a worker does it, never the I/O thread.
  retention_timer_.expires_after(std::chrono::minutes(1));
  retention_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    Timestamp mint = clock_.now() - options_.retention;
    asio::post(workers_, [this, mint] { head_.truncate(mint); });
    schedule_retention();
  });
}

Status Engine::start() {
  started_ = clock_.now();
  // Bind first: the embedded default configuration scrapes the address actually bound (which
  // matters with port 0). Nothing is served before io_ runs, after start() returns.
  auto addr = http::parse_listen_address(options_.listen_address);
  if (!addr) return tl::unexpected(addr.error());
  http::ServerOptions so;
  so.address = addr->first;
  so.port = addr->second;
  so.max_body_bytes = options_.max_request_body_bytes;
  so.max_connections = options_.max_connections;
  so.body_limit_source = "--web.max-request-body-size";
  so.registry = registry_.get();
  server_ = std::make_unique<http::HttpServer>(io_, router_, so);
  if (auto st = server_->start(); !st) return st;
  std::string bound = so.address + ":" + std::to_string(server_->port());
  options_.listen_address = bound;

  auto cfg = load_configuration(options_, curl_);
  if (!cfg) {
    record_reload(false);
    return tl::unexpected(cfg.error());
  }
  load_state();
  templates_ = (*cfg)->templates;
  config_ = *cfg;  // make_notifiers reads the global section while the dispatcher is built
  dispatch::DispatcherOptions dopts;
  dopts.external_url = options_.external_url;
  dopts.alerts_limit = options_.alerts_limit;
  dopts.queue_limit_per_integration = options_.notification_queue_limit;
  auto d = dispatch::Dispatcher::create(
      (*cfg)->config, dopts, dispatch_scheduler_,
      [this](const config::Receiver& r) { return make_notifiers(r); }, silences_, nflog_,
      *registry_);
  if (!d) return tl::unexpected(d.error());
  dispatcher_ = std::move(*d);
  if (dispatch_state_) {
    if (Status st = dispatcher_->restore_state(*dispatch_state_, clock_.now()); !st) {
      log::error("state file unreadable; starting without it",
                 {{"file", state_path(options_, "dispatch.state")},
                  {"lost", "aggregation groups and received alerts (groups start over)"},
                  {"err", st.error().message}});
    }
    dispatch_state_.reset();
  }
  dispatch_written_ = {dispatcher_->state_version(), dispatcher_->refresh_version(),
                       clock_.now()};
  // The dead-letter log: one JSON line per undeliverable notification, appended and fsynced
  // on the blocking pool under --storage.path (the endpoint lists the ones in memory).
  dispatcher_->set_dead_letter_hook([this](const dispatch::DeadLetter& dl) {
    std::string line = dead_letter_json(dl).dump() + "\n";
    log::error("notification undeliverable; written to the dead-letter log",
               {{"receiver", dl.receiver}, {"integration", dl.integration}, {"err", dl.error}});
    asio::post(blocking_, [path = state_path(options_, "dead_letters.jsonl"),
                           line = std::move(line)] {
      if (auto st = append_file_synced(path, line); !st) {
        log::error("cannot write the dead-letter log", {{"file", path}, {"err", st.error().message}});
      }
    });
  });
  am_api_ = std::make_unique<api::AlertmanagerApiV2>(
      *dispatcher_, silences_, clock_, api::VersionInfo{version(), revision(), "main", "", "",
                                                         compiler()},
      started_);
  register_routes();

  if (auto st = apply(*cfg); !st) return st;
  record_reload(true);
  schedule_persist();
  schedule_retention();
  schedule_head_snapshot();
  ready_ = true;
  const auto web = server_->security();
  log::info("listening", {{"address", bound},
                          {"tls", web && web->tls ? "true" : "false"},
                          {"basic_auth", web && !web->basic_auth_users.empty() ? "true" : "false"}});
  return {};
}

Status Engine::apply(std::shared_ptr<LoadedConfig> cfg) {
  // Stages in data-flow order. Each validates before changing anything; rule files, templates
  // and receivers were read and validated when the configuration was loaded.
  if (auto st = scrape_->apply(cfg->config); !st) return st;
  auto previous_templates = templates_;
  auto previous_config = config_;
  templates_ = cfg->templates;
  config_ = cfg;
  if (auto st = dispatcher_->apply_config(cfg->config); !st) {
    templates_ = previous_templates;
    config_ = previous_config;
    return st;
  }
  am_sender_->apply(std::move(cfg->alertmanagers));
  apply_remote(*cfg);
  rules_->apply(std::move(cfg->rules));
  // New connections and requests use the new web config; open connections keep their TLS.
  if (server_) server_->set_security(cfg->web);
  return {};
}

void Engine::apply_remote(const LoadedConfig& cfg) {
  std::shared_ptr<const remote::Datasource> ds;
  if (cfg.datasource_http) {
    ds = std::make_shared<remote::Datasource>(curl_, cfg.config.datasource, *cfg.datasource_http,
                                              datasource_metrics_);
  }
  std::vector<Label> external;
  for (const auto& [k, v] : cfg.config.global.external_labels) external.push_back({k, v});
  std::vector<std::shared_ptr<remote::RemoteWriter>> writers;
  for (size_t i = 0; i < cfg.config.remote_write.size(); ++i) {
    auto w = remote::RemoteWriter::make(io_, curl_, cfg.config.remote_write[i],
                                        cfg.remote_write_http[i],
                                        Labels::from_unsorted(external), remote_write_metrics_);
    if (!w) {  // relabel configs were validated at load; log rather than fail the reload
      log::error("remote_write disabled", {{"err", w.error().message}});
      continue;
    }
    writers.push_back(std::move(*w));
  }
  std::lock_guard lock(remote_mu_);
  datasource_ = std::move(ds);
  writers_ = std::move(writers);
}

std::vector<std::shared_ptr<remote::RemoteWriter>> Engine::remote_writers() const {
  std::lock_guard lock(remote_mu_);
  return writers_;
}

void Engine::reload(std::function<void(Status)> done) {
  if (reloading_) {
    done(unavailable("a reload is already in progress"));
    return;
  }
  reloading_ = true;
  asio::post(blocking_, [this, done = std::move(done)]() mutable {
    auto cfg = load_configuration(options_, curl_);
    asio::post(io_, [this, cfg = std::move(cfg), done = std::move(done)]() mutable {
      reloading_ = false;
      Status st;
      if (!cfg) {
        st = tl::unexpected(cfg.error());
      } else {
        st = apply(*cfg);
      }
      record_reload(st.has_value());
      if (st) {
        log::info("configuration reloaded");
      } else {
        std::string msg = st.error().message;
        size_t start = 0;
        while (start < msg.size()) {
          size_t nl = msg.find('\n', start);
          if (nl == std::string::npos) nl = msg.size();
          log::error("configuration reload failed; keeping the running configuration",
                     {{"err", std::string_view(msg).substr(start, nl - start)}});
          start = nl + 1;
        }
      }
      done(std::move(st));
    });
  });
}

void Engine::shutdown() {
  ready_ = false;
  if (server_) server_->stop();
  persist_timer_.cancel();
  retention_timer_.cancel();
  head_snapshot_timer_.cancel();
  rules_->stop();   // no further evaluations
  // The head is saved before the scrapes stop: their stale markers would end every series in
  // the snapshot, and after a restart a firing alert would resolve at the first evaluation,
  // before the first scrape (Prometheus writes no stale markers on shutdown for that reason).
  snapshot_head(true);
  scrape_->stop();
  if (dispatcher_) dispatcher_->stop();
  persist_state(true);
}

void Engine::register_routes() {
  health_.add("config", [this] {
    return http::ComponentHealth{reload_success_->Value() == 1,
                                 reload_success_->Value() == 1
                                     ? "configuration loaded"
                                     : "last reload failed; running the previous configuration"};
  });
  health_.add("http", [] { return http::ComponentHealth{true, "serving"}; });
  health_.add("rules", [this] {
    int failing = 0, total = 0;
    for (const auto& g : rules_->groups()) {
      for (const auto& r : g->rules()) {
        ++total;
        if (r->status().health == rules::RuleHealth::kErr) ++failing;
      }
    }
    return http::ComponentHealth{
        failing == 0, std::to_string(total) + " rules, " + std::to_string(failing) + " failing"};
  });
  health_.add("dispatch", [this] {
    std::size_t dead = dispatcher_ ? dispatcher_->dead_letters().size() : 0;
    return http::ComponentHealth{true, std::to_string(dead) + " undeliverable notifications"};
  });

  router_.add("GET", "/-/healthy", [](const http::Request&) {
    return http::Response::text(200, "tocsin is Healthy.\n");
  });
  router_.add("GET", "/-/ready", [this](const http::Request&) {
    return ready_ ? http::Response::text(200, "tocsin is Ready.\n")
                  : http::Response::text(503, "Service Unavailable\n");
  });
  auto reload_handler = [this](http::Request, http::Reply reply) {
    reload([reply = std::move(reply)](Status st) {
      if (st) {
        reply(http::Response::text(200, ""));
      } else {
        reply(http::Response::text(500, "failed to reload config: " + st.error().message + "\n"));
      }
    });
  };
  router_.add_async("POST", "/-/reload", reload_handler);
  router_.add_async("PUT", "/-/reload", reload_handler);
  router_.add("GET", "/health", [this](const http::Request&) {
    auto [status, body] = health_.report(clock_.now(), started_);
    return http::Response::json(status, std::move(body));
  });
  scrape::register_targets_api(router_, *scrape_);
  rules::register_rules_api(router_, *rules_);
  api::PrometheusV1Options v1;
  v1.eval.max_samples = options_.query_max_samples;
  v1.default_timeout = options_.query_timeout;
  v1.eval.compat_prometheus2 =
      options_.compat_prometheus2 || (config_ && config_->config.tocsin.compat_prometheus2());
  api::register_prometheus_v1(router_, head_, workers_, clock_,
                              api::BuildInfo{version(), revision(), "main", "", "", compiler()},
                              v1);
  am_api_->register_routes(router_);
  // Notifications that exhausted their retry policy (tocsin extension).
  router_.add("GET", "/api/v2/tocsin/dead_letters", [this](const http::Request&) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& d : dispatcher_->dead_letters()) out.push_back(dead_letter_json(d));
    return http::Response::json(200, out.dump());
  });
  router_.add("GET", "/metrics", [this](const http::Request&) {
    http::Response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = http::render_metrics({registry_, process_collector_});
    return r;
  });
}

}  // namespace tocsin::app
