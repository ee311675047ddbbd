// Bad configs give exact "file:line:column: key.path: message" errors, all of them at once.
#include <gtest/gtest.h>

#include "engine/config/load.h"

namespace tocsin::config {
namespace {

std::vector<std::string> errors_of(std::string_view yaml) {
  auto r = load_config_from_string(yaml, "alertmanager.yml");
  std::vector<std::string> out;
  if (r) return out;
  for (const ConfigError& e : r.error()) out.push_back(e.to_string());
  return out;
}

using Errors = std::vector<std::string>;

TEST(Errors, BadDurationInNestedRouteNamesThePath) {
  EXPECT_EQ(errors_of("route:\n"
                      "  receiver: a\n"
                      "  routes:\n"
                      "    - receiver: a\n"
                      "    - receiver: a\n"
                      "    - receiver: a\n"
                      "      group_wait: 5x\n"
                      "receivers:\n"
                      "  - name: a\n"),
            Errors{"alertmanager.yml:7:19: route.routes[2].group_wait: \"5x\" is not a duration"});
}

TEST(Errors, AllErrorsAreCollected) {
  EXPECT_EQ(errors_of("route:\n"
                      "  receiver: missing\n"
                      "  recevier: typo\n"
                      "  routes:\n"
                      "    - matchers: ['foo=~\"(\"']\n"
                      "      receiver: a\n"
                      "    - match:\n"
                      "        bad-name: x\n"
                      "      receiver: a\n"
                      "receivers:\n"
                      "  - name: a\n"
                      "    webhook_configs:\n"
                      "      - url: 'ftp://example.org/'\n"
                      "        send_resolved: maybe\n"
                      "  - name: a\n"),
            (Errors{
                "alertmanager.yml:2:13: route.receiver: undefined receiver \"missing\" used in route",
                "alertmanager.yml:3:3: route.recevier: unknown key",
                "alertmanager.yml:5:18: route.routes[0].matchers[0]: bad matcher \"foo=~\\\"(\\\"\": "
                "failed to create matcher: invalid regular expression \"(\": missing ): (",
                "alertmanager.yml:8:9: route.routes[1].match.bad-name: invalid label name \"bad-name\"",
                "alertmanager.yml:13:14: receivers[0].webhook_configs[0].url: invalid URL: "
                "unsupported scheme \"ftp\" for URL",
                "alertmanager.yml:14:24: receivers[0].webhook_configs[0].send_resolved: \"maybe\" is "
                "not a boolean",
                "alertmanager.yml:15:5: receivers[1]: notification config name \"a\" is not unique",
            }));
}

TEST(Errors, UnimplementedIntegrationIsNamed) {
  EXPECT_EQ(errors_of("route: {receiver: a}\n"
                      "receivers:\n"
                      "  - name: a\n"
                      "    opsgenie_configs:\n"
                      "      - api_key: x\n"),
            Errors{"alertmanager.yml:4:5: receivers[0].opsgenie_configs: receiver integration "
                   "opsgenie_configs is not supported by tocsin (supported: webhook_configs, "
                   "slack_configs, email_configs, pagerduty_configs, log_configs)"});
}

TEST(Errors, AlertmanagerValidation) {
  struct Row {
    const char* yaml;
    Errors want;
  };
  const Row rows[] = {
      {"receivers: [{name: a}]\n",
       {"alertmanager.yml:1:1: receivers: no route provided in config"}},
      {"route: {group_wait: 1m}\nreceivers: [{name: a}]\n",
       {"alertmanager.yml:1:8: route: root route must specify a default receiver"}},
      {"route: {receiver: a, match: {x: y}}\nreceivers: [{name: a}]\n",
       {"alertmanager.yml:1:8: route: root route must not have any matchers"}},
      {"route: {receiver: a, continue: true}\nreceivers: [{name: a}]\n",
       {"alertmanager.yml:1:32: route.continue: cannot have continue in root route"}},
      {"route: {receiver: a, group_by: [x, x]}\nreceivers: [{name: a}]\n",
       {"alertmanager.yml:1:36: route.group_by[1]: duplicated label \"x\" in group_by"}},
      {"route: {receiver: a, group_by: ['...', x]}\nreceivers: [{name: a}]\n",
       {"alertmanager.yml:1:32: route.group_by: cannot have wildcard group_by (`...`) and other "
        "other labels at the same time"}},
      {"route: {receiver: a, routes: [{mute_time_intervals: [nope]}]}\nreceivers: [{name: a}]\n",
       {"alertmanager.yml:1:54: route.routes[0].mute_time_intervals[0]: undefined time interval "
        "\"nope\" used in route"}},
      {"route: {receiver: a}\nreceivers: [{name: a, email_configs: [{to: x@y}]}]\n",
       {"alertmanager.yml:2:39: receivers[0].email_configs[0]: no global SMTP smarthost set",
        "alertmanager.yml:2:39: receivers[0].email_configs[0]: no global SMTP from set"}},
      {"route: {receiver: a}\nreceivers: [{name: a, slack_configs: [{channel: x}]}]\n",
       {"alertmanager.yml:2:39: receivers[0].slack_configs[0]: no Slack API URL nor App token set "
        "either inline or in a file"}},
      {"route: {receiver: a}\nreceivers: [{name: a, pagerduty_configs: [{}]}]\n",
       {"alertmanager.yml:2:43: receivers[0].pagerduty_configs[0]: missing service or routing key "
        "in PagerDuty config"}},
      // An empty url is no url (config_fuzz: `url: #...` loaded, and its printed form did not).
      {"route: {receiver: a}\nreceivers: [{name: a, webhook_configs: [{url: null}]}]\n",
       {"alertmanager.yml:2:41: receivers[0].webhook_configs[0]: one of url or url_file must be "
        "configured"}},
      {"route: {receiver: a}\nreceivers: [{name: a, webhook_configs: [{url: ''}]}]\n",
       {"alertmanager.yml:2:41: receivers[0].webhook_configs[0]: one of url or url_file must be "
        "configured"}},
      {"route: {receiver: a}\nreceivers: [{name: a, webhook_configs: [{url: 'http://x/', url_file: f}]}]\n",
       {"alertmanager.yml:2:60: receivers[0].webhook_configs[0].url_file: at most one of url & "
        "url_file must be configured"}},
      {"time_intervals:\n  - name: t\n    time_intervals:\n      - times: [{start_time: '10:00', end_time: '09:00'}]\n"
       "        weekdays: ['friday:monday']\n        months: [smarch]\n",
       {"alertmanager.yml:1:1: time_intervals: no route provided in config",
        "alertmanager.yml:4:17: time_intervals[0].time_intervals[0].times[0]: start time cannot be "
        "equal or greater than end time",
        "alertmanager.yml:5:20: time_intervals[0].time_intervals[0].weekdays[0]: \"friday:monday\": "
        "start day cannot be after end day",
        "alertmanager.yml:6:18: time_intervals[0].time_intervals[0].months[0]: \"smarch\" is not a "
        "valid month or range of months"}},
  };
  for (const Row& r : rows) EXPECT_EQ(errors_of(r.yaml), r.want) << r.yaml;
}

TEST(Errors, PrometheusValidation) {
  struct Row {
    const char* yaml;
    Errors want;
  };
  const Row rows[] = {
      {"global: {scrape_interval: 10s, scrape_timeout: 20s}\n",
       {"alertmanager.yml:1:32: global.scrape_timeout: global scrape timeout greater than scrape "
        "interval"}},
      {"scrape_configs:\n  - job_name: a\n    scrape_interval: 5s\n    scrape_timeout: 6s\n",
       {"alertmanager.yml:2:5: scrape_configs[0]: scrape timeout greater than scrape interval for "
        "scrape config with job name \"a\""}},
      {"scrape_configs: [{job_name: a}, {job_name: a}]\n",
       {"alertmanager.yml:1:33: scrape_configs[1]: found multiple scrape configs with job name \"a\""}},
      {"scrape_configs: [{job_name: a, relabel_configs: [{action: hashmod, target_label: x}]}]\n",
       {"alertmanager.yml:1:50: scrape_configs[0].relabel_configs[0]: relabel configuration for "
        "hashmod requires non-zero modulus"}},
      {"scrape_configs: [{job_name: a, relabel_configs: [{action: frobnicate}]}]\n",
       {"alertmanager.yml:1:59: scrape_configs[0].relabel_configs[0].action: unknown relabel action "
        "\"frobnicate\""}},
      {"scrape_configs: [{job_name: a, relabel_configs: [{regex: '(', target_label: x}]}]\n",
       {"alertmanager.yml:1:58: scrape_configs[0].relabel_configs[0].regex: invalid regular "
        "expression \"(\": missing ): ("}},
      {"scrape_configs: [{job_name: a, relabel_configs: [{action: labelkeep, target_label: x}]}]\n",
       {"alertmanager.yml:1:50: scrape_configs[0].relabel_configs[0]: labelkeep action requires "
        "only 'regex', and no other fields"}},
      {"scrape_configs: [{job_name: a, kubernetes_sd_configs: [{role: pod}]}]\n",
       {"alertmanager.yml:1:32: scrape_configs[0].kubernetes_sd_configs: kubernetes_sd_configs is "
        "not supported by tocsin (supported: static_configs, file_sd_configs)"}},
      {"global: {external_labels: {0bad: x}}\n",
       {"alertmanager.yml:1:28: global.external_labels.0bad: \"0bad\" is not a valid label name"}},
      {"remote_read: [{url: 'http://x/'}]\n",
       {"alertmanager.yml:1:1: remote_read: remote_read is not supported by tocsin"}},
      {"remote_write: [{remote_timeout: 5x}]\n",
       {"alertmanager.yml:1:16: remote_write[0]: url for remote_write is empty",
        "alertmanager.yml:1:33: remote_write[0].remote_timeout: \"5x\" is not a duration"}},
      {"datasource: {url: 'http://x/', query_ofset: 1m}\n",
       {"alertmanager.yml:1:32: datasource.query_ofset: unknown key"}},
      {"scrape_configs: [{job_name: a, sample_limit: -1, body_size_limit: 10XB}]\n",
       {"alertmanager.yml:1:46: scrape_configs[0].sample_limit: \"-1\" is not a non-negative "
        "integer",
        "alertmanager.yml:1:67: scrape_configs[0].body_size_limit: \"10XB\" is not a size (e.g. "
        "10MB)"}},
  };
  for (const Row& r : rows) EXPECT_EQ(errors_of(r.yaml), r.want) << r.yaml;
}

TEST(Errors, SyntaxAndTypes) {
  EXPECT_EQ(errors_of("route: [\n"),
            Errors{"alertmanager.yml:2:1: invalid YAML: end of sequence flow not found"});
  EXPECT_EQ(errors_of("- a\n"),
            Errors{"alertmanager.yml:1:1: the document must be a mapping of top-level keys"});
  EXPECT_EQ(errors_of("global: {scrape_interval: 1m, scrape_interval: 2m}\n"),
            Errors{"alertmanager.yml:1:31: global.scrape_interval: duplicate key (first set at line 1)"});
  EXPECT_EQ(errors_of("scrape_configs: {job_name: a}\n"),
            Errors{"alertmanager.yml:1:17: scrape_configs: expected a list, got a mapping"});
  EXPECT_EQ(errors_of("global: {resolve_timeout: [1]}\n"),
            Errors{"alertmanager.yml:1:27: global.resolve_timeout: a list is not a duration"});
}

TEST(Errors, ToStringWithoutPosition) {
  ConfigError e{"x.yml", 0, 0, "", "cannot read file"};
  EXPECT_EQ(e.to_string(), "x.yml: cannot read file");
  auto r = load_config({"/nonexistent/tocsin.yml"});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error()[0].to_string(), "/nonexistent/tocsin.yml: cannot read file");
  EXPECT_EQ(to_error(r.error()).code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace tocsin::config
