// Webhook, Slack and PagerDuty notifiers end to end: real requests through the shared
// CurlClient to emulators on 127.0.0.1 that check the payload schemas, plus failure injection
// (503 then 200, timeout, 400, 429 with Retry-After, connection refused, TLS).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <prometheus/registry.h>

#include "engine/http/curl_client.h"
#include "notifiers/pagerduty.h"
#include "notifiers/pagerduty_payload.h"
#include "notifiers/slack.h"
#include "notifiers/webhook.h"
#include "notifiers/webhook_payload.h"
#include "tests/engine/http/tls_server.h"
#include "tests/notifiers/emulators.h"
#include "tests/notifiers/sample.h"
#include "tests/notifiers/smtp_server.h"

namespace tocsin::notifiers {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using testing::PagerdutyEmulator;
using testing::Scripted;
using testing::SlackEmulator;
using testing::WebhookSink;

class HttpIntegrations : public ::testing::Test {
 protected:
  HttpIntegrations() : client_(io_), metrics_(registry_) {
    deps_.client = &client_;
    deps_.templates = *load_notification_templates();
    deps_.metrics = &metrics_;
  }

  NotifyResult run(Notifier& notifier, const Notification& n) {
    std::optional<NotifyResult> result;
    notifier.notify(n, [&](NotifyResult r) { result = std::move(r); });
    EXPECT_TRUE(tocsin::testing::run_until(io_, [&] { return result.has_value(); }, 20s));
    return result.value_or(NotifyResult{});
  }

