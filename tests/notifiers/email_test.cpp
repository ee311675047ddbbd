// The email notifier against a real SMTP server (aiosmtpd under python3) on 127.0.0.1; the
// received message is parsed back with Python's email package.
#include <gtest/gtest.h>

#include <prometheus/registry.h>

#include "engine/http/curl_client.h"
#include "notifiers/email.h"
#include "tests/engine/http/tls_server.h"
#include "tests/notifiers/sample.h"
#include "tests/notifiers/smtp_server.h"

namespace tocsin::notifiers {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using testing::SmtpServer;

class EmailTest : public ::testing::Test {
 protected:
  EmailTest() : client_(io_), metrics_(registry_) {
    deps_.client = &client_;
    deps_.templates = *load_notification_templates();
    deps_.metrics = &metrics_;
  }
  void SetUp() override {
    if (!testing::python_aiosmtpd_available()) GTEST_SKIP() << "python3 aiosmtpd not installed";
  }

  NotifyResult run(Notifier& notifier, const Notification& n) {
    std::optional<NotifyResult> result;
    notifier.notify(n, [&](NotifyResult r) { result = std::move(r); });
    EXPECT_TRUE(tocsin::testing::run_until(io_, [&] { return result.has_value(); }, 30s));
    return result.value_or(NotifyResult{});
  }

  config::EmailConfig email_config(const SmtpServer& server) {
    config::EmailConfig c;
    c.smarthost = server.smarthost();
    c.from = "Tocsin Alerts <alerts@tocsin.example>";
    c.to = "ops@example.org, Dev Team <dev@example.org>";
    c.hello = "tocsin.test";
    c.require_tls = false;
    c.text = "{{ template \"__subject\" . }}\n{{ range .Alerts }}{{ .Annotations.summary }}\n{{ end }}";
    return c;
  }

  boost::asio::io_context io_;
  http::CurlClient client_;
  prometheus::Registry registry_;
  NotifierMetrics metrics_;
  NotifierDeps deps_;
};

TEST_F(EmailTest, MultipartMessageReachesTheServer) {
  SmtpServer server;
  ASSERT_TRUE(server.started()) << server.log();
  config::EmailConfig c = email_config(server);
  c.headers["Subject"] = "Störung: {{ template \"email.default.subject\" . }} – bitte prüfen";
  c.headers["X-Team"] = "{{ .CommonLabels.job }}";
  auto n = EmailNotifier::create(c, deps_);
  ASSERT_TRUE(n) << n.error().message;
  Notification note = testing::sample_notification("email");
  NotifyResult r = run(**n, note);
  ASSERT_TRUE(r.status) << r.status.error().message << "\n" << server.log();

  auto msgs = server.messages();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0]["mail_from"], "alerts@tocsin.example");
  EXPECT_EQ(msgs[0]["rcpt_tos"], (json{"ops@example.org", "dev@example.org"}));
  EXPECT_EQ(msgs[0]["helo"], "tocsin.test");

  json m = testing::parse_mime(msgs[0]["file"]);
  ASSERT_FALSE(m.contains("error")) << m["error"];
  EXPECT_EQ(m["defects"], json::array());
  EXPECT_EQ(m["content_type"], "multipart/alternative");
  const json& h = m["headers"];
  EXPECT_EQ(h["Subject"], "Störung: [FIRING:2] HighLatency (api critical) – bitte prüfen");
  EXPECT_EQ(h["From"], "Tocsin Alerts <alerts@tocsin.example>");
  EXPECT_EQ(h["To"], "ops@example.org, Dev Team <dev@example.org>");
  EXPECT_EQ(h["X-Team"], "api");
  EXPECT_EQ(h["Date"], "Fri, 01 Mar 2024 12:00:00 +0000");
  EXPECT_EQ(h["MIME-Version"], "1.0");
  EXPECT_TRUE(h["Message-Id"].get<std::string>().ends_with("@tocsin.example>"));
  ASSERT_EQ(m["parts"].size(), 2u);
  const json& text = m["parts"][0];
  const json& html = m["parts"][1];
  EXPECT_EQ(text["content_type"], "text/plain");
  EXPECT_EQ(text["cte"], "quoted-printable");
  EXPECT_EQ(text["charset"], "utf-8");
  // Quoted-printable text travels in canonical form: CRLF line breaks.
  EXPECT_EQ(text["text"],
            "[FIRING:2] HighLatency (api critical)\r\np99 > 1s on a:80\r\np99 > 1s on b:80\r\n"
            "p99 > 1s on c:80\r\n");
  EXPECT_EQ(html["content_type"], "text/html");
  EXPECT_EQ(html["cte"], "quoted-printable");
  std::string body = html["text"];
  EXPECT_NE(body.find("<title>[FIRING:2] HighLatency (api critical)</title>"), std::string::npos);
  EXPECT_NE(body.find("[2] Firing"), std::string::npos);
  EXPECT_NE(body.find("[1] Resolved"), std::string::npos);
  EXPECT_NE(body.find("runbook = https://runbooks/&lt;latency&gt;&amp;more"), std::string::npos);
  EXPECT_EQ(body.find("<latency>"), std::string::npos);  // HTML-escaped
  EXPECT_EQ(metrics_.latency_count("email"), 1u);
}

