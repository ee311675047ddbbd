// Decoding of receivers and their integrations (webhook, slack, email, pagerduty, and tocsin's
// log). Integrations tocsin does not implement are load errors naming them. Values inherited from
// `global` are filled in by post checks, once every file's global keys are known.
#include <set>

#include "engine/config/detail/decoder.h"

namespace tocsin::config::detail {
namespace {

constexpr std::string_view kSupported =
    "supported: webhook_configs, slack_configs, email_configs, pagerduty_configs, log_configs";
constexpr std::string_view kUnimplemented[] = {
    "opsgenie_configs", "victorops_configs", "wechat_configs", "pushover_configs",
    "sns_configs", "telegram_configs", "webex_configs", "discord_configs", "msteams_configs",
    "msteamsv2_configs", "jira_configs", "rocketchat_configs", "mattermost_configs",
    "incidentio_configs"};

constexpr std::string_view kSlackPostMessage = "https://slack.com/api/chat.postMessage";

// Canonical MIME header key, as Go's textproto.CanonicalMIMEHeaderKey: "content-type" → "Content-Type".
std::string canonical_header(std::string_view k) {
  std::string out(k);
  bool upper = true;
  for (char& c : out) {
    if (c == ' ' ) return std::string(k);
    c = upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
              : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    upper = c == '-';
  }
  return out;
}

void exclusive(Decoder& d, MapReader& m, const YAML::Node& n, const std::string& p,
               std::string_view a, std::string_view b) {
  if (m.has(a) && m.has(b)) {
    d.error(m.key_node(b), m.path(b),
            "at most one of " + std::string(a) + " & " + std::string(b) + " must be configured");
  }
}

// http_config: the receiver's own, or the global one when the receiver has none.
void http_config(Decoder& d, MapReader& m, HttpClientConfig& out,
                 std::function<HttpClientConfig&(Config&)> target) {
  if (auto v = m.get("http_config")) {
    decode_http_client(d, *v, m.path("http_config"), out);
  } else {
    d.post([target](Config& c, Decoder&) { target(c) = c.global.http_config; });
  }
}

void decode_webhook(Decoder& d, const YAML::Node& e, const std::string& p, size_t ri, size_t i,
                    WebhookConfig& w) {
  MapReader m(d, e, p);
  m.boolean("send_resolved", w.send_resolved);
  http_config(d, m, w.http_config, [ri, i](Config& c) -> HttpClientConfig& {
    return c.receivers[ri].webhook_configs[i].http_config;
  });
  const bool url_read = m.secret_url("url", w.url);  // false when absent or invalid
  m.path_str("url_file", w.url_file);
  m.uint("max_alerts", w.max_alerts);
  m.duration("timeout", w.timeout);
  // By value: `url:` left empty (null, "" or only a comment) configures no URL either; an
  // invalid one has its own error.
  if (w.url.empty() && w.url_file.empty() && m.ok() && (url_read || !m.has("url"))) {
    d.error(e, p, "one of url or url_file must be configured");
  }
  exclusive(d, m, e, p, "url", "url_file");
  m.finish();
}

void decode_slack(Decoder& d, const YAML::Node& e, const std::string& p, size_t ri, size_t i,
                  SlackConfig& s) {
  MapReader m(d, e, p);
  m.boolean("send_resolved", s.send_resolved);
  http_config(d, m, s.http_config, [ri, i](Config& c) -> HttpClientConfig& {
    return c.receivers[ri].slack_configs[i].http_config;
  });
  m.secret_url("api_url", s.api_url);
  m.path_str("api_url_file", s.api_url_file);
  m.secret("app_token", s.app_token);
  m.path_str("app_token_file", s.app_token_file);
  m.url("app_url", s.app_url);
  m.str("channel", s.channel);
  m.str("username", s.username);
  m.str("color", s.color);
  m.str("title", s.title);
  m.str("title_link", s.title_link);
  m.str("pretext", s.pretext);
  m.str("text", s.text);
  if (auto v = m.get("fields")) {
    for_each_item(d, *v, m.path("fields"), [&](const YAML::Node& fe, const std::string& fp) {
      SlackField f;
      MapReader fm(d, fe, fp);
      fm.str("title", f.title);
      fm.str("value", f.value);
      fm.opt_boolean("short", f.short_field);
      fm.finish();
      if (f.title.empty()) d.error(fe, fp, "missing title in Slack field configuration");
      if (f.value.empty()) d.error(fe, fp, "missing value in Slack field configuration");
      s.fields.push_back(std::move(f));
    });
  }
  m.boolean("short_fields", s.short_fields);
  m.str("footer", s.footer);
  m.str("fallback", s.fallback);
  m.str("callback_id", s.callback_id);
  m.str("icon_emoji", s.icon_emoji);
  m.str("icon_url", s.icon_url);
  m.str("image_url", s.image_url);
  m.str("thumb_url", s.thumb_url);
  m.boolean("link_names", s.link_names);
  m.str_list("mrkdwn_in", s.mrkdwn_in);
  if (auto v = m.get("actions")) {
    for_each_item(d, *v, m.path("actions"), [&](const YAML::Node& ae, const std::string& ap) {
      SlackAction a;
      MapReader am(d, ae, ap);
      am.str("type", a.type);
      am.str("text", a.text);
      am.str("url", a.url);
      am.str("style", a.style);
      am.str("name", a.name);
      am.str("value", a.value);
      if (auto c = am.get("confirm"); c && !c->IsNull()) {
        SlackConfirmationField cf;
        MapReader cm(d, *c, am.path("confirm"));
        cm.str("text", cf.text);
        cm.str("title", cf.title);
        cm.str("ok_text", cf.ok_text);
        cm.str("dismiss_text", cf.dismiss_text);
        cm.finish();
        if (cf.text.empty()) d.error(*c, am.path("confirm"), "missing text in Slack confirmation");
        a.confirm = std::move(cf);
      }
      am.finish();
      if (a.type.empty()) d.error(ae, ap, "missing type in Slack action configuration");
      if (a.text.empty()) d.error(ae, ap, "missing text in Slack action configuration");
      if (a.url.empty() && a.name.empty()) {
        d.error(ae, ap, "missing name or url in Slack action configuration");
      }
      s.actions.push_back(std::move(a));
    });
  }
  m.boolean("update_message", s.update_message);
  m.duration("timeout", s.timeout);
  exclusive(d, m, e, p, "api_url", "api_url_file");
  exclusive(d, m, e, p, "app_token", "app_token_file");
  m.finish();
  Location loc = d.at(e, p);
  d.post([ri, i, loc](Config& c, Decoder& dec) {
    SlackConfig& s = c.receivers[ri].slack_configs[i];
    const GlobalConfig& g = c.global;
    bool local_url = !s.api_url.empty() || !s.api_url_file.empty();
    bool local_token = !s.app_token.empty() || !s.app_token_file.empty();
    if (!local_url && !local_token) {
      if (!g.slack_app_token.empty() || !g.slack_app_token_file.empty()) {
        s.app_token = g.slack_app_token;
        s.app_token_file = g.slack_app_token_file;
      } else {
        s.api_url = g.slack_api_url;
        s.api_url_file = g.slack_api_url_file;
      }
    }
    bool token = !s.app_token.empty() || !s.app_token_file.empty();
    if (token && s.app_url.empty()) s.app_url = g.slack_app_url;
    if (s.api_url.empty() && s.api_url_file.empty() && !token) {
      dec.error(loc, "no Slack API URL nor App token set either inline or in a file");
    }
    if (s.update_message && !token && s.api_url.reveal() != kSlackPostMessage) {
      dec.error(loc, "update_message can only be used with bot tokens. api_url must be set to "
                     "https://slack.com/api/chat.postMessage");
    }
  });
}

void decode_email(Decoder& d, const YAML::Node& e, const std::string& p, size_t ri, size_t i,
                  EmailConfig& em) {
  MapReader m(d, e, p);
  m.boolean("send_resolved", em.send_resolved);
  m.str("to", em.to);
  m.str("from", em.from);
  m.str("hello", em.hello);
  m.str("smarthost", em.smarthost);
  m.str("auth_username", em.auth_username);
  m.secret("auth_password", em.auth_password);
  m.path_str("auth_password_file", em.auth_password_file);
  m.secret("auth_secret", em.auth_secret);
  m.path_str("auth_secret_file", em.auth_secret_file);
  m.str("auth_identity", em.auth_identity);
  if (auto v = m.get("headers")) {
    std::map<std::string, std::string> raw;
    if (read_string_map(d, *v, m.path("headers"), raw)) {
      for (auto& [k, val] : raw) {
        std::string ck = canonical_header(k);
        if (em.headers.count(ck)) {
          d.error(*v, m.path("headers"), "duplicate header " + quote(ck) + " in email config");
        }
        em.headers[ck] = val;
      }
    }
  }
  m.str("html", em.html);
  m.str("text", em.text);
  m.opt_boolean("require_tls", em.require_tls);
  m.opt_boolean("force_implicit_tls", em.force_implicit_tls);
  if (auto v = m.get("tls_config")) decode_tls_config(d, *v, m.path("tls_config"), em.tls_config);
  if (em.to.empty() && m.ok()) d.error(e, p, "missing to address in email config");
  exclusive(d, m, e, p, "auth_password", "auth_password_file");
  exclusive(d, m, e, p, "auth_secret", "auth_secret_file");
  m.finish();
  Location loc = d.at(e, p);
  d.post([ri, i, loc](Config& c, Decoder& dec) {
    EmailConfig& em = c.receivers[ri].email_configs[i];
    const GlobalConfig& g = c.global;
    if (em.smarthost.empty()) {
      if (g.smtp_smarthost.empty()) dec.error(loc, "no global SMTP smarthost set");
      em.smarthost = g.smtp_smarthost;
    }
    if (em.from.empty()) {
      if (g.smtp_from.empty()) dec.error(loc, "no global SMTP from set");
      em.from = g.smtp_from;
    }
    if (em.hello.empty()) em.hello = g.smtp_hello;
    if (em.auth_username.empty()) em.auth_username = g.smtp_auth_username;
    if (em.auth_password.empty() && em.auth_password_file.empty()) {
      em.auth_password = g.smtp_auth_password;
      em.auth_password_file = g.smtp_auth_password_file;
    }
    if (em.auth_secret.empty() && em.auth_secret_file.empty()) {
      em.auth_secret = g.smtp_auth_secret;
      em.auth_secret_file = g.smtp_auth_secret_file;
    }
    if (em.auth_identity.empty()) em.auth_identity = g.smtp_auth_identity;
    if (!em.require_tls) em.require_tls = g.smtp_require_tls;
    if (!em.force_implicit_tls) em.force_implicit_tls = g.smtp_force_implicit_tls;
    em.headers.try_emplace("Subject", "{{ template \"email.default.subject\" . }}");
    em.headers.try_emplace("To", em.to);
    em.headers.try_emplace("From", em.from);
  });
}

void decode_pagerduty(Decoder& d, const YAML::Node& e, const std::string& p, size_t ri, size_t i,
                      PagerdutyConfig& pd) {
  MapReader m(d, e, p);
  m.boolean("send_resolved", pd.send_resolved);
  http_config(d, m, pd.http_config, [ri, i](Config& c) -> HttpClientConfig& {
    return c.receivers[ri].pagerduty_configs[i].http_config;
  });
  m.secret("service_key", pd.service_key);
  m.path_str("service_key_file", pd.service_key_file);
  m.secret("routing_key", pd.routing_key);
  m.path_str("routing_key_file", pd.routing_key_file);
  m.url("url", pd.url);
  m.str("client", pd.client);
  m.str("client_url", pd.client_url);
  m.str("description", pd.description);
  m.str_map("details", pd.details);
  if (auto v = m.get("images")) {
    for_each_item(d, *v, m.path("images"), [&](const YAML::Node& ie, const std::string& ip) {
      PagerdutyImage img;
      MapReader im(d, ie, ip);
      im.str("src", img.src);
      im.str("alt", img.alt);
      im.str("href", img.href);
      im.finish();
      pd.images.push_back(std::move(img));
    });
  }
  if (auto v = m.get("links")) {
    for_each_item(d, *v, m.path("links"), [&](const YAML::Node& le, const std::string& lp) {
      PagerdutyLink link;
      MapReader lm(d, le, lp);
      lm.str("href", link.href);
      lm.str("text", link.text);
      lm.finish();
      pd.links.push_back(std::move(link));
    });
  }
  m.str("source", pd.source);
  m.str("severity", pd.severity);
  m.str("class", pd.class_);
  m.str("component", pd.component);
  m.str("group", pd.group);
  m.duration("timeout", pd.timeout);
  if (pd.routing_key.empty() && pd.routing_key_file.empty() && pd.service_key.empty() &&
      pd.service_key_file.empty() && m.ok()) {
    d.error(e, p, "missing service or routing key in PagerDuty config");
  }
  exclusive(d, m, e, p, "routing_key", "routing_key_file");
  exclusive(d, m, e, p, "service_key", "service_key_file");
  m.finish();
  static const std::pair<const char*, const char*> kDetails[] = {
      {"firing", "{{ template \"pagerduty.default.instances\" .Alerts.Firing }}"},
      {"resolved", "{{ template \"pagerduty.default.instances\" .Alerts.Resolved }}"},
      {"num_firing", "{{ .Alerts.Firing | len }}"},
      {"num_resolved", "{{ .Alerts.Resolved | len }}"}};
  for (auto [k, v] : kDetails) pd.details.try_emplace(k, v);
  d.post([ri, i](Config& c, Decoder&) {
    PagerdutyConfig& pd = c.receivers[ri].pagerduty_configs[i];
    if (pd.url.empty()) pd.url = c.global.pagerduty_url;
  });
}

template <class T, class F>
void decode_list(Decoder& d, MapReader& m, std::string_view key, std::vector<T>& out, size_t ri,
                 F decode_one) {
  auto v = m.get(key);
  if (!v) return;
  for_each_item(d, *v, m.path(key), [&](const YAML::Node& e, const std::string& p) {
    T item;
    decode_one(d, e, p, ri, out.size(), item);
    out.push_back(std::move(item));
  });
}

}  // namespace

void decode_receivers(Decoder& d, const YAML::Node& n, const std::string& path, Config& c) {
  for_each_item(d, n, path, [&](const YAML::Node& e, const std::string& p) {
    size_t ri = c.receivers.size();
    c.receivers.emplace_back();
    Receiver& r = c.receivers.back();
    MapReader m(d, e, p);
    m.str("name", r.name);
    if (r.name.empty() && m.ok()) d.error(e, p, "missing name in receiver");
    decode_list(d, m, "webhook_configs", r.webhook_configs, ri, decode_webhook);
    decode_list(d, m, "slack_configs", r.slack_configs, ri, decode_slack);
    decode_list(d, m, "email_configs", r.email_configs, ri, decode_email);
    decode_list(d, m, "pagerduty_configs", r.pagerduty_configs, ri, decode_pagerduty);
    if (auto v = m.get("log_configs")) {
      for_each_item(d, *v, m.path("log_configs"), [&](const YAML::Node& le, const std::string& lp) {
        LogConfig lc;
        MapReader lm(d, le, lp);
        lm.boolean("send_resolved", lc.send_resolved);
        lm.finish();
        r.log_configs.push_back(lc);
      });
    }
    if (e.IsMap()) {
      for (const auto& kv : e) {
        std::string key = kv.first.Scalar();
        bool unimplemented = false;
        for (std::string_view u : kUnimplemented) unimplemented |= key == u;
        if (unimplemented || (key.ends_with("_configs") && key != "webhook_configs" && key != "slack_configs" &&
                              key != "email_configs" && key != "pagerduty_configs" &&
                              key != "log_configs")) {
          m.get(key);
          d.error(kv.first, m.path(key),
                  "receiver integration " + key + " is not supported by tocsin (" +
                      std::string(kSupported) + ")");
        }
      }
    }
    m.finish();
    for (size_t k = 0; k < ri; ++k) {
      if (!r.name.empty() && c.receivers[k].name == r.name) {
        d.error(e, p, "notification config name " + quote(r.name) + " is not unique");
        break;
      }
    }
  });
}

}  // namespace tocsin::config::detail
