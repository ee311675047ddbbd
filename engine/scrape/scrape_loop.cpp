#include "engine/scrape/scrape_loop.h"

#include <algorithm>
#include <cstdio>
#include <unordered_set>

#include "engine/common/log.h"
#include "engine/config/http_options.h"
#include "parser/exposition/content_type.h"
#include "parser/exposition/parser.h"

namespace tocsin::scrape {

namespace {

constexpr std::string_view kReportNames[5] = {"up", "scrape_duration_seconds",
                                              "scrape_samples_scraped",
                                              "scrape_samples_post_metric_relabeling",
                                              "scrape_series_added"};

std::string truncate50(std::string_view s) { return std::string(s.substr(0, 50)); }

std::string format_seconds(Duration d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(d) / 1000.0);
  return buf;
}

}  // namespace

std::string_view to_string(TargetHealth h) {
  switch (h) {
    case TargetHealth::kUp: return "up";
    case TargetHealth::kDown: return "down";
    case TargetHealth::kUnknown: break;
  }
  return "unknown";
}

Result<std::shared_ptr<const ScrapeOptions>> make_scrape_options(const config::ScrapeConfig& c) {
  auto o = std::make_shared<ScrapeOptions>();
  o->job = c.job_name;
  o->honor_labels = c.honor_labels;
  o->honor_timestamps = c.honor_timestamps;
  o->track_timestamps_staleness = c.track_timestamps_staleness;
  o->enable_compression = c.enable_compression;
  o->body_size_limit = c.body_size_limit;
  o->sample_limit = c.sample_limit;
  o->label_limit = c.label_limit;
  o->label_name_length_limit = c.label_name_length_limit;
  o->label_value_length_limit = c.label_value_length_limit;
  auto rules = compile(std::span<const RelabelConfig>(c.metric_relabel_configs));
  if (!rules) return tl::unexpected(rules.error().with_context("metric_relabel_configs"));
  o->metric_relabel = std::move(*rules);

  auto http = config::resolve_http_options(c.http);
  if (!http) return tl::unexpected(http.error());
  http::HttpRequest& r = o->request;
  http->apply(r);
  r.user_agent = "tocsin/0.1";
  return std::shared_ptr<const ScrapeOptions>(std::move(o));
}

ScrapeLoop::ScrapeLoop(http::CurlClient& client, AppenderFactory appenders,
                       std::shared_ptr<const ScrapeOptions> options, Target target,
                       ScrapeObserver observer)
    : client_(client),
      appenders_(std::move(appenders)),
      options_(std::move(options)),
      target_(std::move(target)),
      observer_(std::move(observer)) {
  for (int i = 0; i < 5; ++i) {
    report_labels_[i] = LabelsBuilder(target_.labels).set(kMetricName, kReportNames[i]).labels();
  }
}

ScrapeLoop::~ScrapeLoop() {
  *alive_ = false;
  if (in_flight_) client_.cancel(*in_flight_);
}

void ScrapeLoop::scrape(Timestamp ts, std::function<void()> done) {
  const auto start = std::chrono::steady_clock::now();
  if (forced_error_) {
    on_response(ts, start, unavailable(*forced_error_), std::move(done));
    return;
  }
  http::HttpRequest req = options_->request;
  req.url = target_.scrape_url;
  req.timeout = std::chrono::milliseconds(target_.timeout);
  req.headers.emplace_back("Accept", std::string(exposition::kScrapeAcceptHeader));
  req.accept_gzip = options_->enable_compression;
  if (!options_->enable_compression) req.headers.emplace_back("Accept-Encoding", "identity");
  req.headers.emplace_back("X-Prometheus-Scrape-Timeout-Seconds", format_seconds(target_.timeout));
  if (options_->body_size_limit > 0) {
    req.max_response_bytes = static_cast<std::size_t>(options_->body_size_limit);
  }
  in_flight_ = client_.request(
      std::move(req), [this, alive = alive_, ts, start, done = std::move(done)](
                          Result<http::HttpResponse> r) mutable {
        if (!*alive) return;
        in_flight_.reset();
        on_response(ts, start, std::move(r), std::move(done));
      });
}

