// No secret leaks: `tocsin run` with a configuration holding a distinct known secret in every
// secret field (scrape, datasource and remote_write auth, webhook/Slack/PagerDuty/email secrets,
// url_file contents, the web config's users), failing receivers and a failing reload — then
// every output is grepped for every secret: stdout and stderr at debug level, every API
// response, `check config --print`, the 401 and reload error bodies, and the state files.
//
// The one secret shown on purpose is a webhook's inline `url` in /api/v2/status and
// /api/v1/status/config (Alertmanager 0.25 prints it in clear and amtool re-parses it); it must
// not appear anywhere else, logs and error messages included.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/http/basic_auth.h"
#include "tests/engine/http/background_server.h"
#include "tests/support/net.h"
#include "tests/support/subprocess.h"

namespace tocsin::testing {
namespace {

// Each secret is unique, so a leak names its field.
const std::vector<std::string> kSecrets = {
    "S3CRET-scrape-password",  "S3CRET-scrape-token",     "S3CRET-datasource-password",
    "S3CRET-remote-write-pw",  "S3CRET-remote-write-tok", "S3CRET-smtp-global-pw",
    "S3CRET-slack-global-url", "S3CRET-urlfile-path",     "S3CRET-webhook-password",
    "S3CRET-webhook-token",    "S3CRET-slack-url",        "S3CRET-pd-routing-key",
    "S3CRET-email-password",   "S3CRET-web-password",
    "S3CRET-broken-slack-url", "S3CRET-urlfile-scheme",
};
const std::string kInlineWebhookSecret = "S3CRET-inline-webhook-url";

std::string read_all(const std::string& path) { return read_file(path); }

class Secrets : public ::testing::Test {
 protected:
  void SetUp() override {
    // The datasource answers `vector(1)` for every query, so the rule fires and its samples go
    // to remote_write; every receiver, target and remote-write endpoint answers 400 (not
    // retried: errors show at once).
    for (const char* m : {"GET", "POST"}) {
      sink_.router().add(m, "/prom/api/v1/query", [](const http::Request&) {
        return http::Response::json(
            200, R"({"status":"success","data":{"resultType":"vector","result":[)"
                 R"({"metric":{},"value":[1700000000,"1"]}]}})");
      });
    }
    for (const char* m : {"GET", "POST"}) {
      sink_.router().add(m, "/*", [](const http::Request& r) {
        return http::Response::text(400, "bad request to a test sink\n");
      });
    }
    ASSERT_TRUE(sink_.start());
    port_ = std::to_string(sink_.port());
  }

  std::string config(bool broken) const {
    const std::string base = "http://127.0.0.1:" + port_;
    std::string c = R"(global:
  scrape_interval: 1s
  evaluation_interval: 1s
  smtp_smarthost: 127.0.0.1:)" + port_ + R"(
  smtp_from: tocsin@example.org
  smtp_auth_username: smtp-user
  smtp_auth_password: S3CRET-smtp-global-pw
  smtp_require_tls: false
  slack_api_url: )" + base + R"(/slack-global/S3CRET-slack-global-url
scrape_configs:
  - job_name: with-password
    metrics_path: /metrics-a
    basic_auth: {username: scraper, password: S3CRET-scrape-password}
    static_configs: [{targets: ["127.0.0.1:)" + port_ + R"("]}]
  - job_name: with-token
    metrics_path: /metrics-b
    authorization: {credentials: S3CRET-scrape-token}
    static_configs: [{targets: ["127.0.0.1:)" + port_ + R"("]}]
datasource:
  url: )" + base + R"(/prom
  timeout: 2s
  basic_auth: {username: reader, password: S3CRET-datasource-password}
remote_write:
  - url: )" + base + R"(/rw-basic
    basic_auth: {username: writer, password: S3CRET-remote-write-pw}
  - url: )" + base + R"(/rw-token
    authorization: {credentials: S3CRET-remote-write-tok}
rule_files: [rules.yml]
route:
  receiver: everything
  group_wait: 0s
  group_interval: 1s
receivers:
  - name: everything
    webhook_configs:
      - url_file: hook.url
        http_config: {basic_auth: {username: hook, password: S3CRET-webhook-password}}
      - url_file: bad-scheme.url
      - url: )" + base + R"(/inline/S3CRET-inline-webhook-url
        http_config: {authorization: {credentials: S3CRET-webhook-token}}
    slack_configs:
      - api_url: )" + base + R"(/slack/S3CRET-slack-url
        channel: '#alerts'
      - channel: '#global'
    pagerduty_configs:
      - routing_key: S3CRET-pd-routing-key
        url: )" + base + R"(/pd-v2
    email_configs:
      - to: oncall@example.org
        auth_username: mailer
        auth_password: S3CRET-email-password
)";
    if (broken) {
      c += R"(  - name: broken
    slack_configs:
      - api_url: ftp://S3CRET-broken-slack-url/x
)";
    }
    return c;
  }