TEST_F(EmailTest, AuthPlainOrLogin) {
  SmtpServer server;
  ASSERT_TRUE(server.started()) << server.log();
  config::EmailConfig c = email_config(server);
  c.auth_username = "alert";
  tocsin::testing::TempDir dir;
  c.auth_password_file = dir.write("pw", "s3cret\n");
  ASSERT_TRUE(run(**EmailNotifier::create(c, deps_), testing::sample_notification("email")).status)
      << server.log();
  auto msgs = server.messages();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0]["login"], "alert");

  // A wrong password: 535, permanent.
  c.auth_password_file.clear();
  c.auth_password = config::Secret("wrong");
  NotifyResult r = run(**EmailNotifier::create(c, deps_), testing::sample_notification("email"));
  ASSERT_FALSE(r.status);
  EXPECT_FALSE(retryable(r.status.error())) << r.status.error().message;
  EXPECT_EQ(server.messages().size(), 1u);
}

TEST_F(EmailTest, SmtpTemporaryAndPermanentFailures) {
  SmtpServer server;
  ASSERT_TRUE(server.started()) << server.log();
  config::EmailConfig c = email_config(server);
  c.to = "tempfail@example.org";
  NotifyResult r1 = run(**EmailNotifier::create(c, deps_), testing::sample_notification("email"));
  ASSERT_FALSE(r1.status);
  EXPECT_TRUE(retryable(r1.status.error())) << r1.status.error().message;
  EXPECT_NE(r1.status.error().message.find("450"), std::string::npos) << r1.status.error().message;

  c.to = "reject@example.org";
  NotifyResult r2 = run(**EmailNotifier::create(c, deps_), testing::sample_notification("email"));
  ASSERT_FALSE(r2.status);
  EXPECT_FALSE(retryable(r2.status.error())) << r2.status.error().message;
  EXPECT_NE(r2.status.error().message.find("550"), std::string::npos);
  EXPECT_TRUE(server.messages().empty());
}

TEST_F(EmailTest, SmtpFailuresAfterData) {
  SmtpServer server;
  ASSERT_TRUE(server.started()) << server.log();
  config::EmailConfig c = email_config(server);
  c.from = "datareject@tocsin.example";
  NotifyResult r1 = run(**EmailNotifier::create(c, deps_), testing::sample_notification("email"));
  ASSERT_FALSE(r1.status);
  EXPECT_FALSE(retryable(r1.status.error())) << r1.status.error().message;
  EXPECT_NE(r1.status.error().message.find("554 5.6.0 Message rejected as spam"), std::string::npos)
      << r1.status.error().message;
  c.from = "datatempfail@tocsin.example";
  NotifyResult r2 = run(**EmailNotifier::create(c, deps_), testing::sample_notification("email"));
  ASSERT_FALSE(r2.status);
  EXPECT_TRUE(retryable(r2.status.error())) << r2.status.error().message;
}

