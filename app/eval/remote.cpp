#include "app/eval/remote.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "engine/config/http_options.h"
#include "engine/http/curl_client.h"
#include "parser/promql/parse.h"

namespace tocsin::app::eval {
namespace {

using json = nlohmann::json;

struct Walk {
  Timestamp from, to;
  Duration lookback;
  std::map<std::string, std::pair<Timestamp, Timestamp>> spans;  // selector → [mint, maxt]

  // `before`/`after`: how far before `from` and after `to` enclosing subqueries reach.
  void visit(const promql::ExprPtr& e, Duration before, Duration after,
             std::optional<Timestamp> at) {
    if (!e) return;
    std::visit([&](const auto& n) { node(n, before, after, at); }, e->node);
  }

  void add(const promql::VectorSelector& vs, Duration range, Duration before, Duration after,
           std::optional<Timestamp> at) {
    if (vs.at.kind == promql::AtModifier::Kind::kTimestamp) at = vs.at.timestamp;
    promql::VectorSelector plain;
    plain.name = vs.name;
    plain.matchers = vs.matchers;
    std::string text = promql::to_string(promql::Expr{plain, {}});
    Duration reach = range > 0 ? range : lookback;
    Timestamp lo, hi;
    if (at) {
      lo = *at - vs.offset - reach;
      hi = *at - vs.offset;
    } else {
      lo = from - before - vs.offset - reach;
      hi = to + after - vs.offset;
    }
    lo = std::min(lo, hi);
    auto [it, fresh] = spans.emplace(text, std::make_pair(lo, hi));
    if (!fresh) {
      it->second.first = std::min(it->second.first, lo);
      it->second.second = std::max(it->second.second, hi);
    }
  }

  void node(const promql::NumberLiteral&, Duration, Duration, std::optional<Timestamp>) {}
  void node(const promql::StringLiteral&, Duration, Duration, std::optional<Timestamp>) {}
  void node(const promql::VectorSelector& n, Duration b, Duration a, std::optional<Timestamp> at) {
    add(n, 0, b, a, at);
  }
  void node(const promql::MatrixSelector& n, Duration b, Duration a, std::optional<Timestamp> at) {
    if (!n.vector_selector) return;
    if (auto* vs = std::get_if<promql::VectorSelector>(&n.vector_selector->node)) {
      add(*vs, n.range, b, a, at);
    }
  }
  void node(const promql::SubqueryExpr& n, Duration b, Duration a, std::optional<Timestamp> at) {
    if (n.at.kind == promql::AtModifier::Kind::kTimestamp) {
      at = n.at.timestamp - n.offset - n.range;  // approximated: the subquery's start
      visit(n.expr, 0, n.range, at);             // `after` unused when `at` is set
      return;
    }
    visit(n.expr, b + n.range + std::max<Duration>(n.offset, 0),
          a + std::max<Duration>(-n.offset, 0), at);
  }
  void node(const promql::Call& n, Duration b, Duration a, std::optional<Timestamp> at) {
    for (const auto& arg : n.args) visit(arg, b, a, at);
  }
  void node(const promql::AggregateExpr& n, Duration b, Duration a, std::optional<Timestamp> at) {
    visit(n.expr, b, a, at);
    visit(n.param, b, a, at);
  }
  void node(const promql::BinaryExpr& n, Duration b, Duration a, std::optional<Timestamp> at) {
    visit(n.lhs, b, a, at);
    visit(n.rhs, b, a, at);
  }
  void node(const promql::UnaryExpr& n, Duration b, Duration a, std::optional<Timestamp> at) {
    visit(n.expr, b, a, at);
  }
  void node(const promql::ParenExpr& n, Duration b, Duration a, std::optional<Timestamp> at) {
    visit(n.expr, b, a, at);
  }
};

// Metric names the rules write: never fetched.
std::set<std::string> written_names(const rules::LoadedRules& rules) {
  std::set<std::string> out{"ALERTS", "ALERTS_FOR_STATE"};
  for (const auto& f : rules.files) {
    for (const auto& g : f.groups) {
      for (const auto& r : g.rules) {
        if (!r.is_alert()) out.insert(r.record);
      }
    }
  }
  return out;
}

// The metric name a selector pins with `name` or __name__="name"; "" otherwise.
std::string pinned_name(const promql::ExprPtr& sel) {
  auto* vs = std::get_if<promql::VectorSelector>(&sel->node);
  if (!vs) return "";
  if (!vs->name.empty()) return vs->name;
  for (const auto& m : vs->matchers) {
    if (m.name == "__name__" && m.type == promql::MatchType::kEqual) return m.value;
  }
  return "";
}

std::string seconds(Timestamp t) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(t) / 1000.0);
  return buf;
}

std::string url_encode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

double parse_value(const std::string& s) {
  if (s == "NaN") return std::nan("");
  if (s == "+Inf" || s == "Inf") return INFINITY;
  if (s == "-Inf") return -INFINITY;
  return std::strtod(s.c_str(), nullptr);
}

class Fetcher {
 public:
  Fetcher(const DatasourceOptions& o, config::HttpOptions http)
      : options_(o), http_(std::move(http)), client_(io_) {
    base_ = o.url;
    while (!base_.empty() && base_.back() == '/') base_.pop_back();
  }

