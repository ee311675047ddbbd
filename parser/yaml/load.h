// Reading a YAML text into a yaml::Node tree.
//
// load() tries the block reader first (block_reader.h: the block-style subset rule files are
// written in, read in one pass) and hands anything outside that subset to yaml-cpp, whose tree
// is then copied. Either way the result is the tree yaml-cpp would give, positions included,
// and a syntax error is yaml-cpp's own message and mark. Only the first document is read.
#pragma once

#include <string>
#include <string_view>

#include <tl/expected.hpp>

#include "parser/yaml/node.h"

namespace YAML {
class Node;
}

namespace tocsin::yaml {

struct ParseError {
  Mark mark;
  std::string message;
};

// The first document of `text`; an empty or comment-only text is a null node.
tl::expected<Node, ParseError> load(std::string_view text);

// The same through yaml-cpp only (the fallback, and the reference in tests).
tl::expected<Node, ParseError> load_with_yaml_cpp(std::string_view text);

// A copy of a yaml-cpp tree, positions included.
Node from_yaml_cpp(const YAML::Node& node);

}  // namespace tocsin::yaml
