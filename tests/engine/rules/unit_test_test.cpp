#include "engine/rules/unit_test.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace tocsin::rules {
namespace {

namespace fs = std::filesystem;

struct Run {
  int code;
  std::string out, err;
  TestRulesCounts counts;
};

Run run(const std::vector<std::string>& files, TestRulesOptions o = {}) {
  std::ostringstream out, err;
  Run r;
  r.code = test_rules(files, o, out, err, &r.counts);
  r.out = out.str();
  r.err = err.str();
  return r;
}

std::string write(const std::string& name, const std::string& text) {
  fs::path p = fs::path(::testing::TempDir()) / name;
  std::ofstream(p) << text;
  return p.string();
}

TEST(TestRules, ExamplesPass) {
  fs::path dir = fs::path(TOCSIN_SOURCE_DIR) / "rules" / "examples";
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().string().ends_with(".test.yml")) files.push_back(e.path().string());
  }
  ASSERT_GE(files.size(), 5u);
  auto r = run(files);
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(r.counts.failed, 0);
  EXPECT_GE(r.counts.passed, 12);
}

TEST(TestRules, BuiltinMetaRulesPass) {
  auto r = run({"<builtin>/meta.rules.test.yml"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_GE(r.counts.passed, 1);
}

const char* kRules = R"(groups:
- name: g
  rules:
  - alert: Down
    expr: up == 0
    labels: {severity: page}
    annotations:
      summary: "{{ $labels.instance }} down since {{ $value }}"
      runbook: "https://runbooks/{{ $labels.job }}"
)";

TEST(TestRules, FailureOutputLikePromtool) {
  write("fo.rules.yml", kRules);
  auto t = write("fo.test.yml", R"(rule_files: [fo.rules.yml]
tests:
- name: wrong
  interval: 1m
  input_series:
  - series: 'up{job="j", instance="i"}'
    values: "0 0"
  alert_rule_test:
  - eval_time: 1m
    alertname: Down
    exp_alerts: []
  promql_expr_test:
  - expr: up
    eval_time: 1m
    exp_samples:
    - labels: 'up{job="j", instance="i"}'
      value: 1
)");
  auto r = run({t});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("  FAILED:\n    name: wrong,\n    alertname: Down, time: 1m, \n"
                       "        exp:[], \n        got:[\n            0:\n"
                       "              Labels:{alertname=\"Down\", instance=\"i\", job=\"j\", "
                       "severity=\"page\"}"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("    expr: \"up\", time: 1m,\n        exp: {__name__=\"up\", instance=\"i\", "
                       "job=\"j\"} 1E+00\n        got: {__name__=\"up\", instance=\"i\", "
                       "job=\"j\"} 0E+00"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.out.find("0 passed, 1 failed"), std::string::npos);
}

TEST(TestRules, SubsetAndRegexExtensions) {
  write("ext.rules.yml", kRules);
  auto t = write("ext.test.yml", R"(rule_files: [ext.rules.yml]
tests:
- name: subset
  interval: 1m
  match: subset
  input_series:
  - series: 'up{job="j", instance="i"}'
    values: "0 0"
  alert_rule_test:
  - eval_time: 1m
    alertname: Down
    exp_alerts:
    - exp_labels: {instance: i}
      exp_annotations: {summary: '~"i down since [0-9]+"'}
- name: exact fails without all labels
  interval: 1m
  input_series:
  - series: 'up{job="j", instance="i"}'
    values: "0 0"
  alert_rule_test:
  - eval_time: 1m
    alertname: Down
    exp_alerts:
    - exp_labels: {instance: i}
- name: regex that does not match
  interval: 1m
  match: subset
  input_series:
  - series: 'up{job="j", instance="i"}'
    values: "0 0"
  alert_rule_test:
  - eval_time: 1m
    alertname: Down
    exp_alerts:
    - exp_annotations: {summary: '~"x.*"'}
)");
  auto r = run({t});
  EXPECT_EQ(r.counts.passed, 1) << r.err;
  EXPECT_EQ(r.counts.failed, 2);
  TestRulesOptions o;
  o.run = {"^subset$"};
  auto only = run({t}, o);
  EXPECT_EQ(only.code, 0) << only.err;
  EXPECT_EQ(only.counts.passed, 1);
  EXPECT_EQ(only.counts.failed, 0);
}

TEST(TestRules, JunitAndDiff) {
  write("ju.rules.yml", kRules);
  auto t = write("ju.test.yml", R"(rule_files: [ju.rules.yml]
tests:
- name: ok
  interval: 1m
  promql_expr_test:
  - expr: vector(1)
    eval_time: 0s
    exp_samples: [{value: 1}]
- name: bad <one>
  interval: 1m
  promql_expr_test:
  - expr: vector(1)
    eval_time: 0s
    exp_samples: [{value: 2}]
)");
  TestRulesOptions o;
  o.junit_file = (fs::path(::testing::TempDir()) / "junit.xml").string();
  o.diff = true;
  auto r = run({t}, o);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("        - {} 2E+00"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("        + {} 1E+00"), std::string::npos) << r.err;
  std::ifstream in(o.junit_file);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_NE(ss.str().find("tests=\"2\" failures=\"1\""), std::string::npos) << ss.str();
  EXPECT_NE(ss.str().find("name=\"bad &lt;one&gt;\""), std::string::npos) << ss.str();
}

TEST(TestRules, UnknownFieldInTestFileFails) {
  auto t = write("uk.test.yml", "tests:\n- name: x\n  intervall: 1m\n");
  auto r = run({t});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("field intervall not found in type testGroup"), std::string::npos);
}

}  // namespace
}  // namespace tocsin::rules

namespace tocsin::rules {
namespace {

const char* kNotificationTestFile = R"(rule_files: [nt_rules.yml]
tests:
  - name: with notifications
    input_series:
      - series: 'up{job="a"}'
        values: '0x5'
    notification_tests:
      - eval_time: 5m
        config: am.yml
        exp_notifications: [{receiver: x}]
)";

// notification_tests need the dispatcher: without a hook the group fails saying so, and a hook
// gets the group's context and the section.
TEST(TestRules, NotificationTestsGoToTheHook) {
  write("nt_rules.yml", kRules);
  auto file = write("nt.test.yml", kNotificationTestFile);
  auto r = run({file});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("notification_tests: not supported by this runner"), std::string::npos)
      << r.err;

  TestRulesOptions o;
  TestGroupContext seen;
  size_t items = 0;
  o.notification_tests = [&](const TestGroupContext& ctx, const YAML::Node& node) {
    seen = ctx;
    items = node.size();
    return std::vector<std::string>{"    hook failure"};
  };
  r = run({file}, o);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("hook failure"), std::string::npos) << r.err;
  EXPECT_EQ(items, 1u);
  EXPECT_EQ(seen.group_name, "with notifications");
  EXPECT_EQ(seen.test_file, file);
  ASSERT_EQ(seen.rule_files.size(), 1u);
  EXPECT_TRUE(seen.rule_files[0].ends_with("nt_rules.yml"));
  ASSERT_EQ(seen.input_series.size(), 1u);
  EXPECT_EQ(seen.input_series[0].second, "0x5");
  EXPECT_EQ(seen.interval, kMinute);

  o.notification_tests = [](const TestGroupContext&, const YAML::Node&) {
    return std::vector<std::string>{};
  };
  r = run({file}, o);
  EXPECT_EQ(r.code, 0) << r.err;
}

}  // namespace
}  // namespace tocsin::rules
