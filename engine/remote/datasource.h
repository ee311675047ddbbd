// Datasource: tocsin's `datasource:` — rules run as instant queries against a Prometheus-
// compatible query API (POST /api/v1/query, form `query` and `time`) instead of local storage.
//
// instant_query() blocks the calling worker thread while the shared CurlClient (driven by the I/O
// thread) performs the request; it must never be called on the I/O thread. It fails (and the
// failure counter counts) when the API is unreachable, times out (`timeout`, plus a margin for
// the I/O thread), answers a non-2xx status or an error body: the rule's evaluation then fails,
// its health is err and its alerts keep their state.
//
// Immutable after construction; any worker thread may call instant_query() concurrently. The
// CurlClient must outlive it.
#pragma once

#include <prometheus/counter.h>

#include <string>
#include <string_view>

#include "engine/config/config.h"
#include "engine/config/http_options.h"
#include "engine/http/curl_client.h"
#include "engine/rules/rule.h"

namespace tocsin::remote {

struct DatasourceMetrics {
  prometheus::Counter* queries = nullptr;   // every query sent
  prometheus::Counter* failures = nullptr;  // those that failed
};

class Datasource final : public rules::InstantQuerier {
 public:
  Datasource(http::CurlClient& client, const config::DatasourceConfig& cfg,
             config::HttpOptions http, DatasourceMetrics metrics);

  Result<promql::Value> instant_query(std::string_view expr, Timestamp t) const override;

  const std::string& url() const { return url_; }

 private:
  http::CurlClient& client_;
  std::string url_;  // .../api/v1/query
  Duration timeout_;
  config::HttpOptions http_;
  DatasourceMetrics metrics_;
};

// "1700000000.123": Unix seconds with milliseconds, as the API's `time` parameter.
std::string api_time(Timestamp t);

}  // namespace tocsin::remote
