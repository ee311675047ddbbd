#include "engine/rules/rule_file.h"

#include <gtest/gtest.h>

namespace tocsin::rules {
namespace {

std::vector<std::string> errors_of(std::string_view text, RuleFileOptions o = {}) {
  auto r = parse_rule_file(text, "f.yml", o);
  std::vector<std::string> out;
  if (!r) {
    for (const auto& e : r.error()) out.push_back(e.to_string());
  }
  return out;
}

TEST(RuleFile, LoadsGroupsAndRules) {
  auto r = parse_rule_file(R"(groups:
  - name: g
    interval: 30s
    query_offset: 1m
    limit: 3
    labels: {team: a}
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
        labels: {team: b}
      - alert: Down
        expr: up == 0
        for: 5m
        keep_firing_for: 1m
        labels: {severity: page}
        annotations: {summary: "{{ $labels.job }} down"}
)", "f.yml");
  ASSERT_TRUE(r) << r.error()[0].to_string();
  ASSERT_EQ(r->groups.size(), 1u);
  const GroupSpec& g = r->groups[0];
  EXPECT_EQ(g.interval, 30 * kSecond);
  EXPECT_EQ(g.query_offset, kMinute);
  EXPECT_EQ(g.limit, 3);
  ASSERT_EQ(g.rules.size(), 2u);
  EXPECT_EQ(g.rules[0].labels.at("team"), "b");  // rule labels win over group labels
  EXPECT_EQ(g.rules[1].labels.at("team"), "a");
  EXPECT_EQ(g.rules[1].hold, 5 * kMinute);
  EXPECT_EQ(g.rules[1].keep_firing_for, kMinute);
  EXPECT_TRUE(g.rules[1].parsed);
  EXPECT_EQ(g.rules[1].expr_pos.line, 12);
  // The summary template was parsed with the file, for the rule to adopt; the plain label was not.
  ASSERT_TRUE(g.rules[1].templates);
  EXPECT_EQ(g.rules[1].templates->size(), 1u);
  ASSERT_EQ(g.rules[1].templates->count(template_name(true, "summary")), 1u);
  EXPECT_EQ(g.rules[1].templates->at("annotation:summary").front()->parse_name, "__alert_Down");
  EXPECT_FALSE(g.rules[0].templates);  // recording rules have none
}

TEST(RuleFile, ExprErrorPointsIntoTheFile) {
  // Plain scalar: column of the bad token inside the line.
  auto plain = errors_of("groups:\n- name: g\n  rules:\n  - record: x\n    expr: sum(up) by\n");
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_EQ(plain[0].rfind("f.yml:5:21: group \"g\", rule 1, \"x\": could not parse expression: 1:11:",
                           0),
            0u)
      << plain[0];
  // Double-quoted scalar: the quote shifts by one.
  auto dq = errors_of("groups:\n- name: g\n  rules:\n  - record: x\n    expr: \"up +\"\n");
  ASSERT_EQ(dq.size(), 1u);
  EXPECT_EQ(dq[0].substr(0, 11), "f.yml:5:16:");
  // Block scalar: the error is on the second content line.
  auto bl = errors_of(
      "groups:\n- name: g\n  rules:\n  - record: x\n    expr: |\n      sum(up)\n        + )\n");
  ASSERT_EQ(bl.size(), 1u);
  EXPECT_EQ(bl[0].substr(0, 11), "f.yml:7:12:") << bl[0];
}

TEST(RuleFile, ValidationErrorsAreAllCollected) {
  auto errs = errors_of(R"(groups:
  - name: g
    rules:
      - record: "bad name"
        expr: up
        for: 1m
        keep_firing_for: 1m
        annotations: {a: b}
      - alert: A
        record: b
        expr: up
      - expr: up
      - alert: B
        expr: up
        labels: {"0bad": x}
        annotations: {s: "{{ $nope }}"}
  - name: g
    rules: []
  - name: ""
    rules: []
    unknown: 1
)");
  std::string all;
  for (const auto& e : errs) all += e + "\n";
  for (const char* want : {
           "invalid field 'annotations' in recording rule",
           "invalid field 'for' in recording rule",
           "invalid field 'keep_firing_for' in recording rule",
           "invalid recording rule name: bad name",
           "only one of 'record' and 'alert' must be set",
           "one of 'record' or 'alert' must be set",
           "invalid label name: 0bad",
           "annotation \"s\": template: __alert_B:1:",
           "f.yml:17:5: groupname: \"g\" is repeated in the same file",
           "f.yml:19:5: Groupname must not be empty",
           "f.yml:21:5: field unknown not found in type rulefmt.RuleGroup",
       }) {
    EXPECT_NE(all.find(want), std::string::npos) << want << "\nin:\n" << all;
  }
}

TEST(RuleFile, IgnoreUnknownFields) {
  RuleFileOptions o;
  o.ignore_unknown_fields = true;
  EXPECT_TRUE(errors_of("groups:\n- name: g\n  owner: x\n  rules: []\n", o).empty());
  EXPECT_FALSE(errors_of("groups:\n- name: g\n  owner: x\n  rules: []\n").empty());
}

TEST(RuleFile, YamlErrorHasPosition) {
  auto errs = errors_of("groups:\n- name: [\n");
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].rfind("f.yml:", 0), 0u);
}

TEST(RuleFile, BuiltinFilesLoad) {
  auto r = load_rule_file("<builtin>/meta.rules.yml");
  ASSERT_TRUE(r) << r.error()[0].to_string();
  EXPECT_FALSE(r->groups.empty());
  EXPECT_FALSE(load_rule_file("<builtin>/nope.yml"));
}

}  // namespace
}  // namespace tocsin::rules
