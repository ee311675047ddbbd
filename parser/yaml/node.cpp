#include "parser/yaml/node.h"

namespace tocsin::yaml {

const Node& Node::operator[](std::string_view k) const {
  static const Node kUndefinedNode;
  if (type_ != NodeType::kMap) return kUndefinedNode;
  for (std::size_t i = 0; i + 1 < children_.size(); i += 2) {
    if (children_[i].type_ == NodeType::kScalar && children_[i].scalar_ == k) {
      return children_[i + 1];
    }
  }
  return kUndefinedNode;
}

namespace {

void debug_append(const Node& n, int depth, std::string& out) {
  out.append(static_cast<std::size_t>(depth) * 2, ' ');
  switch (n.type()) {
    case NodeType::kUndefined: out += "undefined"; break;
    case NodeType::kNull: out += "null"; break;
    case NodeType::kScalar: out += "scalar"; break;
    case NodeType::kSequence: out += "seq"; break;
    case NodeType::kMap: out += "map"; break;
  }
  out += " @" + std::to_string(n.mark().line) + ":" + std::to_string(n.mark().column) + "+" +
         std::to_string(n.mark().pos);
  if (n.is_scalar()) {
    out += " \"";
    for (char c : n.scalar()) {
      if (c == '\n') {
        out += "\\n";
      } else if (c == '"' || c == '\\') {
        out += '\\';
        out += c;
      } else {
        out += c;
      }
    }
    out += '"';
  }
  out += '\n';
  if (n.is_sequence()) {
    for (const Node& c : n.items()) debug_append(c, depth + 1, out);
  } else if (n.is_map()) {
    for (std::size_t i = 0; i < n.pair_count(); ++i) {
      debug_append(n.key(i), depth + 1, out);
      debug_append(n.value(i), depth + 2, out);
    }
  }
}

}  // namespace

std::string debug_string(const Node& node) {
  std::string out;
  debug_append(node, 0, out);
  return out;
}

}  // namespace tocsin::yaml
