// Payload builders: webhook v4, Slack, PagerDuty; Go JSON encoding; truncation.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "notifiers/go_json.h"
#include "notifiers/pagerduty_payload.h"
#include "notifiers/slack_payload.h"
#include "notifiers/template_data.h"
#include "notifiers/templates.h"
#include "notifiers/truncate.h"
#include "notifiers/webhook_payload.h"
#include "tests/notifiers/sample.h"

namespace tocsin::notifiers {
namespace {

using testing::kNow;
using testing::sample_notification;

const tmpl::TemplateSet& defaults() {
  static TemplateSetPtr set = *load_notification_templates();
  return *set;
}

TEST(GoJson, EscapesLikeGo) {
  std::string out;
  append_go_json_string(out, "a<b>&\"\\\n\t\x01 \u2028 é \xff");
  EXPECT_EQ(out, R"("a\u003cb\u003e\u0026\"\\\n\t\u0001 \u2028 é \ufffd")");
  nlohmann::ordered_json j = {{"b", 1}, {"a", nlohmann::ordered_json::array({true, nullptr})}};
  EXPECT_EQ(go_json_encode(j), "{\"b\":1,\"a\":[true,null]}\n");
}

TEST(GoJson, Times) {
  EXPECT_EQ(go_json_time(0), "0001-01-01T00:00:00Z");
  EXPECT_EQ(go_json_time(kNow), "2024-03-01T12:00:00Z");
  EXPECT_EQ(go_json_time(kNow + 250), "2024-03-01T12:00:00.25Z");
  EXPECT_EQ(go_json_time(kNow + 7), "2024-03-01T12:00:00.007Z");
}

TEST(Truncate, RunesWithEllipsis) {
  EXPECT_EQ(truncate_runes("abcdef", 6).text, "abcdef");
  EXPECT_FALSE(truncate_runes("abcdef", 6).truncated);
  auto t = truncate_runes("abcdefg", 6);
  EXPECT_TRUE(t.truncated);
  EXPECT_EQ(t.text, "abcde\u2026");
  EXPECT_EQ(rune_count(t.text), 6u);
  EXPECT_EQ(truncate_runes("ééééé", 4).text, "ééé\u2026");
  EXPECT_EQ(truncate_runes("abcdef", 3).text, "abc");
  EXPECT_EQ(truncate_runes("", 0).text, "");
}

TEST(WebhookPayload, Version4Exact) {
  Notification n = sample_notification();
  std::string body = webhook_payload(n, 0);
  auto j = nlohmann::ordered_json::parse(body);
  std::vector<std::string> keys;
  for (auto& [k, v] : j.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"receiver", "status", "alerts", "groupLabels",
                                            "commonLabels", "commonAnnotations", "externalURL",
                                            "version", "groupKey", "truncatedAlerts"}));
  EXPECT_EQ(j["version"], "4");
  EXPECT_EQ(j["receiver"], "team-a");
  EXPECT_EQ(j["status"], "firing");
  EXPECT_EQ(j["groupKey"], n.group_key);
  EXPECT_EQ(j["truncatedAlerts"], 0);
  ASSERT_EQ(j["alerts"].size(), 3u);
  const auto& a0 = j["alerts"][0];
  std::vector<std::string> akeys;
  for (auto& [k, v] : a0.items()) akeys.push_back(k);
  EXPECT_EQ(akeys, (std::vector<std::string>{"status", "labels", "annotations", "startsAt",
                                             "endsAt", "generatorURL", "fingerprint"}));
  EXPECT_EQ(a0["status"], "firing");
  EXPECT_EQ(a0["startsAt"], "2024-03-01T11:55:00Z");
  // A firing alert shows no end time, even though its sender gave one.
  EXPECT_EQ(a0["endsAt"], "0001-01-01T00:00:00Z");
  EXPECT_EQ(a0["fingerprint"], fingerprint_hex(n.alerts[0].fingerprint()));
  EXPECT_EQ(j["alerts"][1]["startsAt"], "2024-03-01T11:56:00.25Z");
  EXPECT_EQ(j["alerts"][2]["status"], "resolved");
  EXPECT_EQ(j["alerts"][2]["endsAt"], "2024-03-01T11:59:00Z");
  EXPECT_EQ(j["commonLabels"], (nlohmann::ordered_json{
                                   {"alertname", "HighLatency"}, {"job", "api"},
                                   {"severity", "critical"}}));
  EXPECT_EQ(j["commonAnnotations"], nlohmann::ordered_json::object());
  EXPECT_EQ(j["groupLabels"], (nlohmann::ordered_json{{"alertname", "HighLatency"}}));
  // Go's HTML-safe escaping survives into the bytes.
  EXPECT_NE(body.find(R"(https://runbooks/\u003clatency\u003e\u0026more)"), std::string::npos);
  EXPECT_EQ(body.back(), '\n');
}

