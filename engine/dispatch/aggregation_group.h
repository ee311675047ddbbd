// AggregationGroup: the alerts of one route that share the route's group_by label values
// (Alertmanager's aggrGroup), and when the group flushes next.
//
// Timing, as Alertmanager: the first flush is group_wait after the group was created — or at
// once when an alert arrives whose starts_at is more than group_wait ago and the group has not
// flushed yet (a restart or late delivery must not delay an old alert again); afterwards every
// group_interval. A flush snapshot shares the alerts as stored (the notification clears a firing
// alert's ends_at); after a flush that notified every integration, the resolved alerts sent are
// removed unless they changed meanwhile (delete_if_not_modified). The group shares the stored
// alerts (SharedAlert) with the AlertStore rather than copying them. The Dispatcher owns groups
// and drives their timers; the class itself reads no clock. I/O thread only.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/common/time.h"
#include "engine/dispatch/alerts.h"
#include "engine/dispatch/route.h"
#include "engine/model/alert.h"

namespace tocsin::dispatch {

// The alerts of a flush, shared with the store as they are (no copies): a firing alert keeps its
// stored ends_at here; the notification built from the batch clears it (as Alertmanager does).
struct FlushBatch {
  std::vector<SharedAlert> alerts;    // firing and resolved, in Alertmanager's order (alert_less)
  std::vector<SharedAlert> resolved;  // the resolved ones (for delete_if_not_modified)
};

class AggregationGroup {
 public:
  AggregationGroup(const Route* route, Labels labels, Timestamp created);

  const Route& route() const { return *route_; }
  void set_route(const Route* route) { route_ = route; }  // on reload, same route id
  const Labels& labels() const { return labels_; }
  const std::string& group_key() const { return key_; }
  bool has_flushed() const { return has_flushed_; }
  Timestamp next_flush() const { return next_flush_; }

  // Adds or replaces the alert. Returns true when this pulls the next flush forward to `now`.
  bool insert(SharedAlert a, Timestamp now);
  bool insert(const Alert& a, Timestamp now) { return insert(StoredAlert::make(a), now); }
  bool empty() const { return alerts_.empty(); }
  std::size_t size() const { return alerts_.size(); }
  // f(const SharedAlert&) for each alert of the group, in no particular order.
  template <typename F>
  void for_each(F&& f) const {
    for (const auto& [fp, a] : alerts_) f(a);
  }
  void remove(std::uint64_t fingerprint) { alerts_.erase(fingerprint); }

  // Marks a flush at `now` and schedules the next one group_interval later.
  void on_flush(Timestamp now);
  // A restored group's timing (state files).
  void restore_timing(bool has_flushed, Timestamp next_flush) {
    has_flushed_ = has_flushed;
    next_flush_ = next_flush;
  }
  FlushBatch snapshot(Timestamp now) const;
  // Removes each alert that is still exactly as it was sent (same updated_at).
  // Returns whether any alert was removed.
  bool delete_if_not_modified(const std::vector<SharedAlert>& sent);

 private:
  const Route* route_;
  Labels labels_;
  std::string key_;
  AlertsByFingerprint alerts_;
  bool has_flushed_ = false;
  Timestamp next_flush_ = 0;
};

}  // namespace tocsin::dispatch
