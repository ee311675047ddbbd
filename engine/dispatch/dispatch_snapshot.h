// DispatchSnapshot: the dispatcher's state as it survives a restart (dispatch.state under
// --storage.path): the stored alerts, and the aggregation groups with their alerts, whether they
// have flushed, when they flush next, and whether a delivery was still unconfirmed.
//
// The Dispatcher takes one on the I/O thread (Dispatcher::snapshot: pointers to the immutable
// stored alerts and copies of the groups' timing, no alert copied); encode() then runs on a
// blocking worker, streaming the body piece by piece into the state file (write_state_streamed),
// so no second copy of 100k alerts is ever built in memory. encode() produces the same bytes
// each time. decode() reads a body back, sharing each alert between the store and the groups
// that held the same object.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/common/result.h"
#include "engine/common/time.h"
#include "engine/dispatch/alerts.h"
#include "engine/model/labels.h"

namespace tocsin::dispatch {

inline constexpr std::string_view kDispatchStateKind = "dispatch";
inline constexpr int kDispatchStateVersion = 1;

struct DispatchSnapshot {
  struct Group {
    std::string route_id;
    Labels labels;
    bool has_flushed = false;
    Timestamp next_flush = 0;
    bool unconfirmed = false;  // a delivery was in flight or retrying
    std::vector<SharedAlert> alerts;
  };
  Timestamp taken_at = 0;
  std::vector<SharedAlert> store;
  std::vector<Group> groups;

  // Body: taken_at, a table of the distinct alerts (the store's, then those only a group holds),
  // the store as indexes into the table, then each group with its alerts as indexes.
  void encode(const std::function<void(std::string_view)>& sink) const;
  std::string encode() const;
  // An alert still firing at taken_at gets its end moved by (now - taken_at): its sender has
  // the window it had to send it again, so a restart never resolves a firing alert.
  static Result<DispatchSnapshot> decode(std::string_view body, Timestamp now);
};

// How old a written dispatch state may grow in refreshes alone (Dispatcher::refresh_version):
// rules send a firing alert again every resend_delay (1m) with an end 4 × max(resend_delay,
// interval) ahead, so a state this much behind still restores it firing with minutes to spare.
inline constexpr Duration kDispatchRefreshPersistInterval = 30 * 1000;

// What the last write of the dispatch state held: the dispatcher's versions and when.
struct DispatchStateMarks {
  std::uint64_t state_version = 0;
  std::uint64_t refresh_version = 0;
  Timestamp written_at = 0;
};

// Whether the dispatch state should be written now: when its state_version moved since
// `written` (at once: alerts that came, changed or went); when only its refresh_version moved,
// once `written` is kDispatchRefreshPersistInterval old, or on shutdown (`final`).
inline bool dispatch_state_due(std::uint64_t state_version, std::uint64_t refresh_version,
                               const DispatchStateMarks& written, Timestamp now, bool final) {
  if (state_version != written.state_version) return true;
  if (refresh_version == written.refresh_version) return false;
  return final || now - written.written_at >= kDispatchRefreshPersistInterval;
}

}  // namespace tocsin::dispatch
