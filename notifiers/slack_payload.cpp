#include "notifiers/slack_payload.h"

#include "notifiers/fallback.h"
#include "notifiers/go_json.h"
#include "notifiers/template_data.h"
#include "notifiers/truncate.h"

namespace tocsin::notifiers {
namespace {

using json = nlohmann::ordered_json;

constexpr std::size_t kMaxTitleRunes = 1024;

void put_if(json& o, const char* key, std::string v) {
  if (!v.empty()) o[key] = std::move(v);
}

json mrkdwn_in(const config::SlackConfig& c) {
  if (c.mrkdwn_in.empty()) return json{"fallback", "pretext", "text"};
  json a = json::array();
  for (const auto& m : c.mrkdwn_in) a.push_back(m);
  return a;
}

bool is_literal(std::string_view s) { return s.find("{{") == std::string_view::npos; }

// Slack's escaping (&, <, >), for the fallback message built from raw label values.
std::string slack_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string slack_payload(const config::SlackConfig& c, Renderer& r) {
  json att = json::object();
  put_if(att, "title", truncate_runes(r.slack(c.title, "slack title"), kMaxTitleRunes).text);
  put_if(att, "title_link", r.text(c.title_link, "slack title_link"));
  put_if(att, "pretext", r.slack(c.pretext, "slack pretext"));
  att["text"] = r.slack(c.text, "slack text");
  att["fallback"] = r.slack(c.fallback, "slack fallback");
  att["callback_id"] = r.text(c.callback_id, "slack callback_id");
  if (!c.fields.empty()) {
    json fields = json::array();
    for (const auto& f : c.fields) {
      json fj = json::object();
      put_if(fj, "title", r.slack(f.title, "slack field title"));
      put_if(fj, "value", r.slack(f.value, "slack field value"));
      bool is_short = f.short_field.value_or(c.short_fields);
      if (is_short) fj["short"] = true;
      fields.push_back(std::move(fj));
    }
    att["fields"] = std::move(fields);
  }
  if (!c.actions.empty()) {
    json actions = json::array();
    for (const auto& a : c.actions) {
      json aj = json::object();
      put_if(aj, "type", r.text(a.type, "slack action type"));
      put_if(aj, "text", r.slack(a.text, "slack action text"));
      put_if(aj, "url", r.text(a.url, "slack action url"));
      put_if(aj, "style", r.text(a.style, "slack action style"));
      put_if(aj, "name", r.text(a.name, "slack action name"));
      put_if(aj, "value", r.text(a.value, "slack action value"));
      if (a.confirm) {
        json cj = json::object();
        put_if(cj, "text", r.slack(a.confirm->text, "slack confirm text"));
        put_if(cj, "title", r.slack(a.confirm->title, "slack confirm title"));
        put_if(cj, "ok_text", r.slack(a.confirm->ok_text, "slack confirm ok_text"));
        put_if(cj, "dismiss_text", r.slack(a.confirm->dismiss_text, "slack confirm dismiss_text"));
        aj["confirm"] = std::move(cj);
      }
      actions.push_back(std::move(aj));
    }
    att["actions"] = std::move(actions);
  }
  put_if(att, "image_url", r.text(c.image_url, "slack image_url"));
  put_if(att, "thumb_url", r.text(c.thumb_url, "slack thumb_url"));
  att["footer"] = r.slack(c.footer, "slack footer");
  put_if(att, "color", r.text(c.color, "slack color"));
  att["mrkdwn_in"] = mrkdwn_in(c);

  json req = json::object();
  put_if(req, "channel", r.text(c.channel, "slack channel"));
  put_if(req, "username", r.text(c.username, "slack username"));
  put_if(req, "icon_emoji", r.text(c.icon_emoji, "slack icon_emoji"));
  put_if(req, "icon_url", r.text(c.icon_url, "slack icon_url"));
  if (c.link_names) req["link_names"] = true;
  req["attachments"] = json::array({std::move(att)});
  if (r.failed()) return {};
  return go_json_encode(req);
}

std::string slack_fallback_payload(const config::SlackConfig& c, const Notification& n,
                                   const Error& template_error) {
  bool firing = false;
  for (const Alert& a : n.alerts) firing = firing || alert_status(a, n.now) == "firing";
  json att = json::object();
  att["title"] = slack_escape(fallback_subject(n));
  att["text"] = slack_escape(fallback_text(n, template_error));
  att["fallback"] = slack_escape(fallback_subject(n));
  att["callback_id"] = "";
  att["footer"] = "";
  att["color"] = firing ? "danger" : "good";
  json req = json::object();
  if (is_literal(c.channel)) put_if(req, "channel", c.channel);
  req["attachments"] = json::array({std::move(att)});
  return go_json_encode(req);
}

Status check_slack_response(std::string_view content_type, std::string_view body) {
  if (content_type.starts_with("application/json")) {
    auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) {
      return unavailable("could not unmarshal JSON response \"" + std::string(body) + "\"");
    }
    if (!j.value("ok", false)) {
      std::string err = j.contains("error") && j["error"].is_string() ? j["error"].get<std::string>() : "";
      return invalid_argument("error response from Slack: " + err);
    }
    return {};
  }
  if (body != "ok") {
    return invalid_argument("received an error response from Slack: " + std::string(body));
  }
  return {};
}

}  // namespace tocsin::notifiers
