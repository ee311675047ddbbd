// `test rules`: runs promtool's rule unit-test files unchanged (cmd/promtool/unittest.go).
//
// A test file names rule_files (relative to the file, globs allowed), evaluation_interval
// (default 1m), group_eval_order, fuzzy_compare, and tests — test groups with name, interval
// (default: evaluation_interval), start_timestamp (RFC 3339 or Unix seconds), input_series,
// external_labels, external_url, alert_rule_test and promql_expr_test. Every rule group is
// evaluated at start, start+evaluation_interval, ... up to the largest eval_time, seeing input
// samples only up to the evaluation time; an alert test at T checks the firing alerts of the
// last evaluation at or before T. promql_expr_test runs instant queries afterwards.
//
// Extensions (tocsin only): `match: subset` on a test group or on one alert_rule_test makes
// exp_labels / exp_annotations a subset that must be present, and an expected annotation
// written `~"regex"` matches the whole value against the regex (RE2).
//
// Output mimics promtool: "Unit Testing:  FILE", then "  SUCCESS" or "  FAILED:" and the
// failures (expected vs got) on `err`; the last line on `out` is "N passed, M failed", counting
// test groups (a file that cannot be loaded counts as one failed group). Returns the exit
// code: 0 all passed, 1 anything failed. Native histograms are not supported and fail with a
// message saying so.
//
// A test group may also hold `notification_tests` (tocsin only): routing, grouping, silencing
// and rendering checks that need the dispatcher and the notifiers, which this layer must not
// know. The runner decodes the rest of the group, then hands that section, with everything the
// group defines, to TestRulesOptions::notification_tests (the app wires one in: see
// app/notification_tests.h); without one, a group holding the section fails saying so.
//
// Stateless; any thread (each test group gets its own storage).
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "engine/common/time.h"
#include "engine/model/labels.h"

namespace YAML {
class Node;
}

namespace tocsin::rules {

struct TestRulesOptions;

// One test group as an extension section sees it.
struct TestGroupContext {
  std::string test_file;                // as given on the command line
  std::string group_name;               // "" when unnamed
  std::vector<std::string> rule_files;  // resolved against the test file, globs expanded
  Duration evaluation_interval = kMinute;
  Duration interval = kMinute;          // step of the input series
  Timestamp start = 0;                  // start_timestamp
  std::vector<std::pair<std::string, std::string>> input_series;  // (series, values)
  Labels external_labels;
  std::string external_url;
  std::vector<std::string> group_eval_order;
  bool subset = false;                  // the group's `match: subset`
  const TestRulesOptions* options = nullptr;
};

// Runs the `notification_tests` node (a sequence) of one test group; returns the failure
// messages (empty: passed), formatted like the other failures (4-space indent).
using NotificationTestHook =
    std::function<std::vector<std::string>(const TestGroupContext&, const YAML::Node&)>;

// An expected value written `~"regex"` matches the whole of `got` (RE2); anything else must
// equal it.
bool test_value_matches(const std::string& exp, const std::string& got);

// Lines only in `exp` prefixed "        - ", lines only in `got` "        + " (a multiset
// difference), as --diff prints.
std::string test_line_diff(const std::string& exp, const std::string& got);

struct TestRulesOptions {
  std::vector<std::string> run;     // --run: only groups whose name matches any (unanchored)
  std::string junit_file;           // --junit: JUnit XML report
  bool ignore_unknown_fields = false;  // in the rule files (the test file stays strict)
  bool diff = false;                // --diff: print expected/got differences line by line
  bool compat_prometheus2 = false;  // evaluator semantics
  NotificationTestHook notification_tests;  // runs `notification_tests`; empty: unsupported
};

struct TestRulesCounts {
  int passed = 0;
  int failed = 0;
};

int test_rules(const std::vector<std::string>& files, const TestRulesOptions& options,
               std::ostream& out, std::ostream& err, TestRulesCounts* counts = nullptr);

}  // namespace tocsin::rules
