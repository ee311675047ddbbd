#include "engine/promql/evaluator.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace tocsin::promql {

void throw_eval_error(std::string message, ErrorCode code) {
  throw EvalError(Error{code, std::move(message)});
}

Evaluator::Evaluator(const storage::Querier& q, const EvalOptions& o, Timestamp start,
                     Timestamp end, Duration interval)
    : querier_(q), opts_(o), start_(start), end_(end), interval_(interval) {
  if (o.deadline != std::chrono::steady_clock::time_point{}) {
    deadline_ = o.deadline;
  } else if (o.timeout > 0) {
    deadline_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(o.timeout);
  }
}

void Evaluator::check_deadline() const {
  if (deadline_ != std::chrono::steady_clock::time_point::max() &&
      std::chrono::steady_clock::now() >= deadline_) {
    throw_eval_error("query timed out in expression evaluation", ErrorCode::kDeadlineExceeded);
  }
}

Timestamp Evaluator::ref_time(const AtModifier& at, Duration offset, Timestamp ts) const {
  Timestamp base = ts;
  switch (at.kind) {
    case AtModifier::Kind::kNone: break;
    case AtModifier::Kind::kTimestamp: base = at.timestamp; break;
    case AtModifier::Kind::kStart: base = start_; break;
    case AtModifier::Kind::kEnd: base = end_; break;
  }
  return base - offset;
}

void Evaluator::annotate(Annotation::Kind kind, std::string message, PositionRange pos) {
  Annotation a{kind, std::move(message), pos};
  for (const auto& x : annotations_) {
    if (x == a) return;
  }
  annotations_.push_back(std::move(a));
}

void Evaluator::account_samples(std::int64_t n) {
  check_deadline();
  step_samples_ += n;
  if (step_samples_ > opts_.max_samples) {
    throw_eval_error("query processing would load too many samples into memory in query execution",
                     ErrorCode::kResourceExhausted);
  }
}

void Evaluator::note_range(const Expr* sel, Timestamp mint, Timestamp maxt, bool in_subquery) {
  auto [it, inserted] = selectors_.try_emplace(sel);
  it->second.single_use = inserted && start_ == end_ && !in_subquery;
  if (inserted) {
    it->second.mint = mint;
    it->second.maxt = maxt;
  } else {
    it->second.mint = std::min(it->second.mint, mint);
    it->second.maxt = std::max(it->second.maxt, maxt);
  }
}

void Evaluator::collect_ranges(const Expr& e, Timestamp start, Timestamp end, bool in_subquery) {
  std::visit(
      [&](const auto& n) {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, VectorSelector>) {
          note_range(&e, ref_time(n.at, n.offset, start) - opts_.lookback_delta,
                     ref_time(n.at, n.offset, end), in_subquery);
        } else if constexpr (std::is_same_v<T, MatrixSelector>) {
          const auto& vs = std::get<VectorSelector>(n.vector_selector->node);
          note_range(n.vector_selector.get(), ref_time(vs.at, vs.offset, start) - n.range,
                     ref_time(vs.at, vs.offset, end), in_subquery);
        } else if constexpr (std::is_same_v<T, SubqueryExpr>) {
          collect_ranges(*n.expr, ref_time(n.at, n.offset, start) - n.range,
                         ref_time(n.at, n.offset, end), true);
        } else if constexpr (std::is_same_v<T, Call>) {
          for (const auto& a : n.args) collect_ranges(*a, start, end, in_subquery);
        } else if constexpr (std::is_same_v<T, AggregateExpr>) {
          collect_ranges(*n.expr, start, end, in_subquery);
          if (n.param) collect_ranges(*n.param, start, end, in_subquery);
        } else if constexpr (std::is_same_v<T, BinaryExpr>) {
          collect_ranges(*n.lhs, start, end, in_subquery);
          collect_ranges(*n.rhs, start, end, in_subquery);
        } else if constexpr (std::is_same_v<T, UnaryExpr> || std::is_same_v<T, ParenExpr>) {
          collect_ranges(*n.expr, start, end, in_subquery);
        }
      },
      e.node);
}

void Evaluator::prepare(const Expr& root) { collect_ranges(root, start_, end_, false); }

namespace {

storage::MatchType to_storage(MatchType t) {
  switch (t) {
    case MatchType::kEqual: return storage::MatchType::kEqual;
    case MatchType::kNotEqual: return storage::MatchType::kNotEqual;
    case MatchType::kRegexMatch: return storage::MatchType::kRegexMatch;
    case MatchType::kRegexNoMatch: return storage::MatchType::kRegexNoMatch;
  }
  return storage::MatchType::kEqual;
}

}  // namespace

