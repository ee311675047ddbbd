// The backtest behind `tocsin eval`: the live engine's rule manager, alert state machine and —
// with a configuration — dispatcher, run on stepped time over recorded series.
//
// Time. One FakeClock drives a tocsin::ManualScheduler (engine/common/job_scheduler.h: the rule manager's
// groups, each at its hashed phase within its interval, exactly as in `tocsin run`) and the
// dispatcher's ManualScheduler (group_wait/group_interval/repeat_interval timers, retries,
// maintenance). The loop always advances to the earliest due timer of either; before a rule
// group runs at t, every input sample with a timestamp <= t is appended to the in-memory
// storage::Head (as scrapes would have), so rules never see the future and recording rules
// append after their inputs. The window is [from, to]: the clock starts at `from` (groups get
// their first turn at their first phase-aligned time >= from) and stops at `to`; notifications
// due after `to` are not sent.
//
// --step. A step overrides the interval of every group (as if each group said `interval:
// STEP`), so the phase is then derived from the step. Default: each group's own interval (or
// the configuration's evaluation_interval).
//
// The timeline is observed after every turn: each alerting rule's active alerts (pending or
// firing) are compared with the previous turn's. An episode is one activation of one label set:
// pending at (ActiveAlert::active_at), firing at (fired_at), and resolved at — the evaluation
// in which it stopped being active (a pending alert that vanishes ends "inactive", never having
// fired). Values are those of the evaluation at each change.
//
// Aligned time (rule unit tests' notification_tests). With `aligned_origin`, every group runs at
// origin + k*interval (k >= 0) instead of at its hashed phase — promtool's evaluation times,
// independent of the rule file's path — and groups due at the same time run in `group_order`
// (promtool's group_eval_order: listed names first, in that order), then in file order.
//
// Silences in `silences` are in the dispatcher's store from the start (as if created at `from`).
//
// Single-threaded; blocking (reads rule and template files). CLI thread.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/eval/series_input.h"
#include "engine/common/result.h"
#include "engine/config/config.h"
#include "engine/dispatch/silence.h"
#include "engine/rules/manager.h"
#include "notifiers/recording_notifier.h"

namespace tocsin::app::eval {

struct BacktestOptions {
  std::vector<std::string> rule_files;     // --rules; empty: the configuration's rule_files
  std::optional<config::Config> config;    // --config: global section and dispatch
  Timestamp from = 0;
  Timestamp to = 0;
  Duration step = 0;                       // 0: each group's interval
  bool compat_prometheus2 = false;
  std::string external_url;
  Duration lookback_delta = 5 * kMinute;
  std::optional<Timestamp> aligned_origin;  // see "Aligned time" above
  std::vector<std::string> group_order;     // with aligned_origin
  std::vector<dispatch::Silence> silences;  // with config
};

struct AlertChange {
  Timestamp at = 0;
  std::string state;            // "pending", "firing", "resolved" (was firing), "inactive"
  std::optional<double> value;  // none when the alert went away
};

struct AlertEpisode {
  std::string file;
  std::string group;
  std::string rule;  // alertname of the rule
  Labels labels;     // the alert's labels (rule labels and alertname included)
  std::map<std::string, std::string> annotations;  // as first firing (or pending)
  Timestamp pending_at = 0;
  std::optional<Timestamp> firing_at;
  std::optional<Timestamp> resolved_at;
  std::vector<AlertChange> changes;
  bool fired() const { return firing_at.has_value(); }
};

struct RuleSummary {
  std::string file;
  std::string group;
  std::string name;
  bool alerting = false;
  Duration interval = 0;
  int evaluations = 0;
  int failures = 0;
  std::string first_error;  // the first evaluation error, "" when none
  Timestamp first_error_at = 0;
};

struct BacktestResult {
  Timestamp from = 0;
  Timestamp to = 0;
  std::vector<AlertEpisode> alerts;  // by pending_at, then labels
  std::vector<RuleSummary> rules;    // in file order
  std::vector<notifiers::RecordedNotification> notifications;  // in send order
  int steps = 0;  // distinct evaluation times
  bool dispatched = false;  // a configuration was given: notifications were dispatched
};

// Reads the rule files (the options' rule_files or the configuration's) with the step applied.
Result<rules::LoadedRules> load_backtest_rules(const BacktestOptions& options);

// Runs the backtest. REQUIRES: options.from <= options.to.
Result<BacktestResult> run_backtest(const BacktestOptions& options, rules::LoadedRules rules,
                                    const SeriesSet& series);

}  // namespace tocsin::app::eval
