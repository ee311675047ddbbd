// A YAML document as the rule-file loader reads it: a tree of nulls, scalars, sequences and
// mappings, each with the position yaml-cpp would give it (so errors name the same line and
// column whichever reader built the tree).
//
// The tree owns its nodes by value. A mapping keeps its pairs in file order, duplicates
// included (the loader reports them); lookup by key finds the first. Built by yaml::load
// (load.h) and read-only afterwards.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tocsin::yaml {

// 0-based, as yaml-cpp's YAML::Mark; -1 when unknown. `pos` is a byte offset into the text.
struct Mark {
  int pos = -1;
  int line = -1;
  int column = -1;
  friend bool operator==(const Mark&, const Mark&) = default;
};

enum class NodeType : std::uint8_t { kUndefined, kNull, kScalar, kSequence, kMap };

class Node {
 public:
  Node() = default;
  Node(NodeType type, Mark mark) : type_(type), mark_(mark) {}

  NodeType type() const { return type_; }
  const Mark& mark() const { return mark_; }
  // False for the node lookup returns when a key is absent.
  bool defined() const { return type_ != NodeType::kUndefined; }
  explicit operator bool() const { return defined(); }
  bool is_null() const { return type_ == NodeType::kNull; }
  bool is_scalar() const { return type_ == NodeType::kScalar; }
  bool is_sequence() const { return type_ == NodeType::kSequence; }
  bool is_map() const { return type_ == NodeType::kMap; }

  // The text of a scalar, after quoting and folding are resolved; "" for other nodes.
  const std::string& scalar() const { return scalar_; }

  // A sequence's items.
  const std::vector<Node>& items() const { return children_; }
  // A mapping's pairs: key(i) and value(i) for i < pair_count().
  std::size_t pair_count() const { return children_.size() / 2; }
  const Node& key(std::size_t i) const { return children_[2 * i]; }
  const Node& value(std::size_t i) const { return children_[2 * i + 1]; }

  // The value of the first pair whose key is the scalar `k`; an undefined node when there is
  // none or this is not a mapping.
  const Node& operator[](std::string_view k) const;

  // Building (the readers in this folder).
  std::string& mutable_scalar() { return scalar_; }
  std::vector<Node>& mutable_children() { return children_; }

  // Same type, text, position and children, recursively (the readers' differential tests).
  friend bool operator==(const Node&, const Node&) = default;

 private:
  NodeType type_ = NodeType::kUndefined;
  Mark mark_;
  std::string scalar_;
  std::vector<Node> children_;  // sequence: items; mapping: key, value, key, value, ...
};

// One line per node, indented by depth: "map @line:column", "scalar @l:c \"text\"" ... Used by
// tests to show where two trees differ.
std::string debug_string(const Node& node);

}  // namespace tocsin::yaml
