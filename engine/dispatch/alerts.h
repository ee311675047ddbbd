// AlertStore: every alert dispatch knows, keyed by fingerprint — Alertmanager's provider/mem.
//
// The Dispatcher applies Alertmanager's API defaults (prepare_alert) and validates
// (validate_alert); put() merges an update into the stored alert when their activity ranges
// overlap (merge_alerts, types.Alert Merge). Stored alerts are compact, immutable and shared
// (SharedAlert, a StoredAlert): an update replaces the pointer, and the aggregation groups the
// alert was routed to hold the same object rather than copies.
// Resolved alerts stay until gc() removes them `resolved_retention` after their endsAt; the
// groups keep their reference, so removing an alert here never loses a pending resolved
// notification. The store is bounded by `limit` (--alerts.limit): a new fingerprint
// beyond it is rejected with kResourceExhausted; updates of stored alerts are always accepted.
//
// Owned by the Dispatcher; called on the I/O thread only. The free functions are pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <boost/unordered/unordered_flat_map.hpp>

#include "engine/common/result.h"
#include "engine/common/time.h"
#include "engine/dispatch/stored_alert.h"
#include "engine/model/alert.h"

namespace tocsin::dispatch {

// One stored version of an alert, shared by the store and the aggregation groups; never changed.
using SharedAlert = std::shared_ptr<const StoredAlert>;

// Alerts by fingerprint, as the store and each aggregation group index them: an open-addressing
// table (one array, no node per alert), so a lookup of 100k alerts is one or two cache lines
// rather than a chain of nodes, and growing it moves pairs rather than relinking nodes. Values
// move when it grows: hold a SharedAlert, never a reference into the table.
using AlertsByFingerprint = boost::unordered_flat_map<std::uint64_t, SharedAlert>;

// Fills what a sender may leave out, as POST /api/v2/alerts does: updated_at = now; a missing
// starts_at becomes ends_at (when set) or now; a missing ends_at becomes now + resolve_timeout
// with timeout = true. Labels with empty values are dropped by Labels itself.
Alert prepare_alert(Alert a, Timestamp now, Duration resolve_timeout);

// Alertmanager's model.Alert.Validate: start time set, end not before start, valid label names
// and UTF-8 values, at least one label, valid annotation names. The message names the alert.
Status validate_alert(const Alert& a);

// types.Alert.Merge: the newer update (by updated_at) wins, with the earliest starts_at; when the
// newer one is firing, a later non-timeout ends_at of the older one is kept; when both are
// resolved at `now`, the later ends_at wins.
Alert merge_alerts(const Alert& a, const Alert& b, Timestamp now);

// Whether an update `next` of stored alert `prev` overlaps its activity range (provider/mem's
// condition for merging rather than replacing).
bool overlaps(const Alert& prev, const Alert& next);
bool overlaps(const StoredAlert& prev, const Alert& next);

// What AlertStore::put did.
enum class PutOutcome {
  kChanged,    // a new alert, or one whose start, end guess (timeout) or resolution changed,
               // or whose end moved earlier
  kRefreshed,  // the same alert firing before and after with the same start, its end the same
               // or later: a sender's periodic re-send, which may carry new annotations (a
               // summary quoting $value) or a new generator URL; neither makes Alertmanager
               // notify again
};

struct AlertStoreOptions {
  std::size_t limit = 0;             // 0 = unbounded
  Duration resolved_retention = 0;   // keep resolved alerts this long after ends_at
};

class AlertStore {
 public:
  explicit AlertStore(AlertStoreOptions options = {}) : options_(options) {}

  // Stores `a` (already prepared and validated), merged with the stored alert when they overlap.
  // Returns the alert as stored, and in `outcome` (when given) what changed.
  Result<SharedAlert> put(const Alert& a, Timestamp now, PutOutcome* outcome = nullptr);

  // Puts a restored alert back as it was (no merge, no limit: it was accepted before).
  void restore(SharedAlert a) { alerts_.insert_or_assign(a->fingerprint(), std::move(a)); }

  // The stored alert, or null.
  SharedAlert get(std::uint64_t fingerprint) const;
  std::vector<Alert> list() const;
  // Calls f(const SharedAlert&) for each stored alert, in no particular order.
  template <typename F>
  void for_each(F&& f) const {
    for (const auto& [fp, a] : alerts_) f(a);
  }
  std::size_t size() const { return alerts_.size(); }

  // Removes alerts resolved at least `resolved_retention` before now; returns them.
  std::vector<SharedAlert> gc(Timestamp now);

  void set_options(AlertStoreOptions options) { options_ = options; }

 private:
  AlertStoreOptions options_;
  AlertsByFingerprint alerts_;
};

// Alertmanager's alert order (types.AlertSlice): by job, then instance (an alert with the label
// sorts before one without), then by label set (model.LabelSet.Before).
bool alert_less(const Alert& a, const Alert& b);
bool alert_less(const StoredAlert& a, const StoredAlert& b);
// model.LabelSet.Before: fewer labels first, then by the merged sorted names.
bool labels_before(const Labels& a, const Labels& b);
// model.LabelSet.String(): "name=\"value\"" strings sorted as strings, joined by ", ", in braces.
std::string go_labelset_string(const Labels& l);

}  // namespace tocsin::dispatch
