// The PromQL evaluator's public face: instant and range queries over a storage::Querier,
// with Prometheus 3 semantics (left-open windows, delayed __name__ removal, 5m lookback).
//
// evaluate_*() never throw: errors come back as Result (kInvalidArgument for query errors such
// as duplicate label sets, kResourceExhausted for the sample limit, kDeadlineExceeded past the
// timeout). The sample limit bounds both the samples of one step (as Prometheus counts them)
// and the raw samples the query reads from storage into its selector cache. Info and warning
// annotations are returned with the position of the expression they are about; format them
// with format_annotation() and the query text.
//
// The evaluator holds no state between calls; any thread may call evaluate_*() concurrently
// as long as the Querier allows concurrent select() calls. The Expr is only read.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/common/result.h"
#include "engine/common/time.h"
#include "engine/promql/value.h"
#include "engine/storage/storage.h"
#include "parser/promql/ast.h"

namespace tocsin::promql {

struct EvalOptions {
  Duration lookback_delta = 5 * kMinute;
  // Step of subqueries written without one (`x[5m:]`): the rule group's evaluation interval.
  Duration default_subquery_step = kMinute;
  // Most samples a query may hold at once (Prometheus' --query.max-samples): over it the query
  // fails with "query processing would load too many samples into memory in query execution".
  std::int64_t max_samples = 50'000'000;
  // Wall-clock budget of one evaluation (Prometheus' --query.timeout), 0 = none: past it the
  // query fails with "query timed out in expression evaluation". The deadline is taken when the
  // evaluation starts; an explicit `deadline` wins over `timeout`.
  Duration timeout = 0;
  std::chrono::steady_clock::time_point deadline{};
  // Prometheus 2 semantics: closed range and lookback windows (a sample exactly at the start
  // counts) and regex `.` not matching a newline.
  bool compat_prometheus2 = false;
};

struct Annotation {
  enum class Kind { kWarning, kInfo };
  Kind kind = Kind::kWarning;
  std::string message;  // "PromQL info: ..." without the position
  PositionRange pos;
  friend bool operator==(const Annotation&, const Annotation&) = default;
};

struct QueryResult {
  Value value;
  std::vector<Annotation> annotations;  // deduplicated, in order of appearance
};

// Evaluates `expr` at `ts`. The result may be any Value type.
Result<QueryResult> evaluate_instant(const Expr& expr, const storage::Querier& querier,
                                     Timestamp ts, const EvalOptions& options = {});

// Evaluates `expr` at start, start+step, ..., end. The result is a Matrix sorted by labels.
// REQUIRES: step > 0, start <= end. Expressions of type string or range vector are errors.
Result<QueryResult> evaluate_range(const Expr& expr, const storage::Querier& querier,
                                   Timestamp start, Timestamp end, Duration step,
                                   const EvalOptions& options = {});

// "message (line:col)", the position being that of `a.pos.start` inside `query`.
std::string format_annotation(const Annotation& a, std::string_view query);

}  // namespace tocsin::promql
