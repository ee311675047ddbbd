#include <ostream>

#include "app/commands.h"
#include "engine/config/load.h"
#include "engine/config/web_config.h"
#include "engine/rules/check.h"

namespace tocsin::app {

int cmd_check_config(const Args& args, std::ostream& out, std::ostream& err) {
  if (args.positional.empty()) {
    err << "tocsin check config: name at least one FILE\n";
    return kExitUsage;
  }
  auto loaded = config::load_config(args.positional);
  if (!loaded) {
    for (const auto& e : loaded.error()) err << e.to_string() << "\n";
    err << "FAILED: " << loaded.error().size() << " error"
        << (loaded.error().size() == 1 ? "" : "s") << "\n";
    return kExitFailed;
  }
  if (args.flag("print")) {
    out << config::print_config(*loaded);
  } else {
    for (const auto& f : args.positional) out << "Checking " << f << "  SUCCESS\n";
  }
  return kExitOk;
}

int cmd_check_web_config(const Args& args, std::ostream& out, std::ostream& err) {
  if (args.positional.empty()) {
    err << "tocsin check web-config: name at least one FILE\n";
    return kExitUsage;
  }
  int failed = 0;
  for (const auto& f : args.positional) {
    auto loaded = config::load_web_config(f);
    if (!loaded) {
      for (const auto& e : loaded.error()) err << e.to_string() << "\n";
      ++failed;
      continue;
    }
    out << "Checking " << f << "  SUCCESS\n";
  }
  return failed == 0 ? kExitOk : kExitFailed;
}

int cmd_check_rules(const Args& args, std::ostream& out, std::ostream& err) {
  if (args.positional.empty()) {
    err << "tocsin check rules: name at least one FILE\n";
    return kExitUsage;
  }
  rules::CheckRulesOptions options;
  if (!rules::parse_check_format(args.get("format"), options.format)) {
    err << "tocsin check rules: --format must be text, json or github\n";
    return kExitUsage;
  }
  options.lints.clear();
  const std::string& lints = args.get("lint");
  for (size_t start = 0; start <= lints.size();) {
    size_t comma = lints.find(',', start);
    if (comma == std::string::npos) comma = lints.size();
    if (comma > start) options.lints.insert(lints.substr(start, comma - start));
    start = comma + 1;
  }
  options.lint_fatal = args.flag("lint-fatal");
  options.strict = args.flag("strict");
  options.ignore_unknown_fields = args.flag("ignore-unknown-fields");
  options.severity_label = args.get("severity-label");
  options.enable_features = args.all("enable-feature");
  return rules::check_rules(args.positional, options, out, err);
}

}  // namespace tocsin::app
