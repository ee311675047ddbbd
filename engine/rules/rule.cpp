#include "engine/rules/rule.h"

namespace tocsin::rules {

std::string_view to_string(RuleHealth h) {
  switch (h) {
    case RuleHealth::kOk: return "ok";
    case RuleHealth::kErr: return "err";
    case RuleHealth::kUnknown: break;
  }
  return "unknown";
}

std::string Rule::identity() const {
  std::vector<Label> ls;
  for (const auto& [k, v] : spec_.labels) ls.push_back({k, v});
  return spec_.name() + Labels::from_unsorted(std::move(ls)).to_string();
}

RuleStatus Rule::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

void Rule::set_status(RuleStatus s) {
  std::lock_guard lock(mu_);
  status_ = std::move(s);
}

Result<promql::Vector> Rule::query(Timestamp t, const EvalContext& ctx) const {
  if (!spec_.parsed) return invalid_argument("rule has no parsed expression");
  promql::Value value;
  if (ctx.remote) {
    auto r = ctx.remote->instant_query(spec_.expr, t);
    if (!r) return tl::unexpected(r.error());
    value = std::move(*r);
  } else {
    auto r = promql::evaluate_instant(*spec_.parsed, ctx.querier, t, ctx.options);
    if (!r) return tl::unexpected(r.error());
    value = std::move(r->value);
  }
  if (auto* v = std::get_if<promql::Vector>(&value)) return std::move(*v);
  if (auto* s = std::get_if<promql::Scalar>(&value)) {
    promql::Sample smp;
    smp.v = s->v;
    smp.t = t;
    return promql::Vector{smp};
  }
  return invalid_argument("rule result is not a vector or scalar");
}

}  // namespace tocsin::rules
