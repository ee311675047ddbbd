#include "parser/yaml/load.h"

#include <yaml-cpp/yaml.h>

#include "parser/yaml/block_reader.h"

namespace tocsin::yaml {

Node from_yaml_cpp(const YAML::Node& node) {
  const YAML::Mark m = node.Mark();
  const Mark mark{m.pos, m.line, m.column};
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
      return Node(NodeType::kUndefined, mark);
    case YAML::NodeType::Null:
      return Node(NodeType::kNull, mark);
    case YAML::NodeType::Scalar: {
      Node out(NodeType::kScalar, mark);
      out.mutable_scalar() = node.Scalar();
      return out;
    }
    case YAML::NodeType::Sequence: {
      Node out(NodeType::kSequence, mark);
      out.mutable_children().reserve(node.size());
      for (const auto& item : node) out.mutable_children().push_back(from_yaml_cpp(item));
      return out;
    }
    case YAML::NodeType::Map: {
      Node out(NodeType::kMap, mark);
      out.mutable_children().reserve(2 * node.size());
      for (const auto& kv : node) {
        out.mutable_children().push_back(from_yaml_cpp(kv.first));
        out.mutable_children().push_back(from_yaml_cpp(kv.second));
      }
      return out;
    }
  }
  return Node();
}

tl::expected<Node, ParseError> load_with_yaml_cpp(std::string_view text) {
  try {
    YAML::Node root = YAML::Load(std::string(text));
    // An empty document: yaml-cpp gives a null (or undefined) node; either reads as null.
    if (!root.IsDefined()) return Node(NodeType::kNull, Mark{});
    return from_yaml_cpp(root);
  } catch (const YAML::Exception& e) {
    return tl::unexpected(ParseError{Mark{e.mark.pos, e.mark.line, e.mark.column}, e.msg});
  }
}

tl::expected<Node, ParseError> load(std::string_view text) {
  if (std::optional<Node> fast = read_block_subset(text)) return std::move(*fast);
  return load_with_yaml_cpp(text);
}

}  // namespace tocsin::yaml