Evaluator::SelectorData& Evaluator::fetch(const Expr& sel_expr, const VectorSelector& sel) {
  auto it = selectors_.find(&sel_expr);
  if (it == selectors_.end()) {
    // Not seen by prepare() (e.g. an expression built during evaluation): fetch everything.
    SelectorData fresh;
    fresh.mint = INT64_MIN / 2;
    fresh.maxt = INT64_MAX / 2;
    it = selectors_.emplace(&sel_expr, std::move(fresh)).first;
  }
  SelectorData& d = it->second;
  if (d.fetched) return d;
  d.fetched = true;
  std::vector<storage::Matcher> ms;
  bool dotnl = !opts_.compat_prometheus2;
  if (!sel.name.empty()) {
    ms.push_back(*storage::Matcher::make(storage::MatchType::kEqual, std::string(kMetricName),
                                         sel.name, dotnl));
  }
  for (const auto& m : sel.matchers) {
    auto sm = storage::Matcher::make(to_storage(m.type), m.name, m.value, dotnl);
    if (!sm) throw_eval_error(sm.error().message);
    ms.push_back(std::move(*sm));
  }
  // The cache holds every raw sample the selector can touch for the whole query: it counts
  // against the sample limit (and the deadline) series by series, so a selector over too much
  // data fails before the evaluation goes on. The samples are moved, not copied.
  for (auto& s : querier_.select(ms, d.mint, d.maxt)) {
    CachedSeries cs{std::move(s.labels), s.samples->take_all()};
    const std::int64_t before = cached_samples_;
    cached_samples_ += static_cast<std::int64_t>(cs.points.size());
    if ((before >> 12) != (cached_samples_ >> 12)) check_deadline();  // every ~4096 samples
    if (cached_samples_ > opts_.max_samples) {
      throw_eval_error(
          "query processing would load too many samples into memory in query execution",
          ErrorCode::kResourceExhausted);
    }
    d.series.push_back(std::move(cs));
  }
  return d;
}

void Evaluator::release(SelectorData& d) {
  for (const auto& s : d.series) cached_samples_ -= static_cast<std::int64_t>(s.points.size());
  d.series.clear();
  d.series.shrink_to_fit();
  d.fetched = false;
  d.single_use = false;  // a second evaluation (none is expected) fetches and keeps its copy
}

Vector Evaluator::eval_vector_selector(const Expr& e, const VectorSelector& sel, Timestamp ts) {
  SelectorData& d = fetch(e, sel);
  const bool take = d.single_use;
  Timestamp ref = ref_time(sel.at, sel.offset, ts);
  Timestamp lo = ref - opts_.lookback_delta;
  Vector out;
  for (auto& s : d.series) {
    auto it = std::upper_bound(s.points.begin(), s.points.end(), ref,
                               [](Timestamp t, const Point& p) { return t < p.t; });
    if (it == s.points.begin()) continue;
    --it;
    bool inside = opts_.compat_prometheus2 ? it->t >= lo : it->t > lo;
    if (!inside || storage::is_stale_nan(it->v)) continue;
    out.push_back(Sample{take ? std::move(s.metric) : s.metric, it->v, it->t, false});
  }
  if (take) release(d);
  account_samples(static_cast<std::int64_t>(out.size()));
  return out;
}

RangeArg Evaluator::eval_matrix_selector(const MatrixSelector& ms, Timestamp ts) {
  const auto& sel = std::get<VectorSelector>(ms.vector_selector->node);
  SelectorData& d = fetch(*ms.vector_selector, sel);
  const bool take = d.single_use;
  RangeArg r;
  r.range = ms.range;
  r.range_end = ref_time(sel.at, sel.offset, ts);
  r.range_start = r.range_end - ms.range;
  std::int64_t n = 0;
  for (auto& s : d.series) {
    auto lo = opts_.compat_prometheus2
                  ? std::lower_bound(s.points.begin(), s.points.end(), r.range_start,
                                     [](const Point& p, Timestamp t) { return p.t < t; })
                  : std::upper_bound(s.points.begin(), s.points.end(), r.range_start,
                                     [](Timestamp t, const Point& p) { return t < p.t; });
    auto hi = std::upper_bound(s.points.begin(), s.points.end(), r.range_end,
                               [](Timestamp t, const Point& p) { return t < p.t; });
    if (lo >= hi) continue;
    Series out;
    if (take) {
      // The window is the whole fetch range: keep the vector, trim its ends, drop stale markers.
      out.metric = std::move(s.metric);
      std::vector<Point>& pts = s.points;
      const auto first = lo - pts.begin(), count = hi - lo;
      pts.erase(pts.begin() + first + count, pts.end());
      pts.erase(pts.begin(), pts.begin() + first);
      std::erase_if(pts, [](const Point& p) { return storage::is_stale_nan(p.v); });
      out.points = std::move(pts);
    } else {
      out.metric = s.metric;
      out.points.reserve(static_cast<size_t>(hi - lo));
      for (auto it = lo; it < hi; ++it) {
        if (!storage::is_stale_nan(it->v)) out.points.push_back(*it);
      }
    }
    if (out.points.empty()) continue;
    n += static_cast<std::int64_t>(out.points.size());
    r.matrix.push_back(std::move(out));
  }
  if (take) release(d);
  account_samples(n);
  return r;
}