  boost::asio::io_context io_;
  http::CurlClient client_;
  prometheus::Registry registry_;
  NotifierMetrics metrics_;
  NotifierDeps deps_;
};

config::WebhookConfig webhook_config(const std::string& url) {
  config::WebhookConfig c;
  c.url = config::Secret(url);
  return c;
}

TEST(EmulatorSchemas, RejectBadPayloads) {
  // The checks can fail: each of these is a real mistake an integration could make.
  EXPECT_FALSE(testing::webhook_v4_violations(json{{"version", "3"}}).empty());
  EXPECT_FALSE(testing::slack_violations(json{{"attachments", {{{"title", 5}}}}}, false).empty());
  EXPECT_FALSE(testing::slack_violations(json{{"text", "x"}}, true).empty());  // no channel
  EXPECT_FALSE(testing::slack_violations(
      json{{"attachments", {{{"mrkdwn_in", {"title"}}}}}}, false).empty());
  EXPECT_FALSE(testing::pagerduty_v2_violations(
      json{{"routing_key", testing::kRoutingKey}, {"event_action", "trigger"},
           {"payload", {{"summary", "x"}, {"source", "y"}, {"severity", "fatal"}}}}).empty());
  EXPECT_FALSE(testing::pagerduty_v2_violations(
      json{{"routing_key", "short"}, {"event_action", "resolve"}, {"dedup_key", "k"}}).empty());
  EXPECT_TRUE(testing::pagerduty_v2_violations(
      json{{"routing_key", testing::kRoutingKey}, {"event_action", "resolve"}, {"dedup_key", "k"}}).empty());
}

TEST_F(HttpIntegrations, WebhookPostsVersion4Payload) {
  WebhookSink sink(io_);
  auto n = WebhookNotifier::create(webhook_config(sink.url("/hook?x=1")), deps_);
  ASSERT_TRUE(n) << n.error().message;
  Notification note = testing::sample_notification();
  NotifyResult r = run(**n, note);
  ASSERT_TRUE(r.status) << r.status.error().message;
  ASSERT_EQ(sink.requests.size(), 1u);
  const auto& req = sink.requests[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.path, "/hook");
  EXPECT_EQ(req.headers.at("content-type"), "application/json");
  EXPECT_EQ(req.body, webhook_payload(note, 0));
  auto j = json::parse(req.body);
  EXPECT_EQ(testing::webhook_v4_violations(j), std::vector<std::string>{});
  EXPECT_EQ(j["alerts"].size(), 3u);
  EXPECT_EQ(metrics_.latency_count("webhook"), 1u);
}

TEST_F(HttpIntegrations, WebhookMaxAlertsUrlFileAndBasicAuth) {
  WebhookSink sink(io_);
  tocsin::testing::TempDir dir;
  config::WebhookConfig c;
  c.url_file = dir.write("url", sink.url("/from-file") + "\n");
  c.max_alerts = 1;
  c.http_config.basic_auth = config::BasicAuth{"user", "", config::Secret(""), dir.write("pw", "pa55\n")};
  auto n = WebhookNotifier::create(c, deps_);
  ASSERT_TRUE(n) << n.error().message;
  ASSERT_TRUE(run(**n, testing::sample_notification()).status);
  ASSERT_EQ(sink.requests.size(), 1u);
  EXPECT_EQ(sink.requests[0].path, "/from-file");
  EXPECT_EQ(sink.requests[0].headers.at("authorization"), "Basic dXNlcjpwYTU1");  // user:pa55
  auto j = json::parse(sink.requests[0].body);
  EXPECT_EQ(j["alerts"].size(), 1u);
  EXPECT_EQ(j["truncatedAlerts"], 2);
}

TEST_F(HttpIntegrations, WebhookMissingUrlFileFailsToBuild) {
  config::WebhookConfig c;
  c.url_file = "/nonexistent/tocsin/url";
  auto n = WebhookNotifier::create(c, deps_);
  ASSERT_FALSE(n);
  EXPECT_NE(n.error().message.find("/nonexistent/tocsin/url"), std::string::npos);
}

TEST_F(HttpIntegrations, WebhookFailureInjection) {
  WebhookSink sink(io_);
  auto n = *WebhookNotifier::create(webhook_config(sink.url("/hook")), deps_);
  Notification note = testing::sample_notification();

  // 503, then 200: retryable, then ok.
  sink.script({{503, "down"}, {200, ""}});
  NotifyResult r1 = run(*n, note);
  ASSERT_FALSE(r1.status);
  EXPECT_TRUE(retryable(r1.status.error()));
  EXPECT_EQ(r1.status.error().message, "unexpected status code 503: down");
  EXPECT_TRUE(run(*n, note).status);

  // 400: permanent.
  sink.script({{400, "bad request"}});
  NotifyResult r2 = run(*n, note);
  ASSERT_FALSE(r2.status);
  EXPECT_FALSE(retryable(r2.status.error()));

  // 429 with Retry-After: retryable, with the hint.
  sink.script({{429, "slow down", "text/plain", {{"Retry-After", "7"}}}});
  NotifyResult r3 = run(*n, note);
  ASSERT_FALSE(r3.status);
  EXPECT_TRUE(retryable(r3.status.error()));
  EXPECT_EQ(r3.retry_after, 7 * kSecond);
  EXPECT_EQ(sink.requests.size(), 4u);
}

TEST_F(HttpIntegrations, WebhookTimeout) {
  WebhookSink sink(io_);
  config::WebhookConfig c = webhook_config(sink.url("/slow"));
  c.timeout = 300;
  auto n = *WebhookNotifier::create(c, deps_);
  sink.script({{200, "", "text/plain", {}, 3s}});
  NotifyResult r = run(*n, testing::sample_notification());
  ASSERT_FALSE(r.status);
  EXPECT_EQ(r.status.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_TRUE(retryable(r.status.error()));
}

TEST_F(HttpIntegrations, WebhookConnectionRefusedRedactsUrl) {
  testing::RefusingPort refusing;
  std::string url = "http://127.0.0.1:" + std::to_string(refusing.port()) + "/secret-token";
  auto n = *WebhookNotifier::create(webhook_config(url), deps_);
  NotifyResult r = run(*n, testing::sample_notification());
  ASSERT_FALSE(r.status);
  EXPECT_EQ(r.status.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(r.status.error().message.find("secret-token"), std::string::npos) << r.status.error().message;
}

TEST_F(HttpIntegrations, WebhookOverTlsWithCaFile) {
  tocsin::testing::TempDir dir;
  auto pki = tocsin::testing::make_test_pki(dir.path());
  http::Router router;
  std::string got;
  router.add("POST", "/tls", [&](const http::Request& req) {
    got = req.body;
    return http::Response::text(200, "");
  });
  tocsin::testing::TlsServer server(io_, router, pki);
  config::WebhookConfig c = webhook_config("https://localhost:" + std::to_string(server.port()) + "/tls");
  c.http_config.tls_config.ca_file = pki.ca_file;
  auto n = *WebhookNotifier::create(c, deps_);
  ASSERT_TRUE(run(*n, testing::sample_notification()).status);
  EXPECT_FALSE(got.empty());
  // Without the CA the server cannot be verified: unavailable (retryable), nothing sent.
  c.http_config.tls_config.ca_file = pki.other_ca_file;
  got.clear();
  auto bad = *WebhookNotifier::create(c, deps_);
  NotifyResult r = run(*bad, testing::sample_notification());
  ASSERT_FALSE(r.status);
  EXPECT_TRUE(got.empty());
}

TEST_F(HttpIntegrations, SlackIncomingWebhook) {
  SlackEmulator slack(io_);
  config::SlackConfig c;
  c.api_url = config::Secret(slack.webhook_url());
  c.channel = "#alerts";
  c.fields = {{"Instance", "{{ range .Alerts }}{{ .Labels.instance }} {{ end }}", true}};
  c.actions = {{"button", "Runbook", "https://runbooks/x", "primary", "", "", std::nullopt}};
  auto n = SlackNotifier::create(c, deps_);
  ASSERT_TRUE(n) << n.error().message;
  NotifyResult r = run(**n, testing::sample_notification("slack"));
  ASSERT_TRUE(r.status) << r.status.error().message;
  EXPECT_EQ(slack.violations, std::vector<std::string>{});
  ASSERT_EQ(slack.messages.size(), 1u);
  EXPECT_EQ(slack.messages[0]["attachments"][0]["title"], "[FIRING:2] HighLatency (api critical)");
  EXPECT_EQ(slack.messages[0]["attachments"][0]["fields"][0]["value"], "a:80 b:80 c:80 ");
  EXPECT_EQ(slack.requests[0].headers.count("authorization"), 0u);
}

TEST_F(HttpIntegrations, SlackChatPostMessageWithBotToken) {
  SlackEmulator slack(io_);
  tocsin::testing::TempDir dir;
  config::SlackConfig c;
  c.app_token_file = dir.write("token", "xoxb-1234-abcd\n");
  c.app_url = slack.api_url();
  c.channel = "#alerts";
  c.link_names = true;
  auto n = *SlackNotifier::create(c, deps_);
  NotifyResult r = run(*n, testing::sample_notification("slack"));
  ASSERT_TRUE(r.status) << r.status.error().message;
  EXPECT_EQ(slack.requests[0].headers.at("authorization"), "Bearer xoxb-1234-abcd");
  EXPECT_EQ(slack.violations, std::vector<std::string>{});
  EXPECT_EQ(slack.messages.at(0)["link_names"], true);

  // 200 with "ok": false is a (permanent) error.
  c.channel = "#nope";
  auto wrong = *SlackNotifier::create(c, deps_);
  NotifyResult r2 = run(*wrong, testing::sample_notification("slack"));
  ASSERT_FALSE(r2.status);
  EXPECT_FALSE(retryable(r2.status.error()));
  EXPECT_EQ(r2.status.error().message, "error response from Slack: channel_not_found");

  // A bad token too.
  config::SlackConfig bad = c;
  bad.app_token_file.clear();
  bad.app_token = config::Secret("xoxp-wrong");
  bad.channel = "#alerts";
  NotifyResult r3 = run(**SlackNotifier::create(bad, deps_), testing::sample_notification("slack"));
  ASSERT_FALSE(r3.status);
  EXPECT_NE(r3.status.error().message.find("invalid_auth"), std::string::npos);
}

TEST_F(HttpIntegrations, SlackRetriesAndWebhookErrors) {
  SlackEmulator slack(io_);
  config::SlackConfig c;
  c.api_url = config::Secret(slack.webhook_url());
  auto n = *SlackNotifier::create(c, deps_);
  slack.script({{500, "internal_error", "text/html"}});
  NotifyResult r1 = run(*n, testing::sample_notification("slack"));
  ASSERT_FALSE(r1.status);
  EXPECT_TRUE(retryable(r1.status.error()));
  EXPECT_TRUE(run(*n, testing::sample_notification("slack")).status);
  // 200 with a body other than "ok" from an incoming webhook is an error.
  slack.script({{200, "no_text", "text/html"}});
  NotifyResult r2 = run(*n, testing::sample_notification("slack"));
  ASSERT_FALSE(r2.status);
  EXPECT_FALSE(retryable(r2.status.error()));
}

TEST_F(HttpIntegrations, SlackTemplateFailureSendsFallback) {
  SlackEmulator slack(io_);
  config::SlackConfig c;
  c.api_url = config::Secret(slack.webhook_url());
  c.channel = "#alerts";
  c.title = "{{ template \"does.not.exist\" . }}";
  auto n = *SlackNotifier::create(c, deps_);
  NotifyResult r = run(*n, testing::sample_notification("slack"));
  ASSERT_TRUE(r.status) << r.status.error().message;
  EXPECT_EQ(slack.violations, std::vector<std::string>{});
  ASSERT_EQ(slack.messages.size(), 1u);
  const json& a = slack.messages[0]["attachments"][0];
  EXPECT_EQ(a["title"], "[FIRING:2] notification template failed (receiver team-a)");
  std::string text = a["text"];
  EXPECT_NE(text.find("does.not.exist"), std::string::npos);
  EXPECT_NE(text.find("instance=\"c:80\""), std::string::npos);
  EXPECT_EQ(slack.messages[0]["channel"], "#alerts");
  EXPECT_EQ(metrics_.template_errors("slack"), 1);
  EXPECT_EQ(metrics_.template_errors("pagerduty"), 0);
}

config::PagerdutyConfig pagerduty_config(const std::string& url) {
  config::PagerdutyConfig c;
  c.routing_key = config::Secret(testing::kRoutingKey);
  c.url = url;
  c.details = {{"firing", "{{ template \"pagerduty.default.instances\" .Alerts.Firing }}"},
               {"resolved", "{{ template \"pagerduty.default.instances\" .Alerts.Resolved }}"},
               {"num_firing", "{{ .Alerts.Firing | len }}"},
               {"num_resolved", "{{ .Alerts.Resolved | len }}"}};
  return c;
}

TEST_F(HttpIntegrations, PagerdutyTriggerAndResolve) {
  PagerdutyEmulator pd(io_);
  config::PagerdutyConfig c = pagerduty_config(pd.enqueue_url());
  c.severity = "{{ .CommonLabels.severity }}";
  c.component = "{{ .CommonLabels.job }}";
  c.links = {{"https://runbooks/{{ .GroupLabels.alertname }}", "Runbook"}};
  auto n = PagerdutyNotifier::create(c, deps_);
  ASSERT_TRUE(n) << n.error().message;
  Notification note = testing::sample_notification("pagerduty");
  NotifyResult r = run(**n, note);
  ASSERT_TRUE(r.status) << r.status.error().message;
  EXPECT_EQ(pd.violations, std::vector<std::string>{});
  ASSERT_EQ(pd.events.size(), 1u);
  const json& e = pd.events[0];
  EXPECT_EQ(e["event_action"], "trigger");
  EXPECT_EQ(e["dedup_key"], hash_group_key(note.group_key));
  EXPECT_EQ(e["payload"]["severity"], "critical");
  EXPECT_EQ(e["payload"]["component"], "api");
  EXPECT_EQ(e["payload"]["custom_details"]["num_resolved"], "1");
  EXPECT_EQ(e["links"][0]["href"], "https://runbooks/HighLatency");

  Notification resolved = testing::resolved_notification("pagerduty");
  ASSERT_TRUE(run(**n, resolved).status);
  ASSERT_EQ(pd.events.size(), 2u);
  EXPECT_EQ(pd.events[1]["event_action"], "resolve");
  EXPECT_EQ(pd.events[1]["dedup_key"], pd.events[0]["dedup_key"]);
}

TEST_F(HttpIntegrations, PagerdutyErrors) {
  PagerdutyEmulator pd(io_);
  config::PagerdutyConfig c = pagerduty_config(pd.enqueue_url());
  c.severity = "fatal";  // not an Events API v2 severity: PagerDuty answers 400
  auto n = *PagerdutyNotifier::create(c, deps_);
  NotifyResult r = run(*n, testing::sample_notification("pagerduty"));
  ASSERT_FALSE(r.status);
  EXPECT_FALSE(retryable(r.status.error()));
  EXPECT_NE(r.status.error().message.find("unexpected status code 400: Event object is invalid: "
                                          "payload.severity must be"),
            std::string::npos)
      << r.status.error().message;

  auto ok = *PagerdutyNotifier::create(pagerduty_config(pd.enqueue_url()), deps_);
  pd.script({{429, R"({"status":"throttled"})", "application/json", {{"Retry-After", "30"}}}});
  NotifyResult r2 = run(*ok, testing::sample_notification("pagerduty"));
  ASSERT_FALSE(r2.status);
  EXPECT_TRUE(retryable(r2.status.error()));
  EXPECT_EQ(r2.retry_after, 30 * kSecond);
  EXPECT_TRUE(run(*ok, testing::sample_notification("pagerduty")).status);
}

TEST_F(HttpIntegrations, PagerdutyTemplateFailureSendsFallbackEvent) {
  PagerdutyEmulator pd(io_);
  config::PagerdutyConfig c = pagerduty_config(pd.enqueue_url());
  c.description = "{{ .Alerts.Firing.Bogus }}";
  auto n = *PagerdutyNotifier::create(c, deps_);
  Notification note = testing::sample_notification("pagerduty");
  NotifyResult r = run(*n, note);
  ASSERT_TRUE(r.status) << r.status.error().message;
  EXPECT_EQ(pd.violations, std::vector<std::string>{});
  ASSERT_EQ(pd.events.size(), 1u);
  EXPECT_EQ(pd.events[0]["dedup_key"], hash_group_key(note.group_key));
  EXPECT_EQ(pd.events[0]["payload"]["summary"],
            "[FIRING:2] notification template failed (receiver team-a)");
  EXPECT_EQ(metrics_.template_errors("pagerduty"), 1);
}

TEST_F(HttpIntegrations, PagerdutyServiceKeyOnlyIsUnimplemented) {
  config::PagerdutyConfig c;
  c.service_key = config::Secret("v1key");
  auto n = PagerdutyNotifier::create(c, deps_);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().code, ErrorCode::kUnimplemented);
}

}  // namespace
}  // namespace tocsin::notifiers
