// Rule-file splitting: one rule file cut into one part per group, so that the groups of a big
// file can be parsed on several threads at start-up (YAML parsing is most of a start).
//
// A part is itself a rule file: the file's lines up to and including `groups:`, then as many
// empty lines as stood between that line and the group, then the group's own lines verbatim,
// then one end-marker group. A group therefore has the same line and column in its part as in the
// whole file, and parsing the part gives the group exactly as parsing the whole file would. The
// end marker shows that the part was not cut inside something still open (it is swallowed by an
// unterminated quoted scalar or breaks a flow collection).
//
// Only plainly laid-out files are split: `groups:` (alone on its line, a comment allowed) is the
// first and only top-level key, every line at the groups' indentation starts a new `- ` item, and
// the file has no carriage return. Anything else (flow style, several documents, other top-level
// keys) is not split. Constructs that would be cut in two (an anchor used by a later group, a
// quoted scalar running over a group boundary) make a part fail to parse; join_rule_group_parts
// then declines, and the caller parses the whole file, which also gives every error in file order.
// Pure functions of their input; any thread may call them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/rules/rule_file.h"

namespace tocsin::rules {

// The parts of `text`, one per group in file order; empty when the file is not split (not plainly
// laid out, or fewer than two groups).
std::vector<std::string> split_rule_groups(std::string_view text);

// The whole file from its parts' results (in order): its groups, when every part parsed to one
// named group followed by its end marker and no name repeats. nullopt otherwise: the caller parses the whole file.
std::optional<RuleFile> join_rule_group_parts(std::string_view path,
                                              std::vector<RuleFileResult>& parts);

}  // namespace tocsin::rules
