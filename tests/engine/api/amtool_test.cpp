// The real amtool 0.25 against tocsin's v2 API: every command must succeed and show what it added.
#include <gtest/gtest.h>
#include <unistd.h>

#include <regex>

#include "tests/engine/api/api_fixture.h"
#include "tests/support/subprocess.h"

namespace tocsin::api {
namespace {

constexpr const char* kAmtool = "/usr/bin/amtool";

class AmtoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(kAmtool, X_OK) != 0) GTEST_SKIP() << "amtool not installed at " << kAmtool;
    server_ = std::make_unique<ApiServer>();
  }
  testing::RunResult amtool(std::vector<std::string> args) {
    std::vector<std::string> argv = {
        kAmtool, "--alertmanager.url=http://127.0.0.1:" + std::to_string(server_->port())};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::run_program(argv, std::chrono::seconds(30));
  }
  std::unique_ptr<ApiServer> server_;
};

TEST_F(AmtoolTest, AlertsSilencesConfig) {
  auto add = amtool({"alert", "add", "alertname=AmtoolTest", "severity=warning",
                     "--annotation=summary=from amtool"});
  ASSERT_EQ(add.exit_code, 0) << add.out << add.err;

  auto query = amtool({"alert", "query"});
  ASSERT_EQ(query.exit_code, 0) << query.err;
  EXPECT_NE(query.out.find("AmtoolTest"), std::string::npos) << query.out;
  auto query_ext = amtool({"-o", "extended", "alert", "query", "alertname=AmtoolTest"});
  ASSERT_EQ(query_ext.exit_code, 0) << query_ext.err;
  EXPECT_NE(query_ext.out.find("severity=\"warning\""), std::string::npos) << query_ext.out;
  EXPECT_NE(query_ext.out.find("from amtool"), std::string::npos) << query_ext.out;

  auto sil = amtool({"silence", "add", "alertname=AmtoolTest", "--comment=testing amtool",
                     "--author=tester", "--duration=1h"});
  ASSERT_EQ(sil.exit_code, 0) << sil.out << sil.err;
  std::smatch m;
  const std::string sil_out = sil.out;
  ASSERT_TRUE(std::regex_search(sil_out, m, std::regex("[0-9a-f-]{36}"))) << sil.out;
  const std::string id = m.str();

  auto squery = amtool({"silence", "query"});
  ASSERT_EQ(squery.exit_code, 0) << squery.err;
  EXPECT_NE(squery.out.find(id), std::string::npos) << squery.out;
  EXPECT_NE(squery.out.find("testing amtool"), std::string::npos) << squery.out;
  EXPECT_NE(squery.out.find("tester"), std::string::npos) << squery.out;

  // The alert is now silenced: the default query hides it, --silenced shows it.
  auto hidden = amtool({"alert", "query"});
  ASSERT_EQ(hidden.exit_code, 0);
  EXPECT_EQ(hidden.out.find("AmtoolTest"), std::string::npos) << hidden.out;
  auto silenced = amtool({"alert", "query", "--silenced"});
  ASSERT_EQ(silenced.exit_code, 0);
  EXPECT_NE(silenced.out.find("AmtoolTest"), std::string::npos) << silenced.out;

  auto expire = amtool({"silence", "expire", id});
  ASSERT_EQ(expire.exit_code, 0) << expire.out << expire.err;
  auto after = amtool({"silence", "query"});
  ASSERT_EQ(after.exit_code, 0);
  EXPECT_EQ(after.out.find(id), std::string::npos) << after.out;
  auto expired = amtool({"silence", "query", "--expired"});
  ASSERT_EQ(expired.exit_code, 0);
  EXPECT_NE(expired.out.find(id), std::string::npos) << expired.out;

  auto show = amtool({"config", "show"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("receiver: team"), std::string::npos) << show.out;
  EXPECT_EQ(show.out.find("hunter2"), std::string::npos);  // basic_auth password
}

// amtool re-parses /api/v2/status' config.original with Alertmanager's own loader: the webhook
// url must be a URL (Alertmanager 0.25 prints it in clear; "<secret>" fails with "unsupported
// scheme"), and the printed tree must be tocsin's.
TEST_F(AmtoolTest, ConfigRoutesWithAWebhookReceiver) {
  auto routes = amtool({"config", "routes"});
  ASSERT_EQ(routes.exit_code, 0) << routes.out << routes.err;
  EXPECT_NE(routes.out.find("default-route  receiver: team"), std::string::npos) << routes.out;
  EXPECT_NE(routes.out.find("{severity=\"critical\"}  receiver: pager"), std::string::npos)
      << routes.out;
  auto test = amtool({"config", "routes", "test", "severity=critical"});
  ASSERT_EQ(test.exit_code, 0) << test.out << test.err;
  EXPECT_EQ(test.out, "pager\n");
}

}  // namespace
}  // namespace tocsin::api
