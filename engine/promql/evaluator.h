// Evaluator: the recursive, step-at-a-time PromQL interpreter behind engine.h (internal).
//
// Every node is evaluated at one timestamp; a range query evaluates the root once per step.
// Selector data is fetched once per query (per selector node, over the whole time range the
// query can touch) and cached, so the per-step work is binary searches over decoded samples.
// Errors deep in the recursion throw EvalError, caught in engine.cpp only (as Prometheus'
// panic/recover). Functions, aggregations and binary operators live in their own files and
// receive the Evaluator to evaluate their arguments.
//
// One Evaluator per query, used by one thread.
#pragma once

#include <exception>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/promql/engine.h"

namespace tocsin::promql {

class EvalError : public std::exception {
 public:
  explicit EvalError(Error e) : error_(std::move(e)) {}
  const char* what() const noexcept override { return error_.message.c_str(); }
  const Error& error() const { return error_; }

 private:
  Error error_;
};

[[noreturn]] void throw_eval_error(std::string message,
                                   ErrorCode code = ErrorCode::kInvalidArgument);

// A range vector plus the window it was taken from (rate() extrapolates to its edges).
struct RangeArg {
  Matrix matrix;
  Timestamp range_start = 0;  // exclusive
  Timestamp range_end = 0;    // inclusive
  Duration range = 0;
};

class Evaluator {
 public:
  Evaluator(const storage::Querier& q, const EvalOptions& o, Timestamp start, Timestamp end,
            Duration interval);

  // Fetches selector data for the whole query; call once with the root before evaluating.
  void prepare(const Expr& root);

  Value eval(const Expr& e, Timestamp ts);
  Vector eval_vector(const Expr& e, Timestamp ts);
  double eval_scalar(const Expr& e, Timestamp ts);
  std::string eval_string(const Expr& e, Timestamp ts);
  RangeArg eval_range(const Expr& e, Timestamp ts);

  void annotate(Annotation::Kind kind, std::string message, PositionRange pos);
  std::vector<Annotation>& annotations() { return annotations_; }
  const EvalOptions& options() const { return opts_; }
  Timestamp query_start() const { return start_; }
  Timestamp query_end() const { return end_; }
  // Counts samples loaded in the current step; throws when over the limit or past the deadline.
  void account_samples(std::int64_t n);
  // Throws when the query's deadline has passed.
  void check_deadline() const;
  void reset_step_samples() { step_samples_ = 0; }

  // Absolute time a selector/subquery looks at when evaluated at ts.
  Timestamp ref_time(const AtModifier& at, Duration offset, Timestamp ts) const;

 private:
  struct CachedSeries {
    Labels metric;
    std::vector<Point> points;  // including stale markers
  };
  struct SelectorData {
    Timestamp mint = 0;
    Timestamp maxt = 0;
    bool fetched = false;
    // Evaluated exactly once (a one-step query, not inside a subquery): the evaluation moves
    // the cached labels and samples out instead of copying them, and a second evaluation,
    // should one happen, fetches again.
    bool single_use = false;
    std::vector<CachedSeries> series;
  };

  void collect_ranges(const Expr& e, Timestamp start, Timestamp end, bool in_subquery);
  void note_range(const Expr* sel, Timestamp mint, Timestamp maxt, bool in_subquery);
  SelectorData& fetch(const Expr& sel_expr, const VectorSelector& sel);
  // Drops a single-use selector's cache after its one evaluation took the data.
  void release(SelectorData& d);
  Vector eval_vector_selector(const Expr& e, const VectorSelector& sel, Timestamp ts);
  RangeArg eval_matrix_selector(const MatrixSelector& ms, Timestamp ts);
  RangeArg eval_subquery(const SubqueryExpr& sq, Timestamp ts);
  Value eval_unary(const UnaryExpr& u, Timestamp ts);

  const storage::Querier& querier_;
  EvalOptions opts_;
  Timestamp start_;
  Timestamp end_;
  Duration interval_;
  std::unordered_map<const Expr*, SelectorData> selectors_;
  std::vector<Annotation> annotations_;
  std::int64_t step_samples_ = 0;
  std::int64_t cached_samples_ = 0;  // raw samples held by the selector cache
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
};

// Implemented in binary_ops.cpp, aggregations.cpp and functions.cpp.
Value eval_binary(Evaluator& ev, const BinaryExpr& b, Timestamp ts);
Vector eval_aggregate(Evaluator& ev, const AggregateExpr& a, Timestamp ts);
Value eval_call(Evaluator& ev, const Call& c, const Expr& e, Timestamp ts);

// Strips __name__ from samples marked drop_name; throws on a resulting duplicate label set.
void finish_vector(Vector& v);

// Helpers shared by the operator files.
// Kahan-compensated addition (Prometheus' kahanSumInc): returns the new sum, updates c.
double kahan_add(double inc, double sum, double& c);
// Go's strconv.FormatFloat(f, 'f', -1, 64)-like formatting used by count_values etc.
std::string format_go_float(double v);
// The φ-quantile of values (linear interpolation between closest ranks).
double quantile_of(double q, std::vector<double> values);
// Labels with only `names` kept (on) or `names` and __name__ removed (ignoring).
Labels match_labels(const Labels& l, bool on, const std::vector<std::string>& names);

}  // namespace tocsin::promql