// The body as it was built before the direct encoder: template data → ordered_json → Go bytes.
std::string reference_webhook_payload(const Notification& n, std::uint64_t max_alerts) {
  tmpl::NotificationData d = notification_data(n, static_cast<std::size_t>(max_alerts));
  auto kv = [](const tmpl::KvMap& m) {
    nlohmann::ordered_json o = nlohmann::ordered_json::object();
    for (const auto& [k, v] : m) o[k] = v;
    return o;
  };
  nlohmann::ordered_json msg = nlohmann::ordered_json::object();
  msg["receiver"] = d.receiver;
  msg["status"] = d.status;
  nlohmann::ordered_json alerts = nlohmann::ordered_json::array();
  for (const auto& a : d.alerts) {
    alerts.push_back(nlohmann::ordered_json{{"status", a.status},
                                            {"labels", kv(a.labels)},
                                            {"annotations", kv(a.annotations)},
                                            {"startsAt", go_json_time(a.starts_at)},
                                            {"endsAt", go_json_time(a.ends_at)},
                                            {"generatorURL", a.generator_url},
                                            {"fingerprint", a.fingerprint}});
  }
  msg["alerts"] = std::move(alerts);
  msg["groupLabels"] = kv(d.group_labels);
  msg["commonLabels"] = kv(d.common_labels);
  msg["commonAnnotations"] = kv(d.common_annotations);
  msg["externalURL"] = d.external_url;
  msg["version"] = "4";
  msg["groupKey"] = n.group_key;
  msg["truncatedAlerts"] = n.alerts.size() - d.alerts.size();
  return go_json_encode(msg);
}

TEST(WebhookPayload, SameBytesAsTheTemplateDataEncoding) {
  std::vector<Notification> cases = {sample_notification(), testing::resolved_notification()};
  Notification odd = sample_notification();
  odd.receiver = "a.b|(c) \"quoted\" \xff";
  odd.group_key = "{}:{x=\"<&>\u2028\"}";
  odd.external_url = "";
  odd.group_labels = Labels{};
  odd.alerts[0].annotations = {{"", "empty name"}, {"k", ""}, {"\x01" "ctl", "tab\there\n"}};
  odd.alerts[1].annotations = odd.alerts[0].annotations;
  odd.alerts[1].generator_url = "\xc3\x28 invalid, \u00e9 valid, \U0001F600";
  odd.alerts[2].starts_at = 0;
  odd.alerts[2].ends_at = kNow - 999;  // milliseconds trimmed like Go's RFC3339Nano
  cases.push_back(odd);
  Notification empty = sample_notification();
  empty.alerts.clear();
  cases.push_back(empty);
  for (const Notification& n : cases) {
    for (std::uint64_t max : {0, 1, 2, 5}) {
      EXPECT_EQ(webhook_payload(n, max), reference_webhook_payload(n, max))
          << "receiver " << n.receiver << ", max_alerts " << max;
    }
  }
}

TEST(WebhookPayload, MaxAlertsTruncatesBeforeComputingData) {
  Notification n = sample_notification();
  auto j = nlohmann::json::parse(webhook_payload(n, 2));
  EXPECT_EQ(j["alerts"].size(), 2u);
  EXPECT_EQ(j["truncatedAlerts"], 1);
  // Both remaining alerts share the runbook annotation; the dropped one did not.
  EXPECT_EQ(j["commonAnnotations"]["runbook"], "https://runbooks/<latency>&more");
}

TEST(WebhookPayload, ResolvedStatusAndQuotedReceiver) {
  Notification n = testing::resolved_notification();
  n.receiver = "team.a (prod)";
  auto j = nlohmann::json::parse(webhook_payload(n, 0));
  EXPECT_EQ(j["status"], "resolved");
  // Alertmanager passes the receiver through regexp.QuoteMeta.
  EXPECT_EQ(j["receiver"], "team\\.a \\(prod\\)");
}

