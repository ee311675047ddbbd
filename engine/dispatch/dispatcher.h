// Dispatcher: the Alertmanager half of tocsin — alerts in, notifications out.
//
// put() is the AlertSink the rule manager (and POST /api/v2/alerts) calls: alerts are prepared
// and validated as Alertmanager's API does, stored (AlertStore), fed to the Inhibitor's index,
// routed through the Route tree and added to AggregationGroups. Each group flushes on its own
// timer (Scheduler), and a flush runs the notification pipeline (flush() in dispatcher.cpp, one
// function that reads as a list, in Alertmanager's order):
//   inhibit → active_time_intervals → mute_time_intervals → silence →
//   per integration of the receiver: dedup (needs_update + NotificationLog) → retry with
//   exponential backoff, jitter and Retry-After → Notifier::notify() → log on success.
// Retries are not cut off at group_interval: each receiver has a RetryPolicy (max attempts, max
// duration). A delivery that fails permanently or exhausts its policy becomes a DeadLetter (kept
// in memory, passed to a hook) and, when the route has `fallback_receiver`, goes there once.
// While an integration's delivery for a group is still retrying, later flushes skip that
// integration (and keep the group's resolved alerts for a later flush).
//
// Ownership: the Dispatcher owns the alert store, the route tree, the groups, the inhibitor and
// the notifiers (built by the NotifierFactory for each receiver); it uses, but does not own, the
// Silences and the NotificationLog (the app persists them) and the Scheduler.
// Thread contract: everything — put(), the queries, apply_config() and the scheduled callbacks —
// runs on one thread, the I/O thread (tests: the thread stepping a ManualScheduler).
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

#include "engine/common/result.h"
#include "engine/common/time.h"
#include "engine/config/config.h"
#include "engine/dispatch/aggregation_group.h"
#include "engine/dispatch/alerts.h"
#include "engine/dispatch/dispatch_snapshot.h"
#include "engine/dispatch/inhibitor.h"
#include "engine/dispatch/nflog.h"
#include "engine/dispatch/route.h"
#include "engine/dispatch/scheduler.h"
#include "engine/dispatch/silence.h"
#include "engine/dispatch/time_interval.h"
#include "notifiers/notifier.h"

namespace prometheus {
class Registry;
class Counter;
class Gauge;
template <typename T>
class Family;
}  // namespace prometheus

