// `tocsin routes test --file` and `tocsin routes diff`, run through the built binary with real
// configuration and case files.
#include <gtest/gtest.h>

#include <string>

#include "tests/support/subprocess.h"

namespace tocsin::testing {
namespace {

constexpr const char* kConfig = R"(route:
  receiver: default
  group_by: [alertname]
  routes:
    - matchers: [severity="critical"]
      receiver: oncall
      group_by: [alertname, cluster]
      continue: true
    - matchers: [severity=~"critical|warning"]
      receiver: slack
    - matchers: [team="db"]
      receiver: db
inhibit_rules:
  - source_matchers: [severity="critical"]
    target_matchers: [severity="warning"]
    equal: [cluster]
receivers:
  - name: default
  - name: oncall
  - name: slack
  - name: db
)";

// The same tree, except: warnings go to the db team as well, critical alerts group by service,
// and inhibition now needs the same alertname too.
constexpr const char* kNewConfig = R"(route:
  receiver: default
  group_by: [alertname]
  routes:
    - matchers: [severity="critical"]
      receiver: oncall
      group_by: [alertname, service]
      continue: true
    - matchers: [severity=~"critical|warning"]
      receiver: slack
      continue: true
    - matchers: [team="db"]
      receiver: db
inhibit_rules:
  - source_matchers: [severity="critical"]
    target_matchers: [severity="warning"]
    equal: [cluster, alertname]
receivers:
  - name: default
  - name: oncall
  - name: slack
  - name: db
)";

constexpr const char* kPassingCases = R"(tests:
  - name: critical pages and goes to slack
    labels: {alertname: DiskFull, severity: critical, cluster: eu1}
    receivers: [slack, oncall]
  - name: warning in the same cluster is inhibited
    labels: {alertname: DiskFull, severity: warning, cluster: eu1}
    inhibited: true
  - name: warning in another cluster is not
    labels: {alertname: DiskFull, severity: warning, cluster: us1}
    receivers: [slack]
  - labels: {alertname: Replication, severity: warning, cluster: eu1}
    receivers: []
  - labels: {alertname: Backup, team: db}
    receivers: [db]
    inhibited: false
)";

struct CliRun {
  int code;
  std::string out, err;
};

CliRun tocsin(std::vector<std::string> args) {
  args.insert(args.begin(), TOCSIN_BINARY);
  auto r = run_program(args);
  return {r.exit_code, r.out, r.err};
}

