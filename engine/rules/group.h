// Group: a list of rules evaluated in order at one interval (Prometheus' rules/group.go).
//
// One evaluation runs every rule at the same timestamp; the output of each rule (recorded
// series, ALERTS / ALERTS_FOR_STATE) is committed to storage before the next rule runs, so
// later rules see it. A series a rule returned last time but not this time gets a stale
// marker. query_offset shifts the query time (and the stamped time) back. Evaluation errors
// set the rule's health to err and do not stop the group; an alerting rule that fails keeps its
// alerts (and re-sends them when due), so nothing resolves because of a query error.
//
// Scheduling: evaluations land on a fixed phase within the interval, derived from a hash of
// the group's name and file (eval_timestamp()), so groups spread out and keep their phase over
// restarts and reloads.
//
// Threads: eval() and copy_state_from() are called by one thread at a time (the manager
// serialises evaluations of a group); status accessors may be called from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "engine/model/alert.h"
#include "engine/promql/engine.h"
#include "engine/rules/alerting_rule.h"
#include "engine/rules/recording_rule.h"
#include "engine/rules/rule_file.h"
#include "engine/storage/storage.h"

namespace tocsin::rules {

// Where rules read and write. Reads may run concurrently with scrapes (see storage/head.h).
struct RuleStorage {
  const storage::Querier* querier = nullptr;
  std::function<std::unique_ptr<storage::Appender>()> appender;
  // Optional: the remote data source to query instead of `querier`, asked once per group
  // evaluation (a reload may switch it); null or returning null = evaluate locally.
  std::function<std::shared_ptr<const InstantQuerier>()> remote;
};

struct GroupOptions {
  Duration interval = kMinute;  // the group's, or the global evaluation_interval
  Duration query_offset = 0;    // the group's, or the global rule_query_offset
  promql::EvalOptions eval;     // lookback, default subquery step (global eval interval), ...
  Labels external_labels;       // for $externalLabels (added to alerts by the sink, not here)
  std::string external_url;
  Duration resend_delay = kDefaultResendDelay;

  friend bool operator==(const GroupOptions& a, const GroupOptions& b) {
    return a.interval == b.interval && a.query_offset == b.query_offset &&
           a.eval.lookback_delta == b.eval.lookback_delta &&
           a.eval.default_subquery_step == b.eval.default_subquery_step &&
           a.eval.compat_prometheus2 == b.eval.compat_prometheus2 &&
           a.external_labels == b.external_labels && a.external_url == b.external_url &&
           a.resend_delay == b.resend_delay;
  }
};

// The outcome of one evaluation, for the caller's metrics and sink.
struct GroupEvalResult {
  std::vector<Alert> alerts;  // due to be sent (firing, or resolved since the last send)
  int evaluations = 0;
  int failures = 0;
  double seconds = 0;
  // One line per failed rule: "rule: NAME, err: MESSAGE".
  std::vector<std::pair<const Rule*, std::string>> errors;
};

struct SavedGroupAlerts;

class Group {
 public:
  Group(GroupSpec spec, GroupOptions options);

  const std::string& name() const { return spec_.name; }
  const std::string& file() const { return spec_.file; }
  const GroupSpec& spec() const { return spec_; }
  const GroupOptions& options() const { return options_; }
  Duration interval() const { return options_.interval; }
  int limit() const { return spec_.limit; }
  const std::vector<std::unique_ptr<Rule>>& rules() const { return rules_; }

  // Evaluates every rule at `ts` (the scheduled time, not the clock).
  GroupEvalResult eval(Timestamp ts, const RuleStorage& storage);

  // The latest evaluation slot at or before `t` on this group's phase.
  Timestamp eval_timestamp(Timestamp t) const;
  // The phase within the interval: stable hash of name and file modulo the interval.
  Duration offset() const;

  // Same file, name, options and rules: a reload keeps the running group as it is.
  bool same_definition(const Group& other) const;
  // Carries state over from the group this one replaces: alerts of rules with the same name
  // and labels, the series each wrote last (for stale markers), the last evaluation.
  void copy_state_from(Group& old);
  // Takes the alerts saved for this group before a restart (alert_state_snapshot.h).
  void restore_saved(const SavedGroupAlerts& saved);

  Timestamp last_evaluation() const { return last_evaluation_.load(); }
  double evaluation_seconds() const { return evaluation_seconds_.load(); }

 private:
  GroupSpec spec_;
  GroupOptions options_;
  std::vector<std::unique_ptr<Rule>> rules_;
  std::vector<std::set<Labels>> previous_series_;  // per rule, what it wrote last time
  std::atomic<Timestamp> last_evaluation_{0};
  std::atomic<double> evaluation_seconds_{0};
};

// Prometheus' link to the expression in its table view: URL/graph?g0.expr=...&g0.tab=1.
std::string generator_url(std::string_view external_url, std::string_view expr);

}  // namespace tocsin::rules