namespace tocsin::dispatch {

// Builds the integrations of one receiver, in config order.
using NotifierFactory =
    std::function<std::vector<std::unique_ptr<notifiers::Notifier>>(const config::Receiver&)>;

struct RetryPolicy {
  Duration initial_backoff = 500;        // first retry after ~500ms (Alertmanager's backoff)
  double multiplier = 1.5;
  Duration max_backoff = kMinute;
  double jitter = 0.5;                   // ± fraction of the delay, randomised
  int max_attempts = 0;                  // 0 = unlimited (bounded by max_duration)
  Duration max_duration = kHour;         // 0 = unlimited (bounded by max_attempts)
};

// Delay before retry number `attempt` (1 = the first retry), `random01` in [0, 1).
Duration retry_backoff(const RetryPolicy& p, int attempt, double random01);

struct DeadLetter {
  Timestamp at = 0;
  std::string receiver;
  std::string integration;
  int integration_index = 0;
  std::string group_key;
  std::vector<Alert> alerts;
  std::string error;
  int attempts = 0;
};

struct DispatcherOptions {
  std::size_t alerts_limit = 0;            // --alerts.limit; 0 = unbounded
  std::size_t max_aggregation_groups = 0;  // 0 = unbounded
  Duration resolved_retention = 0;         // keep resolved alerts in the store this long
  Duration maintenance_interval = 30 * kSecond;  // empty groups, GC, gauges
  std::string external_url;
  RetryPolicy retry;
  std::map<std::string, RetryPolicy> receiver_retry;  // per receiver name
  std::size_t dead_letter_capacity = 1000;
  // Notification requests in flight at once per integration (one receiver's webhook_configs[i],
  // ...); further deliveries wait in order (gauge tocsin_notifications_queued). When every group
  // flushes at once this bounds the request bodies and connection buffers alive. 0 = unbounded.
  std::size_t max_inflight_per_integration = 128;
  // Deliveries waiting per integration (--notifications.queue-limit); 0 = unbounded. A group has
  // at most one delivery per integration at a time (later flushes wait for it) and fallback
  // deliveries are coalesced per (group, integration), so the queue is bounded by groups ×
  // integrations anyway; past this limit a flush defers the integration instead of queueing
  // (tocsin_notifications_deferred_total): the group keeps its alerts and its next flush sends
  // the newest state. No accepted alert is dropped.
  std::size_t queue_limit_per_integration = 10000;
  std::function<double()> random;  // [0, 1) for jitter; default: a seeded PRNG
  // Bits of the group index's hash kept (64 in use). Tests lower it so that groups share index
  // slots and the lookup's chain of same-hash groups is exercised.
  unsigned group_index_hash_bits = 64;
};

// An alert as the API shows it.
struct AlertStatus {
  Alert alert;
  std::vector<std::string> receivers;
  std::vector<std::string> silenced_by;
  std::vector<std::string> inhibited_by;
  bool suppressed() const { return !silenced_by.empty() || !inhibited_by.empty(); }
};

struct GroupStatus {
  Labels labels;
  std::string receiver;
  std::string group_key;
  std::vector<AlertStatus> alerts;  // not resolved at `now`
};

class Dispatcher {
 public:
  // REQUIRES: `config` is valid (from load_config); fails when a time zone cannot be loaded.
  static Result<std::unique_ptr<Dispatcher>> create(const config::Config& config,
                                                    DispatcherOptions options,
                                                    Scheduler& scheduler, NotifierFactory factory,
                                                    Silences& silences, NotificationLog& nflog,
                                                    prometheus::Registry& registry);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Applies a new configuration. Groups whose route id still exists keep their alerts and
  // timers (their options follow the new route); alerts are re-routed; notifiers are rebuilt.
  // On error nothing changes.
  Status apply_config(const config::Config& config);

  // The AlertSink: prepares, validates and routes the alerts. Valid alerts are accepted even
  // when others in the batch are not; the error names every rejected alert ("; "-joined).
  Status put_alerts(std::vector<Alert> alerts, Timestamp now);
  // Alerts over --alerts.limit are refused (kResourceExhausted), counted in
  // tocsin_alerts_limited_total, and the message says how many. put() is the rules' sink: what
  // it cannot accept is logged (the metric counts it too).
  void put(std::vector<Alert> alerts, Timestamp now);

  // Queries for the API, computed at `now`.
  std::vector<AlertStatus> alerts(Timestamp now) const;
  std::vector<GroupStatus> groups(Timestamp now) const;
  AlertStatus status_of(const Alert& a, Timestamp now) const;
  const config::Config& config() const { return *config_; }
  const Route& route_tree() const { return *route_; }
  std::size_t group_count() const { return groups_.size(); }

  const std::deque<DeadLetter>& dead_letters() const { return dead_letters_; }
  void set_dead_letter_hook(std::function<void(const DeadLetter&)> hook) {
    dead_letter_hook_ = std::move(hook);
  }

  // Cancels every timer; in-flight notifications complete into nothing.
  void stop();

  // State that survives a restart (the app writes it under --storage.path, kind
  // kDispatchStateKind): the stored alerts and the aggregation groups with their alerts, whether
  // they have flushed, when they flush next, and whether a delivery was still unconfirmed.
  // state_version() changes with every change a restart must see at once: alerts that arrive,
  // change, resolve or go, groups that appear, flush for the first time or go, deliveries that
  // start or end. refresh_version() changes with what a restart can take from a snapshot a
  // little older: a firing alert sent again with its start and a later end (rules send firing
  // alerts again every resend_delay, Prometheus every minute; its annotations may have changed,
  // which notifies no one), and a group's next flush moving on by group_interval. A snapshot
  // missing such refreshes restores a firing alert with an end still minutes ahead and the
  // annotations it had, and a group whose next flush has passed flushes at once, the
  // notification log keeping what was already sent from being sent again.
  std::uint64_t state_version() const { return state_version_; }
  std::uint64_t refresh_version() const { return refresh_version_; }
  // Pointers to the stored alerts and the groups' timing; encode it on a worker.
  std::shared_ptr<const DispatchSnapshot> snapshot(Timestamp now) const;
  std::string snapshot_state(Timestamp now) const { return snapshot(now)->encode(); }
  // Restores a snapshot into a dispatcher that has no alerts yet: groups whose route id still
  // exists keep their timers (a group due in the past, or with an unconfirmed delivery, flushes
  // at once; the notification log decides what is sent again); alerts are routed again. Alerts
  // are restored even over --alerts.limit (they were accepted). An alert still firing when the
  // snapshot was taken gets its end moved by the time tocsin was down, so its sender has the
  // window it had to send it again: a restart never resolves a firing alert. On a decoding
  // error nothing is restored.
  Status restore_state(std::string_view body, Timestamp now);