  // GET or POST through curl with the web config's credentials; returns the body and status.
  std::pair<int, std::string> call(const std::string& method, const std::string& path,
                                   const std::string& body = "",
                                   const std::string& user = "admin:S3CRET-web-password") {
    std::vector<std::string> argv = {"curl", "-sS", "--max-time", "20", "-X", method,
                                     "-w", "\n%{http_code}"};
    if (!user.empty()) {
      argv.push_back("-u");
      argv.push_back(user);
    }
    if (!body.empty()) {
      argv.insert(argv.end(), {"-H", "Content-Type: application/json", "--data-binary", body});
    }
    argv.push_back("http://127.0.0.1:" + std::to_string(tocsin_port_) + path);
    auto r = run_program(argv, std::chrono::seconds(40));
    size_t nl = r.out.rfind('\n');
    if (nl == std::string::npos) return {0, r.out + r.err};
    return {std::atoi(r.out.c_str() + nl + 1), r.out.substr(0, nl)};
  }

  BackgroundServer sink_;
  std::string port_;
  std::uint16_t tocsin_port_ = 0;
};

TEST_F(Secrets, NoSecretInAnyOutput) {
  TempDir dir;
  dir.write("rules.yml", R"(groups:
  - name: g
    rules:
      - alert: AlwaysFiring
        expr: vector(1)
        annotations: {summary: "fires"}
)");
  dir.write("hook.url", "http://127.0.0.1:" + port_ + "/urlfile/S3CRET-urlfile-path\n");
  // A transport error (curl refuses the scheme) names the URL: it must be redacted.
  dir.write("bad-scheme.url", "nosuchscheme://127.0.0.1:" + port_ + "/S3CRET-urlfile-scheme\n");
  std::string cfg = dir.write("tocsin.yml", config(false));
  auto hash = http::bcrypt_hash("S3CRET-web-password", 4);
  ASSERT_TRUE(hash);
  std::string web = dir.write("web.yml", "basic_auth_users:\n  admin: " + *hash + "\n");
  // Everything a reader of the outputs could see, with where it came from.
  std::vector<std::pair<std::string, std::string>> outputs;
  // The inline webhook URL may show (in clear) only in these.
  const std::set<std::string> shows_inline_url = {"GET /api/v2/status",
                                                  "GET /api/v1/status/config",
                                                  "check config --print"};

  Subprocess p({TOCSIN_BINARY, "run", "--config=" + cfg, "--web.listen-address=127.0.0.1:0",
                "--web.config.file=" + web, "--storage.path=" + dir.path() + "/data",
                "--log.level=debug"});
  auto seen = p.wait_for_output("msg=listening", std::chrono::seconds(60));
  ASSERT_TRUE(seen) << p.stderr_text();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(*seen, m, std::regex(R"(address=127\.0\.0\.1:(\d+))")));
  tocsin_port_ = static_cast<std::uint16_t>(std::stoi(m[1]));

  // An alert through the API reaches every integration; each one fails.
  auto [st, body] = call("POST", "/api/v2/alerts",
                         R"([{"labels":{"alertname":"Leak","severity":"page"}}])");
  ASSERT_EQ(st, 200) << body;
  // Seven integrations; all but email (its SMTP failures are retried) fail for good at once:
  // wait (bounded) for their failures in the dead-letter log.
  std::string dead;
  for (int i = 0; i < 200; ++i) {
    dead = call("GET", "/api/v2/tocsin/dead_letters").second;
    auto j = nlohmann::json::parse(dead, nullptr, false);
    if (j.is_array() && j.size() >= 6) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  }
  auto dj = nlohmann::json::parse(dead, nullptr, false);
  ASSERT_TRUE(dj.is_array());
  EXPECT_GE(dj.size(), 6u) << dead;
  // Remote writes and scrapes fail too (on a loaded machine the first scrape can come after
  // the notifications have failed: wait for it, bounded, instead of assuming it happened).
  EXPECT_TRUE(p.wait_for_output("remote write failed", std::chrono::seconds(30)));
  EXPECT_TRUE(p.wait_for_output("scrape failed", std::chrono::seconds(30)));

  for (const char* path :
       {"/api/v2/status", "/api/v1/status/config", "/api/v1/status/flags", "/api/v2/receivers",
        "/api/v1/targets", "/api/v1/rules", "/api/v1/alerts", "/api/v2/alerts",
        "/api/v2/alerts/groups", "/api/v2/silences", "/metrics", "/health",
        "/api/v2/tocsin/dead_letters", "/api/v1/status/buildinfo", "/api/v1/status/runtimeinfo",
        "/api/v1/alertmanagers", "/-/ready"}) {
    outputs.emplace_back(std::string("GET ") + path, call("GET", path).second);
  }
  outputs.emplace_back("401 body", call("GET", "/api/v2/status", "", "admin:wrong").second);
  // A failing reload: the error names the problem, never the value.
  dir.write("tocsin.yml", config(true));
  auto [rst, rbody] = call("POST", "/-/reload");
  EXPECT_EQ(rst, 500) << rbody;
  EXPECT_NE(rbody.find("api_url: invalid URL"), std::string::npos) << rbody;
  outputs.emplace_back("reload error", rbody);
  dir.write("tocsin.yml", config(false));

  auto print = run_program({TOCSIN_BINARY, "check", "config", "--print", cfg});
  EXPECT_EQ(print.exit_code, 0) << print.err;
  outputs.emplace_back("check config --print", print.out + print.err);
  std::string broken = dir.write("broken.yml", config(true));
  auto check = run_program({TOCSIN_BINARY, "check", "config", broken});
  EXPECT_EQ(check.exit_code, 1);
  outputs.emplace_back("check config (broken)", check.out + check.err);

  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(std::chrono::seconds(30)), 0);
  outputs.emplace_back("stderr", p.stderr_text());
  outputs.emplace_back("stdout", p.stdout_text());
  for (const auto& e : std::filesystem::directory_iterator(dir.path() + "/data")) {
    outputs.emplace_back("state file " + e.path().filename().string(),
                         read_all(e.path().string()));
  }
  // The run did exercise the failure paths whose messages could leak.
  EXPECT_NE(p.stderr_text().find("notification failed, giving up"), std::string::npos);
  EXPECT_NE(p.stderr_text().find("scrape failed"), std::string::npos);
  EXPECT_NE(dead.find("Post \\\"<redacted>\\\""), std::string::npos) << dead;

  if (const char* dump = std::getenv("TOCSIN_SECRETS_DUMP")) {  // to look at what was checked
    std::ofstream f(dump);
    for (const auto& [where, text] : outputs) f << "===== " << where << "\n" << text << "\n";
  }
  for (const auto& [where, text] : outputs) {
    for (const auto& s : kSecrets) {
      EXPECT_EQ(text.find(s), std::string::npos) << s << " leaks in " << where << ":\n" << text;
    }
    if (shows_inline_url.count(where) == 0) {
      EXPECT_EQ(text.find(kInlineWebhookSecret), std::string::npos)
          << "the inline webhook URL leaks in " << where << ":\n"
          << text;
    }
  }
  // And it is where Alertmanager shows it, so the masking above is not vacuous.
  for (const auto& [where, text] : outputs) {
    if (where == "GET /api/v2/status") {
      EXPECT_NE(text.find(kInlineWebhookSecret), std::string::npos) << text;
      EXPECT_NE(text.find("<secret>"), std::string::npos) << text;
    }
  }
}

}  // namespace
}  // namespace tocsin::testing