void ScrapeLoop::on_response(Timestamp ts, std::chrono::steady_clock::time_point start,
                             Result<http::HttpResponse> result, std::function<void()> done) {
  std::optional<Failure> failure;
  Counts counts;
  std::unique_ptr<storage::Appender> app = appenders_();
  if (forced_error_) {
    failure = Failure{"target_limit", *forced_error_};
  } else if (!result) {
    const Error& e = result.error();
    if (e.code == ErrorCode::kDeadlineExceeded) {
      failure = Failure{"timeout", e.message};
    } else if (e.code == ErrorCode::kResourceExhausted) {
      failure = Failure{"body_size_limit", "body size limit exceeded"};
    } else {
      failure = Failure{"connection", e.message};
    }
  } else if (result->status != 200) {
    failure = Failure{"http_status", "server returned HTTP status " + result->status_text};
  } else {
    failure = append_body(*app, *result, ts, counts);
  }
  const double duration =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  if (failure) {
    app->rollback();
    app = appenders_();
    append_stale(*app, ts, /*with_report=*/false);
    for (const Labels& l : inherited_) app->add(l, ts, storage::stale_nan());
    last_series_.clear();
    counts = Counts{};
  } else {
    // Series of the previous scrape missing from this one end here.
    for (Entry* e : last_series_) {
      if (e->seen != iteration_) add(*app, *e, ts, storage::stale_nan());
    }
    if (!inherited_.empty()) {
      std::unordered_set<std::uint64_t> written;
      for (const Entry* e : cur_series_) written.insert(labels_of(*app, *e).fingerprint());
      for (const Labels& l : inherited_) {
        if (written.count(l.fingerprint()) == 0) app->add(l, ts, storage::stale_nan());
      }
    }
    last_series_.swap(cur_series_);
    // Forget what this scrape did not see (its stale marker, if due, is written above).
    for (auto it = cache_.begin(); it != cache_.end();) {
      it = it->second.seen == iteration_ ? std::next(it) : cache_.erase(it);
    }
  }
  cur_series_.clear();
  inherited_.clear();
  append_report(*app, ts, !failure, duration, counts);
  if (auto st = app->commit(); !st) {
    // Out-of-order or duplicate samples: Prometheus counts and logs them; the scrape stands.
  }
  // The error is in /api/v1/targets (lastError); the log says when a target goes down, with the
  // error, and when it is back; every failed scrape at debug level, as Prometheus logs them.
  if (failure) {
    log::debug("scrape failed", {{"scrape_pool", options_->job},
                                 {"target", target_.scrape_url},
                                 {"err", failure->message}});
    if (status_.health != TargetHealth::kDown) {
      log::warn("scrape failed, target down", {{"scrape_pool", options_->job},
                                                {"target", target_.scrape_url},
                                                {"reason", failure->reason},
                                                {"err", failure->message}});
    }
  } else if (status_.health == TargetHealth::kDown) {
    log::info("target up again", {{"scrape_pool", options_->job}, {"target", target_.scrape_url}});
  }
  status_.health = failure ? TargetHealth::kDown : TargetHealth::kUp;
  status_.last_error = failure ? failure->message : "";
  status_.last_scrape = ts;
  status_.last_duration_seconds = duration;
  if (observer_) observer_(failure ? std::string_view(failure->reason) : std::string_view());
  if (done) done();
}

std::optional<ScrapeLoop::Failure> ScrapeLoop::append_body(storage::Appender& app,
                                                           const http::HttpResponse& resp,
                                                           Timestamp ts, Counts& counts) {
  auto format = exposition::format_from_content_type(resp.header("content-type"));
  if (!format) return Failure{"parse", format.error().message};
  ++iteration_;
  cur_series_.clear();
  exposition::Parser p(resp.body, *format);
  for (;;) {
    auto e = p.next();
    if (!e) return Failure{"parse", e.error().message};
    if (*e == exposition::Entry::kEnd) break;
    if (*e != exposition::Entry::kSeries) continue;
    ++counts.scraped;
    auto it = cache_.find(p.series());
    if (it == cache_.end()) {
      std::optional<Labels> final = sample_labels(p.labels());
      Entry fresh;
      if (final) {
        if (auto err = check_label_limits(*final)) return Failure{"label_limit", *err};
        ++counts.added;
        // The cache keeps the storage's reference, not the labels, where it can.
        fresh.ref = app.ref(*final);
        if (fresh.ref == 0) fresh.labels = std::move(*final);
      }
      it = cache_.emplace(std::string(p.series()), std::move(fresh)).first;
    }
    Entry& entry = it->second;
    entry.seen = iteration_;
    if (entry.dropped()) continue;  // dropped by metric_relabel_configs
    ++counts.post_relabel;
    if (options_->sample_limit > 0 && counts.post_relabel > options_->sample_limit) {
      return Failure{"sample_limit", "sample limit exceeded"};
    }
    auto exposed_ts = p.timestamp();
    Timestamp t = ts;
    if (exposed_ts && options_->honor_timestamps) t = *exposed_ts;
    add(app, entry, t, p.value());
    if (!exposed_ts || !options_->honor_timestamps || options_->track_timestamps_staleness) {
      cur_series_.push_back(&entry);
    }
  }
  return std::nullopt;
}

