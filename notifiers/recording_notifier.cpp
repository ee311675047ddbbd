#include "notifiers/recording_notifier.h"

#include <nlohmann/json.hpp>

#include "notifiers/fallback.h"
#include "notifiers/log_notifier.h"
#include "notifiers/pagerduty_payload.h"
#include "notifiers/slack_payload.h"
#include "notifiers/template_data.h"
#include "notifiers/webhook_payload.h"

namespace tocsin::notifiers {
namespace {

using json = nlohmann::json;

void add_field(RecordedNotification& rec, const char* name, std::string value) {
  if (!value.empty()) rec.fields.emplace_back(name, std::move(value));
}

std::string string_at(const json& j, std::initializer_list<const char*> path) {
  const json* cur = &j;
  for (const char* k : path) {
    if (cur->is_array()) {
      if (cur->empty()) return "";
      cur = &cur->at(0);
    }
    if (!cur->is_object() || !cur->contains(k)) return "";
    cur = &cur->at(k);
  }
  return cur->is_string() ? cur->get<std::string>() : "";
}

void render_slack(const config::SlackConfig& c, const Notification& n, const TemplateSetPtr& t,
                  RecordedNotification& rec) {
  Renderer r(*t, n);
  std::string body = slack_payload(c, r);
  if (r.failed()) {
    rec.template_error = r.error().message;
    body = slack_fallback_payload(c, n, r.error());
  }
  json j = json::parse(body, nullptr, false);
  add_field(rec, "title", string_at(j, {"attachments", "title"}));
  add_field(rec, "text", string_at(j, {"attachments", "text"}));
  rec.payload = std::move(body);
}

void render_pagerduty(const config::PagerdutyConfig& c, const Notification& n,
                      const TemplateSetPtr& t, RecordedNotification& rec) {
  Renderer r(*t, n);
  std::string body = pagerduty_payload(c, "<secret>", n, r);
  if (r.failed()) {
    rec.template_error = r.error().message;
    body = pagerduty_fallback_payload(c, "<secret>", n, r.error());
  }
  json j = json::parse(body, nullptr, false);
  add_field(rec, "description", string_at(j, {"payload", "summary"}));
  add_field(rec, "severity", string_at(j, {"payload", "severity"}));
  rec.payload = std::move(body);
}

void render_email(const config::EmailConfig& c, const Notification& n, const TemplateSetPtr& t,
                  RecordedNotification& rec) {
  // As EmailNotifier::create: the Subject header defaults to the default subject template.
  auto it = c.headers.find("Subject");
  std::string subject_tmpl =
      it != c.headers.end() ? it->second : "{{ template \"email.default.subject\" . }}";
  Renderer r(*t, n);
  std::string subject = r.text(subject_tmpl, "email header Subject");
  std::string text = r.text(c.text, "email text");
  std::string html = r.html(c.html, "email html");
  if (r.failed()) {
    rec.template_error = r.error().message;
    subject = fallback_subject(n);
    text = fallback_text(n, r.error());
    html.clear();
  }
  add_field(rec, "subject", std::move(subject));
  add_field(rec, "text", std::move(text));
  rec.payload = std::move(html);
}

class RecordingNotifier final : public Notifier {
 public:
  RecordingNotifier(config::Receiver receiver, std::string integration, int index,
                    bool send_resolved, TemplateSetPtr templates, NotificationRecorder recorder)
      : receiver_(std::move(receiver)),
        integration_(std::move(integration)),
        index_(index),
        send_resolved_(send_resolved),
        templates_(std::move(templates)),
        recorder_(std::move(recorder)) {}

  std::string_view integration() const override { return integration_; }
  bool send_resolved() const override { return send_resolved_; }
  void notify(const Notification& n, std::function<void(NotifyResult)> done) override {
    if (recorder_) recorder_(render_for_record(receiver_, integration_, index_, n, templates_));
    done(NotifyResult::ok());
  }

 private:
  config::Receiver receiver_;
  std::string integration_;
  int index_;
  bool send_resolved_;
  TemplateSetPtr templates_;
  NotificationRecorder recorder_;
};

}  // namespace

RecordedNotification render_for_record(const config::Receiver& receiver,
                                       std::string_view integration, int index,
                                       const Notification& n, const TemplateSetPtr& templates) {
  RecordedNotification rec;
  rec.at = n.now;
  rec.receiver = n.receiver;
  rec.integration = std::string(integration);
  rec.integration_index = index;
  rec.group_key = n.group_key;
  rec.group_labels = n.group_labels;
  rec.status = notification_data(n).status;
  for (const auto& a : n.alerts) {
    (alert_status(a, n.now) == "resolved" ? rec.resolved : rec.firing).push_back(a);
  }
  auto i = static_cast<size_t>(index);
  if (integration == "webhook" && i < receiver.webhook_configs.size()) {
    rec.payload = webhook_payload(n, receiver.webhook_configs[i].max_alerts);
  } else if (integration == "slack" && i < receiver.slack_configs.size()) {
    render_slack(receiver.slack_configs[i], n, templates, rec);
  } else if (integration == "email" && i < receiver.email_configs.size()) {
    render_email(receiver.email_configs[i], n, templates, rec);
  } else if (integration == "pagerduty" && i < receiver.pagerduty_configs.size()) {
    render_pagerduty(receiver.pagerduty_configs[i], n, templates, rec);
  } else {
    NotifierDeps deps;
    deps.templates = templates;
    add_field(rec, "text", LogNotifier(true, deps).render(n));
  }
  return rec;
}

Result<std::vector<Integration>> make_recording_integrations(const config::Receiver& receiver,
                                                             const NotifierDeps& deps,
                                                             NotificationRecorder recorder) {
  if (!deps.templates) return invalid_argument("receiver " + receiver.name + ": no templates");
  std::vector<Integration> out;
  auto add = [&](const char* name, const auto& confs) {
    for (size_t i = 0; i < confs.size(); ++i) {
      Integration in{name, static_cast<int>(i), nullptr};
      in.notifier = std::make_unique<RecordingNotifier>(receiver, name, static_cast<int>(i),
                                                        confs[i].send_resolved, deps.templates,
                                                        recorder);
      out.push_back(std::move(in));
    }
  };
  // make_integrations' order: webhook, email, pagerduty, slack, log.
  add("webhook", receiver.webhook_configs);
  add("email", receiver.email_configs);
  add("pagerduty", receiver.pagerduty_configs);
  add("slack", receiver.slack_configs);
  add("log", receiver.log_configs);
  return out;
}

}  // namespace tocsin::notifiers
