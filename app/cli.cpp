#include <ostream>

#include "app/commands.h"

namespace tocsin::app {

namespace {

std::vector<Flag> log_flags() {
  return {
      {"log.level", "Only log messages at or above this level: debug, info, warn, error.", "info"},
      {"log.format", "Log format: logfmt or json.", "logfmt"},
  };
}

Flag compat_flag() {
  return {"compat", "Semantics to follow: prometheus3, or prometheus2 for closed-interval windows "
                    "and Prometheus 2's other differences.",
          "prometheus3"};
}

}  // namespace

Command build_cli() {
  Command run{
      "run",
      "Run the engine: scrape, evaluate rules, dispatch and notify, serve the HTTP APIs.",
      "[flags]",
      "Without --config, runs the embedded default configuration, which watches tocsin itself\n"
      "and prints notifications on the console.",
      {
          {"config", "Configuration file (prometheus.yml and alertmanager.yml keys).", "", false,
           true},
          {"web.listen-address",
           "Address to listen on for the HTTP APIs and /metrics (loopback only by default; "
           "\"0.0.0.0:9093\" or \":9093\" for every interface).",
           "127.0.0.1:9093"},
          {"web.config.file",
           "Web configuration file (TLS, client certificates, basic auth; exporter-toolkit's "
           "format, as Prometheus' --web.config.file). Re-read on reload.",
           ""},
          {"web.external-url", "The URL under which tocsin is reached from outside.", ""},
          {"storage.path", "Directory for state that survives restarts.", "./data"},
          {"storage.retention",
           "How long samples are kept in memory; must cover the longest range your rules use.",
           "6h"},
          {"storage.head-snapshot-interval",
           "How often the series head is written to --storage.path (also at shutdown); samples "
           "newer than the last snapshot are lost on a crash.",
           "1m"},
          {"dry-run", "Turn every notification integration into the console log integration.",
           "", true},
          compat_flag(),
          {"web.max-request-body-size",
           "Largest request body the HTTP APIs read (bytes, or with a unit: 512KiB, 4MiB); a "
           "larger one is answered 413.",
           "4MiB"},
          {"web.max-connections",
           "Most open HTTP connections at once; further ones wait until one closes (as "
           "Prometheus). 0 = no limit.",
           "512"},
          {"alerts.limit",
           "Most alerts kept (firing, and resolved ones not yet removed); a new alert over it "
           "is refused (POST /api/v2/alerts answers 429), updates of kept ones are accepted. "
           "0 = no limit.",
           "200000"},
          {"silences.max-silences",
           "Most silences kept, expired ones included until they are removed; a new one over "
           "it is refused (400). 0 = no limit.",
           "10000"},
          {"silences.max-silence-size-bytes",
           "Largest silence, in bytes as Alertmanager stores it; a larger one is refused (400). "
           "0 = no limit.",
           "65536"},
          {"notifications.queue-limit",
           "Most notifications waiting per integration; past it a group's notification waits "
           "for the group's next flush. 0 = no limit.",
           "10000"},
          {"query.max-samples",
           "Most samples a query (API or rule) may load into memory; over it the query fails.",
           "50000000"},
          {"query.timeout",
           "Longest a query (API or rule) may run; the API's timeout parameter can only lower "
           "it.",
           "2m"},
      },
      {},
      cmd_run};
  for (auto& f : log_flags()) run.flags.push_back(f);

  Command check{"check", "Check configuration and rule files.", "", "", {}, {}, nullptr};
  check.subcommands.push_back(Command{
      "config",
      "Check configuration files; print every error with file:line:column.",
      "[flags] FILE...",
      "Several files are checked together, as `tocsin run --config A --config B` would load them.",
      {{"print", "Print the effective configuration (secrets as <secret>).", "", true}},
      {},
      cmd_check_config});
  check.subcommands.push_back(Command{
      "web-config",
      "Check web configuration files (--web.config.file), their certificates and keys.",
      "FILE...",
      "",
      {},
      {},
      cmd_check_web_config});
  check.subcommands.push_back(Command{
      "rules",
      "Check rule files: syntax, templates, duplicates, and lints.",
      "[flags] FILE...",
      "",
      {{"format", "Output format: text, json or github.", "text"},
       {"strict", "Treat warnings as errors (exit 1).", "", true},
       {"lint", "Lints to run: all, none, or a comma-separated list of lint names.", "all"},
       {"lint-fatal", "Make lint warnings exit 3, as promtool does.", "", true},
       {"ignore-unknown-fields", "Ignore unknown fields in the rule files.", "", true},
       {"severity-label", "Label every alert should carry (\"\" disables the lint).", "severity"},
       {"enable-feature", "Prometheus feature flag the rules rely on.", "", false, true}},
      {},
      cmd_check_rules});

  Command test{"test", "Run rule unit tests and PromQL test scripts.", "", "", {}, {}, nullptr};
  test.subcommands.push_back(Command{
      "rules",
      "Run promtool-format rule unit tests.",
      "[flags] FILE...",
      "",
      {{"run", "Only run test groups whose name matches this regular expression.", "", false,
        true},
       {"junit", "Write a JUnit XML report to this file.", ""},
       {"ignore-unknown-fields", "Ignore unknown fields in the test files.", "", true},
       {"diff", "Print a diff of expected and actual alerts and samples.", "", true},
       compat_flag()},
      {},
      cmd_test_rules});
  test.subcommands.push_back(Command{
      "promql",
      "Run PromQL test scripts (Prometheus' promqltest format).",
      "[flags] FILE...",
      "Prints PASS/FAIL per file and ends with 'N passed, M failed, K skipped'.",
      {compat_flag(), {"verbose", "Also print a line for every passing case.", "", true}},
      {},
      cmd_test_promql});

  Command eval{
      "eval",
      "Evaluate rules over recorded or remote series and show the alert timeline.",
      "[flags] [RULE_FILE...]",
      "Runs the live engine's rule manager (and, with --config, its dispatcher) on stepped time\n"
      "over [--from, --to]. Times are RFC 3339, Unix seconds, or a duration from the series'\n"
      "start (0s, 90m); the default window is the whole span of the series.",
      {{"rules", "Rule file (globs allowed).", "", false, true},
       {"series", "Series file: promtool input_series YAML, or text/OpenMetrics exposition with "
                  "timestamps.", "", false, true},
       {"datasource.url", "Prometheus-compatible API to read the rules' series from.", ""},
       {"datasource.basic-auth-user", "Basic auth user for the datasource.", ""},
       {"datasource.basic-auth-password-file", "File holding the basic auth password.", ""},
       {"datasource.bearer-token-file", "File holding a bearer token for the datasource.", ""},
       {"datasource.ca-file", "CA bundle (PEM) to verify the datasource's certificate.", ""},
       {"datasource.insecure-skip-verify", "Do not verify the datasource's certificate.", "",
        true},
       {"datasource.timeout", "Timeout of each datasource request.", "1m"},
       {"datasource.chunk", "Range of each datasource query for raw samples.", "1h"},
       {"config", "Configuration (rule_files, global, route tree, receivers): notifications "
                  "are dispatched and rendered, not sent.", "", false, true},
       {"from", "Start of the window.", ""},
       {"to", "End of the window.", ""},
       {"step", "Evaluate every group at this interval instead of its own.", ""},
       {"format", "Output format: text, json or junit.", "text"},
       {"fail-on", "Exit 1 when any alert is firing, pending (or firing), or none.", "none"},
       {"expect", "Expected timeline (YAML or the JSON of --format=json); exit 1 with a diff "
                  "when it differs.", ""},
       {"web.external-url", "External URL for $externalURL and generator URLs.", ""},
       compat_flag()},
      {},
      cmd_eval};
  Command replay = eval;
  replay.name = "replay";
  replay.summary = "Alias of eval.";
  replay.usage = eval.usage;

  Command routes{"routes", "Inspect the route tree.", "", "", {}, {}, nullptr};
  routes.subcommands.push_back(Command{
      "test",
      "Print the receivers an alert with the given labels is routed to.",
      "[flags] label=value... | --file CASES.yml",
      "With --file, every case of the file is routed as one batch of firing alerts (so one may\n"
      "inhibit another) and checked against its expected receivers and inhibition:\n"
      "  tests:\n"
      "    - labels: {alertname: DiskFull, severity: critical}\n"
      "      receivers: [oncall]\n"
      "    - labels: {alertname: DiskFull, severity: warning}\n"
      "      inhibited: true\n"
      "Exit 0 when every case passes, 1 with a per-case diff otherwise.",
      {{"config", "Configuration file (repeat to merge several).", "", false, true},
       {"tree", "Print the matching part of the route tree.", "", true},
       {"verify.receivers", "Exit 1 unless exactly these receivers (comma-separated) match.", ""},
       {"file", "YAML file of test cases (labels, expected receivers, inhibited).", ""}},
      {},
      cmd_routes_test});
  routes.subcommands.push_back(Command{
      "diff",
      "Show which alerts change receiver, grouping or inhibition between two configurations.",
      "[flags] OLD.yml NEW.yml",
      "Without --alerts, the label sets come from both configurations: one per route (its path's\n"
      "matchers satisfied) and a source and a target alert per inhibit rule. Exit 0 when nothing\n"
      "changes, 1 when something does.",
      {{"alerts", "YAML file of label sets (a list, or the `tests:` format of routes test --file).",
        ""}},
      {},
      cmd_routes_diff});
  routes.subcommands.push_back(Command{
      "show",
      "Print the route tree (amtool config routes).",
      "[flags]",
      "",
      {{"config", "Configuration file (repeat to merge several).", "", false, true}},
      {},
      cmd_routes_show});

  Command notify{"notify", "Send notifications by hand.", "", "", {}, {}, nullptr};
  notify.subcommands.push_back(Command{
      "test",
      "Send a synthetic test notification through every integration of a receiver.",
      "[flags] [label=value...]",
      "",
      {{"config", "Configuration file.", "", false, true}, {"receiver", "Receiver name.", ""}},
      {},
      cmd_notify_test});

  Command version{"version", "Print version and build information.", "", "", {}, {}, cmd_version};

  Command root{"tocsin",
               "tocsin: a rule-evaluation alerting engine (Prometheus rules + Alertmanager in one "
               "small binary).",
               "",
               "",
               {},
               {run, check, test, eval, replay, routes, notify, version},
               nullptr};
  return root;
}

}  // namespace tocsin::app
