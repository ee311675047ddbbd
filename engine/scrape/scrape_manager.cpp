#include "engine/scrape/scrape_manager.h"

#include <set>

#include "engine/common/log.h"
#include "engine/config/load.h"

namespace tocsin::scrape {

namespace {

// The job's config as printed (secrets masked) plus the secrets themselves: equal strings mean
// an unchanged job.
std::string fingerprint(const config::ScrapeConfig& sc) {
  config::Config c;
  c.scrape_configs.push_back(sc);
  std::string out = config::print_config(c);
  const auto& h = sc.http;
  out += '\0';
  if (h.basic_auth) out += h.basic_auth->password.reveal() + '\0';
  if (h.authorization) out += h.authorization->credentials.reveal() + '\0';
  out += h.tls_config.key.reveal() + '\0';
  out += h.tls_config.ca_file_content + '\0' + h.tls_config.cert_file_content + '\0';
  out += h.tls_config.key_file_content.reveal();
  return out;
}

// What the series a loop writes depend on besides the target: a loop's series cache (exposed
// series -> final labels) carries over a reload only when these are unchanged.
std::string series_fingerprint(const config::ScrapeConfig& sc) {
  config::ScrapeConfig s;
  s.job_name = sc.job_name;
  s.honor_labels = sc.honor_labels;
  s.honor_timestamps = sc.honor_timestamps;
  s.track_timestamps_staleness = sc.track_timestamps_staleness;
  s.metric_relabel_configs = sc.metric_relabel_configs;
  s.label_limit = sc.label_limit;
  s.label_name_length_limit = sc.label_name_length_limit;
  s.label_value_length_limit = sc.label_value_length_limit;
  config::Config c;
  c.scrape_configs.push_back(std::move(s));
  return config::print_config(c);
}

// A target's identity for handing a loop over across a reload: its public labels and URL (the
// internal labels include the interval and timeout, which a reload may change).
std::string handover_key(const Target& t) { return t.labels.to_string() + t.scrape_url; }

}  // namespace

ScrapeManager::ScrapeManager(boost::asio::io_context& io, http::CurlClient& client,
                             JobScheduler& scheduler, AppenderFactory appenders,
                             prometheus::Registry& registry, const Clock& clock)
    : io_(io),
      client_(client),
      appenders_(std::move(appenders)),
      clock_(clock),
      scheduler_(scheduler),
      scrapes_total_(prometheus::BuildCounter()
                         .Name("tocsin_scrapes_total")
                         .Help("Scrapes attempted, by job.")
                         .Register(registry)),
      failures_total_(prometheus::BuildCounter()
                          .Name("tocsin_scrape_failures_total")
                          .Help("Failed scrapes, by job and reason.")
                          .Register(registry)),
      targets_gauge_(prometheus::BuildGauge()
                         .Name("tocsin_targets")
                         .Help("Active scrape targets, by job.")
                         .Register(registry)),
      sd_file_read_errors_(prometheus::BuildCounter()
                               .Name("prometheus_sd_file_read_errors_total")
                               .Help("File service discovery files that failed to read or parse.")
                               .Register(registry)
                               .Add({})) {}

ScrapeManager::~ScrapeManager() {
  stop();
  blocking_.join();
}

Status ScrapeManager::apply(const config::Config& cfg) {
  // Build every new or changed pool first, so that an error changes nothing.
  std::map<std::string, std::unique_ptr<Pool>> fresh;
  std::set<std::string> keep;
  for (const auto& sc : cfg.scrape_configs) {
    // Fingerprints are printed only on a reload, for jobs that exist on both sides (printing is
    // the slowest part of a first apply, and start-up does not need it).
    if (auto it = pools_.find(sc.job_name);
        it != pools_.end() && fingerprint(it->second->config) == fingerprint(sc)) {
      keep.insert(sc.job_name);
      continue;
    }
    auto pool = std::make_unique<Pool>();
    pool->config = sc;
    auto rules = compile(std::span<const RelabelConfig>(sc.relabel_configs));
    if (!rules) {
      return tl::unexpected(rules.error().with_context("scrape job " + sc.job_name +
                                                       ": relabel_configs"));
    }
    pool->relabel_rules = std::move(*rules);
    auto options = make_scrape_options(sc);
    if (!options) return tl::unexpected(options.error().with_context("scrape job " + sc.job_name));
    pool->options = std::move(*options);
    fresh.emplace(sc.job_name, std::move(pool));
  }
  // Stop removed pools; changed ones hand their loops and discovered targets over.
  for (auto it = pools_.begin(); it != pools_.end();) {
    if (keep.count(it->first) != 0) {
      ++it;
      continue;
    }
    Pool& old = *it->second;
    if (auto next = fresh.find(it->first); next != fresh.end()) {
      Pool& p = *next->second;
      p.same_series_options = series_fingerprint(p.config) == series_fingerprint(old.config);
      old.discoveries.clear();
      for (auto& [key, l] : old.loops) {
        scheduler_.remove(l.job);
        p.handover.emplace(handover_key(l.loop->target()), std::move(l.loop));
      }
      old.loops.clear();
      // Targets found by an unchanged file_sd_config stay until its files are read again.
      const auto& was = old.config.file_sd_configs;
      const auto& now = p.config.file_sd_configs;
      for (size_t i = 0; i < now.size() && i < was.size(); ++i) {
        std::string provider = "file/" + std::to_string(i);
        if (now[i].files == was[i].files && old.groups.count(provider) != 0) {
          p.groups[provider] = std::move(old.groups[provider]);
        }
      }
    } else {
      stop_pool(old);
      targets_gauge_.Add({{"job", it->first}}).Set(0);
    }
    it = pools_.erase(it);
  }
  for (auto& [name, pool] : fresh) {
    Pool& p = *pool;
    p.scrapes = &scrapes_total_.Add({{"job", name}});
    p.targets = &targets_gauge_.Add({{"job", name}});
    p.groups["static"] = static_groups(p.config);
    pools_.emplace(name, std::move(pool));
    sync(name, p);
    for (size_t i = 0; i < p.config.file_sd_configs.size(); ++i) {
      std::string provider = "file/" + std::to_string(i);
      auto d = std::make_unique<FileDiscovery>(
          io_, blocking_, p.config.file_sd_configs[i],
          [this, name = name, provider](std::vector<TargetGroup> groups) {
            auto it = pools_.find(name);
            if (it == pools_.end()) return;
            it->second->groups[provider] = std::move(groups);
            sync(name, *it->second);
          },
          &sd_file_read_errors_);
      d->start();
      p.discoveries.push_back(std::move(d));
    }
  }
  return {};
}

void ScrapeManager::sync(const std::string& name, Pool& pool) {
  std::map<std::string, Target> wanted;
  pool.dropped.clear();
  for (const auto& [provider, groups] : pool.groups) {
    for (const auto& g : groups) {
      for (const auto& t : g.targets) {
        auto built = build_target(t, g.labels, pool.config, pool.relabel_rules);
        if (!built) {
          log::warn("creating target failed", {{"scrape_pool", name},
                                               {"target", t.to_string()},
                                               {"err", built.error().message}});
          continue;
        }
        if (built->dropped) {
          if (pool.config.keep_dropped_targets == 0 ||
              pool.dropped.size() < pool.config.keep_dropped_targets) {
            pool.dropped.push_back(std::move(*built->dropped));
          }
          continue;
        }
        std::string key = built->target->key();
        wanted.emplace(std::move(key), std::move(*built->target));
      }
    }
  }
  const Timestamp now = clock_.now();
  for (auto it = pool.loops.begin(); it != pool.loops.end();) {
    if (wanted.count(it->first) != 0) {
      ++it;
      continue;
    }
    scheduler_.remove(it->second.job);
    it->second.loop->stop(now);
    it = pool.loops.erase(it);
  }
  for (auto& [key, target] : wanted) {
    if (pool.loops.count(key) != 0) continue;
    const Duration interval = target.interval;
    auto loop = std::make_unique<ScrapeLoop>(
        client_, appenders_, pool.options, std::move(target),
        [this, name](std::string_view reason) { on_scrape(name, reason); });
    if (auto h = pool.handover.find(handover_key(loop->target())); h != pool.handover.end()) {
      loop->take_over(*h->second, pool.same_series_options);
      pool.handover.erase(h);
    }
    ScrapeLoop* raw = loop.get();
    JobId id = scheduler_.add(key, interval, [this, raw](JobId id, Timestamp due) {
      raw->scrape(due, [this, id] { scheduler_.finished(id); });
    });
    pool.loops.emplace(key, Loop{std::move(loop), id});
  }
  // Loops of the previous configuration whose target is gone: their series end now.
  for (auto& [key, old] : pool.handover) old->stop(now);
  pool.handover.clear();
  const std::uint64_t n = pool.loops.size();
  std::optional<std::string> forced;
  if (pool.config.target_limit > 0 && n > pool.config.target_limit) {
    forced = "target_limit exceeded (number of targets: " + std::to_string(n) +
             ", limit: " + std::to_string(pool.config.target_limit) + ")";
  }
  for (auto& [key, l] : pool.loops) l.loop->set_forced_error(forced);
  pool.targets->Set(static_cast<double>(n));
}

void ScrapeManager::on_scrape(const std::string& job, std::string_view reason) {
  auto it = pools_.find(job);
  if (it != pools_.end()) it->second->scrapes->Increment();
  if (!reason.empty()) failures_total_.Add({{"job", job}, {"reason", std::string(reason)}}).Increment();
}

void ScrapeManager::stop_pool(Pool& pool) {
  pool.discoveries.clear();
  const Timestamp now = clock_.now();
  for (auto& [key, old] : pool.handover) old->stop(now);
  pool.handover.clear();
  for (auto& [key, l] : pool.loops) {
    scheduler_.remove(l.job);
    l.loop->stop(now);
  }
  pool.loops.clear();
}

void ScrapeManager::stop() {
  for (auto& [name, pool] : pools_) stop_pool(*pool);
  pools_.clear();
}

void ScrapeManager::refresh_discovery() {
  for (auto& [name, pool] : pools_) {
    for (auto& d : pool->discoveries) d->refresh();
  }
}

std::vector<ActiveTargetView> ScrapeManager::active_targets() const {
  std::vector<ActiveTargetView> out;
  for (const auto& [name, pool] : pools_) {
    for (const auto& [key, l] : pool->loops) {
      out.push_back({name, &l.loop->target(), &l.loop->status()});
    }
  }
  return out;
}

std::vector<DroppedTargetView> ScrapeManager::dropped_targets() const {
  std::vector<DroppedTargetView> out;
  for (const auto& [name, pool] : pools_) {
    for (const auto& d : pool->dropped) out.push_back({name, &d.discovered});
  }
  return out;
}

std::map<std::string, std::size_t> ScrapeManager::dropped_target_counts() const {
  std::map<std::string, std::size_t> out;
  for (const auto& [name, pool] : pools_) out[name] = pool->dropped.size();
  return out;
}

}  // namespace tocsin::scrape
