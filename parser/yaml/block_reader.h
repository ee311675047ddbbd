// The fast path of yaml::load: a one-pass reader for the block-style YAML that rule files are
// written in (block mappings and sequences, plain and single-line quoted scalars, literal and
// folded block scalars, comments).
//
// It either returns exactly the tree yaml-cpp would build, positions included, or gives up
// (nullopt) and yaml::load asks yaml-cpp. It gives up on anything outside the subset: flow
// collections, anchors, aliases, tags, directives, several documents, multi-line plain or
// quoted scalars, tabs, carriage returns, a text that does not end in a line break, and on
// every syntax error (so errors keep yaml-cpp's wording). tests/parser/yaml checks it against
// yaml-cpp on every rule file at hand and on generated and mutated documents.
#pragma once

#include <optional>
#include <string_view>

#include "parser/yaml/node.h"

namespace tocsin::yaml {

std::optional<Node> read_block_subset(std::string_view text);

}  // namespace tocsin::yaml
