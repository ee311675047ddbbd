// notification_tests end to end: the real binary runs the passing file in testdata/ (exit 0)
// and each file in testdata/failing/ (exit 1, with the expected-vs-got message checked), so a
// runner that passed everything — or failed for another reason — is caught.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/subprocess.h"

namespace tocsin::testing {
namespace {

const std::string kTestdata =
    std::string(TOCSIN_SOURCE_DIR) + "/tests/app/notification_tests/testdata";

RunResult test_rules(std::vector<std::string> args) {
  std::vector<std::string> argv{TOCSIN_BINARY, "test", "rules"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(argv, std::chrono::seconds(120));
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(NotificationTests, PassingFilePasses) {
  auto r = test_rules({kTestdata + "/notifications.test.yml"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("2 passed, 0 failed"), std::string::npos) << r.out << r.err;
}

// Runs one failing file; checks exit 1 and that stderr holds every snippet.
void expect_failure(const std::string& file, const std::vector<std::string>& snippets,
                    const std::vector<std::string>& absent = {}) {
  auto r = test_rules({kTestdata + "/failing/" + file});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("0 passed, 1 failed"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.err.find("notification_tests[0], eval_time: 5m"), std::string::npos) << r.err;
  for (const auto& s : snippets) EXPECT_NE(r.err.find(s), std::string::npos) << s << "\n" << r.err;
  for (const auto& s : absent) EXPECT_EQ(r.err.find(s), std::string::npos) << s << "\n" << r.err;
}

TEST(NotificationTests, WrongReceiverFails) {
  expect_failure("wrong_receiver.test.yml",
                 {"exp:[\n", "0: receiver: tickets, group_labels: {alertname=\"InstanceDown\", job=\"api\"}",
                  "got:[\n",
                  "0: receiver: pager, group_labels: {alertname=\"InstanceDown\", job=\"api\"}, "
                  "status: firing, at: 2m30s",
                  "{alertname=\"InstanceDown\", instance=\"a\", job=\"api\", severity=\"page\"}"});
}

TEST(NotificationTests, WrongGroupLabelsFails) {
  expect_failure("wrong_group_labels.test.yml",
                 {"0: receiver: pager, group_labels: {alertname=\"InstanceDown\", instance=\"a\"}",
                  "0: receiver: pager, group_labels: {alertname=\"InstanceDown\", job=\"api\"}, "
                  "status: firing"});
}

TEST(NotificationTests, MissingNotificationFails) {
  expect_failure("missing_notification.test.yml",
                 {"1: receiver: tickets, group_labels: {alertname=\"DiskFilling\", job=\"db\"}",
                  "got:[\n            0: receiver: pager"},
                 {"1: receiver: pager", "status: firing, at: 0s"});
}

TEST(NotificationTests, RenderedTitleMismatchFails) {
  expect_failure("title_mismatch.test.yml",
                 {"slack[0].title: \"~\\\"\\\\[FIRING:1\\\\] .*\\\"\"",
                  "slack[0].title: \"FIRING InstanceDown on api (1)\""});
}

TEST(NotificationTests, SilencedAlertFails) {
  expect_failure("silenced.test.yml", {"got:[]"});
  // Without the silence the same expectation holds: the failure is the silence's doing.
  std::string text = slurp(kTestdata + "/failing/silenced.test.yml");
  auto pos = text.find("        silences:\n          - matchers: ['instance=\"a\"']\n");
  ASSERT_NE(pos, std::string::npos);
  text.erase(pos, std::string("        silences:\n          - matchers: ['instance=\"a\"']\n").size());
  const std::string copy = kTestdata + "/failing/unsilenced.tmp.yml";
  std::ofstream(copy) << text;
  auto r = test_rules({copy});
  std::filesystem::remove(copy);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

TEST(NotificationTests, DiffAndJunit) {
  const std::string junit =
      (std::filesystem::temp_directory_path() / "tocsin-notification-junit.xml").string();
  auto r = test_rules({"--diff", "--junit", junit, kTestdata + "/failing/wrong_receiver.test.yml"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("diff:\n        - 0: receiver: tickets"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("        + 0: receiver: pager"), std::string::npos) << r.err;
  std::string x = slurp(junit);
  std::filesystem::remove(junit);
  EXPECT_NE(x.find("<testcase name=\"wrong receiver\">"), std::string::npos) << x;
  EXPECT_NE(x.find("<failure message="), std::string::npos) << x;
  EXPECT_NE(x.find("notification_tests[0], eval_time: 5m"), std::string::npos) << x;
}

TEST(NotificationTests, BadSectionIsAnError) {
  const std::string path = kTestdata + "/failing/bad_section.tmp.yml";
  std::ofstream(path) << "rule_files: [../rules.yml]\n"
                         "tests:\n"
                         "  - notification_tests:\n"
                         "      - eval_time: 5m\n"
                         "        config: ../alertmanager.yml\n"
                         "        exp_notifications: [{receiver: pager, colour: red}]\n"
                         "      - eval_time: 1m\n"
                         "        config: {route: {receiver: nope}}\n";
  auto r = test_rules({path});
  std::filesystem::remove(path);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("bad_section.tmp.yml:6:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("field colour not found in an expected notification"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("notification_tests[1]: config: "), std::string::npos) << r.err;
}

}  // namespace
}  // namespace tocsin::testing

namespace tocsin::testing {
namespace {

TEST(NotificationTests, MissingConfigIsAnError) {
  const std::string path = kTestdata + "/failing/no_config.tmp.yml";
  std::ofstream(path) << "rule_files: [../rules.yml]\n"
                         "tests:\n"
                         "  - notification_tests:\n"
                         "      - exp_notifications: []\n";
  auto r = test_rules({path});
  std::filesystem::remove(path);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("eval_time is required"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("config is required"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace tocsin::testing