  // One instant query; the matrix result appended to `out`.
  Status query(const std::string& expr, Timestamp t, std::vector<InputSeries>& out) {
    http::HttpRequest req;
    req.method = "POST";
    req.url = base_ + "/api/v1/query";
    req.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                   {"Accept", "application/json"}};
    req.body = "query=" + url_encode(expr) + "&time=" + seconds(t);
    req.timeout = std::chrono::milliseconds(options_.timeout);
    req.accept_gzip = true;
    http_.apply(req);
    std::optional<Result<http::HttpResponse>> got;
    client_.request(std::move(req), [&got](Result<http::HttpResponse> r) { got = std::move(r); });
    io_.restart();
    while (!got && io_.run_one() > 0) {
    }
    if (!got) return internal_error("datasource request ended without an answer");
    if (!*got) return tl::unexpected(got->error());
    const http::HttpResponse& resp = **got;
    json j = json::parse(resp.body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return unavailable("datasource answered " + resp.status_text + " with a body that is not JSON");
    }
    if (j.value("status", "") != "success") {
      return invalid_argument("datasource: " + resp.status_text + ": " + j.value("errorType", "") +
                              ": " + j.value("error", ""));
    }
    if (!j.contains("data") || !j.at("data").is_object() ||
        j.at("data").value("resultType", "") != "matrix" || !j.at("data").contains("result")) {
      return invalid_argument("datasource: expected a matrix for " + expr);
    }
    for (const auto& s : j.at("data").at("result")) {
      std::vector<Label> ls;
      if (s.contains("metric")) {
        for (const auto& [k, v] : s.at("metric").items()) ls.push_back({k, v.get<std::string>()});
      }
      InputSeries in;
      in.labels = Labels::from_unsorted(std::move(ls));
      if (s.contains("values")) {
        for (const auto& p : s.at("values")) {
          if (!p.is_array() || p.size() != 2) continue;
          double ts = p.at(0).get<double>();
          in.samples.push_back({static_cast<Timestamp>(std::llround(ts * 1000)),
                                parse_value(p.at(1).get<std::string>())});
        }
      }
      if (s.contains("histograms")) {
        return unimplemented("datasource: native histograms in " + in.labels.to_string() +
                             " are not supported");
      }
      out.push_back(std::move(in));
    }
    return {};
  }

 private:
  const DatasourceOptions& options_;
  config::HttpOptions http_;
  boost::asio::io_context io_;
  http::CurlClient client_;
  std::string base_;
};

}  // namespace

std::vector<FetchSpec> fetch_specs(const rules::LoadedRules& rules, Timestamp from, Timestamp to,
                                   Duration lookback_delta) {
  Walk w{from, to, lookback_delta, {}};
  for (const auto& f : rules.files) {
    for (const auto& g : f.groups) {
      for (const auto& r : g.rules) {
        Duration offset = g.query_offset.value_or(rules.config.rule_query_offset);
        // A query offset moves every evaluation back.
        w.visit(r.parsed, offset, 0, std::nullopt);
      }
    }
  }
  std::set<std::string> written = written_names(rules);
  std::vector<FetchSpec> out;
  for (const auto& [sel, span] : w.spans) {
    auto parsed = promql::parse_selector(sel);
    if (parsed && written.count(pinned_name(*parsed))) continue;
    out.push_back({sel, span.first, span.second});
  }
  return out;
}

Result<SeriesSet> fetch_series(const DatasourceOptions& options, const rules::LoadedRules& rules,
                               Timestamp from, Timestamp to, Duration lookback_delta) {
  config::HttpClientConfig hc;
  if (!options.basic_auth_user.empty() || !options.basic_auth_password_file.empty()) {
    config::BasicAuth ba;
    ba.username = options.basic_auth_user;
    ba.password_file = options.basic_auth_password_file;
    hc.basic_auth = ba;
  }
  if (!options.bearer_token_file.empty()) {
    config::Authorization az;
    az.credentials_file = options.bearer_token_file;
    hc.authorization = az;
  }
  hc.tls_config.ca_file = options.ca_file;
  hc.tls_config.insecure_skip_verify = options.insecure_skip_verify;
  auto http = config::resolve_http_options(hc);
  if (!http) return tl::unexpected(http.error().with_context("datasource"));

  const Duration chunk = options.chunk > 0 ? options.chunk : kHour;
  Fetcher fetcher(options, std::move(*http));
  std::vector<InputSeries> all;
  for (const auto& spec : fetch_specs(rules, from, to, lookback_delta)) {
    auto sel = promql::parse_selector(spec.selector);
    if (!sel) return internal_error("selector " + spec.selector + ": " + sel.error().to_string());
    promql::MatrixSelector ms;
    ms.vector_selector = *sel;
    ms.range = chunk;
    std::string expr = promql::to_string(promql::Expr{ms, {}});
    // Chunks ending at mint + chunk, mint + 2*chunk, ..., the last at maxt; the first also
    // covers mint itself (closed at both ends one millisecond early).
    Timestamp end = std::min(spec.mint - 1 + chunk, spec.maxt);
    for (;;) {
      if (auto st = fetcher.query(expr, end, all); !st) {
        return tl::unexpected(st.error().with_context("datasource " + options.url + ": " + expr));
      }
      if (end >= spec.maxt) break;
      end = std::min(end + chunk, spec.maxt);
    }
  }
  std::set<std::string> written = written_names(rules);
  std::erase_if(all, [&](const InputSeries& s) {
    return written.count(std::string(s.labels.metric_name())) > 0;
  });
  // Samples outside the span a chunk reached into are harmless: they are before `from` or at
  // most at `to`, and the backtest never feeds samples after `to`.
  return merge_series(std::move(all));
}

}  // namespace tocsin::app::eval
