// promtool's input series notation (the `series:` / `values:` pairs of rule unit tests, and
// promqltest's `load` lines): a series selector with equality matchers only, and a list of
// values in the expanding notation:
//
//   1 2 3        one value per step          _       no sample at this step
//   stale        a stale marker               _x3     no sample for 3 steps
//   1x3          1 1 1 1 (N+1 values)         1+2x3   1 3 5 7      5-1x2   5 4 3
//
// Native histogram values ({{...}}) are not supported and say so. Pure functions; any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/common/result.h"
#include "engine/model/labels.h"

namespace tocsin::promql {

struct SeriesValue {
  bool omitted = false;  // `_`: no sample at this step
  double v = 0;          // may be the stale-marker NaN
};

// Expands the values notation. Errors name the offending token.
Result<std::vector<SeriesValue>> parse_series_values(std::string_view text);
// One sample value as the notation writes it: a number, NaN, Inf, -Inf (any case) or `stale`
// (the stale marker). nullopt when it is none of these.
std::optional<double> parse_sample_value(std::string_view s);

// Parses `metric{a="b"}`, `{__name__="m", a="b"}` or `metric` into labels; "" gives no
// labels. Errors are the PromQL parser's ("1:27: unexpected end of input inside braces").
Result<Labels> parse_series_labels(std::string_view text);

}  // namespace tocsin::promql
