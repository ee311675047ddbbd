#include <ostream>

#include "app/commands.h"
#include "engine/config/load.h"
#include "engine/dispatch/routes_batch.h"
#include "engine/dispatch/routes_test.h"
#include "notifiers/notify_test.h"

namespace tocsin::app {

namespace {

// Loads --config files for the routing commands; prints errors and returns nullopt on failure.
std::optional<config::Config> load_for_cli(const Args& args, const char* cmd, std::ostream& err,
                                           int& code) {
  const auto& files = args.all("config");
  if (files.empty()) {
    err << cmd << ": --config is required\n";
    code = kExitUsage;
    return std::nullopt;
  }
  auto loaded = config::load_config(files);
  if (!loaded) {
    for (const auto& e : loaded.error()) err << e.to_string() << "\n";
    code = kExitFailed;
    return std::nullopt;
  }
  return std::move(*loaded);
}

int emit(const dispatch::CliOutput& o, std::ostream& out, std::ostream& err) {
  out << o.out;
  err << o.err;
  return o.exit_code;
}

}  // namespace

int cmd_routes_test(const Args& args, std::ostream& out, std::ostream& err) {
  int code = kExitOk;
  auto cfg = load_for_cli(args, "tocsin routes test", err, code);
  if (!cfg) return code;
  if (args.is_set("file")) {
    if (!args.positional.empty() || args.flag("tree") || args.is_set("verify.receivers")) {
      err << "tocsin routes test: --file takes no labels, --tree or --verify.receivers\n";
      return kExitUsage;
    }
    auto cases = dispatch::load_route_cases(args.get("file"));
    if (!cases) {
      err << "tocsin routes test: " << cases.error().message << "\n";
      return kExitUsage;
    }
    return emit(dispatch::routes_test_cases(*cfg, *cases), out, err);
  }
  dispatch::RoutesTestOptions options;
  options.tree = args.flag("tree");
  if (args.is_set("verify.receivers")) options.verify_receivers = args.get("verify.receivers");
  return emit(dispatch::routes_test(*cfg, args.positional, options), out, err);
}

int cmd_routes_show(const Args& args, std::ostream& out, std::ostream& err) {
  int code = kExitOk;
  auto cfg = load_for_cli(args, "tocsin routes show", err, code);
  if (!cfg) return code;
  return emit(dispatch::routes_show(*cfg), out, err);
}

int cmd_routes_diff(const Args& args, std::ostream& out, std::ostream& err) {
  if (args.positional.size() != 2) {
    err << "tocsin routes diff: give two configuration files, OLD.yml NEW.yml\n";
    return kExitUsage;
  }
  std::vector<config::Config> cfgs;
  for (const std::string& file : args.positional) {
    auto loaded = config::load_config({file});
    if (!loaded) {
      for (const auto& e : loaded.error()) err << e.to_string() << "\n";
      return kExitUsage;
    }
    cfgs.push_back(std::move(*loaded));
  }
  std::vector<Labels> batch;
  if (args.is_set("alerts")) {
    auto cases = dispatch::load_route_cases(args.get("alerts"));
    if (!cases) {
      err << "tocsin routes diff: " << cases.error().message << "\n";
      return kExitUsage;
    }
    for (auto& c : *cases) batch.push_back(std::move(c.labels));
  } else {
    batch = dispatch::derive_label_sets(cfgs[0], cfgs[1]);
  }
  return emit(dispatch::routes_diff(cfgs[0], cfgs[1], batch), out, err);
}

int cmd_notify_test(const Args& args, std::ostream& out, std::ostream& err) {
  const auto& files = args.all("config");
  if (files.size() != 1) {
    err << "tocsin notify test: give exactly one --config FILE\n";
    return kExitUsage;
  }
  if (args.get("receiver").empty()) {
    err << "tocsin notify test: --receiver is required\n";
    return kExitUsage;
  }
  return notifiers::notify_test_command(files.front(), args.get("receiver"), args.positional, out,
                                        err);
}

}  // namespace tocsin::app
