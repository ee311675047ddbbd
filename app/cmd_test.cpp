#include <ostream>

#include "app/commands.h"
#include "app/notification_tests.h"
#include "engine/promql/promqltest.h"
#include "engine/rules/unit_test.h"

namespace tocsin::app {

namespace {

// Parses --compat; returns false on a bad value.
bool parse_compat(const Args& args, bool& prometheus2, std::ostream& err) {
  const std::string& c = args.get("compat");
  if (c == "prometheus3" || c.empty()) {
    prometheus2 = false;
  } else if (c == "prometheus2") {
    prometheus2 = true;
  } else {
    err << "--compat must be prometheus3 or prometheus2, got \"" << c << "\"\n";
    return false;
  }
  return true;
}

}  // namespace

int cmd_test_promql(const Args& args, std::ostream& out, std::ostream& err) {
  if (args.positional.empty()) {
    err << "tocsin test promql: name at least one FILE\n";
    return kExitUsage;
  }
  promql::PromqlTestOptions options;
  if (!parse_compat(args, options.compat_prometheus2, err)) return kExitUsage;
  options.verbose = args.flag("verbose");
  return promql::run_promql_test_files(args.positional, options, out);
}

int cmd_test_rules(const Args& args, std::ostream& out, std::ostream& err) {
  if (args.positional.empty()) {
    err << "tocsin test rules: name at least one FILE\n";
    return kExitUsage;
  }
  rules::TestRulesOptions options;
  if (!parse_compat(args, options.compat_prometheus2, err)) return kExitUsage;
  options.run = args.all("run");
  options.junit_file = args.get("junit");
  options.ignore_unknown_fields = args.flag("ignore-unknown-fields");
  options.diff = args.flag("diff");
  options.notification_tests = run_notification_tests;
  return rules::test_rules(args.positional, options, out, err);
}

}  // namespace tocsin::app