RangeArg Evaluator::eval_subquery(const SubqueryExpr& sq, Timestamp ts) {
  Duration step = sq.step > 0 ? sq.step : opts_.default_subquery_step;
  RangeArg r;
  r.range = sq.range;
  r.range_end = ref_time(sq.at, sq.offset, ts);
  r.range_start = r.range_end - sq.range;
  // Inner steps are absolute multiples of the step inside the (left-open) window.
  Timestamp first = r.range_start / step * step;
  if (first < r.range_start) first += step;
  if (!opts_.compat_prometheus2 && first == r.range_start) first += step;
  std::map<Labels, size_t> index;
  for (Timestamp t = first; t <= r.range_end; t += step) {
    Vector v = eval_vector(*sq.expr, t);
    // Counted as they accumulate, so a huge subquery fails (limit or deadline) early.
    account_samples(static_cast<std::int64_t>(v.size()));
    for (auto& s : v) {
      auto [it, inserted] = index.try_emplace(s.metric, r.matrix.size());
      if (inserted) r.matrix.push_back(Series{s.metric, {}, s.drop_name});
      Series& out = r.matrix[it->second];
      if (!out.points.empty() && out.points.back().t == t) {
        throw_eval_error("vector cannot contain metrics with the same labelset");
      }
      out.points.push_back({t, s.v});
      out.drop_name = out.drop_name || s.drop_name;
    }
  }
  return r;
}

Value Evaluator::eval_unary(const UnaryExpr& u, Timestamp ts) {
  Value v = eval(*u.expr, ts);
  if (!u.negate) return v;
  if (auto* s = std::get_if<Scalar>(&v)) {
    s->v = -s->v;
    return v;
  }
  if (auto* vec = std::get_if<Vector>(&v)) {
    for (auto& s : *vec) {
      s.v = -s.v;
      s.drop_name = true;
      s.t = ts;
    }
    return v;
  }
  throw_eval_error("unary expression only allowed on expressions of type scalar or instant vector");
}

Value Evaluator::eval(const Expr& e, Timestamp ts) {
  return std::visit(
      [&](const auto& n) -> Value {
        using T = std::decay_t<decltype(n)>;
        if constexpr (std::is_same_v<T, NumberLiteral>) {
          return Scalar{ts, n.value};
        } else if constexpr (std::is_same_v<T, StringLiteral>) {
          return String{ts, n.value};
        } else if constexpr (std::is_same_v<T, VectorSelector>) {
          return eval_vector_selector(e, n, ts);
        } else if constexpr (std::is_same_v<T, MatrixSelector>) {
          return eval_matrix_selector(n, ts).matrix;
        } else if constexpr (std::is_same_v<T, SubqueryExpr>) {
          return eval_subquery(n, ts).matrix;
        } else if constexpr (std::is_same_v<T, Call>) {
          return eval_call(*this, n, e, ts);
        } else if constexpr (std::is_same_v<T, AggregateExpr>) {
          return eval_aggregate(*this, n, ts);
        } else if constexpr (std::is_same_v<T, BinaryExpr>) {
          return eval_binary(*this, n, ts);
        } else if constexpr (std::is_same_v<T, UnaryExpr>) {
          return eval_unary(n, ts);
        } else {
          return eval(*n.expr, ts);
        }
      },
      e.node);
}

Vector Evaluator::eval_vector(const Expr& e, Timestamp ts) {
  Value v = eval(e, ts);
  if (auto* vec = std::get_if<Vector>(&v)) return std::move(*vec);
  throw_eval_error(std::string("expected instant vector, got ") + value_type_name(v),
                   ErrorCode::kInternal);
}

double Evaluator::eval_scalar(const Expr& e, Timestamp ts) {
  Value v = eval(e, ts);
  if (auto* s = std::get_if<Scalar>(&v)) return s->v;
  throw_eval_error(std::string("expected scalar, got ") + value_type_name(v),
                   ErrorCode::kInternal);
}

std::string Evaluator::eval_string(const Expr& e, Timestamp ts) {
  Value v = eval(e, ts);
  if (auto* s = std::get_if<String>(&v)) return s->v;
  throw_eval_error(std::string("expected string, got ") + value_type_name(v),
                   ErrorCode::kInternal);
}

RangeArg Evaluator::eval_range(const Expr& e, Timestamp ts) {
  const Expr* x = &e;
  while (auto* p = std::get_if<ParenExpr>(&x->node)) x = p->expr.get();
  if (auto* ms = std::get_if<MatrixSelector>(&x->node)) return eval_matrix_selector(*ms, ts);
  if (auto* sq = std::get_if<SubqueryExpr>(&x->node)) return eval_subquery(*sq, ts);
  throw_eval_error("expected range vector", ErrorCode::kInternal);
}

}  // namespace tocsin::promql
