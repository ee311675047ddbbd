// Series for `tocsin eval --datasource.url`: the raw samples the rules read, fetched from a
// Prometheus-compatible HTTP API into a SeriesSet, so the backtest then runs exactly as over
// series files.
//
// Which samples. Every vector selector of every rule (recording and alerting) is fetched over the
// window its evaluations can look at: [from - margin, to], where the margin is the lookback delta
// (5m) for an instant selector or the range for `sel[range]`, plus its offset and the ranges and
// offsets of enclosing subqueries; an `@ T` selector is fetched around T instead. Selectors of
// series the rules themselves write (recording rules' names, ALERTS, ALERTS_FOR_STATE) are not
// fetched, and fetched series of those names are dropped: the backtest produces them.
//
// How. Raw samples, not query_range's evaluated steps: instant queries of `selector[CHUNK]`
// (GET /api/v1/query, time = the chunk's end) for consecutive chunks of the window (default 1h),
// which return a matrix of the stored samples; a sample on a chunk boundary that both chunks
// return (Prometheus 2's closed windows) is merged. Stale markers are not exposed by the API, so
// a series that disappears ends after the lookback delta, as a series without stale markers does.
//
// Auth and TLS: basic auth (user + password file), a bearer token file, a CA file, and
// insecure_skip_verify, resolved through engine/config's http_config code.
//
// Blocking: runs its own io_context and CurlClient on the calling (CLI) thread.
#pragma once

#include <string>
#include <vector>

#include "app/eval/series_input.h"
#include "engine/common/result.h"
#include "engine/rules/manager.h"

namespace tocsin::app::eval {

struct DatasourceOptions {
  std::string url;  // base URL, e.g. http://prometheus:9090 (a trailing / is fine)
  std::string basic_auth_user;
  std::string basic_auth_password_file;
  std::string bearer_token_file;
  std::string ca_file;
  bool insecure_skip_verify = false;
  Duration timeout = kMinute;  // per request
  Duration chunk = kHour;      // range of each instant query
};

// One selector to fetch: canonical PromQL text without offset/@, and the time span.
struct FetchSpec {
  std::string selector;
  Timestamp mint = 0;
  Timestamp maxt = 0;
};

// What the rules read over [from, to] (merged per selector). Exposed for tests.
std::vector<FetchSpec> fetch_specs(const rules::LoadedRules& rules, Timestamp from, Timestamp to,
                                   Duration lookback_delta);

Result<SeriesSet> fetch_series(const DatasourceOptions& options, const rules::LoadedRules& rules,
                               Timestamp from, Timestamp to, Duration lookback_delta);

}  // namespace tocsin::app::eval
