// RecordingNotifier: the same integrations as the factory (names, order, indexes,
// send_resolved), each recording what the real one renders instead of sending it.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/config/load.h"
#include "notifiers/recording_notifier.h"
#include "notifiers/slack_payload.h"
#include "notifiers/templates.h"
#include "notifiers/webhook_payload.h"
#include "tests/notifiers/sample.h"

namespace tocsin::notifiers {
namespace {

using testing::kNow;
using testing::sample_notification;

config::Receiver receiver_of(const std::string& yaml) {
  auto cfg = config::load_config_from_string(yaml, "am.yml");
  EXPECT_TRUE(cfg) << config::to_error(cfg.error()).message;
  return cfg ? cfg->receivers.at(0) : config::Receiver{};
}

constexpr const char* kConfig = R"(route:
  receiver: all
receivers:
  - name: all
    slack_configs:
      - api_url: http://127.0.0.1:9/slack
        title: '{{ .CommonLabels.alertname }} on {{ .CommonLabels.job }}'
      - api_url_file: /nonexistent/secret
        send_resolved: true
    webhook_configs:
      - url: http://127.0.0.1:9/hook
        max_alerts: 1
    email_configs:
      - to: ops@example.org
        from: tocsin@example.org
        smarthost: 127.0.0.1:25
        text: '{{ len .Alerts.Firing }} firing'
    pagerduty_configs:
      - routing_key: abc
        description: '{{ .CommonLabels.alertname }} ({{ .Status }})'
    log_configs: [{}]
)";

TEST(RecordingNotifier, SameIntegrationsAsTheFactory) {
  config::Receiver r = receiver_of(kConfig);
  NotifierDeps deps;
  deps.templates = *load_notification_templates();
  std::vector<RecordedNotification> got;
  auto in = make_recording_integrations(r, deps, [&](RecordedNotification n) {
    got.push_back(std::move(n));
  });
  ASSERT_TRUE(in) << in.error().message;  // no secret file is read
  std::vector<std::string> names;
  for (const auto& i : *in) names.push_back(i.name + std::to_string(i.index));
  EXPECT_EQ(names, (std::vector<std::string>{"webhook0", "email0", "pagerduty0", "slack0",
                                             "slack1", "log0"}));
  EXPECT_TRUE((*in)[0].notifier->send_resolved());   // webhook default
  EXPECT_FALSE((*in)[1].notifier->send_resolved());  // email default
  EXPECT_FALSE((*in)[3].notifier->send_resolved());
  EXPECT_TRUE((*in)[4].notifier->send_resolved());
  EXPECT_EQ((*in)[3].notifier->integration(), "slack");

  Notification n = sample_notification();
  for (auto& i : *in) {
    n.integration = i.name;
    n.integration_index = i.index;
    bool done = false;
    i.notifier->notify(n, [&](NotifyResult res) {
      EXPECT_TRUE(res.status);
      done = true;
    });
    EXPECT_TRUE(done);
  }
  ASSERT_EQ(got.size(), 6u);
  auto field = [](const RecordedNotification& rec, const std::string& k) {
    for (const auto& [name, v] : rec.fields) {
      if (name == k) return v;
    }
    return std::string("<absent>");
  };
  // webhook: the exact body of the real integration (max_alerts honoured).
  EXPECT_EQ(got[0].payload, webhook_payload(n, 1));
  EXPECT_EQ(got[0].status, "firing");
  EXPECT_EQ(got[0].firing.size(), 2u);
  EXPECT_EQ(got[0].resolved.size(), 1u);
  EXPECT_EQ(got[0].at, kNow);
  // email: subject from the default template, the configured text.
  EXPECT_EQ(field(got[1], "subject"), "[FIRING:2] HighLatency (api critical)");
  EXPECT_EQ(field(got[1], "text"), "2 firing");
  EXPECT_NE(got[1].payload.find("<html"), std::string::npos);
  // pagerduty: the description (summary), routing key never recorded.
  EXPECT_EQ(field(got[2], "description"), "HighLatency (firing)");
  EXPECT_EQ(field(got[2], "severity"), "error");
  EXPECT_EQ(got[2].payload.find("abc"), std::string::npos);
  // slack: title and text as the payload carries them.
  EXPECT_EQ(field(got[3], "title"), "HighLatency on api");
  auto body = nlohmann::json::parse(got[3].payload);
  EXPECT_EQ(body.at("attachments").at(0).at("title"), "HighLatency on api");
  EXPECT_EQ(body.at("attachments").at(0).at("text"), "");  // Alertmanager's default text
  EXPECT_EQ(field(got[3], "text"), "<absent>");
  EXPECT_EQ(field(got[4], "title"), "[FIRING:2] HighLatency (api critical)");
  // log: the log integration's text.
  EXPECT_NE(field(got[5], "text").find("HighLatency"), std::string::npos);
  EXPECT_EQ(got[5].receiver, "team-a");
}

TEST(RecordingNotifier, TemplateErrorRecordsTheFallback) {
  config::Receiver r = receiver_of(R"(route:
  receiver: x
receivers:
  - name: x
    slack_configs:
      - api_url: http://127.0.0.1:9/slack
        title: '{{ .Nope.Nope }}'
)");
  auto rec = render_for_record(r, "slack", 0, sample_notification("slack"),
                               *load_notification_templates());
  EXPECT_FALSE(rec.template_error.empty());
  ASSERT_FALSE(rec.fields.empty());
  EXPECT_EQ(rec.fields[0].first, "title");
  EXPECT_NE(rec.fields[0].second.find("notification template failed"), std::string::npos)
      << rec.fields[0].second;
}

}  // namespace
}  // namespace tocsin::notifiers
