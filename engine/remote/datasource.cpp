#include "engine/remote/datasource.h"

#include <chrono>
#include <cstdio>
#include <future>
#include <memory>

#include "engine/http/http_types.h"
#include "engine/remote/prom_api.h"

namespace tocsin::remote {

std::string api_time(Timestamp t) {
  char buf[40];
  const unsigned long long a = t < 0 ? 0ULL - static_cast<unsigned long long>(t)
                                     : static_cast<unsigned long long>(t);
  std::snprintf(buf, sizeof buf, "%s%llu.%03llu", t < 0 ? "-" : "", a / 1000, a % 1000);
  return buf;
}

Datasource::Datasource(http::CurlClient& client, const config::DatasourceConfig& cfg,
                       config::HttpOptions http, DatasourceMetrics metrics)
    : client_(client), timeout_(cfg.timeout), http_(std::move(http)), metrics_(metrics) {
  url_ = cfg.url;
  while (!url_.empty() && url_.back() == '/') url_.pop_back();
  url_ += "/api/v1/query";
}

Result<promql::Value> Datasource::instant_query(std::string_view expr, Timestamp t) const {
  if (metrics_.queries) metrics_.queries->Increment();
  http::HttpRequest req;
  req.method = "POST";
  req.url = url_;
  req.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
  req.headers.push_back({"Accept", "application/json"});
  req.body = "query=" + http::url_encode(expr) + "&time=" + api_time(t);
  req.timeout = std::chrono::milliseconds(timeout_);
  req.accept_gzip = true;
  http_.apply(req);

  auto done = std::make_shared<std::promise<Result<http::HttpResponse>>>();
  auto answer = done->get_future();
  client_.request(std::move(req),
                  [done](Result<http::HttpResponse> r) { done->set_value(std::move(r)); });
  Result<promql::Value> out = unavailable("no answer");
  // The client enforces `timeout`; the margin covers a busy I/O thread.
  if (answer.wait_for(std::chrono::milliseconds(timeout_) + std::chrono::seconds(10)) !=
      std::future_status::ready) {
    out = deadline_exceeded("datasource query: no answer from " + url_ + " in time");
  } else {
    Result<http::HttpResponse> r = answer.get();
    if (!r) {
      out = tl::unexpected(r.error().with_context("datasource query"));
    } else {
      out = parse_query_response(r->body, r->status);
      if (!out) out = tl::unexpected(out.error().with_context("datasource query"));
    }
  }
  if (!out && metrics_.failures) metrics_.failures->Increment();
  return out;
}

}  // namespace tocsin::remote
