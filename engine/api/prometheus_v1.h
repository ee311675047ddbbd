// The Prometheus HTTP API v1 query endpoints, so Grafana and promtool can use tocsin as a
// Prometheus data source: /api/v1/query, /api/v1/query_range, /api/v1/series, /api/v1/labels,
// /api/v1/label/<name>/values, /api/v1/status/buildinfo. GET and POST form bodies.
//
// Errors answer {"status":"error","errorType":...,"error":...}: bad_data (400) for bad
// parameters and parse errors, execution (422) for evaluation errors — the sample limit
// (--query.max-samples) included, as Prometheus answers it — and timeout (503) when the query
// ran past the `timeout` parameter or --query.timeout, whichever is earlier.
// Queries run on `workers` (never on the I/O thread); the storage read view must allow
// concurrent reads (engine/storage/head.h does).
#pragma once

#include <functional>
#include <string>

#include <boost/asio/thread_pool.hpp>

#include "engine/common/time.h"
#include "engine/http/router.h"
#include "engine/promql/engine.h"
#include "engine/storage/head.h"

namespace tocsin::api {

struct BuildInfo {
  std::string version;
  std::string revision;
  std::string branch;
  std::string build_user;
  std::string build_date;
  std::string go_version;  // Prometheus' field; tocsin reports its compiler
};

struct PrometheusV1Options {
  promql::EvalOptions eval;               // max_samples: --query.max-samples
  Duration default_timeout = 2 * kMinute;  // --query.timeout; 0 = none
  std::int64_t max_points_per_series = 11'000;  // Prometheus' range query resolution limit
};

// Registers the endpoints. `head`, `workers` and `clock` must outlive the router's use.
void register_prometheus_v1(http::Router& router, const storage::Head& head,
                            boost::asio::thread_pool& workers, const Clock& clock,
                            BuildInfo build, PrometheusV1Options options = {});

// Prometheus' time parameter: float Unix seconds or RFC 3339.
Result<Timestamp> parse_api_time(std::string_view s);
// Prometheus' duration parameter (step, timeout): float seconds or a duration ("5m").
Result<Duration> parse_api_duration(std::string_view s);

}  // namespace tocsin::api
