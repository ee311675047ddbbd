// PromQL values: Scalar, String, Vector (instant samples with labels) and Matrix (series of
// points), plus the printer the HTTP API and the CLI use.
//
// A Sample carries `drop_name`: Prometheus 3 removes __name__ lazily ("delayed name removal"),
// so an operation that drops the metric name only marks the sample; the evaluator strips
// __name__ from marked samples when the query finishes. Values are plain data: any thread may
// read one; the evaluator that builds one owns it until it returns it.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "engine/common/time.h"
#include "engine/model/labels.h"
#include "engine/model/point.h"

namespace tocsin::promql {

struct Scalar {
  Timestamp t = 0;
  double v = 0;
};

struct String {
  Timestamp t = 0;
  std::string v;
};

struct Sample {
  Labels metric;
  double v = 0;
  Timestamp t = 0;         // evaluation time, or the sample's own time for a plain selector
  bool drop_name = false;  // __name__ goes at the end of the query
};
using Vector = std::vector<Sample>;

using Point = tocsin::Point;

struct Series {
  Labels metric;
  std::vector<Point> points;
  bool drop_name = false;
};
using Matrix = std::vector<Series>;

using Value = std::variant<Scalar, String, Vector, Matrix>;

// "scalar", "string", "vector", "matrix" (as the HTTP API's resultType).
const char* value_type_name(const Value& v);

// Go's strconv.FormatFloat(f, 'f', -1, 64)-like shortest text Prometheus prints: "1", "0.5",
// "1e+100" → as Go: "NaN", "+Inf", "-Inf".
std::string format_value(double v);

// Human-readable text: one line per sample `{a="b"} => 3 @[t]`, like Prometheus' String().
std::string to_string(const Value& v);

}  // namespace tocsin::promql