std::optional<Labels> ScrapeLoop::sample_labels(const Labels& exposed) const {
  LabelsBuilder lb(exposed);
  if (options_->honor_labels) {
    for (const auto& l : target_.labels) {
      if (lb.get(l.name).empty()) lb.set(l.name, l.value);
    }
  } else {
    std::vector<Label> conflicting;
    for (const auto& l : target_.labels) {
      std::string_view existing = lb.get(l.name);
      if (!existing.empty()) conflicting.push_back({l.name, std::string(existing)});
      lb.set(l.name, l.value);
    }
    std::stable_sort(conflicting.begin(), conflicting.end(),
                     [](const Label& a, const Label& b) { return a.name.size() < b.name.size(); });
    for (const auto& c : conflicting) {
      std::string name = "exported_" + c.name;
      while (!lb.get(name).empty()) name = "exported_" + name;
      lb.set(name, c.value);
    }
  }
  Labels l = lb.labels();
  if (options_->metric_relabel.empty()) return l;
  auto out = relabel(l, options_->metric_relabel);
  if (out && out->empty()) return std::nullopt;
  return out;
}

std::optional<std::string> ScrapeLoop::check_label_limits(const Labels& l) const {
  const std::string metric = truncate50(l.metric_name());
  const auto& o = *options_;
  if (o.label_limit > 0 && l.size() > o.label_limit) {
    return "label_limit exceeded (metric: " + metric + ", number of labels: " +
           std::to_string(l.size()) + ", limit: " + std::to_string(o.label_limit) + ")";
  }
  if (o.label_name_length_limit == 0 && o.label_value_length_limit == 0) return std::nullopt;
  for (const auto& x : l) {
    if (o.label_name_length_limit > 0 && x.name.size() > o.label_name_length_limit) {
      return "label_name_length_limit exceeded (metric: " + metric + ", label name: " +
             truncate50(x.name) + ", length: " + std::to_string(x.name.size()) +
             ", limit: " + std::to_string(o.label_name_length_limit) + ")";
    }
    if (o.label_value_length_limit > 0 && x.value.size() > o.label_value_length_limit) {
      return "label_value_length_limit exceeded (metric: " + metric + ", label name: " +
             truncate50(x.name) + ", value: " + go_quote(truncate50(x.value)) +
             ", length: " + std::to_string(x.value.size()) +
             ", limit: " + std::to_string(o.label_value_length_limit) + ")";
    }
  }
  return std::nullopt;
}

void ScrapeLoop::append_report(storage::Appender& app, Timestamp ts, bool up, double duration,
                               const Counts& counts) {
  const double values[5] = {up ? 1.0 : 0.0, duration, static_cast<double>(counts.scraped),
                            static_cast<double>(counts.post_relabel),
                            static_cast<double>(counts.added)};
  for (int i = 0; i < 5; ++i) app.add(report_labels_[i], ts, values[i]);
  reported_ = true;
  last_report_ts_ = ts;
}

void ScrapeLoop::append_stale(storage::Appender& app, Timestamp ts, bool with_report) {
  for (Entry* e : last_series_) add(app, *e, ts, storage::stale_nan());
  if (with_report && reported_) {
    for (const auto& l : report_labels_) app.add(l, ts, storage::stale_nan());
  }
}

void ScrapeLoop::stop(Timestamp now) {
  if (in_flight_) {
    client_.cancel(*in_flight_);
    in_flight_.reset();
  }
  if (last_series_.empty() && !reported_ && inherited_.empty()) return;
  auto app = appenders_();
  const Timestamp at = std::max(now, last_report_ts_ + 1);
  append_stale(*app, at, /*with_report=*/true);
  for (const Labels& l : inherited_) app->add(l, at, storage::stale_nan());
  (void)app->commit();
  last_series_.clear();
  inherited_.clear();
  reported_ = false;
}

void ScrapeLoop::take_over(ScrapeLoop& old, bool same_series_options) {
  if (old.in_flight_) {
    old.client_.cancel(*old.in_flight_);
    old.in_flight_.reset();
  }
  if (same_series_options) {
    // Moving the map keeps its nodes, so the Entry pointers stay valid.
    cache_ = std::move(old.cache_);
    last_series_ = std::move(old.last_series_);
    iteration_ = old.iteration_;
    inherited_ = std::move(old.inherited_);
  } else {
    inherited_ = std::move(old.inherited_);
    if (!old.last_series_.empty()) {
      auto app = appenders_();  // only to read the labels of series references
      for (const Entry* e : old.last_series_) inherited_.push_back(labels_of(*app, *e));
      app->rollback();
    }
  }
  old.cache_.clear();
  old.last_series_.clear();
  old.inherited_.clear();
  reported_ = old.reported_;
  last_report_ts_ = old.last_report_ts_;
  status_ = old.status_;
  old.reported_ = false;
}

}  // namespace tocsin::scrape