TEST(SlackPayload, DefaultsRenderAlertmanagerMessage) {
  Notification n = sample_notification("slack");
  config::SlackConfig c;
  c.channel = "#alerts";
  Renderer r(defaults(), n);
  std::string body = slack_payload(c, r);
  ASSERT_FALSE(r.failed()) << r.error().message;
  auto j = nlohmann::json::parse(body);
  EXPECT_EQ(j["channel"], "#alerts");
  EXPECT_EQ(j["username"], "Alertmanager");
  EXPECT_FALSE(j.contains("icon_emoji"));
  EXPECT_FALSE(j.contains("link_names"));
  ASSERT_EQ(j["attachments"].size(), 1u);
  const auto& a = j["attachments"][0];
  EXPECT_EQ(a["title"], "[FIRING:2] HighLatency (api critical)");
  EXPECT_EQ(a["title_link"], "http://tocsin.example:9093/#/alerts?receiver=team-a");
  EXPECT_EQ(a["fallback"],
            "[FIRING:2] HighLatency (api critical) | "
            "http://tocsin.example:9093/#/alerts?receiver=team-a");
  EXPECT_EQ(a["color"], "danger");
  EXPECT_EQ(a["text"], "");
  EXPECT_EQ(a["footer"], "");
  EXPECT_EQ(a["callback_id"], "");
  EXPECT_FALSE(a.contains("pretext"));
  EXPECT_EQ(a["mrkdwn_in"], (nlohmann::json{"fallback", "pretext", "text"}));
}

TEST(SlackPayload, FieldsActionsAndOptions) {
  Notification n = sample_notification("slack");
  config::SlackConfig c;
  c.text = "{{ range .Alerts.Firing }}{{ .Labels.instance }} {{ end }}";
  c.fields = {{"Job", "{{ .CommonLabels.job }}", std::nullopt}, {"Sev", "x", false}};
  c.short_fields = true;
  c.actions = {{"button", "Runbook", "https://r", "danger", "", "", config::SlackConfirmationField{"Sure?", "", "Yes", "No"}}};
  c.link_names = true;
  c.icon_emoji = ":fire:";
  c.image_url = "https://img/{{ .Status }}.png";
  c.mrkdwn_in = {"text"};
  Renderer r(defaults(), n);
  auto j = nlohmann::json::parse(slack_payload(c, r));
  ASSERT_FALSE(r.failed());
  EXPECT_EQ(j["link_names"], true);
  EXPECT_EQ(j["icon_emoji"], ":fire:");
  const auto& a = j["attachments"][0];
  EXPECT_EQ(a["text"], "a:80 b:80 ");
  EXPECT_EQ(a["fields"][0], (nlohmann::json{{"title", "Job"}, {"value", "api"}, {"short", true}}));
  EXPECT_EQ(a["fields"][1], (nlohmann::json{{"title", "Sev"}, {"value", "x"}}));
  EXPECT_EQ(a["actions"][0]["confirm"]["ok_text"], "Yes");
  EXPECT_EQ(a["actions"][0]["type"], "button");
  EXPECT_EQ(a["image_url"], "https://img/firing.png");
  EXPECT_EQ(a["mrkdwn_in"], (nlohmann::json{"text"}));
}

TEST(SlackPayload, TitleCutTo1024Runes) {
  Notification n = sample_notification("slack");
  config::SlackConfig c;
  c.title = std::string(2000, 'x');
  Renderer r(defaults(), n);
  auto j = nlohmann::json::parse(slack_payload(c, r));
  EXPECT_EQ(rune_count(j["attachments"][0]["title"].get<std::string>()), 1024u);
}

TEST(SlackPayload, TemplateFailureYieldsNothingThenFallback) {
  Notification n = sample_notification("slack");
  config::SlackConfig c;
  c.channel = "#alerts";
  c.text = "{{ .Alerts.Nope.Deeper }}";
  Renderer r(defaults(), n);
  EXPECT_EQ(slack_payload(c, r), "");
  ASSERT_TRUE(r.failed());
  EXPECT_NE(r.error().message.find("slack text"), std::string::npos);
  auto j = nlohmann::json::parse(slack_fallback_payload(c, n, r.error()));
  EXPECT_EQ(j["channel"], "#alerts");
  std::string text = j["attachments"][0]["text"];
  EXPECT_NE(text.find("template could not be rendered"), std::string::npos);
  EXPECT_NE(text.find("instance=\"b:80\""), std::string::npos);
  EXPECT_EQ(j["attachments"][0]["title"], "[FIRING:2] notification template failed (receiver team-a)");
}

