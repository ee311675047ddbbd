#include "engine/api/prometheus_v1.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <set>

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "parser/promql/parse.h"

namespace tocsin::api {

namespace asio = boost::asio;
using json = nlohmann::json;

namespace {

// Prometheus' minimum and maximum API times (±292 million years avoided; this range suffices).
constexpr Timestamp kMinTime = std::numeric_limits<Timestamp>::min() / 2;
constexpr Timestamp kMaxTime = std::numeric_limits<Timestamp>::max() / 2;

http::Response api_error(int status, std::string_view type, std::string message) {
  json body = {{"status", "error"}, {"errorType", type}, {"error", std::move(message)}};
  return http::Response::json(status, body.dump());
}

http::Response api_success(json data, const std::vector<std::string>& warnings = {},
                           const std::vector<std::string>& infos = {}) {
  json body = {{"status", "success"}, {"data", std::move(data)}};
  if (!warnings.empty()) body["warnings"] = warnings;
  if (!infos.empty()) body["infos"] = infos;
  return http::Response::json(200, body.dump());
}

json labels_json(const Labels& l) {
  json o = json::object();
  for (const auto& [k, v] : l) o[k] = v;
  return o;
}

json point_json(Timestamp t, double v) {
  return json::array({static_cast<double>(t) / 1000.0, promql::format_value(v)});
}

json value_json(const promql::Value& value) {
  json result;
  if (auto* s = std::get_if<promql::Scalar>(&value)) {
    result = point_json(s->t, s->v);
  } else if (auto* str = std::get_if<promql::String>(&value)) {
    result = json::array({static_cast<double>(str->t) / 1000.0, str->v});
  } else if (auto* vec = std::get_if<promql::Vector>(&value)) {
    result = json::array();
    for (const auto& s : *vec) {
      result.push_back({{"metric", labels_json(s.metric)}, {"value", point_json(s.t, s.v)}});
    }
  } else if (auto* mat = std::get_if<promql::Matrix>(&value)) {
    result = json::array();
    for (const auto& s : *mat) {
      json values = json::array();
      for (const auto& p : s.points) values.push_back(point_json(p.t, p.v));
      result.push_back({{"metric", labels_json(s.metric)}, {"values", std::move(values)}});
    }
  }
  return {{"resultType", promql::value_type_name(value)}, {"result", std::move(result)}};
}

void split_annotations(const promql::QueryResult& r, std::string_view query,
                       std::vector<std::string>& warnings, std::vector<std::string>& infos) {
  for (const auto& a : r.annotations) {
    (a.kind == promql::Annotation::Kind::kWarning ? warnings : infos)
        .push_back(promql::format_annotation(a, query));
  }
}

struct Context {
  const storage::Head& head;
  asio::thread_pool& workers;
  const Clock& clock;
  BuildInfo build;
  PrometheusV1Options options;
};

// Runs `fn` on the worker pool and replies with its response.
void run_on_workers(const std::shared_ptr<Context>& ctx, http::Reply reply,
                    std::function<http::Response()> fn) {
  asio::post(ctx->workers, [reply = std::move(reply), fn = std::move(fn)]() mutable {
    reply(http::run_guarded("/api/v1/", fn));
  });
}

storage::MatchType to_storage(promql::MatchType t) {
  switch (t) {
    case promql::MatchType::kEqual: return storage::MatchType::kEqual;
    case promql::MatchType::kNotEqual: return storage::MatchType::kNotEqual;
    case promql::MatchType::kRegexMatch: return storage::MatchType::kRegexMatch;
    case promql::MatchType::kRegexNoMatch: return storage::MatchType::kRegexNoMatch;
  }
  return storage::MatchType::kEqual;
}

// Parses match[] selectors into storage matcher lists.
Result<std::vector<std::vector<storage::Matcher>>> parse_match_params(
    const std::vector<std::string>& selectors) {
  std::vector<std::vector<storage::Matcher>> out;
  for (const auto& text : selectors) {
    auto e = promql::parse_selector(text);
    if (!e) return invalid_argument("invalid parameter \"match[]\": " + e.error().to_string());
    const auto* sel = std::get_if<promql::VectorSelector>(&(*e)->node);
    if (!sel) return invalid_argument("invalid parameter \"match[]\": not a series selector");
    std::vector<storage::Matcher> ms;
    if (!sel->name.empty()) {
      ms.push_back(*storage::Matcher::make(storage::MatchType::kEqual, std::string(kMetricName),
                                           sel->name));
    }
    for (const auto& m : sel->matchers) {
      auto sm = storage::Matcher::make(to_storage(m.type), m.name, m.value);
      if (!sm) return invalid_argument("invalid parameter \"match[]\": " + sm.error().message);
      ms.push_back(std::move(*sm));
    }
    out.push_back(std::move(ms));
  }
  return out;
}

// Every series matching any of the selectors (all series when there are none) with samples
// in [start, end], deduplicated.
std::vector<Labels> matching_series(const storage::Head& head,
                                    const std::vector<std::vector<storage::Matcher>>& selectors,
                                    Timestamp start, Timestamp end) {
  std::vector<std::vector<storage::Matcher>> sets = selectors;
  if (sets.empty()) {
    sets.push_back({*storage::Matcher::make(storage::MatchType::kRegexMatch,
                                            std::string(kMetricName), ".+")});
  }
  std::set<Labels> seen;
  for (const auto& ms : sets) {
    for (auto& s : head.select(ms, start, end)) {
      if (s.samples && s.samples->next()) seen.insert(s.labels);
    }
  }
  return {seen.begin(), seen.end()};
}

Result<std::pair<Timestamp, Timestamp>> parse_range(const http::Request& req) {
  Timestamp start = kMinTime, end = kMaxTime;
  if (req.has_param("start")) {
    auto t = parse_api_time(req.param("start"));
    if (!t) return invalid_argument("invalid parameter \"start\": " + t.error().message);
    start = *t;
  }
  if (req.has_param("end")) {
    auto t = parse_api_time(req.param("end"));
    if (!t) return invalid_argument("invalid parameter \"end\": " + t.error().message);
    end = *t;
  }
  if (end < start) return invalid_argument("end timestamp must not be before start time");
  return std::make_pair(start, end);
}

http::Response eval_error(const Error& e) {
  if (e.code == ErrorCode::kInvalidArgument) return api_error(422, "execution", e.message);
  if (e.code == ErrorCode::kDeadlineExceeded) return api_error(503, "timeout", e.message);
  if (e.code == ErrorCode::kResourceExhausted) return api_error(422, "execution", e.message);
  return api_error(500, "internal", e.message);
}

// The evaluation options of one query: the `timeout` parameter, capped by --query.timeout
// (Prometheus applies both deadlines, so the earlier one wins).
Result<promql::EvalOptions> query_eval_options(const Context& ctx, const http::Request& req) {
  promql::EvalOptions eval = ctx.options.eval;
  Duration timeout = ctx.options.default_timeout;
  if (req.has_param("timeout")) {
    auto t = parse_api_duration(req.param("timeout"));
    if (!t) return invalid_argument("invalid parameter \"timeout\": " + t.error().message);
    timeout = timeout > 0 ? std::min(timeout, *t) : *t;
    // A timeout of 0 has already passed (as Go's context.WithTimeout(ctx, 0)).
    if (timeout <= 0) eval.deadline = std::chrono::steady_clock::now();
  }
  eval.timeout = timeout;
  return eval;
}

http::Response handle_query(const Context& ctx, const http::Request& req) {
  std::string query(req.param("query"));
  if (query.empty()) return api_error(400, "bad_data", "invalid parameter \"query\": empty query");
  Timestamp ts = ctx.clock.now();
  if (req.has_param("time")) {
    auto t = parse_api_time(req.param("time"));
    if (!t) return api_error(400, "bad_data", "invalid parameter \"time\": " + t.error().message);
    ts = *t;
  }
  auto expr = promql::parse_expr(query);
  if (!expr) {
    return api_error(400, "bad_data", "invalid parameter \"query\": " + expr.error().to_string());
  }
  auto eval = query_eval_options(ctx, req);
  if (!eval) return api_error(400, "bad_data", eval.error().message);
  auto result = promql::evaluate_instant(**expr, ctx.head, ts, *eval);
  if (!result) return eval_error(result.error());
  std::vector<std::string> warnings, infos;
  split_annotations(*result, query, warnings, infos);
  return api_success(value_json(result->value), warnings, infos);
}

http::Response handle_query_range(const Context& ctx, const http::Request& req) {
  std::string query(req.param("query"));
  if (query.empty()) return api_error(400, "bad_data", "invalid parameter \"query\": empty query");
  for (const char* p : {"start", "end", "step"}) {
    if (!req.has_param(p)) {
      return api_error(400, "bad_data", std::string("invalid parameter \"") + p + "\": missing");
    }
  }
  auto start = parse_api_time(req.param("start"));
  if (!start) return api_error(400, "bad_data", "invalid parameter \"start\": " + start.error().message);
  auto end = parse_api_time(req.param("end"));
  if (!end) return api_error(400, "bad_data", "invalid parameter \"end\": " + end.error().message);
  if (*end < *start) {
    return api_error(400, "bad_data", "invalid parameter \"end\": end timestamp must not be before start time");
  }
  auto step = parse_api_duration(req.param("step"));
  if (!step) return api_error(400, "bad_data", "invalid parameter \"step\": " + step.error().message);
  if (*step <= 0) {
    return api_error(400, "bad_data",
                     "invalid parameter \"step\": zero or negative query resolution step widths "
                     "are not accepted. Try a positive integer");
  }
  if ((*end - *start) / *step > ctx.options.max_points_per_series) {
    return api_error(400, "bad_data",
                     "exceeded maximum resolution of 11,000 points per timeseries. Try "
                     "decreasing the query resolution (?step=XX)");
  }
  auto expr = promql::parse_expr(query);
  if (!expr) {
    return api_error(400, "bad_data", "invalid parameter \"query\": " + expr.error().to_string());
  }
  auto t = promql::type_of(**expr);
  if (t != promql::ValueType::kScalar && t != promql::ValueType::kVector) {
    return api_error(400, "bad_data",
                     std::string("invalid parameter \"query\": invalid expression type \"") +
                         promql::to_string(t) +
                         "\" for range query, must be Scalar or instant Vector");
  }
  auto eval = query_eval_options(ctx, req);
  if (!eval) return api_error(400, "bad_data", eval.error().message);
  auto result = promql::evaluate_range(**expr, ctx.head, *start, *end, *step, *eval);
  if (!result) return eval_error(result.error());
  std::vector<std::string> warnings, infos;
  split_annotations(*result, query, warnings, infos);
  return api_success(value_json(result->value), warnings, infos);
}

http::Response handle_series(const Context& ctx, const http::Request& req) {
  auto selectors = req.params_named("match[]");
  if (selectors.empty()) return api_error(400, "bad_data", "no match[] parameter provided");
  auto parsed = parse_match_params(selectors);
  if (!parsed) return api_error(400, "bad_data", parsed.error().message);
  auto range = parse_range(req);
  if (!range) return api_error(400, "bad_data", range.error().message);
  json data = json::array();
  for (const auto& l : matching_series(ctx.head, *parsed, range->first, range->second)) {
    data.push_back(labels_json(l));
  }
  return api_success(std::move(data));
}

http::Response handle_labels(const Context& ctx, const http::Request& req) {
  auto parsed = parse_match_params(req.params_named("match[]"));
  if (!parsed) return api_error(400, "bad_data", parsed.error().message);
  auto range = parse_range(req);
  if (!range) return api_error(400, "bad_data", range.error().message);
  std::set<std::string> names;
  for (const auto& l : matching_series(ctx.head, *parsed, range->first, range->second)) {
    for (const auto& [k, v] : l) names.insert(k);
  }
  return api_success(json(std::vector<std::string>(names.begin(), names.end())));
}

http::Response handle_label_values(const Context& ctx, const http::Request& req) {
  std::string name = req.path.substr(std::string("/api/v1/label/").size());
  size_t slash = name.find('/');
  if (slash == std::string::npos || name.substr(slash) != "/values") {
    return http::Response::text(404, "404 page not found\n");
  }
  name = name.substr(0, slash);
  if (name.rfind("U__", 0) == 0) {
    // Prometheus 3 escaping of UTF-8 names is not supported; names are used as written.
  }
  if (name.empty()) return api_error(400, "bad_data", "invalid label name: \"\"");
  auto parsed = parse_match_params(req.params_named("match[]"));
  if (!parsed) return api_error(400, "bad_data", parsed.error().message);
  auto range = parse_range(req);
  if (!range) return api_error(400, "bad_data", range.error().message);
  std::set<std::string> values;
  for (const auto& l : matching_series(ctx.head, *parsed, range->first, range->second)) {
    auto v = l.get(name);
    if (!v.empty()) values.insert(std::string(v));
  }
  return api_success(json(std::vector<std::string>(values.begin(), values.end())));
}

}  // namespace

Result<Timestamp> parse_api_time(std::string_view s) {
  if (s.empty()) return invalid_argument("cannot parse \"\" to a valid timestamp");
  std::string text(s);
  char* end = nullptr;
  double secs = std::strtod(text.c_str(), &end);
  if (end && *end == '\0' && std::isfinite(secs)) {
    return static_cast<Timestamp>(std::llround(secs * 1000.0));
  }
  if (auto t = parse_rfc3339(s)) return *t;
  return invalid_argument("cannot parse \"" + text + "\" to a valid timestamp");
}

Result<Duration> parse_api_duration(std::string_view s) {
  std::string text(s);
  char* end = nullptr;
  double secs = std::strtod(text.c_str(), &end);
  if (!text.empty() && end && *end == '\0') {
    if (!std::isfinite(secs) || secs * 1000.0 > 9.2e18 || secs * 1000.0 < -9.2e18) {
      return invalid_argument("cannot parse \"" + text + "\" to a valid duration. It overflows int64");
    }
    return static_cast<Duration>(std::llround(secs * 1000.0));
  }
  if (auto d = parse_duration(s)) return *d;
  return invalid_argument("cannot parse \"" + text + "\" to a valid duration");
}

void register_prometheus_v1(http::Router& router, const storage::Head& head,
                            asio::thread_pool& workers, const Clock& clock, BuildInfo build,
                            PrometheusV1Options options) {
  auto ctx = std::make_shared<Context>(Context{head, workers, clock, std::move(build), options});
  auto on_workers = [ctx](http::Response (*fn)(const Context&, const http::Request&)) {
    return [ctx, fn](http::Request req, http::Reply reply) {
      run_on_workers(ctx, std::move(reply),
                     [ctx, fn, req = std::move(req)] { return fn(*ctx, req); });
    };
  };
  for (const char* method : {"GET", "POST"}) {
    router.add_async(method, "/api/v1/query", on_workers(handle_query));
    router.add_async(method, "/api/v1/query_range", on_workers(handle_query_range));
    router.add_async(method, "/api/v1/series", on_workers(handle_series));
    router.add_async(method, "/api/v1/labels", on_workers(handle_labels));
  }
  router.add_async("GET", "/api/v1/label/*", on_workers(handle_label_values));
  router.add("GET", "/api/v1/status/buildinfo", [ctx](const http::Request&) {
    return api_success({{"version", ctx->build.version},
                        {"revision", ctx->build.revision},
                        {"branch", ctx->build.branch},
                        {"buildUser", ctx->build.build_user},
                        {"buildDate", ctx->build.build_date},
                        {"goVersion", ctx->build.go_version}});
  });
}

}  // namespace tocsin::api
