// Label values and annotations as an API sender may post them — <script>, &, quotes, newlines,
// Slack control sequences (<!channel>, <url|text>), JSON control characters, a CRLF header
// injection — through the real notifiers to local receivers: the webhook JSON carries them
// exactly (Go's encoding: \u003c, \u0026, \u0001), Slack text fields get Slack's &amp; &lt; &gt;
// (values only: the template's own markup stays, and safeHtml opts out), and the HTML email
// escapes them (html/template's escaping) while headers cannot be split.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <prometheus/registry.h>

#include "engine/http/curl_client.h"
#include "notifiers/email.h"
#include "notifiers/slack.h"
#include "notifiers/webhook.h"
#include "tests/engine/http/tls_server.h"
#include "tests/notifiers/emulators.h"
#include "tests/notifiers/sample.h"
#include "tests/notifiers/smtp_server.h"

namespace tocsin::notifiers {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

const std::string kScript = "<script>alert('x')</script>";
const std::string kSlackInjection = "<https://evil.example|click here> <!channel> *now* & more";
const std::string kQuotesAndLines = "say \"hi\" & 'bye'\nsecond line\ttab\x01\x1f end";
const std::string kHeaderInjection = "x\r\nBcc: victim@example.org";

Notification hostile_notification(std::string integration) {
  Notification n;
  n.receiver = "team";
  n.integration = std::move(integration);
  n.group_key = "{}:{alertname=\"Evil\"}";
  n.group_labels = Labels{{"alertname", "Evil"}};
  n.external_url = "http://tocsin.example:9093";
  n.now = testing::kNow;
  n.alerts.push_back(testing::make_alert(
      Labels{{"alertname", "Evil"}, {"instance", kScript}, {"note", kSlackInjection},
             {"quote", kQuotesAndLines}},
      {{"summary", kSlackInjection}, {"description", kQuotesAndLines}, {"html", kScript},
       {"trusted", "<@U024BE7LH>"}},
      testing::kNow - kMinute));
  return n;
}

class Escaping : public ::testing::Test {
 protected:
  Escaping() : client_(io_), metrics_(registry_) {
    deps_.client = &client_;
    deps_.templates = *load_notification_templates();
    deps_.metrics = &metrics_;
  }
  NotifyResult run(Notifier& notifier, const Notification& n) {
    std::optional<NotifyResult> result;
    notifier.notify(n, [&](NotifyResult r) { result = std::move(r); });
    EXPECT_TRUE(tocsin::testing::run_until(io_, [&] { return result.has_value(); }, 30s));
    return result.value_or(NotifyResult{});
  }

