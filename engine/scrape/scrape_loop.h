// ScrapeLoop: everything about scraping one target, minus the scheduling — the request, content
// negotiation, parsing, limits, label handling, appending, report series and staleness
// (Prometheus' scrapeLoop). The ScrapeManager's timer wheel calls scrape() on each turn.
//
// One scrape: GET the target (Accept: OpenMetrics, then text 0.0.4; gzip unless
// enable_compression is off; X-Prometheus-Scrape-Timeout-Seconds), choose the parser from the
// Content-Type, and for each sample find its series in the series cache by the raw bytes
// `name{labels}` as written — a hit costs one hash and allocates nothing. A miss builds the
// labels: the target's labels are attached (honor_labels keeps the exposed value on conflict;
// otherwise the exposed one is renamed exported_<name>), metric_relabel_configs run, and the label
// limits are checked. All samples go to one Appender, committed once, followed by the report
// series up, scrape_duration_seconds, scrape_samples_scraped,
// scrape_samples_post_metric_relabeling and scrape_series_added at the scrape's timestamp.
//
// Failure (connection, timeout, non-200, body_size_limit, malformed body — the error names its
// line — sample_limit, label limits, target_limit) rolls back the samples, writes up=0 and a
// stale marker for every series of the last successful scrape. The error is the target's
// lastError; the log has a warning when a target goes down and a line when it is back. A series that disappears from one
// scrape to the next gets a stale marker; stop() marks every series of the target stale.
// Series with an exposed timestamp are left out of staleness (as Prometheus, by default).
//
// Reload. When its job's configuration changes, the loop that replaces this one for the same
// target calls take_over(): the series of the last scrape pass to it instead of being marked
// stale, so series that go on have no gap, and the new loop's first scrape marks stale only those
// that are gone (Prometheus reuses the old loop's cache the same way). With unchanged series
// options (honor_labels, honor_timestamps, metric relabelling, label limits) the whole series
// cache moves too, so the first scrape after a reload allocates nothing for known series.
//
// Threads: I/O thread only. scrape() must not be called again before its `done` ran.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/common/result.h"
#include "engine/common/time.h"
#include "engine/http/curl_client.h"
#include "engine/scrape/relabel.h"
#include "engine/scrape/target.h"
#include "engine/storage/storage.h"

namespace tocsin::scrape {

// Per scrape pool (job): immutable once built, shared by the pool's loops.
struct ScrapeOptions {
  std::string job;
  bool honor_labels = false;
  bool honor_timestamps = true;
  bool track_timestamps_staleness = false;
  bool enable_compression = true;
  std::int64_t body_size_limit = 0;  // bytes, 0 = none
  std::uint64_t sample_limit = 0;    // 0 = none, for every limit
  std::uint64_t label_limit = 0;
  std::uint64_t label_name_length_limit = 0;
  std::uint64_t label_value_length_limit = 0;
  std::vector<RelabelRule> metric_relabel;
  // Authentication, TLS, proxy, redirects, HTTP/2; url, timeout and headers are set per scrape.
  http::HttpRequest request;
};

// Builds the options of a job. Reads any *_file still named (the engine inlined them at load).
Result<std::shared_ptr<const ScrapeOptions>> make_scrape_options(const config::ScrapeConfig& c);

enum class TargetHealth { kUnknown, kUp, kDown };
std::string_view to_string(TargetHealth h);

struct ScrapeStatus {
  TargetHealth health = TargetHealth::kUnknown;
  std::string last_error;
  Timestamp last_scrape = 0;  // timestamp of the last scrape (0 = never)
  double last_duration_seconds = 0;
};

using AppenderFactory = std::function<std::unique_ptr<storage::Appender>()>;
// Told after every scrape: "" on success, else the failure reason ("timeout", "connection",
// "http_status", "body_size_limit", "parse", "sample_limit", "label_limit", "target_limit").
using ScrapeObserver = std::function<void(std::string_view reason)>;

class ScrapeLoop {
 public:
  ScrapeLoop(http::CurlClient& client, AppenderFactory appenders,
             std::shared_ptr<const ScrapeOptions> options, Target target,
             ScrapeObserver observer = {});
  ~ScrapeLoop();  // cancels a scrape in flight (its `done` is not called)
  ScrapeLoop(const ScrapeLoop&) = delete;
  ScrapeLoop& operator=(const ScrapeLoop&) = delete;

  // Scrapes once; samples without a timestamp get `ts`. `done` runs on the I/O thread.
  void scrape(Timestamp ts, std::function<void()> done);
  // While set, scrapes fail with this error without contacting the target (target_limit).
  void set_forced_error(std::optional<std::string> error) { forced_error_ = std::move(error); }
  // Cancels a scrape in flight and writes stale markers at `now` for every series of the last
  // successful scrape and for the report series. The loop must not scrape afterwards.
  void stop(Timestamp now);
  // Takes the series state of `old`, the loop this one replaces for the same target (same
  // labels and URL), before its first scrape; `old` is left with nothing to mark stale and
  // its scrape in flight, if any, is cancelled. `same_series_options`: the series cache is
  // valid for this loop too.
  void take_over(ScrapeLoop& old, bool same_series_options);

  const Target& target() const { return target_; }
  const ScrapeStatus& status() const { return status_; }
  std::size_t cache_size() const { return cache_.size(); }

 private:
  // A cached series: its storage reference, or its final labels when the storage has no
  // references; neither when metric relabelling dropped it.
  struct Entry {
    storage::SeriesRef ref = 0;
    Labels labels;
    std::uint64_t seen = 0;  // scrape number that last saw it
    bool dropped() const { return ref == 0 && labels.empty(); }
  };
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Counts {
    std::uint64_t scraped = 0, post_relabel = 0, added = 0;
  };
  struct Failure {
    std::string reason;
    std::string message;
  };

  void on_response(Timestamp ts, std::chrono::steady_clock::time_point start,
                   Result<http::HttpResponse> result, std::function<void()> done);
  std::optional<Failure> append_body(storage::Appender& app, const http::HttpResponse& resp,
                                     Timestamp ts, Counts& counts);
  std::optional<Labels> sample_labels(const Labels& exposed) const;
  std::optional<std::string> check_label_limits(const Labels& l) const;
  void append_report(storage::Appender& app, Timestamp ts, bool up, double duration,
                     const Counts& counts);
  void append_stale(storage::Appender& app, Timestamp ts, bool with_report);
  static void add(storage::Appender& app, const Entry& e, Timestamp t, double v) {
    if (e.ref != 0) {
      app.add_ref(e.ref, t, v);
    } else {
      app.add(e.labels, t, v);
    }
  }
  static Labels labels_of(const storage::Appender& app, const Entry& e) {
    return e.ref != 0 ? app.labels_of(e.ref) : e.labels;
  }

  http::CurlClient& client_;
  AppenderFactory appenders_;
  std::shared_ptr<const ScrapeOptions> options_;
  Target target_;
  ScrapeObserver observer_;
  std::optional<std::string> forced_error_;
  std::optional<http::RequestId> in_flight_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

  std::unordered_map<std::string, Entry, StringHash, std::equal_to<>> cache_;
  std::vector<Entry*> last_series_;  // series of the last successful scrape (staleness)
  std::vector<Entry*> cur_series_;
  // Series of the replaced loop's last scrape, when its cache could not be taken over: the next
  // scrape marks stale those it does not write.
  std::vector<Labels> inherited_;
  std::uint64_t iteration_ = 0;
  bool reported_ = false;
  Timestamp last_report_ts_ = 0;
  Labels report_labels_[5];
  ScrapeStatus status_;
};

}  // namespace tocsin::scrape
