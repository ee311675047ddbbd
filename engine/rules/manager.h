// Manager: runs the rule groups of the configuration (Prometheus' rules/manager.go).
//
// Scheduling: each group is a job keyed by "file;group" on the JobScheduler it is given
// (engine/common/job_scheduler.h) — in the engine the same wheel as every scrape — so it runs at
// a stable phase within its interval. On its turn the group goes to the worker executor. A group
// still evaluating when its next turn comes skips that turn; turns lost because time jumped are
// skipped too; both are counted in tocsin_rule_group_iterations_missed_total (when the group
// next starts or finishes).
//
// Evaluation runs on the worker (the evaluator is CPU-bound; never the I/O thread). When it
// finishes, the result is posted back through the `home` executor, where metrics are updated
// and alerts go to the AlertSink with the external labels added (as Prometheus' notifier does).
//
// Reload: load() reads and validates the rule files (blocking; any thread); apply() swaps the
// groups in on the home thread. A group whose file, name, options and rules are unchanged keeps
// running untouched; a changed group takes over the alerts of old rules with the same name and
// labels (and their series, for stale markers). A group removed or replaced while it evaluates
// hands its state over when that evaluation ends.
//
// Threads: construct, apply(), groups(), and destroy on the home thread (the I/O thread, the
// scheduler's thread). Group and rule accessors are safe from any thread. The scheduler
// outlives the manager.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "engine/common/result.h"
#include "engine/common/job_scheduler.h"
#include "engine/config/config.h"
#include "engine/model/alert.h"
#include "engine/rules/alert_state_snapshot.h"
#include "engine/rules/group.h"

namespace tocsin::rules {

// Receives alerts to notify about (firing, and resolved ones) with the evaluation time.
// The dispatcher's put() is one; called on the home thread.
using AlertSink = std::function<void(std::vector<Alert>, Timestamp now)>;
// Runs a task, now or later, on some thread.
using Executor = std::function<void(std::function<void()>)>;
// Runs the task at once on the calling thread (tests).
inline void run_inline(std::function<void()> f) { f(); }

struct ManagerOptions {
  std::string external_url;               // $externalURL and the alerts' generator URL
  Duration resend_delay = kDefaultResendDelay;
  Duration lookback_delta = 5 * kMinute;
  std::int64_t max_samples = 50'000'000;  // --query.max-samples, per rule evaluation
  Duration query_timeout = 2 * kMinute;   // --query.timeout, per rule evaluation; 0 = none
  bool compat_prometheus2 = false;
  bool ignore_unknown_fields = false;
};

// The part of the configuration the manager uses.
struct RulesConfig {
  std::vector<std::string> rule_files;  // globs; "<builtin>/NAME" for embedded files
  Duration evaluation_interval = kMinute;
  Duration rule_query_offset = 0;
  std::map<std::string, std::string> external_labels;
  bool compat_prometheus2 = false;  // `tocsin: {compat: prometheus2}`

  static RulesConfig from(const config::Config& cfg);
};

// Rule files read and validated, ready for apply().
struct LoadedRules {
  RulesConfig config;
  std::vector<RuleFile> files;
};

class Manager {
 public:
  Manager(RuleStorage storage, AlertSink sink, JobScheduler& scheduler,
          prometheus::Registry& registry, ManagerOptions options = {},
          Executor worker = run_inline, Executor home = run_inline);
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // Reads every rule file (blocking). Errors list every problem, one per line.
  static Result<LoadedRules> load(const RulesConfig& config, const ManagerOptions& options);
  // Swaps the loaded groups in (new groups get their first turn on their phase).
  void apply(LoadedRules rules);
  // load() + apply(); on error nothing changes.
  Status apply(const RulesConfig& config);

  // Takes every group off the scheduler (shutdown); an evaluation in flight still finishes.
  void stop();

  // Alert states saved before a restart: groups created by later apply() calls take theirs
  // (normally the first apply, at start-up).
  void restore(SavedAlertStates saved) { saved_ = std::move(saved); }
  // Changes whenever apply() may have changed some alert's state, or an evaluation changed what
  // the snapshot must keep of one (AlertingRule::state_signature; not the value or send times,
  // so a steady state is not re-encoded after every evaluation).
  std::uint64_t state_version() const { return state_version_; }
  // The snapshot body (alert_state_snapshot.h) of every group's alerts.
  std::string snapshot_alert_states() const;

  // The running groups in file and file order (snapshot; the groups stay valid while held).
  std::vector<std::shared_ptr<const Group>> groups() const;
  // Groups being evaluated right now.
  int running() const;

 private:
  struct Entry {
    std::shared_ptr<Group> group;
    JobId job = 0;
    bool running = false;
    std::shared_ptr<Group> copy_from;  // state to take over once that group's eval finishes
    std::uint64_t missed_reported = 0;
    std::uint64_t state_signature = 0;  // of the group's alerts after its last evaluation
  };
  struct GroupMetrics;

  JobId schedule(const std::string& key, Duration interval);
  void on_turn(const std::string& key, JobId id, Timestamp due);
  void report_missed(const std::string& key, Entry& e);
  void start(Entry& e, Timestamp due);
  void finish(const std::shared_ptr<Group>& g, GroupEvalResult r, Timestamp due);
  void update_alert_gauges();
  GroupMetrics& metrics_for(const std::string& key);
  void drop_metrics(const std::string& key);

  RuleStorage storage_;
  AlertSink sink_;
  ManagerOptions options_;
  Executor worker_;
  Executor home_;
  JobScheduler& scheduler_;
  Labels external_labels_;
  std::vector<std::string> order_;          // group keys in file order
  std::map<std::string, Entry> entries_;     // by "file;name"
  std::vector<std::shared_ptr<Group>> retiring_;  // removed while running
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  SavedAlertStates saved_;
  std::uint64_t state_version_ = 0;

  prometheus::Family<prometheus::Counter>& evaluations_;
  prometheus::Family<prometheus::Counter>& failures_;
  prometheus::Family<prometheus::Gauge>& last_duration_;
  prometheus::Family<prometheus::Counter>& missed_;
  prometheus::Family<prometheus::Counter>& iterations_;
  prometheus::Family<prometheus::Gauge>& alerts_;
  std::map<std::string, std::unique_ptr<GroupMetrics>> metrics_;
};

}  // namespace tocsin::rules
