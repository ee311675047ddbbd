// Aggregation operators: sum avg count min max group stddev stdvar topk bottomk quantile
// count_values (and limitk/limit_ratio), with by/without grouping, as Prometheus computes them
// (Kahan summation for sum and avg, Welford for stddev/stdvar).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "engine/common/hash.h"
#include "engine/promql/evaluator.h"

namespace tocsin::promql {

double kahan_add(double inc, double sum, double& c) {
  double t = sum + inc;
  if (std::isinf(t)) {
    c = 0;
  } else if (std::fabs(sum) >= std::fabs(inc)) {
    c += (sum - t) + inc;
  } else {
    c += (inc - t) + sum;
  }
  return t;
}

std::string format_go_float(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Go's FormatFloat(v, 'f', -1, 64): shortest digits that round-trip, never an exponent.
  char buf[400];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string(buf, r.ptr);
}

double quantile_of(double q, std::vector<double> values) {
  if (values.empty() || std::isnan(q)) return std::numeric_limits<double>::quiet_NaN();
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  std::sort(values.begin(), values.end(), [](double a, double b) {
    if (std::isnan(a)) return !std::isnan(b);
    if (std::isnan(b)) return false;
    return a < b;
  });
  double n = static_cast<double>(values.size());
  double rank = q * (n - 1);
  double lower = std::max(0.0, std::floor(rank));
  double upper = std::min(n - 1, lower + 1);
  double weight = rank - std::floor(rank);
  return values[static_cast<size_t>(lower)] * (1 - weight) +
         values[static_cast<size_t>(upper)] * weight;
}

namespace {

struct Group {
  Labels labels;
  bool drop_name = false;
  double value = 0;
  double kahan_c = 0;
  double mean = 0;
  double count = 0;
  bool incremental_mean = false;
  std::vector<double> values;  // quantile
  std::vector<size_t> members;  // topk/bottomk/limitk: indexes into the input
  size_t next_same_hash = kNoGroup;  // the next group whose grouping hash is the same
  static constexpr size_t kNoGroup = static_cast<size_t>(-1);
};

// Whether the label `name` of a series is one of its group's labels.
bool grouped_by(std::string_view name, const AggregateExpr& a) {
  const bool listed = std::find(a.grouping.begin(), a.grouping.end(), name) != a.grouping.end();
  return a.without ? (!listed && name != kMetricName) : listed;
}

Labels grouping_labels(const Labels& l, const AggregateExpr& a) {
  std::vector<Label> out;
  for (const auto& lb : l) {
    if (grouped_by(lb.name, a)) out.push_back(lb);
  }
  return Labels::from_sorted(std::move(out));
}

// The hash of grouping_labels(l, a), without building them: a series finds its group without
// a label set of its own (most series join a group that exists).
std::uint64_t grouping_hash(const Labels& l, const AggregateExpr& a) {
  std::uint64_t h = kFnvOffset;
  for (const auto& lb : l) {
    if (!grouped_by(lb.name, a)) continue;
    h = fnv1a_sep(fnv1a(lb.name, h));
    h = fnv1a_sep(fnv1a(lb.value, h));
  }
  return h;
}

// Whether `group` equals grouping_labels(l, a), without building the latter.
bool same_grouping(const Labels& group, const Labels& l, const AggregateExpr& a) {
  size_t i = 0;
  for (const auto& lb : l) {
    if (!grouped_by(lb.name, a)) continue;
    if (i == group.size() || group[i] != lb) return false;
    ++i;
  }
  return i == group.size();
}

void add_sample(Group& g, AggregateOp op, double f, bool first) {
  if (first) {
    g.value = f;
    g.mean = f;
    g.count = 1;
    switch (op) {
      case AggregateOp::kStddev:
      case AggregateOp::kStdvar: g.value = 0; break;
      case AggregateOp::kCount:
      case AggregateOp::kGroup: g.value = 1; break;
      case AggregateOp::kQuantile: g.values.push_back(f); break;
      default: break;
    }
    return;
  }
  switch (op) {
    case AggregateOp::kSum: g.value = kahan_add(f, g.value, g.kahan_c); break;
    case AggregateOp::kAvg: {
      g.count++;
      if (!g.incremental_mean) {
        double c = g.kahan_c;
        double nv = kahan_add(f, g.value, c);
        if (!std::isinf(nv)) {
          g.value = nv;
          g.kahan_c = c;
          break;
        }
        // The sum would overflow: continue with an incremental mean.
        g.incremental_mean = true;
        g.mean = g.value / (g.count - 1);
        g.kahan_c /= g.count - 1;
      }
      if (std::isinf(g.mean)) {
        if (std::isinf(f) && (g.mean > 0) == (f > 0)) break;
        if (!std::isinf(f) && !std::isnan(f)) break;
      }
      double current = g.mean + g.kahan_c;
      g.mean = kahan_add(f / g.count - current / g.count, g.mean, g.kahan_c);
      break;
    }
    case AggregateOp::kCount: g.value++; break;
    case AggregateOp::kGroup: break;
    case AggregateOp::kMin:
      if (g.value > f || std::isnan(g.value)) g.value = f;
      break;
    case AggregateOp::kMax:
      if (g.value < f || std::isnan(g.value)) g.value = f;
      break;
    case AggregateOp::kStddev:
    case AggregateOp::kStdvar: {
      g.count++;
      double delta = f - g.mean;
      g.mean += delta / g.count;
      g.value += delta * (f - g.mean);
      break;
    }
    case AggregateOp::kQuantile: g.values.push_back(f); break;
    default: break;
  }
}

double result_of(const Group& g, AggregateOp op, double param) {
  switch (op) {
    case AggregateOp::kSum: return std::isinf(g.value) ? g.value : g.value + g.kahan_c;
    case AggregateOp::kAvg:
      if (g.incremental_mean) return g.mean + g.kahan_c;
      return (g.value + g.kahan_c) / g.count;
    case AggregateOp::kStddev: return std::sqrt(g.value / g.count);
    case AggregateOp::kStdvar: return g.value / g.count;
    case AggregateOp::kQuantile: return quantile_of(param, g.values);
    default: return g.value;
  }
}

}  // namespace

Vector eval_aggregate(Evaluator& ev, const AggregateExpr& a, Timestamp ts) {
  double param = 0;
  std::string label_param;
  if (a.param) {
    if (a.op == AggregateOp::kCountValues) {
      label_param = ev.eval_string(*a.param, ts);
    } else {
      param = ev.eval_scalar(*a.param, ts);
    }
  }
  Vector in = ev.eval_vector(*a.expr, ts);

  if (a.op == AggregateOp::kQuantile && (std::isnan(param) || param < 0 || param > 1)) {
    ev.annotate(Annotation::Kind::kWarning,
                "PromQL warning: quantile value should be between 0 and 1, got " +
                    format_go_float(param),
                a.param->pos);
  }
  if (a.op == AggregateOp::kCountValues) {
    if (!is_valid_label_name(label_param)) {
      throw_eval_error("invalid label name \"" + label_param + "\"");
    }
  }
  std::int64_t k = 0;
  if (a.op == AggregateOp::kTopk || a.op == AggregateOp::kBottomk ||
      a.op == AggregateOp::kLimitK) {
    if (std::isnan(param)) throw_eval_error("Parameter value is NaN");
    if (param >= 9.223372036854775807e18 || param <= -9.223372036854775808e18) {
      throw_eval_error("Scalar value " + format_go_float(param) + " overflows int64");
    }
    k = static_cast<std::int64_t>(param);
    if (k < 1) return {};
  }
  if (a.op == AggregateOp::kLimitRatio) {
    if (std::isnan(param)) throw_eval_error("Ratio value is NaN");
    param = std::clamp(param, -1.0, 1.0);
  }

  std::unordered_map<Labels, size_t, LabelsHash> value_index;  // count_values: by its labels
  std::unordered_map<std::uint64_t, size_t> index;  // grouping hash → the last group with it
  std::vector<Group> groups;
  for (size_t i = 0; i < in.size(); ++i) {
    Sample& s = in[i];
    size_t at = Group::kNoGroup;
    bool inserted = false;
    if (a.op == AggregateOp::kCountValues) {
      Labels key = LabelsBuilder(grouping_labels(s.metric, a))
                       .set(label_param, format_go_float(s.v))
                       .labels();
      auto [it, fresh] = value_index.try_emplace(key, groups.size());
      if (fresh) {
        groups.push_back(Group{});
        groups.back().labels = std::move(key);
      }
      at = it->second;
      inserted = fresh;
    } else {
      auto [it, fresh] = index.try_emplace(grouping_hash(s.metric, a), groups.size());
      if (!fresh) {
        for (size_t j = it->second; j != Group::kNoGroup; j = groups[j].next_same_hash) {
          if (same_grouping(groups[j].labels, s.metric, a)) {
            at = j;
            break;
          }
        }
      }
      if (at == Group::kNoGroup) {  // a new group (first of its hash, or a collision)
        at = groups.size();
        groups.push_back(Group{});
        groups.back().labels = grouping_labels(s.metric, a);
        if (!fresh) {
          groups.back().next_same_hash = it->second;
          it->second = at;
        }
        inserted = true;
      }
    }
    Group& g = groups[at];
    g.drop_name = g.drop_name || s.drop_name;
    switch (a.op) {
      case AggregateOp::kTopk:
      case AggregateOp::kBottomk:
      case AggregateOp::kLimitK:
      case AggregateOp::kLimitRatio: g.members.push_back(i); break;
      case AggregateOp::kCountValues:
        if (inserted) {
          g.value = 1;
        } else {
          g.value++;
        }
        break;
      default: add_sample(g, a.op, s.v, inserted);
    }
  }

  Vector out;
  for (auto& g : groups) {
    switch (a.op) {
      case AggregateOp::kTopk:
      case AggregateOp::kBottomk: {
        bool top = a.op == AggregateOp::kTopk;
        auto& m = g.members;
        // Stable: equal values keep input order. NaN goes last either way.
        std::stable_sort(m.begin(), m.end(), [&](size_t x, size_t y) {
          double a = in[x].v;
          double b = in[y].v;
          if (std::isnan(a)) return false;
          if (std::isnan(b)) return true;
          return top ? a > b : a < b;
        });
        size_t n = std::min<size_t>(m.size(), static_cast<size_t>(k));
        for (size_t i = 0; i < n; ++i) {
          Sample s = in[m[i]];
          s.t = ts;
          out.push_back(std::move(s));
        }
        break;
      }
      case AggregateOp::kLimitK: {
        size_t n = std::min<size_t>(g.members.size(), static_cast<size_t>(k));
        for (size_t i = 0; i < n; ++i) out.push_back(in[g.members[i]]);
        break;
      }
      case AggregateOp::kLimitRatio: {
        for (size_t idx : g.members) {
          // Deterministic per-series sampling by label hash, as Prometheus does.
          double r = static_cast<double>(in[idx].metric.fingerprint()) /
                     static_cast<double>(std::numeric_limits<std::uint64_t>::max());
          bool take = param >= 0 ? r < param : r >= 1 + param;
          if (take) out.push_back(in[idx]);
        }
        break;
      }
      case AggregateOp::kCountValues:
        out.push_back(Sample{g.labels, g.value, ts, false});
        break;
      default:
        out.push_back(Sample{g.labels, result_of(g, a.op, param), ts,
                             g.drop_name && g.labels.has(kMetricName)});
    }
  }
  return out;
}

}  // namespace tocsin::promql
