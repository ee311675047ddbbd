// Alert state snapshots: the alerts of every alerting rule (pending, firing, and resolved ones
// still to be re-sent), saved under --storage.path so that `for:` and keep_firing_for resume
// after a restart or a kill -9 — an alert firing before goes on firing without turning pending
// again, a pending one keeps its activeAt, a resolved one still gets its resolved notification.
//
// The Manager encodes on its home thread (each rule's alerts are copied under that rule's lock)
// and the engine writes the framed file off the I/O thread (engine/common/state_file.h). At
// start-up the decoded snapshot is handed to the Manager before the first apply(); each group
// takes the alerts saved for it, matched by group (file and name) and by rule identity (name and
// labels, in order, as a reload matches rules). Rules or groups that no longer exist lose their
// saved alerts. Pure functions; any thread.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/common/result.h"
#include "engine/rules/alert_state.h"

namespace tocsin::rules {

class Group;

inline constexpr std::string_view kAlertStateKind = "alerts";
inline constexpr int kAlertStateVersion = 1;

// The saved alerts of one group: for each rule identity, the alerts of each rule with that
// identity in file order.
struct SavedGroupAlerts {
  std::map<std::string, std::vector<std::vector<ActiveAlert>>> by_rule;
};
// By group key "file;name".
using SavedAlertStates = std::map<std::string, SavedGroupAlerts>;

// JSON body of the snapshot of these groups.
std::string encode_alert_states(const std::vector<std::shared_ptr<const Group>>& groups);
// Parses a body written by encode_alert_states; kInvalidArgument on malformed content.
Result<SavedAlertStates> decode_alert_states(std::string_view body);

}  // namespace tocsin::rules