  boost::asio::io_context io_;
  http::CurlClient client_;
  prometheus::Registry registry_;
  NotifierMetrics metrics_;
  NotifierDeps deps_;
};

TEST_F(Escaping, WebhookJsonCarriesValuesExactly) {
  testing::WebhookSink sink(io_);
  config::WebhookConfig c;
  c.url = config::Secret(sink.url("/hook"));
  auto n = WebhookNotifier::create(c, deps_);
  ASSERT_TRUE(n) << n.error().message;
  ASSERT_TRUE(run(**n, hostile_notification("webhook")).status);
  ASSERT_EQ(sink.requests.size(), 1u);
  const std::string& body = sink.requests[0].body;
  // As Go's encoding/json: <, >, & as \u003c \u003e \u0026, control characters as \u00XX.
  EXPECT_EQ(body.find('<'), std::string::npos) << body;
  EXPECT_EQ(body.find('>'), std::string::npos);
  EXPECT_EQ(body.find('&'), std::string::npos);
  EXPECT_NE(body.find("\\u003cscript\\u003e"), std::string::npos);
  EXPECT_NE(body.find("\\u0001\\u001f"), std::string::npos);
  EXPECT_NE(body.find("\\n"), std::string::npos);
  // Parsed back, every value is exactly what was posted.
  json j = json::parse(body);
  const json& a = j["alerts"][0];
  EXPECT_EQ(a["labels"]["instance"], kScript);
  EXPECT_EQ(a["labels"]["note"], kSlackInjection);
  EXPECT_EQ(a["labels"]["quote"], kQuotesAndLines);
  EXPECT_EQ(a["annotations"]["description"], kQuotesAndLines);
  EXPECT_EQ(j["commonLabels"]["instance"], kScript);
}

TEST_F(Escaping, SlackTextFieldsEscapeValuesButNotTheTemplate) {
  testing::SlackEmulator slack(io_);
  config::SlackConfig c;
  c.api_url = config::Secret(slack.webhook_url());
  c.channel = "#alerts";
  c.text =
      "{{ range .Alerts }}{{ .Annotations.summary }} | {{ .Annotations.description }} | "
      "{{ .Annotations.trusted | safeHtml }}{{ end }} <https://runbook.example/?a=1&b=2|Runbook>";
  c.pretext = "{{ .CommonLabels.instance }}";
  c.fields = {{"{{ .CommonLabels.note }}", "{{ .CommonLabels.quote }}", true}};
  c.title_link = "https://tocsin.example/?q={{ .CommonLabels.alertname }}&x=1";
  auto n = SlackNotifier::create(c, deps_);
  ASSERT_TRUE(n) << n.error().message;
  ASSERT_TRUE(run(**n, hostile_notification("slack")).status);
  EXPECT_EQ(slack.violations, std::vector<std::string>{});
  ASSERT_EQ(slack.messages.size(), 1u);
  const json& att = slack.messages[0]["attachments"][0];
  // The default title holds the label values.
  std::string title = att["title"];
  EXPECT_EQ(title.find(kScript), std::string::npos) << title;
  EXPECT_NE(title.find("&lt;script&gt;alert('x')&lt;/script&gt;"), std::string::npos) << title;
  EXPECT_EQ(title.find("<!channel>"), std::string::npos) << title;
  EXPECT_NE(title.find("&lt;!channel&gt;"), std::string::npos) << title;
  std::string text = att["text"];
  EXPECT_EQ(text,
            "&lt;https://evil.example|click here&gt; &lt;!channel&gt; *now* &amp; more | "
            "say \"hi\" &amp; 'bye'\nsecond line\ttab\x01\x1f end | <@U024BE7LH> "
            "<https://runbook.example/?a=1&b=2|Runbook>");
  EXPECT_EQ(att["pretext"], "&lt;script&gt;alert('x')&lt;/script&gt;");
  EXPECT_EQ(att["fields"][0]["title"],
            "&lt;https://evil.example|click here&gt; &lt;!channel&gt; *now* &amp; more");
  EXPECT_EQ(att["fields"][0]["value"], "say \"hi\" &amp; 'bye'\nsecond line\ttab\x01\x1f end");
  // URL fields are not text: left as rendered.
  EXPECT_EQ(att["title_link"], "https://tocsin.example/?q=Evil&x=1");
}

TEST_F(Escaping, HtmlEmailEscapesAndHeadersCannotBeSplit) {
  if (!testing::python_aiosmtpd_available()) GTEST_SKIP() << "python3 aiosmtpd not installed";
  testing::SmtpServer server;
  ASSERT_TRUE(server.started()) << server.log();
  config::EmailConfig c;
  c.smarthost = server.smarthost();
  c.from = "alerts@tocsin.example";
  c.to = "ops@example.org";
  c.hello = "tocsin.test";
  c.require_tls = false;
  c.headers["X-Instance"] = "{{ .CommonLabels.note }}";
  Notification note = hostile_notification("email");
  note.alerts[0].labels =
      Labels{{"alertname", "Evil"}, {"instance", kScript}, {"note", kHeaderInjection},
             {"quote", kQuotesAndLines}};
  auto n = EmailNotifier::create(c, deps_);
  ASSERT_TRUE(n) << n.error().message;
  NotifyResult r = run(**n, note);
  ASSERT_TRUE(r.status) << r.status.error().message << "\n" << server.log();
  auto msgs = server.messages();
  ASSERT_EQ(msgs.size(), 1u);
  // The envelope and the parsed headers: no Bcc was smuggled in.
  EXPECT_EQ(msgs[0]["rcpt_tos"], (json{"ops@example.org"}));
  json m = testing::parse_mime(msgs[0]["file"]);
  ASSERT_FALSE(m.contains("error")) << m["error"];
  EXPECT_FALSE(m["headers"].contains("Bcc")) << m["headers"].dump();
  std::string html;
  for (const auto& part : m["parts"]) {
    if (part["content_type"] == "text/html") html = part["text"];
  }
  ASSERT_FALSE(html.empty()) << m.dump();
  EXPECT_EQ(html.find("<script>"), std::string::npos) << html;
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), std::string::npos)
      << html;
  EXPECT_EQ(html.find("<!channel>"), std::string::npos);
  EXPECT_NE(html.find("say &#34;hi&#34; &amp; &#39;bye&#39;"), std::string::npos) << html;
}

}  // namespace
}  // namespace tocsin::notifiers