TEST(SlackResponse, Classification) {
  EXPECT_TRUE(check_slack_response("text/html", "ok"));
  EXPECT_FALSE(check_slack_response("text/html", "invalid_payload"));
  EXPECT_TRUE(check_slack_response("application/json; charset=utf-8", R"({"ok":true})"));
  auto e = check_slack_response("application/json", R"({"ok":false,"error":"channel_not_found"})");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message, "error response from Slack: channel_not_found");
  EXPECT_FALSE(retryable(e.error()));
  auto bad = check_slack_response("application/json", "not json");
  ASSERT_FALSE(bad);
  EXPECT_TRUE(retryable(bad.error()));
}

TEST(PagerdutyPayload, TriggerWithDefaults) {
  Notification n = sample_notification("pagerduty");
  config::PagerdutyConfig c;
  c.details = {{"firing", "{{ template \"pagerduty.default.instances\" .Alerts.Firing }}"},
               {"num_firing", "{{ .Alerts.Firing | len }}"}};
  c.class_ = "latency";
  c.images = {{"https://img/x.png", "graph", ""}, {"", "dropped", ""}};
  c.links = {{"https://runbooks/x", "Runbook"}};
  Renderer r(defaults(), n);
  std::string body = pagerduty_payload(c, "R0UT1NG", n, r);
  ASSERT_FALSE(r.failed()) << r.error().message;
  auto j = nlohmann::ordered_json::parse(body);
  std::vector<std::string> keys;
  for (auto& [k, v] : j.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"routing_key", "dedup_key", "event_action", "payload",
                                            "client", "client_url", "images", "links"}));
  EXPECT_EQ(j["routing_key"], "R0UT1NG");
  EXPECT_EQ(j["event_action"], "trigger");
  EXPECT_EQ(j["dedup_key"], hash_group_key(n.group_key));
  EXPECT_EQ(j["dedup_key"].get<std::string>().size(), 64u);
  EXPECT_EQ(j["payload"]["summary"], "[FIRING:2] HighLatency (api critical)");
  EXPECT_EQ(j["payload"]["source"], "Alertmanager");
  EXPECT_EQ(j["payload"]["severity"], "error");
  EXPECT_EQ(j["payload"]["class"], "latency");
  EXPECT_FALSE(j["payload"].contains("component"));
  EXPECT_EQ(j["payload"]["custom_details"]["num_firing"], "2");
  std::string firing = j["payload"]["custom_details"]["firing"];
  EXPECT_EQ(firing.find("Labels:\n - alertname = HighLatency\n - instance = a:80\n"), 0u);
  EXPECT_EQ(j["client"], "Alertmanager");
  EXPECT_EQ(j["client_url"], "http://tocsin.example:9093/#/alerts?receiver=team-a");
  EXPECT_EQ(j["images"].size(), 1u);
  EXPECT_EQ(j["links"][0]["text"], "Runbook");
}

TEST(PagerdutyPayload, ResolveAndSha256) {
  // sha256("") and sha256("abc"), the FIPS 180-2 test vectors.
  EXPECT_EQ(hash_group_key(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hash_group_key("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Notification n = testing::resolved_notification("pagerduty");
  EXPECT_EQ(pagerduty_event_action(n), "resolve");
  EXPECT_EQ(pagerduty_event_action(sample_notification()), "trigger");
}

TEST(PagerdutyPayload, LongDescriptionAndHugeDetails) {
  Notification n = sample_notification("pagerduty");
  config::PagerdutyConfig c;
  c.description = std::string(3000, 'd');
  c.details = {{"big", std::string(600000, 'x')}};
  Renderer r(defaults(), n);
  auto j = nlohmann::json::parse(pagerduty_payload(c, "k", n, r));
  EXPECT_EQ(rune_count(j["payload"]["summary"].get<std::string>()), 1024u);
  EXPECT_EQ(j["payload"]["custom_details"].size(), 1u);
  EXPECT_NE(j["payload"]["custom_details"]["error"].get<std::string>().find("maximum size"),
            std::string::npos);
}

TEST(PagerdutyPayload, FallbackKeepsKeys) {
  Notification n = sample_notification("pagerduty");
  config::PagerdutyConfig c;
  c.severity = "critical";
  auto j = nlohmann::json::parse(
      pagerduty_fallback_payload(c, "k", n, Error{ErrorCode::kInvalidArgument, "boom"}));
  EXPECT_EQ(j["routing_key"], "k");
  EXPECT_EQ(j["dedup_key"], hash_group_key(n.group_key));
  EXPECT_EQ(j["payload"]["severity"], "critical");
  EXPECT_NE(j["payload"]["custom_details"]["error"].get<std::string>().find("boom"),
            std::string::npos);
}

}  // namespace
}  // namespace tocsin::notifiers