TEST(RoutesTestFile, AllCasesPassWithInhibitionInTheBatch) {
  TempDir dir;
  const std::string cfg = dir.write("alertmanager.yml", kConfig);
  const std::string cases = dir.write("cases.yml", kPassingCases);
  CliRun r = tocsin({"routes", "test", "--config", cfg, "--file", cases});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("ok   case 2 \"warning in the same cluster is inhibited\": "
                       "{alertname=\"DiskFull\", cluster=\"eu1\", severity=\"warning\"} -> "
                       "inhibited by {alertname=\"DiskFull\", cluster=\"eu1\", "
                       "severity=\"critical\"}"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("ok   case 3 \"warning in another cluster is not\": "
                       "{alertname=\"DiskFull\", cluster=\"us1\", severity=\"warning\"} -> "
                       "[slack]"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\n5 passed, 0 failed\n"), std::string::npos) << r.out;
}

TEST(RoutesTestFile, FailingCasesPrintADiffAndExit1) {
  TempDir dir;
  const std::string cfg = dir.write("alertmanager.yml", kConfig);
  const std::string cases = dir.write("cases.yml", R"(tests:
  - labels: {alertname: DiskFull, severity: critical, cluster: eu1}
    receivers: [oncall]
  - name: expects inhibition without a source
    labels: {alertname: Lonely, severity: warning, cluster: ap1}
    inhibited: true
  - labels: {alertname: DiskFull, severity: warning, cluster: eu1}
    receivers: [slack]
)");
  CliRun r = tocsin({"routes", "test", "--config", cfg, "--file", cases});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("FAIL case 1 (" + cases + ":2:5): {alertname=\"DiskFull\", "
                       "cluster=\"eu1\", severity=\"critical\"}\n"
                       "  receivers: expected [oncall], got [oncall, slack]\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("FAIL case 2 \"expects inhibition without a source\" (" + cases +
                       ":4:5): {alertname=\"Lonely\", cluster=\"ap1\", severity=\"warning\"}\n"
                       "  inhibited: expected true, got false\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("  inhibited: expected false, got true (by {alertname=\"DiskFull\", "
                       "cluster=\"eu1\", severity=\"critical\"})\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\n0 passed, 3 failed\n"), std::string::npos) << r.out;
}

TEST(RoutesTestFile, UsageErrorsExit2AndSingleLabelSetIsUnchanged) {
  TempDir dir;
  const std::string cfg = dir.write("alertmanager.yml", kConfig);
  const std::string bad = dir.write("bad.yml", "tests:\n  - labels: {a: b}\n    recievers: [x]\n");
  CliRun r = tocsin({"routes", "test", "--config", cfg, "--file", bad});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("bad.yml:3:5: tests[0].recievers: unknown key"), std::string::npos)
      << r.err;
  const std::string no_expectation = dir.write("none.yml", "- {alertname: A}\n");
  r = tocsin({"routes", "test", "--config", cfg, "--file", no_expectation});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("a test case needs receivers or inhibited"), std::string::npos) << r.err;
  r = tocsin({"routes", "test", "--config", cfg, "--file", bad, "severity=critical"});
  EXPECT_EQ(r.code, 2);
  r = tocsin({"routes", "test", "--config", cfg, "--file", dir.path() + "/missing.yml"});
  EXPECT_EQ(r.code, 2);
  // Without --file: amtool's output, one line of receivers.
  r = tocsin({"routes", "test", "--config", cfg, "severity=critical", "cluster=eu1"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "oncall,slack\n");
}

TEST(RoutesDiff, GivenAlertsReportReceiverGroupingAndInhibitionChanges) {
  TempDir dir;
  const std::string old_cfg = dir.write("old.yml", kConfig);
  const std::string new_cfg = dir.write("new.yml", kNewConfig);
  const std::string alerts = dir.write("alerts.yml", R"(- {alertname: DiskFull, severity: critical, cluster: eu1}
- {alertname: Replication, severity: warning, cluster: eu1}
- {alertname: Backup, team: db}
- {alertname: Slow, severity: warning, team: db, cluster: us1}
)");
  CliRun r = tocsin({"routes", "diff", "--alerts", alerts, old_cfg, new_cfg});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("{alertname=\"DiskFull\", cluster=\"eu1\", severity=\"critical\"}\n"
                       "  oncall: group_by: [alertname, cluster] -> [alertname, service]\n"
                       "  oncall: group key: {}/{severity=\"critical\"}:{alertname=\"DiskFull\", "
                       "cluster=\"eu1\"} -> {}/{severity=\"critical\"}:{alertname=\"DiskFull\"}\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("{alertname=\"Replication\", cluster=\"eu1\", severity=\"warning\"}\n"
                       "  inhibited: yes (by {alertname=\"DiskFull\", cluster=\"eu1\", "
                       "severity=\"critical\"}) -> no\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("{alertname=\"Slow\", cluster=\"us1\", severity=\"warning\", team=\"db\"}\n"
                       "  receivers: [slack] -> [slack, db]\n"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("Backup"), std::string::npos) << r.out;  // unchanged: not listed
  EXPECT_NE(r.out.find("\n3 of 4 alerts change routing\n"), std::string::npos) << r.out;

  // The same file twice: nothing changes.
  r = tocsin({"routes", "diff", "--alerts", alerts, old_cfg, old_cfg});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "0 of 4 alerts change routing\n");
}

TEST(RoutesDiff, DerivesLabelSetsFromTheRouteTrees) {
  TempDir dir;
  const std::string old_cfg = dir.write("old.yml", kConfig);
  const std::string new_cfg = dir.write("new.yml", kNewConfig);
  CliRun r = tocsin({"routes", "diff", old_cfg, new_cfg});
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  // The critical route gives the label set {severity="critical"}, whose group_by changes.
  EXPECT_NE(r.out.find("{severity=\"critical\"}\n"
                       "  oncall: group_by: [alertname, cluster] -> [alertname, service]\n"),
            std::string::npos)
      << r.out;
  // The old rule's pair differs in alertname, which the new rule also requires equal.
  EXPECT_NE(r.out.find("{alertname=\"routes-diff-target\", cluster=\"routes-diff\", "
                       "severity=\"warning\"}\n  inhibited: yes (by {alertname=\"routes-diff-"
                       "source\", cluster=\"routes-diff\", severity=\"critical\"}) -> no\n"),
            std::string::npos)
      << r.out;
  r = tocsin({"routes", "diff", old_cfg, old_cfg});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  r = tocsin({"routes", "diff", old_cfg});
  EXPECT_EQ(r.code, 2);
  const std::string broken = dir.write("broken.yml", "route:\n  receiver: nope\n");
  r = tocsin({"routes", "diff", old_cfg, broken});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("broken.yml"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace tocsin::testing
