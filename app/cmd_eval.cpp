// `tocsin eval` / `tocsin replay`: backtest rule files over recorded or remote series.
#include <fstream>
#include <ostream>

#include "app/commands.h"
#include "app/eval/backtest.h"
#include "app/eval/remote.h"
#include "app/eval/report.h"
#include "app/eval/series_input.h"
#include "engine/config/load.h"

namespace tocsin::app {

namespace {

constexpr const char* kCmd = "tocsin eval";

}  // namespace

int cmd_eval(const Args& args, std::ostream& out, std::ostream& err) {
  eval::BacktestOptions options;
  options.rule_files = args.all("rules");
  for (const auto& p : args.positional) options.rule_files.push_back(p);

  const std::string& compat = args.get("compat");
  if (compat != "prometheus3" && compat != "prometheus2") {
    err << kCmd << ": --compat must be prometheus3 or prometheus2, got \"" << compat << "\"\n";
    return kExitUsage;
  }
  options.compat_prometheus2 = compat == "prometheus2";
  const std::string& format = args.get("format");
  if (format != "text" && format != "json" && format != "junit") {
    err << kCmd << ": --format must be text, json or junit, got \"" << format << "\"\n";
    return kExitUsage;
  }
  eval::FailOn fail_on;
  const std::string& f = args.get("fail-on");
  if (f == "none") {
    fail_on = eval::FailOn::kNone;
  } else if (f == "pending") {
    fail_on = eval::FailOn::kPending;
  } else if (f == "firing") {
    fail_on = eval::FailOn::kFiring;
  } else {
    err << kCmd << ": --fail-on must be firing, pending or none, got \"" << f << "\"\n";
    return kExitUsage;
  }
  if (args.is_set("step")) {
    auto d = parse_duration(args.get("step"));
    if (!d || *d <= 0) {
      err << kCmd << ": --step: \"" << args.get("step") << "\" is not a positive duration\n";
      return kExitUsage;
    }
    options.step = *d;
  }
  options.external_url = args.get("web.external-url");

  const auto& series_files = args.all("series");
  const bool remote = !args.get("datasource.url").empty();
  if (series_files.empty() == !remote) {
    err << kCmd << ": give --series FILE... or --datasource.url URL (one of them)\n";
    return kExitUsage;
  }
  const auto& config_files = args.all("config");
  if (!config_files.empty()) {
    auto cfg = config::load_config(config_files);
    if (!cfg) {
      for (const auto& e : cfg.error()) err << e.to_string() << "\n";
      return kExitFailed;
    }
    options.config = std::move(*cfg);
  }
  if (options.rule_files.empty() && (!options.config || options.config->rule_files.empty())) {
    err << kCmd << ": give --rules FILE (or a --config naming rule_files)\n";
    return kExitUsage;
  }

  // The series: from files (the window defaults to their span; durations count from their
  // start), or from a datasource (--from and --to required, absolute).
  eval::SeriesSet series;
  Timestamp base = 0;
  if (!remote) {
    auto loaded = eval::load_series_files(series_files);
    if (!loaded) {
      err << kCmd << ": " << loaded.error().message << "\n";
      return kExitFailed;
    }
    series = std::move(*loaded);
    base = series.min_t;
    options.from = series.min_t;
    options.to = series.max_t;
  } else if (!args.is_set("from") || !args.is_set("to")) {
    err << kCmd << ": --datasource.url needs --from and --to (RFC 3339 or Unix seconds)\n";
    return kExitUsage;
  }
  for (const char* which : {"from", "to"}) {
    if (!args.is_set(which)) continue;
    const std::string& text = args.get(which);
    std::optional<Timestamp> t;
    if (remote) {
      // No series' start to count from: only absolute times.
      t = eval::parse_eval_time(text, 0);
      if (t != eval::parse_eval_time(text, 1)) t.reset();  // a duration
    } else {
      t = eval::parse_eval_time(text, base);
    }
    if (!t) {
      err << kCmd << ": --" << which << ": \"" << text << "\" is not "
          << (remote ? "RFC 3339 or Unix seconds (a datasource has no series' start to count "
                       "a duration from)"
                     : "RFC 3339, Unix seconds or a duration from the series' start")
          << "\n";
      return kExitUsage;
    }
    (std::string_view(which) == "from" ? options.from : options.to) = *t;
  }
  if (remote) base = options.from;
  if (options.from > options.to) {
    err << kCmd << ": --from (" << format_rfc3339(options.from) << ") is after --to ("
        << format_rfc3339(options.to) << ")\n";
    return kExitUsage;
  }

  auto rules = eval::load_backtest_rules(options);
  if (!rules) {
    err << rules.error().message << "\n";
    return kExitFailed;
  }
  if (remote) {
    eval::DatasourceOptions ds;
    ds.url = args.get("datasource.url");
    ds.basic_auth_user = args.get("datasource.basic-auth-user");
    ds.basic_auth_password_file = args.get("datasource.basic-auth-password-file");
    ds.bearer_token_file = args.get("datasource.bearer-token-file");
    ds.ca_file = args.get("datasource.ca-file");
    ds.insecure_skip_verify = args.flag("datasource.insecure-skip-verify");
    for (auto [flag, target] : {std::pair{"datasource.timeout", &ds.timeout},
                                std::pair{"datasource.chunk", &ds.chunk}}) {
      auto d = parse_duration(args.get(flag));
      if (!d || *d <= 0) {
        err << kCmd << ": --" << flag << ": \"" << args.get(flag)
            << "\" is not a positive duration\n";
        return kExitUsage;
      }
      *target = *d;
    }
    auto fetched =
        eval::fetch_series(ds, *rules, options.from, options.to, options.lookback_delta);
    if (!fetched) {
      err << kCmd << ": " << fetched.error().message << "\n";
      return kExitFailed;
    }
    series = std::move(*fetched);
  }
  auto result = eval::run_backtest(options, std::move(*rules), series);
  if (!result) {
    err << kCmd << ": " << result.error().message << "\n";
    return kExitFailed;
  }

  std::string diff;
  const std::string& expect = args.get("expect");
  if (!expect.empty()) {
    auto expected = eval::load_expected(expect, base);
    if (!expected) {
      err << kCmd << ": " << expected.error().message << "\n";
      return kExitUsage;
    }
    diff = eval::diff_lines(expected->lines,
                            eval::timeline_lines(*result, base, expected->with_changes));
  }

  if (format == "json") {
    out << eval::format_json(*result, base);
  } else if (format == "junit") {
    out << eval::format_junit(*result, base, fail_on, expect, diff);
  } else {
    out << eval::format_text(*result, base);
  }

  int code = kExitOk;
  if (!diff.empty()) {
    err << "timeline differs from " << expect << ":\n" << diff;
    code = kExitFailed;
  }
  if (eval::fails(*result, fail_on)) {
    err << kCmd << ": alerts became " << (fail_on == eval::FailOn::kFiring ? "firing" : "active")
        << " (--fail-on=" << f << ")\n";
    code = kExitFailed;
  }
  return code;
}

}  // namespace tocsin::app
