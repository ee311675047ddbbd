// `tocsin eval --datasource.url` against the real Debian prometheus (2.42): known series are
// written into a TSDB with `promtool tsdb create-blocks-from openmetrics`, prometheus serves
// them, and the backtest over the API must give exactly the timeline of the backtest over the
// same OpenMetrics file. Skipped with a message when prometheus or promtool is absent (CI
// installs them).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>

#include "engine/common/time.h"
#include "tests/support/http_client.h"
#include "tests/support/subprocess.h"
#include "tests/support/net.h"

namespace tocsin::testing {
namespace {

const std::string kTestdata = std::string(TOCSIN_SOURCE_DIR) + "/tests/app/eval/testdata";
constexpr const char* kPrometheus = "/usr/bin/prometheus";
constexpr const char* kPromtool = "/usr/bin/promtool";
constexpr Timestamp kBase = 1714521600000;  // 2024-05-01T00:00:00Z

// The shape of testdata/series.yml, an hour from kBase, as OpenMetrics (seconds).
std::string openmetrics() {
  std::string out = "# TYPE http_errors counter\n";
  auto line = [&](const std::string& series, double v, int minute) {
    out += series + " " + std::to_string(v) + " " +
           std::to_string(kBase / 1000 + 60 * minute) + "\n";
  };
  double c = 0;
  for (int m = 0; m <= 61; ++m) {
    line("http_errors_total{job=\"api\",instance=\"a\"}", c, m);
    c += m < 10 ? 10 : m < 31 ? 60 : 10;
  }
  out += "# TYPE up gauge\n";
  for (int m = 0; m <= 62; ++m) {
    bool down = (m >= 20 && m <= 27) || m == 38 || m == 39;
    line("up{job=\"api\",instance=\"a\"}", down ? 0 : 1, m);
  }
  for (int m = 0; m <= 60; ++m) line("up{job=\"api\",instance=\"b\"}", 1, m);
  out += "# EOF\n";
  return out;
}

class RealPrometheus : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* bin : {kPrometheus, kPromtool}) {
      if (!std::filesystem::exists(bin)) {
        GTEST_SKIP() << bin << " is not installed (apt-get install prometheus); skipping the "
                     << "datasource differential test";
      }
    }
    om_ = dir_.write("series.om", openmetrics());
    std::string data = dir_.path() + "/data";
    std::filesystem::create_directories(data);
    auto blocks = run_program({kPromtool, "tsdb", "create-blocks-from", "openmetrics", om_, data},
                              std::chrono::seconds(120));
    ASSERT_EQ(blocks.exit_code, 0) << blocks.out << blocks.err;
    std::string cfg = dir_.write("prometheus.yml", "global:\n  scrape_interval: 1m\n");
    port_ = free_port();
    prom_ = std::make_unique<Subprocess>(std::vector<std::string>{
        kPrometheus, "--config.file=" + cfg, "--storage.tsdb.path=" + data,
        "--storage.tsdb.retention.time=100y",
        "--web.listen-address=127.0.0.1:" + std::to_string(port_)});
    bool ready = false;
    for (int i = 0; i < 600 && !ready; ++i) {  // ≤ 60s (slow CI builds)
      if (!prom_->running()) break;
      ready = http_get(port_, "/-/ready").status == 200;
      if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_TRUE(ready) << prom_->stderr_text();
  }

  RunResult eval(std::vector<std::string> args) {
    std::filesystem::current_path(kTestdata);
    std::vector<std::string> argv{TOCSIN_BINARY, "eval"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_program(argv, std::chrono::seconds(180));
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  TempDir dir_;
  std::string om_;
  std::uint16_t port_ = 0;
  std::unique_ptr<Subprocess> prom_;
};

TEST_F(RealPrometheus, SameTimelineAsTheSeriesFile) {
  const std::string from = format_rfc3339(kBase);
  const std::string to = format_rfc3339(kBase + 60 * kMinute);
  auto local = eval({"--rules", "rules.yml", "--series", om_, "--from", from, "--to", to,
                     "--format=json"});
  ASSERT_EQ(local.exit_code, 0) << local.err;
  // A bearer token is sent (prometheus without auth ignores it); small chunks exercise the
  // chunk boundaries.
  std::string token = dir_.write("token", "s3cret\n");
  auto remote = eval({"--rules", "rules.yml", "--datasource.url", url(), "--from", from, "--to",
                      to, "--format=json", "--datasource.bearer-token-file", token,
                      "--datasource.chunk=7m"});
  ASSERT_EQ(remote.exit_code, 0) << remote.err;
  auto l = nlohmann::json::parse(local.out);
  auto r = nlohmann::json::parse(remote.out);
  EXPECT_EQ(l.at("alerts"), r.at("alerts"));
  EXPECT_EQ(l.at("rules"), r.at("rules"));
  // Not vacuous: both outages and the error-rate alert are there.
  EXPECT_EQ(r.at("alerts").size(), 3u) << remote.out;
  int fired = 0;
  for (const auto& a : r.at("alerts")) fired += a.at("firing_at").is_null() ? 0 : 1;
  EXPECT_EQ(fired, 2);
  // --fail-on and --expect work the same over a datasource.
  std::string expect = dir_.write("expect.json", local.out);
  auto again = eval({"--rules", "rules.yml", "--datasource.url", url(), "--from", from, "--to",
                     to, "--expect", expect, "--fail-on=firing"});
  EXPECT_EQ(again.exit_code, 1);  // firing, but the timeline matches
  EXPECT_EQ(again.err.find("differs"), std::string::npos) << again.err;
}

TEST_F(RealPrometheus, Errors) {
  const std::string from = format_rfc3339(kBase);
  // Durations need the series' start, which a datasource does not have.
  auto rel = eval({"--rules", "rules.yml", "--datasource.url", url(), "--from=0s", "--to=1h"});
  EXPECT_EQ(rel.exit_code, 2);
  // A missing secret file fails before anything is sent.
  auto secret = eval({"--rules", "rules.yml", "--datasource.url", url(), "--from", from,
                      "--to", format_rfc3339(kBase + kHour),
                      "--datasource.basic-auth-user=u",
                      "--datasource.basic-auth-password-file=/nonexistent/pw"});
  EXPECT_EQ(secret.exit_code, 1);
  EXPECT_NE(secret.err.find("/nonexistent/pw"), std::string::npos) << secret.err;
  // Nothing listens there.
  RefusingPort refusing;
  auto down = eval({"--rules", "rules.yml", "--datasource.url",
                    "http://127.0.0.1:" + std::to_string(refusing.port()), "--from", from, "--to",
                    format_rfc3339(kBase + kHour)});
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_NE(down.err.find("datasource"), std::string::npos) << down.err;
}

}  // namespace
}  // namespace tocsin::testing
