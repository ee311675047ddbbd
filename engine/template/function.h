// Template functions and the execution context they see.
//
// A Function is a named callable with an arity; the executor checks the arity (Go's "wrong
// number of args for NAME: want N got M") and prefixes any error the function returns with
// "error calling NAME: ", except errors whose message starts with "wrong type for value", which
// Go reports unprefixed. Functions must be thread-safe: one FuncMap is shared by every
// execution. They get time, the query hook and the external URL from the ExecContext, never
// from the wall clock or the network themselves.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/common/result.h"
#include "engine/common/time.h"
#include "engine/template/value.h"

namespace tocsin::tmpl {

// One sample of a query result, as Prometheus' templates see it.
struct QuerySample {
  std::map<std::string, std::string, std::less<>> labels;  // includes __name__ when present
  double value = 0;
};
// Runs a PromQL instant query at `at`. Provided by the caller (the rule engine); templates have
// no other way to reach data.
using QueryFn = std::function<Result<std::vector<QuerySample>>(std::string_view expr, Timestamp at)>;

// What a missing map key evaluates to (Go's Option("missingkey=...")).
enum class MissingKey {
  kDefault,  // the invalid value: prints "<no value>"
  kZero,     // the map's zero value: "" for map[string]string, nil otherwise (Prometheus, AM)
  kError,    // an execution error
};

// Bounds on one execution, so that a template can neither hang, exhaust memory nor overflow the
// stack. Each is an error naming the limit (kResourceExhausted; the time limit
// kDeadlineExceeded), never a crash.
struct Limits {
  // The output, and any one string a function returns (so doubling a variable in a loop stops).
  std::size_t max_output_bytes = 1 << 20;
  std::int64_t max_steps = 1'000'000;  // nodes walked plus commands evaluated
  int max_template_depth = 100;        // nested {{template}} calls (Go allows 100000)
  // Nested blocks, lists, pipelines and template calls together: what the executor's recursion
  // (and so its stack) grows with; one {{if}} level is two. Go needs no such bound (its stacks
  // grow; its maxExecDepth counts template calls only); tocsin's threads have fixed 8 MiB stacks,
  // and 1000 levels take about 0.3 MiB (1 MiB with ASan), leaving room for 500 nested blocks.
  int max_nesting = 1000;
  // Wall-clock time (steady clock), checked every few steps and after every function call
  // (`query` may be slow). 0: none.
  std::chrono::milliseconds max_duration{10'000};
};

struct ExecContext {
  Timestamp now = 0;           // the evaluation time (Prometheus' `now`, AM's `since`)
  QueryFn query;               // Prometheus' `query`; unset: query fails
  std::string external_url;    // Prometheus' externalURL / pathPrefix
  // HTML mode: every value printed by an action is HTML-escaped unless it is trusted HTML
  // (safeHtml). A simplification of html/template's contextual escaping: text is never
  // touched, and attribute/URL/JS contexts get the same plain HTML escaping.
  bool html_mode = false;
  // Slack mode: every value printed by an action has Slack's three control characters escaped
  // (& → &amp;, < → &lt;, > → &gt;, as Slack's formatting rules ask) unless it is trusted
  // (safeHtml), so label values and annotations cannot inject links, @-mentions or
  // <!channel> pings into mrkdwn. Text of the template itself is never touched.
  bool slack_mode = false;
  MissingKey missing_key = MissingKey::kZero;
  Limits limits;
};

struct Function {
  int min_args = 0;
  int max_args = 0;  // -1: variadic
  std::function<Result<Value>(const ExecContext&, std::span<const Value>)> fn;
  // Set only on the builtin and/or: the executor evaluates the arguments lazily.
  bool short_circuit = false;
};
using FuncMap = std::map<std::string, Function, std::less<>>;

// Go's error for an argument of the wrong type ("wrong type for value; expected string; got
// int"), reported without the "error calling" prefix.
Error wrong_type(std::string_view expected, const Value& got);

// Argument helpers for function implementations. Strings accept only strings; floats accept
// ints and floats; ints accept ints.
Result<std::string> arg_string(const Value& v);
Result<double> arg_float(const Value& v);
Result<std::int64_t> arg_int(const Value& v);
// []string: a list whose items are all strings.
Result<std::vector<std::string>> arg_string_list(const Value& v);

}  // namespace tocsin::tmpl
