// Prometheus' template functions (template.NewTemplateExpander): query first label value
// strvalue args sortByLabel reReplaceAll safeHtml match title toUpper toLower graphLink tableLink
// stripPort stripDomain humanize humanize1024 humanizeDuration humanizePercentage
// humanizeTimestamp toTime toDuration now parseDuration pathPrefix externalURL.
//
// Pure and thread-safe: `query` runs ExecContext::query at ExecContext::now, `now` returns
// ExecContext::now in seconds, externalURL/pathPrefix read ExecContext::external_url.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/template/function.h"

namespace tocsin::tmpl {

FuncMap prometheus_functions();
// The builtins plus prometheus_functions(), built once and shared by every alerting rule's
// TemplateSet (an alerting rule used to copy both maps).
const std::shared_ptr<const FuncMap>& prometheus_function_library();

// match, reReplaceAll and safeHtml, which Prometheus and Alertmanager define alike.
void add_shared_text_functions(FuncMap& m);

// Go's "%.4g"-based humanizers, exposed for reuse (Alertmanager shares humanizeDuration).
Result<std::string> humanize(const Value& v);
Result<std::string> humanize_1024(const Value& v);
Result<std::string> humanize_duration(const Value& v);
Result<std::string> humanize_percentage(const Value& v);
Result<std::string> humanize_timestamp(const Value& v);

// Prometheus' convertToFloat: float64, int, numeric strings (and time.Duration as seconds).
Result<double> convert_to_float(const Value& v);

// A query result as templates see it: a list of *sample (fields Labels, Value).
Value make_query_result(const std::vector<QuerySample>& samples);

}  // namespace tocsin::tmpl
