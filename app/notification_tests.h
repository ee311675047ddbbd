// notification_tests in rule unit-test files (tocsin only): what each receiver is sent at a
// given time, through the same path as production — the test group's input series, the live
// rule manager and alert state machine, the real dispatcher (inhibition, silences, route tree,
// grouping and its timers) and every receiver's integrations rendering with the configured
// templates (RecordingNotifier: rendered, recorded, not sent). The run is app/eval's backtest
// (`tocsin eval --config`) with promtool's evaluation times (aligned_origin), so an alert fires
// in a notification test exactly when the group's alert_rule_test says it does.
//
// A test group's `notification_tests` is a list; each item runs the pipeline on its own from
// the group's start_timestamp to start + eval_time:
//
//   notification_tests:
//     - eval_time: 10m              # required; a duration from the group's start
//       since: 5m                   # optional (default 0s): only notifications sent at or after
//       config: alertmanager.yml    # a file (relative to the test file), or inline:
//       # config: {route: {...}, receivers: [...], inhibit_rules: [...], templates: [...]}
//       silences:                   # optional, as POST /api/v2/silences
//         - matchers: ['instance="b"', {name: job, value: api.*, isRegex: true}]
//           startsAt: 0s            # a duration from the group's start or RFC 3339 (default 0s)
//           endsAt: 1h              # default: never
//       match: subset               # optional: `alerts` label sets as subsets (default: the
//                                   # test group's `match`, else exact)
//       exp_notifications:          # every notification sent in [since, eval_time], as a set
//         - receiver: team-api
//           group_labels: {alertname: InstanceDown, job: api}   # exact
//           status: firing          # optional: firing | resolved
//           alerts:                 # optional: the firing alerts' labels (empty list: none)
//             - {alertname: InstanceDown, instance: a, job: api, severity: page}
//           resolved_alerts: []     # optional: the resolved alerts' labels
//           fields:                 # optional: rendered fields, exact or ~"regex" (RE2, whole)
//             slack.title: '[FIRING:1] InstanceDown (api)'
//             email.subject: '~".*InstanceDown.*"'
//
// One notification is one flush of one aggregation group to one receiver (all its
// integrations at the same instant). Field names are INTEGRATION[INDEX].FIELD with the index
// optional for the first (`slack.title` = `slack[0].title`), the fields RecordingNotifier
// records (slack title/text, email subject/text, pagerduty description/severity, log text) and
// `payload` (the webhook/Slack/PagerDuty body, the email HTML). A receiver without integrations
// sends nothing, so it is never in the got list.
//
// Rule groups run at start + k * evaluation_interval (the test file's; group intervals are
// overridden as promtool does), in group_eval_order. The group's external_labels and
// external_url apply. The dispatcher has no jitter; the clock stops at eval_time, so a
// notification whose group_wait ends later is not sent yet.
//
// Stateless; blocking (reads rule, configuration and template files). CLI thread.
#pragma once

#include <string>
#include <vector>

#include "engine/rules/unit_test.h"

namespace tocsin::app {

// The hook for rules::TestRulesOptions::notification_tests.
std::vector<std::string> run_notification_tests(const rules::TestGroupContext& ctx,
                                                const YAML::Node& tests);

}  // namespace tocsin::app