TEST_F(EmailTest, RequireTlsWithoutStarttlsIsRetryable) {
  SmtpServer server;
  ASSERT_TRUE(server.started()) << server.log();
  config::EmailConfig c = email_config(server);
  c.require_tls = true;
  NotifyResult r = run(**EmailNotifier::create(c, deps_), testing::sample_notification("email"));
  ASSERT_FALSE(r.status);
  EXPECT_TRUE(retryable(r.status.error())) << r.status.error().message;
  EXPECT_TRUE(server.messages().empty());
}

TEST_F(EmailTest, StarttlsWithCa) {
  tocsin::testing::TempDir dir;
  auto pki = tocsin::testing::make_test_pki(dir.path());
  SmtpServer server({pki.server_cert_file, pki.server_key_file});
  ASSERT_TRUE(server.started()) << server.log();
  config::EmailConfig c = email_config(server);
  c.smarthost = "localhost:" + std::to_string(server.port());
  c.require_tls = true;
  c.tls_config.ca_file = pki.ca_file;
  NotifyResult r = run(**EmailNotifier::create(c, deps_), testing::sample_notification("email"));
  ASSERT_TRUE(r.status) << r.status.error().message << "\n" << server.log();
  auto msgs = server.messages();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0]["tls"], true);
}

TEST_F(EmailTest, ConnectionRefusedIsRetryable) {
  testing::RefusingPort refusing;
  config::EmailConfig c;
  c.smarthost = "127.0.0.1:" + std::to_string(refusing.port());
  c.from = "a@b.c";
  c.to = "d@e.f";
  c.require_tls = false;
  NotifyResult r = run(**EmailNotifier::create(c, deps_), testing::sample_notification("email"));
  ASSERT_FALSE(r.status);
  EXPECT_EQ(r.status.error().code, ErrorCode::kUnavailable);
}

TEST_F(EmailTest, TemplateFailureSendsPlainFallback) {
  SmtpServer server;
  ASSERT_TRUE(server.started()) << server.log();
  config::EmailConfig c = email_config(server);
  c.html = "{{ template \"email.missing.html\" . }}";
  auto n = *EmailNotifier::create(c, deps_);
  NotifyResult r = run(*n, testing::sample_notification("email"));
  ASSERT_TRUE(r.status) << r.status.error().message;
  auto msgs = server.messages();
  ASSERT_EQ(msgs.size(), 1u);
  json m = testing::parse_mime(msgs[0]["file"]);
  EXPECT_EQ(m["headers"]["Subject"], "[FIRING:2] notification template failed (receiver team-a)");
  ASSERT_EQ(m["parts"].size(), 1u);
  EXPECT_EQ(m["parts"][0]["content_type"], "text/plain");
  std::string text = m["parts"][0]["text"];
  EXPECT_NE(text.find("email.missing.html"), std::string::npos);
  EXPECT_NE(text.find("[resolved] {alertname=\"HighLatency\", instance=\"c:80\""), std::string::npos);
  EXPECT_EQ(metrics_.template_errors("email"), 1);

  // A broken To template leaves no one to write to: a permanent error, nothing sent.
  c.to = "{{ .Nope.Nope }}";
  c.headers.clear();
  NotifyResult r2 = run(**EmailNotifier::create(c, deps_), testing::sample_notification("email"));
  ASSERT_FALSE(r2.status);
  EXPECT_FALSE(retryable(r2.status.error()));
  EXPECT_EQ(server.messages().size(), 1u);
}

TEST(EmailErrors, SmtpCodeInCurlMessage) {
  EXPECT_EQ(smtp_code_in_error("Send \"smtp://x\": RCPT failed: 550"), 550);
  EXPECT_EQ(smtp_code_in_error("MAIL failed: 452"), 452);
  EXPECT_EQ(smtp_code_in_error("Failed to connect"), 0);
}

}  // namespace
}  // namespace tocsin::notifiers
