// AST → canonical PromQL text (Prometheus' String()), static types, structural equality.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>

#include "engine/model/labels.h"
#include "parser/promql/detail/lexer.h"
#include "parser/promql/functions.h"
#include "parser/promql/parse.h"

namespace tocsin::promql {
namespace {

// Go's strconv.FormatFloat(v, 'f', -1, 64): shortest round-tripping digits, no exponent. One
// deliberate difference: +Inf prints as "Inf", because "+Inf ^ x" would re-parse as +(Inf ^ x).
std::string format_number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Inf" : "-Inf";
  char buf[512];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string(buf, res.ptr);
}

std::string label_name(const std::string& name) {
  return is_valid_label_name(name) ? name : detail::go_quote_string(name);
}

// A label in by/without/on/ignoring/group_left/group_right lists. Outside braces the lexer reads
// "inf" and "nan" (any case) as numbers, so those names are quoted as well.
std::string grouping_label_name(const std::string& name) {
  auto lower_is = [&](std::string_view word) {
    return name.size() == word.size() &&
           std::equal(name.begin(), name.end(), word.begin(), [](char a, char b) {
             return (a >= 'A' && a <= 'Z' ? static_cast<char>(a - 'A' + 'a') : a) == b;
           });
  };
  if (lower_is("inf") || lower_is("nan")) return detail::go_quote_string(name);
  return label_name(name);
}

std::string label_list(const std::vector<std::string>& labels) {
  std::string out;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ", ";
    out += grouping_label_name(labels[i]);
  }
  return out;
}

std::string at_string(const AtModifier& at) {
  switch (at.kind) {
    case AtModifier::Kind::kNone: return "";
    case AtModifier::Kind::kStart: return " @ start()";
    case AtModifier::Kind::kEnd: return " @ end()";
    case AtModifier::Kind::kTimestamp: {
      char buf[64];
      std::snprintf(buf, sizeof buf, " @ %.3f", static_cast<double>(at.timestamp) / 1000.0);
      return buf;
    }
  }
  return "";
}

std::string offset_string(Duration offset) {
  if (offset > 0) return " offset " + format_duration(offset);
  if (offset < 0) return " offset -" + format_duration(-offset);
  return "";
}

std::string matcher_string(const LabelMatcher& m) {
  return label_name(m.name) + to_string(m.type) + detail::go_quote_string(m.value);
}

// The selector without its @ and offset.
std::string selector_body(const VectorSelector& vs) {
  std::vector<std::string> parts;
  for (const LabelMatcher& m : vs.matchers) {
    if (m.name == kMetricName && m.type == MatchType::kEqual && m.value == vs.name &&
        !m.value.empty()) {
      continue;
    }
    parts.push_back(matcher_string(m));
  }
  std::sort(parts.begin(), parts.end());
  std::string out = vs.name;
  if (!parts.empty()) {
    out += '{';
    for (size_t i = 0; i < parts.size(); ++i) {
      if (i > 0) out += ',';
      out += parts[i];
    }
    out += '}';
  }
  // Only info()'s second argument may be empty; it prints as written.
  if (out.empty()) out = "{}";
  return out;
}

struct Printer {
  std::string operator()(const NumberLiteral& n) const { return format_number(n.value); }
  std::string operator()(const StringLiteral& n) const { return detail::go_quote_string(n.value); }
  std::string operator()(const VectorSelector& n) const {
    return selector_body(n) + at_string(n.at) + offset_string(n.offset);
  }
  std::string operator()(const MatrixSelector& n) const {
    const auto* vs = std::get_if<VectorSelector>(&n.vector_selector->node);
    if (!vs) return to_string(*n.vector_selector) + "[" + format_duration(n.range) + "]";
    return selector_body(*vs) + "[" + format_duration(n.range) + "]" + at_string(vs->at) +
           offset_string(vs->offset);
  }
  std::string operator()(const SubqueryExpr& n) const {
    std::string step = n.step != 0 ? format_duration(n.step) : "";
    return to_string(*n.expr) + "[" + format_duration(n.range) + ":" + step + "]" +
           at_string(n.at) + offset_string(n.offset);
  }
  std::string operator()(const Call& n) const {
    std::string out = n.func + "(";
    for (size_t i = 0; i < n.args.size(); ++i) {
      if (i > 0) out += ", ";
      out += to_string(*n.args[i]);
    }
    return out + ")";
  }
  std::string operator()(const AggregateExpr& n) const {
    std::string out = to_string(n.op);
    if (n.without) {
      out += " without (" + label_list(n.grouping) + ") ";
    } else if (!n.grouping.empty() || n.grouping_written) {
      out += " by (" + label_list(n.grouping) + ") ";
    }
    out += "(";
    if (n.param) out += to_string(*n.param) + ", ";
    if (n.expr) out += to_string(*n.expr);
    return out + ")";
  }
  std::string operator()(const BinaryExpr& n) const {
    std::string out = to_string(*n.lhs) + " " + to_string(n.op);
    if (n.return_bool) out += " bool";
    const VectorMatching& vm = n.matching;
    const bool grouped = vm.card == Cardinality::kManyToOne || vm.card == Cardinality::kOneToMany;
    if (!vm.matching_labels.empty() || vm.on || vm.matching_written || grouped) {
      out += vm.on ? " on (" : " ignoring (";
      out += label_list(vm.matching_labels) + ")";
    }
    if (grouped) {
      out += vm.card == Cardinality::kManyToOne ? " group_left (" : " group_right (";
      out += label_list(vm.include) + ")";
    }
    return out + " " + to_string(*n.rhs);
  }
  std::string operator()(const UnaryExpr& n) const {
    return (n.negate ? "-" : "+") + to_string(*n.expr);
  }
  std::string operator()(const ParenExpr& n) const { return "(" + to_string(*n.expr) + ")"; }
};