 private:
  struct Group;
  struct Delivery;
  struct FlushState;
  struct Metrics;

  Dispatcher(DispatcherOptions options, Scheduler& scheduler, NotifierFactory factory,
             Silences& silences, NotificationLog& nflog, prometheus::Registry& registry);

  void route_alert(const SharedAlert& a, const Labels& labels, Timestamp now);
  void add_to_group(const SharedAlert& a, const Labels& labels, const Route& route, Timestamp now);
  // Rebuilds group_index_ from groups_ (after groups were removed or routes replaced).
  void reindex_groups();
  void index_group(std::uint64_t hash, Group* g);
  std::uint64_t index_hash(std::uint64_t h) const {
    const unsigned bits = options_.group_index_hash_bits;
    return bits >= 64 ? h : h & ((std::uint64_t{1} << bits) - 1);
  }
  void schedule_flush(const std::shared_ptr<Group>& g);
  void on_group_timer(const std::shared_ptr<Group>& g);
  void flush(const std::shared_ptr<Group>& g, Timestamp now);
  // Starts the delivery, or queues it behind its integration's in-flight limit.
  void deliver(std::shared_ptr<Delivery> d);
  void start(std::shared_ptr<Delivery> d);
  // An attempt of integration `n` finished: starts queued deliveries while there is room.
  void release(const notifiers::Notifier* n);
  void on_delivery_result(const std::shared_ptr<Delivery>& d, notifiers::NotifyResult r);
  void dead_letter(const Delivery& d, const std::string& error);
  void maintenance();
  const RetryPolicy& retry_policy(const std::string& receiver) const;
  std::vector<std::shared_ptr<notifiers::Notifier>>* integrations(const std::string& receiver);

  DispatcherOptions options_;
  Scheduler& scheduler_;
  NotifierFactory factory_;
  Silences& silences_;
  Silencer silencer_;
  NotificationLog& nflog_;
  std::unique_ptr<Metrics> metrics_;

  std::shared_ptr<const config::Config> config_;
  std::unique_ptr<Route> route_;
  std::unique_ptr<Inhibitor> inhibitor_;
  TimeIntervals time_intervals_;
  std::map<std::string, std::vector<std::shared_ptr<notifiers::Notifier>>> notifiers_;

  AlertStore store_;
  // (route id, group labels) → group: owns the groups, in the API's order.
  std::map<std::pair<std::string, Labels>, std::shared_ptr<Group>> groups_;
  // Hash of (route, group labels) → group, for put()'s lookup without building the key; groups
  // with the same hash are chained through Group::next_same_hash.
  boost::unordered_flat_map<std::uint64_t, Group*> group_index_;
  std::deque<DeadLetter> dead_letters_;
  std::function<void(const DeadLetter&)> dead_letter_hook_;
  TimerId maintenance_timer_ = 0;
  std::uint64_t state_version_ = 0;
  std::uint64_t refresh_version_ = 0;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  struct Lane {  // one integration's deliveries
    std::size_t inflight = 0;
    std::deque<std::shared_ptr<Delivery>> queued;
    bool draining = false;
  };
  std::unordered_map<const notifiers::Notifier*, Lane> lanes_;
  // Fallback deliveries waiting or retrying, by fallback receiver key and group key: a newer
  // failure of the same group updates the waiting one instead of queueing another.
  std::map<std::string, std::weak_ptr<Delivery>> fallbacks_;
  // Whether the integration's queue is at queue_limit_per_integration.
  bool queue_full(const notifiers::Notifier* n) const;
};

}  // namespace tocsin::dispatch
