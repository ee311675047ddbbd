#include "engine/rules/alerting_rule.h"

#include <algorithm>

#include "engine/template/prometheus_data.h"
#include "engine/template/prometheus_functions.h"
#include "parser/promql/parse.h"

namespace tocsin::rules {

namespace {

// Prometheus' template `query` function over the rule's storage.
tmpl::QueryFn make_query_fn(const EvalContext& ctx) {
  return [&ctx](std::string_view text, Timestamp at) -> Result<std::vector<tmpl::QuerySample>> {
    promql::Value value;
    if (ctx.remote) {
      auto r = ctx.remote->instant_query(text, at);
      if (!r) return tl::unexpected(r.error());
      value = std::move(*r);
    } else {
      auto expr = promql::parse_expr(text);
      if (!expr) return invalid_argument(expr.error().to_string());
      auto r = promql::evaluate_instant(**expr, ctx.querier, at, ctx.options);
      if (!r) return tl::unexpected(r.error());
      value = std::move(r->value);
    }
    std::vector<tmpl::QuerySample> out;
    if (auto* v = std::get_if<promql::Vector>(&value)) {
      for (const auto& s : *v) {
        tmpl::QuerySample q;
        for (const auto& l : s.metric) q.labels[l.name] = l.value;
        q.value = s.v;
        out.push_back(std::move(q));
      }
    } else if (auto* s = std::get_if<promql::Scalar>(&value)) {
      out.push_back({{}, s->v});
    } else {
      return invalid_argument("query result is not a vector or scalar");
    }
    return out;
  };
}

}  // namespace

AlertingRule::AlertingRule(RuleSpec spec)
    : Rule(std::move(spec)), templates_(tmpl::prometheus_function_library()) {
  // A value without "{{" has no action: it renders as itself, so it is kept as a literal and
  // neither parsed nor executed (most rule labels, such as severity, are literals).
  auto compile = [this](bool annotation, const std::string& key, const std::string& text) {
    Expansion e;
    e.key = key;
    if (text.find("{{") == std::string::npos) {
      e.literal = text;
      return e;
    }
    std::string name = template_name(annotation, key);
    if (spec_.templates) {  // parsed when the file was loaded
      if (auto it = spec_.templates->find(name); it != spec_.templates->end()) {
        templates_.adopt(it->second);
        e.template_name = std::move(name);
        needs_template_data_ = true;
        return e;
      }
    }
    std::string full = std::string(tmpl::kPrometheusAlertPrelude) + text;
    if (auto st = templates_.parse(name, full); !st) {
      e.literal = "<error expanding template: " + st.error().message + ">";
      return e;
    }
    e.template_name = std::move(name);
    needs_template_data_ = true;
    return e;
  };
  for (const auto& [k, v] : spec_.labels) label_expansions_.push_back(compile(false, k, v));
  for (const auto& [k, v] : spec_.annotations) {
    annotation_expansions_.push_back(compile(true, k, v));
  }
}

std::string AlertingRule::expand(const Expansion& e, const tmpl::Value& data,
                                 const tmpl::ExecContext& ctx) const {
  if (e.template_name.empty()) return e.literal;
  auto r = templates_.execute(e.template_name, data, ctx);
  if (!r) return "<error expanding template: " + r.error().message + ">";
  return std::move(*r);
}

Result<promql::Vector> AlertingRule::eval(Timestamp ts, const EvalContext& ctx) {
  const Timestamp at = ts - ctx.query_offset;
  auto vec = query(at, ctx);
  if (!vec) return tl::unexpected(vec.error());

  tmpl::ExecContext tctx;
  tctx.now = ts;
  tctx.query = make_query_fn(ctx);
  tctx.external_url = ctx.external_url;

  std::map<Labels, Observation> seen;
  for (const auto& s : *vec) {
    tmpl::Value data;
    if (needs_template_data_) {
      data = tmpl::prometheus_alert_data(s.metric, ctx.external_labels, ctx.external_url, s.v);
    }
    LabelsBuilder b(s.metric);
    b.del(kMetricName);
    for (const auto& e : label_expansions_) b.set(e.key, expand(e, data, tctx));
    b.set("alertname", spec_.alert);
    Observation o;
    o.labels = b.labels();
    o.value = s.v;
    for (const auto& e : annotation_expansions_) o.annotations[e.key] = expand(e, data, tctx);
    Labels key = o.labels;
    if (!seen.emplace(std::move(key), std::move(o)).second) {
      return invalid_argument(
          "vector contains metrics with the same labelset after applying alert labels");
    }
  }

  std::lock_guard lock(mu_);
  std::map<Labels, ActiveAlert> next;
  std::vector<const ActiveAlert*> active;
  int num_active = 0;
  auto apply = [&](const Labels& key, const ActiveAlert* prev, const Observation* obs) {
    StepOutcome o = step(prev, obs, ts, spec_.hold, spec_.keep_firing_for);
    if (!o.alert) return;
    auto [it, _] = next.insert_or_assign(key, std::move(*o.alert));
    if (o.active) {
      ++num_active;
      active.push_back(&it->second);
    }
  };
  for (const auto& [key, obs] : seen) {
    auto it = alerts_.find(key);
    apply(key, it == alerts_.end() ? nullptr : &it->second, &obs);
  }
  for (const auto& [key, a] : alerts_) {
    if (!seen.count(key)) apply(key, &a, nullptr);
  }
  if (ctx.limit > 0 && num_active > ctx.limit) {
    alerts_.clear();
    return resource_exhausted("exceeded limit of " + std::to_string(ctx.limit) + " with " +
                              std::to_string(num_active) + " alerts");
  }
  promql::Vector out;
  for (const ActiveAlert* a : active) {
    LabelsBuilder b(a->labels);
    b.set(kMetricName, "ALERTS");
    b.set("alertstate", to_string(a->state));
    out.push_back(promql::Sample{b.labels(), 1.0, at, false});
    LabelsBuilder f(a->labels);
    f.set(kMetricName, "ALERTS_FOR_STATE");
    out.push_back(
        promql::Sample{f.labels(), static_cast<double>(a->active_at / 1000), at, false});
  }
  alerts_ = std::move(next);
  return out;
}

std::vector<Alert> AlertingRule::alerts_to_send(Timestamp ts, Duration resend_delay,
                                                Duration interval,
                                                std::string_view generator_url) {
  std::lock_guard lock(mu_);
  std::vector<Alert> out;
  for (auto& [_, a] : alerts_) {
    if (!needs_sending(a, ts, resend_delay)) continue;
    mark_sent(a, ts, resend_delay, interval);
    out.push_back(to_alert(a, generator_url));
  }
  return out;
}

std::vector<ActiveAlert> AlertingRule::active_alerts() const {
  std::lock_guard lock(mu_);
  std::vector<ActiveAlert> out;
  for (const auto& [_, a] : alerts_) {
    if (a.state != AlertState::kInactive) out.push_back(a);
  }
  return out;
}

AlertState AlertingRule::state() const {
  std::lock_guard lock(mu_);
  AlertState s = AlertState::kInactive;
  for (const auto& [_, a] : alerts_) {
    if (a.state == AlertState::kFiring) return AlertState::kFiring;
    if (a.state == AlertState::kPending) s = AlertState::kPending;
  }
  return s;
}

void AlertingRule::copy_state_from(const AlertingRule& old) {
  if (&old == this) return;
  std::scoped_lock lock(mu_, old.mu_);
  for (const auto& [k, a] : old.alerts_) alerts_[k] = a;
}

std::vector<ActiveAlert> AlertingRule::saved_state() const {
  std::lock_guard lock(mu_);
  std::vector<ActiveAlert> out;
  out.reserve(alerts_.size());
  for (const auto& [_, a] : alerts_) out.push_back(a);
  return out;
}

std::uint64_t AlertingRule::state_signature() const {
  std::lock_guard lock(mu_);
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&h](std::uint64_t x) {
    h ^= x + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  };
  mix(alerts_.size());
  for (const auto& [labels, a] : alerts_) {
    mix(labels.fingerprint());
    mix(static_cast<std::uint64_t>(a.state));
    mix(static_cast<std::uint64_t>(a.active_at));
    mix(static_cast<std::uint64_t>(a.fired_at));
    mix(static_cast<std::uint64_t>(a.resolved_at));
    mix(static_cast<std::uint64_t>(a.keep_firing_since));
  }
  return h;
}

void AlertingRule::restore_state(const std::vector<ActiveAlert>& alerts) {
  std::lock_guard lock(mu_);
  for (ActiveAlert a : alerts) {
    // The dispatcher of the new process has not seen the alert (a crash may have hit between
    // the send and the flush): send it again at the first evaluation. The notification log
    // keeps that from notifying twice.
    a.last_sent_at = 0;
    a.valid_until = 0;
    alerts_[a.labels] = std::move(a);
  }
}

}  // namespace tocsin::rules