bool same(const ExprPtr& a, const ExprPtr& b) {
  if (!a || !b) return !a && !b;
  return equal_ignoring_positions(*a, *b);
}

bool same_matchers(std::vector<LabelMatcher> a, std::vector<LabelMatcher> b) {
  // Matchers are a set: the printer sorts them, so order does not matter.
  if (a.size() != b.size()) return false;
  auto key = [](const LabelMatcher& m) { return std::tie(m.name, m.type, m.value); };
  auto less = [&](const LabelMatcher& x, const LabelMatcher& y) { return key(x) < key(y); };
  std::sort(a.begin(), a.end(), less);
  std::sort(b.begin(), b.end(), less);
  return a == b;
}

struct Equal {
  bool operator()(const NumberLiteral& a, const NumberLiteral& b) const {
    return (std::isnan(a.value) && std::isnan(b.value)) || a.value == b.value;
  }
  bool operator()(const StringLiteral& a, const StringLiteral& b) const {
    return a.value == b.value;
  }
  bool operator()(const VectorSelector& a, const VectorSelector& b) const {
    return a.name == b.name && same_matchers(a.matchers, b.matchers) && a.offset == b.offset &&
           a.at == b.at;
  }
  bool operator()(const MatrixSelector& a, const MatrixSelector& b) const {
    return a.range == b.range && same(a.vector_selector, b.vector_selector);
  }
  bool operator()(const SubqueryExpr& a, const SubqueryExpr& b) const {
    return a.range == b.range && a.step == b.step && a.offset == b.offset && a.at == b.at &&
           same(a.expr, b.expr);
  }
  bool operator()(const Call& a, const Call& b) const {
    if (a.func != b.func || a.args.size() != b.args.size()) return false;
    for (size_t i = 0; i < a.args.size(); ++i) {
      if (!same(a.args[i], b.args[i])) return false;
    }
    return true;
  }
  bool operator()(const AggregateExpr& a, const AggregateExpr& b) const {
    return a.op == b.op && a.grouping == b.grouping && a.without == b.without &&
           a.grouping_written == b.grouping_written && same(a.param, b.param) &&
           same(a.expr, b.expr);
  }
  bool operator()(const BinaryExpr& a, const BinaryExpr& b) const {
    const VectorMatching& x = a.matching;
    const VectorMatching& y = b.matching;
    return a.op == b.op && a.return_bool == b.return_bool && x.card == y.card &&
           x.matching_labels == y.matching_labels && x.on == y.on &&
           x.matching_written == y.matching_written && x.include == y.include &&
           same(a.lhs, b.lhs) && same(a.rhs, b.rhs);
  }
  bool operator()(const UnaryExpr& a, const UnaryExpr& b) const {
    return a.negate == b.negate && same(a.expr, b.expr);
  }
  bool operator()(const ParenExpr& a, const ParenExpr& b) const { return same(a.expr, b.expr); }
  template <class A, class B>
  bool operator()(const A&, const B&) const {
    return false;
  }
};

}  // namespace

std::string to_string(const Expr& e) { return std::visit(Printer{}, e.node); }

ValueType type_of(const Expr& e) {
  struct Typer {
    ValueType operator()(const NumberLiteral&) const { return ValueType::kScalar; }
    ValueType operator()(const StringLiteral&) const { return ValueType::kString; }
    ValueType operator()(const VectorSelector&) const { return ValueType::kVector; }
    ValueType operator()(const MatrixSelector&) const { return ValueType::kMatrix; }
    ValueType operator()(const SubqueryExpr&) const { return ValueType::kMatrix; }
    ValueType operator()(const Call& c) const {
      const Function* f = find_function(c.func);
      return f ? f->return_type : ValueType::kNone;
    }
    ValueType operator()(const AggregateExpr&) const { return ValueType::kVector; }
    ValueType operator()(const BinaryExpr& b) const {
      return type_of(*b.lhs) == ValueType::kScalar && type_of(*b.rhs) == ValueType::kScalar
                 ? ValueType::kScalar
                 : ValueType::kVector;
    }
    ValueType operator()(const UnaryExpr& u) const { return type_of(*u.expr); }
    ValueType operator()(const ParenExpr& p) const { return type_of(*p.expr); }
  };
  return std::visit(Typer{}, e.node);
}

bool equal_ignoring_positions(const Expr& a, const Expr& b) {
  return std::visit(Equal{}, a.node, b.node);
}

}  // namespace tocsin::promql
