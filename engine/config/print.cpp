// print_config: the loaded Config as YAML with every secret shown as "<secret>" (except a
// webhook receiver's inline url, printed in clear as Alertmanager 0.25 does). The output uses
// the same keys as the input format, so it loads again (secrets aside).
#include <algorithm>

#include <yaml-cpp/yaml.h>

#include "engine/config/load.h"

namespace tocsin::config {
namespace {

using YAML::BeginMap;
using YAML::BeginSeq;
using YAML::EndMap;
using YAML::EndSeq;
using YAML::Key;
using YAML::Value;

// Default-constructed receiver configurations: what a key left out of the file means.
const EmailConfig kEmail{};
const PagerdutyConfig kPagerduty{};
const SlackConfig kSlack{};

class Printer {
 public:
  YAML::Emitter& out() { return e_; }
  std::string str() const { return e_.c_str(); }

  // One string scalar. yaml-cpp writes some control characters (a carriage return) into plain
  // scalars, where the loader reads them as line breaks; such strings are double-quoted, with
  // escapes.
  void text(const std::string& v) {
    const bool control = std::any_of(v.begin(), v.end(), [](char c) {
      const auto u = static_cast<unsigned char>(c);
      return u < 0x20 || u == 0x7f;
    });
    if (control) e_ << YAML::DoubleQuoted;
    e_ << v;
  }
  void str(const char* key, const std::string& v) {
    if (v.empty()) return;
    e_ << Key << key << Value;
    text(v);
  }
  // A key with a default: also printed as "" when set to "" over a non-empty default, which
  // would otherwise load back as the default.
  void str(const char* key, const std::string& v, const std::string& def) {
    if (!v.empty() || !def.empty()) always(key, v);
  }
  void always(const char* key, const std::string& v) {
    e_ << Key << key << Value;
    text(v);
  }
  void secret(const char* key, const Secret& s) {
    if (!s.empty()) e_ << Key << key << Value << std::string(kSecretMask);
  }
  void boolean(const char* key, bool v) { e_ << Key << key << Value << v; }
  void opt_bool(const char* key, const std::optional<bool>& v) {
    if (v) e_ << Key << key << Value << *v;
  }
  void duration(const char* key, Duration d) { e_ << Key << key << Value << format_duration(d); }
  void nonzero_duration(const char* key, Duration d) {
    if (d != 0) duration(key, d);
  }
  void opt_duration(const char* key, const std::optional<Duration>& d) {
    if (d) duration(key, *d);
  }
  void uint(const char* key, std::uint64_t v) {
    if (v != 0) e_ << Key << key << Value << v;
  }
  void list(const char* key, const std::vector<std::string>& v,
            const std::vector<std::string>& def = {}) {
    if (v.empty() && def.empty()) return;
    e_ << Key << key << Value << YAML::Flow << BeginSeq;
    for (const auto& s : v) text(s);
    e_ << EndSeq;
  }
  void map(const char* key, const std::map<std::string, std::string>& m) {
    if (m.empty()) return;
    e_ << Key << key << Value << BeginMap;
    for (const auto& [k, v] : m) {
      e_ << Key;
      text(k);
      e_ << Value;
      text(v);
    }
    e_ << EndMap;
  }

  void tls(const char* key, const TlsConfig& t) {
    if (t.ca_file.empty() && t.cert_file.empty() && t.key_file.empty() && t.ca.empty() &&
        t.cert.empty() && t.key.empty() && t.server_name.empty() && !t.insecure_skip_verify &&
        t.min_version.empty() && t.max_version.empty()) {
      return;
    }
    e_ << Key << key << Value << BeginMap;
    str("ca", t.ca);
    str("ca_file", t.ca_file);
    str("cert", t.cert);
    str("cert_file", t.cert_file);
    secret("key", t.key);
    str("key_file", t.key_file);
    str("server_name", t.server_name);
    boolean("insecure_skip_verify", t.insecure_skip_verify);
    str("min_version", t.min_version);
    str("max_version", t.max_version);
    e_ << EndMap;
  }

  // The HTTP client keys, without the enclosing map.
  void http_inline(const HttpClientConfig& h) {
    if (h.basic_auth) {
      e_ << Key << "basic_auth" << Value << BeginMap;
      str("username", h.basic_auth->username);
      str("username_file", h.basic_auth->username_file);
      secret("password", h.basic_auth->password);
      str("password_file", h.basic_auth->password_file);
      e_ << EndMap;
    }
    if (h.authorization) {
      e_ << Key << "authorization" << Value << BeginMap;
      str("type", h.authorization->type);
      secret("credentials", h.authorization->credentials);
      str("credentials_file", h.authorization->credentials_file);
      e_ << EndMap;
    }
    tls("tls_config", h.tls_config);
    str("proxy_url", h.proxy_url);
    str("no_proxy", h.no_proxy);
    if (h.proxy_from_environment) boolean("proxy_from_environment", true);
    if (!h.proxy_connect_header.empty()) {
      e_ << Key << "proxy_connect_header" << Value << BeginMap;
      for (const auto& [name, values] : h.proxy_connect_header) {
        e_ << Key;
        text(name);
        e_ << Value << YAML::Flow << BeginSeq;
        for (const Secret& v : values) e_ << (v.empty() ? "" : std::string(kSecretMask));
        e_ << EndSeq;
      }
      e_ << EndMap;
    }
    boolean("follow_redirects", h.follow_redirects);
    boolean("enable_http2", h.enable_http2);
  }
  void http(const char* key, const HttpClientConfig& h) {
    e_ << Key << key << Value << BeginMap;
    http_inline(h);
    e_ << EndMap;
  }

  void relabel(const char* key, const std::vector<RelabelConfig>& rs) {
    if (rs.empty()) return;
    e_ << Key << key << Value << BeginSeq;
    for (const RelabelConfig& r : rs) {
      e_ << BeginMap;
      list("source_labels", r.source_labels);
      always("separator", r.separator);
      str("target_label", r.target_label);
      always("regex", r.regex);
      uint("modulus", r.modulus);
      always("replacement", r.replacement);
      always("action", std::string(to_string(r.action)));
      e_ << EndMap;
    }
    e_ << EndSeq;
  }

  void targets(const std::vector<StaticConfig>& scs, const std::vector<FileSdConfig>& fs) {
    if (!scs.empty()) {
      e_ << Key << "static_configs" << Value << BeginSeq;
      for (const StaticConfig& sc : scs) {
        e_ << BeginMap;
        list("targets", sc.targets);
        map("labels", sc.labels);
        e_ << EndMap;
      }
      e_ << EndSeq;
    }
    if (!fs.empty()) {
      e_ << Key << "file_sd_configs" << Value << BeginSeq;
      for (const FileSdConfig& f : fs) {
        e_ << BeginMap;
        list("files", f.files);
        duration("refresh_interval", f.refresh_interval);
        e_ << EndMap;
      }
      e_ << EndSeq;
    }
  }

  void route(const Route& r) {
    e_ << BeginMap;
    str("receiver", r.receiver);
    if (r.group_by) list("group_by", *r.group_by);
    if (r.continue_matching) boolean("continue", true);
    map("match", r.match);
    map("match_re", r.match_re);
    if (!r.matchers.empty()) {
      e_ << Key << "matchers" << Value << BeginSeq;
      for (const auto& m : r.matchers) text(m.to_string());
      e_ << EndSeq;
    }
    opt_duration("group_wait", r.group_wait);
    opt_duration("group_interval", r.group_interval);
    opt_duration("repeat_interval", r.repeat_interval);
    list("mute_time_intervals", r.mute_time_intervals);
    list("active_time_intervals", r.active_time_intervals);
    str("fallback_receiver", r.fallback_receiver);
    if (!r.routes.empty()) {
      e_ << Key << "routes" << Value << BeginSeq;
      for (const Route& child : r.routes) route(child);
      e_ << EndSeq;
    }
    e_ << EndMap;
  }

  void matcher_list(const char* key, const std::vector<matchers::Matcher>& ms) {
    if (ms.empty()) return;
    e_ << Key << key << Value << BeginSeq;
    for (const auto& m : ms) text(m.to_string());
    e_ << EndSeq;
  }

 private:
  YAML::Emitter e_;
};

std::string hhmm(int minutes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60, minutes % 60);
  return buf;
}

std::vector<std::string> ranges(const std::vector<InclusiveRange>& rs,
                                std::string (*name)(int)) {
  std::vector<std::string> out;
  for (const auto& r : rs) {
    out.push_back(r.begin == r.end ? name(r.begin) : name(r.begin) + ":" + name(r.end));
  }
  return out;
}

std::string number(int v) { return std::to_string(v); }
std::string weekday(int v) {
  static const char* k[] = {"sunday", "monday", "tuesday", "wednesday", "thursday", "friday",
                            "saturday"};
  return k[v];
}

// `alertmanager_only`: only alertmanager.yml's keys (see print_alertmanager_config).
std::string print(const Config& c, bool alertmanager_only) {
  Printer p;
  YAML::Emitter& e = p.out();
  const GlobalConfig& g = c.global;
  e << BeginMap;
  e << Key << "global" << Value << BeginMap;
  if (!alertmanager_only) {
  p.duration("scrape_interval", g.scrape_interval);
  p.duration("scrape_timeout", g.scrape_timeout);
  p.duration("evaluation_interval", g.evaluation_interval);
  p.nonzero_duration("rule_query_offset", g.rule_query_offset);
  p.map("external_labels", g.external_labels);
  p.str("query_log_file", g.query_log_file);
  p.str("scrape_failure_log_file", g.scrape_failure_log_file);
  p.list("scrape_protocols", g.scrape_protocols);
  p.uint("sample_limit", g.sample_limit);
  p.uint("target_limit", g.target_limit);
  p.uint("label_limit", g.label_limit);
  p.uint("label_name_length_limit", g.label_name_length_limit);
  p.uint("label_value_length_limit", g.label_value_length_limit);
  p.uint("keep_dropped_targets", g.keep_dropped_targets);
  if (g.body_size_limit) e << Key << "body_size_limit" << Value << (std::to_string(g.body_size_limit) + "B");
  }
  p.duration("resolve_timeout", g.resolve_timeout);
  p.http("http_config", g.http_config);
  p.str("smtp_from", g.smtp_from);
  // Keys with a non-empty default print even when set to "", which must load back as "".
  p.always("smtp_hello", g.smtp_hello);
  p.str("smtp_smarthost", g.smtp_smarthost);
  p.str("smtp_auth_username", g.smtp_auth_username);
  p.secret("smtp_auth_password", g.smtp_auth_password);
  p.str("smtp_auth_password_file", g.smtp_auth_password_file);
  p.secret("smtp_auth_secret", g.smtp_auth_secret);
  p.str("smtp_auth_secret_file", g.smtp_auth_secret_file);
  p.str("smtp_auth_identity", g.smtp_auth_identity);
  p.boolean("smtp_require_tls", g.smtp_require_tls);
  p.opt_bool("smtp_force_implicit_tls", g.smtp_force_implicit_tls);
  p.secret("slack_api_url", g.slack_api_url);
  p.str("slack_api_url_file", g.slack_api_url_file);
  p.secret("slack_app_token", g.slack_app_token);
  p.str("slack_app_token_file", g.slack_app_token_file);
  // A key Alertmanager 0.25 does not know; its default only matters with an app token.
  if (!alertmanager_only || !g.slack_app_token.empty() || !g.slack_app_token_file.empty()) {
    p.always("slack_app_url", g.slack_app_url);
  }
  p.always("pagerduty_url", g.pagerduty_url);
  for (const auto& [k, v] : g.other) {
    bool secret = k.ends_with("_key") || k.ends_with("_secret") || k.ends_with("_token") ||
                  k.ends_with("_token_id") || k == "mattermost_webhook_url";
    if (secret && !v.empty()) p.always(k.c_str(), std::string(kSecretMask));
    else p.str(k.c_str(), v);
  }
  e << EndMap;

  if (!alertmanager_only) {
  p.list("rule_files", c.rule_files);
  if (!c.scrape_configs.empty()) {
    e << Key << "scrape_configs" << Value << BeginSeq;
    for (const ScrapeConfig& s : c.scrape_configs) {
      e << BeginMap;
      p.always("job_name", s.job_name);
      p.boolean("honor_labels", s.honor_labels);
      p.boolean("honor_timestamps", s.honor_timestamps);
      p.duration("scrape_interval", s.scrape_interval);
      p.duration("scrape_timeout", s.scrape_timeout);
      p.always("metrics_path", s.metrics_path);
      p.always("scheme", s.scheme);
      if (!s.params.empty()) {
        e << Key << "params" << Value << BeginMap;
        for (const auto& [k, vs] : s.params) {
          e << Key << k << Value << YAML::Flow << BeginSeq;
          for (const auto& v : vs) e << v;
          e << EndSeq;
        }
        e << EndMap;
      }
      p.uint("sample_limit", s.sample_limit);
      p.uint("target_limit", s.target_limit);
      p.uint("label_limit", s.label_limit);
      p.uint("label_name_length_limit", s.label_name_length_limit);
      p.uint("label_value_length_limit", s.label_value_length_limit);
      if (s.body_size_limit) e << Key << "body_size_limit" << Value << (std::to_string(s.body_size_limit) + "B");
      p.http_inline(s.http);
      p.targets(s.static_configs, s.file_sd_configs);
      p.relabel("relabel_configs", s.relabel_configs);
      p.relabel("metric_relabel_configs", s.metric_relabel_configs);
      e << EndMap;
    }
    e << EndSeq;
  }
  if (!c.alerting.alertmanagers.empty() || !c.alerting.alert_relabel_configs.empty()) {
    e << Key << "alerting" << Value << BeginMap;
    p.relabel("alert_relabel_configs", c.alerting.alert_relabel_configs);
    if (!c.alerting.alertmanagers.empty()) {
      e << Key << "alertmanagers" << Value << BeginSeq;
      for (const AlertmanagerTarget& a : c.alerting.alertmanagers) {
        e << BeginMap;
        p.always("scheme", a.scheme);
        p.str("path_prefix", a.path_prefix);
        p.duration("timeout", a.timeout);
        p.always("api_version", a.api_version);
        p.http_inline(a.http);
        p.targets(a.static_configs, a.file_sd_configs);
        p.relabel("relabel_configs", a.relabel_configs);
        p.relabel("alert_relabel_configs", a.alert_relabel_configs);
        e << EndMap;
      }
      e << EndSeq;
    }
    e << EndMap;
  }
  if (!c.datasource.url.empty()) {
    e << Key << "datasource" << Value << BeginMap;
    p.always("url", c.datasource.url);
    p.duration("timeout", c.datasource.timeout);
    p.nonzero_duration("query_offset", c.datasource.query_offset);
    p.http_inline(c.datasource.http);
    e << EndMap;
  }
  if (!c.remote_write.empty()) {
    e << Key << "remote_write" << Value << BeginSeq;
    for (const RemoteWriteConfig& w : c.remote_write) {
      e << BeginMap;
      p.always("url", w.url);
      p.str("name", w.name);
      p.duration("remote_timeout", w.remote_timeout);
      if (!w.headers.empty()) {
        p.map("headers", w.headers);
      }
      p.relabel("write_relabel_configs", w.write_relabel_configs);
      if (w.queue_config) {
        const RemoteWriteQueueConfig& q = *w.queue_config;
        e << Key << "queue_config" << Value << BeginMap;
        e << Key << "capacity" << Value << q.capacity;
        e << Key << "max_shards" << Value << q.max_shards;
        e << Key << "min_shards" << Value << q.min_shards;
        e << Key << "max_samples_per_send" << Value << q.max_samples_per_send;
        p.duration("batch_send_deadline", q.batch_send_deadline);
        p.duration("min_backoff", q.min_backoff);
        p.duration("max_backoff", q.max_backoff);
        p.boolean("retry_on_http_429", q.retry_on_http_429);
        p.nonzero_duration("sample_age_limit", q.sample_age_limit);
        e << EndMap;
      }
      if (w.metadata_config) {
        e << Key << "metadata_config" << Value << BeginMap;
        p.boolean("send", w.metadata_config->send);
        p.duration("send_interval", w.metadata_config->send_interval);
        e << Key << "max_samples_per_send" << Value << w.metadata_config->max_samples_per_send;
        e << EndMap;
      }
      p.http_inline(w.http);
      e << EndMap;
    }
    e << EndSeq;
  }
  }

  if (c.has_route) {
    e << Key << "route" << Value;
    p.route(c.route);
  }
  if (!c.inhibit_rules.empty()) {
    e << Key << "inhibit_rules" << Value << BeginSeq;
    for (const InhibitRule& r : c.inhibit_rules) {
      e << BeginMap;
      p.map("source_match", r.source_match);
      p.map("source_match_re", r.source_match_re);
      p.matcher_list("source_matchers", r.source_matchers);
      p.map("target_match", r.target_match);
      p.map("target_match_re", r.target_match_re);
      p.matcher_list("target_matchers", r.target_matchers);
      p.list("equal", r.equal);
      e << EndMap;
    }
    e << EndSeq;
  }
  if (!c.receivers.empty()) {
    e << Key << "receivers" << Value << BeginSeq;
    for (const Receiver& r : c.receivers) {
      e << BeginMap;
      p.always("name", r.name);
      if (!r.webhook_configs.empty()) {
        e << Key << "webhook_configs" << Value << BeginSeq;
        for (const WebhookConfig& w : r.webhook_configs) {
          e << BeginMap;
          p.boolean("send_resolved", w.send_resolved);
          p.http("http_config", w.http_config);
          // In clear, as Alertmanager 0.25 prints a webhook url (amtool needs a URL here);
          // masked when it came from url_file.
          if (w.url_from_file) {
            p.secret("url", w.url);
          } else {
            p.str("url", w.url.reveal());
          }
          p.str("url_file", w.url_file);
          p.uint("max_alerts", w.max_alerts);
          p.nonzero_duration("timeout", w.timeout);
          e << EndMap;
        }
        e << EndSeq;
      }
      if (!r.email_configs.empty()) {
        e << Key << "email_configs" << Value << BeginSeq;
        for (const EmailConfig& m : r.email_configs) {
          e << BeginMap;
          p.boolean("send_resolved", m.send_resolved);
          p.always("to", m.to);
          p.str("from", m.from, kEmail.from);
          p.str("hello", m.hello, kEmail.hello);
          p.str("smarthost", m.smarthost, kEmail.smarthost);
          p.str("auth_username", m.auth_username, kEmail.auth_username);
          p.secret("auth_password", m.auth_password);
          p.str("auth_password_file", m.auth_password_file, kEmail.auth_password_file);
          p.secret("auth_secret", m.auth_secret);
          p.str("auth_secret_file", m.auth_secret_file, kEmail.auth_secret_file);
          p.str("auth_identity", m.auth_identity, kEmail.auth_identity);
          p.map("headers", m.headers);
          p.str("html", m.html, kEmail.html);
          p.str("text", m.text, kEmail.text);
          p.opt_bool("require_tls", m.require_tls);
          p.opt_bool("force_implicit_tls", m.force_implicit_tls);
          p.tls("tls_config", m.tls_config);
          e << EndMap;
        }
        e << EndSeq;
      }
      if (!r.pagerduty_configs.empty()) {
        e << Key << "pagerduty_configs" << Value << BeginSeq;
        for (const PagerdutyConfig& d : r.pagerduty_configs) {
          e << BeginMap;
          p.boolean("send_resolved", d.send_resolved);
          p.http("http_config", d.http_config);
          p.secret("service_key", d.service_key);
          p.str("service_key_file", d.service_key_file, kPagerduty.service_key_file);
          p.secret("routing_key", d.routing_key);
          p.str("routing_key_file", d.routing_key_file, kPagerduty.routing_key_file);
          p.str("url", d.url, kPagerduty.url);
          p.str("client", d.client, kPagerduty.client);
          p.str("client_url", d.client_url, kPagerduty.client_url);
          p.str("description", d.description, kPagerduty.description);
          p.map("details", d.details);
          if (!d.images.empty()) {
            e << Key << "images" << Value << BeginSeq;
            for (const auto& i : d.images) {
              e << BeginMap;
              p.str("src", i.src);
              p.str("alt", i.alt);
              p.str("href", i.href);
              e << EndMap;
            }
            e << EndSeq;
          }
          if (!d.links.empty()) {
            e << Key << "links" << Value << BeginSeq;
            for (const auto& l : d.links) {
              e << BeginMap;
              p.str("href", l.href);
              p.str("text", l.text);
              e << EndMap;
            }
            e << EndSeq;
          }
          p.str("source", d.source, kPagerduty.source);
          p.str("severity", d.severity, kPagerduty.severity);
          p.str("class", d.class_, kPagerduty.class_);
          p.str("component", d.component, kPagerduty.component);
          p.str("group", d.group, kPagerduty.group);
          p.nonzero_duration("timeout", d.timeout);
          e << EndMap;
        }
        e << EndSeq;
      }
      if (!r.slack_configs.empty()) {
        e << Key << "slack_configs" << Value << BeginSeq;
        for (const SlackConfig& s : r.slack_configs) {
          e << BeginMap;
          p.boolean("send_resolved", s.send_resolved);
          p.http("http_config", s.http_config);
          p.secret("api_url", s.api_url);
          p.str("api_url_file", s.api_url_file, kSlack.api_url_file);
          p.secret("app_token", s.app_token);
          p.str("app_token_file", s.app_token_file, kSlack.app_token_file);
          p.str("app_url", s.app_url, kSlack.app_url);
          p.str("channel", s.channel, kSlack.channel);
          p.str("username", s.username, kSlack.username);
          p.str("color", s.color, kSlack.color);
          p.str("title", s.title, kSlack.title);
          p.str("title_link", s.title_link, kSlack.title_link);
          p.str("pretext", s.pretext, kSlack.pretext);
          p.str("text", s.text, kSlack.text);
          if (!s.fields.empty()) {
            e << Key << "fields" << Value << BeginSeq;
            for (const auto& f : s.fields) {
              e << BeginMap;
              p.always("title", f.title);
              p.always("value", f.value);
              p.opt_bool("short", f.short_field);
              e << EndMap;
            }
            e << EndSeq;
          }
          p.boolean("short_fields", s.short_fields);
          p.str("footer", s.footer, kSlack.footer);
          p.str("fallback", s.fallback, kSlack.fallback);
          p.str("callback_id", s.callback_id, kSlack.callback_id);
          p.str("icon_emoji", s.icon_emoji, kSlack.icon_emoji);
          p.str("icon_url", s.icon_url, kSlack.icon_url);
          p.str("image_url", s.image_url, kSlack.image_url);
          p.str("thumb_url", s.thumb_url, kSlack.thumb_url);
          p.boolean("link_names", s.link_names);
          p.list("mrkdwn_in", s.mrkdwn_in, kSlack.mrkdwn_in);
          if (!s.actions.empty()) {
            e << Key << "actions" << Value << BeginSeq;
            for (const auto& a : s.actions) {
              e << BeginMap;
              p.always("type", a.type);
              p.always("text", a.text);
              p.str("url", a.url);
              p.str("style", a.style);
              p.str("name", a.name);
              p.str("value", a.value);
              if (a.confirm) {
                e << Key << "confirm" << Value << BeginMap;
                p.always("text", a.confirm->text);
                p.str("title", a.confirm->title);
                p.str("ok_text", a.confirm->ok_text);
                p.str("dismiss_text", a.confirm->dismiss_text);
                e << EndMap;
              }
              e << EndMap;
            }
            e << EndSeq;
          }
          if (s.update_message) p.boolean("update_message", true);
          p.nonzero_duration("timeout", s.timeout);
          e << EndMap;
        }
        e << EndSeq;
      }
      if (!r.log_configs.empty()) {
        e << Key << "log_configs" << Value << BeginSeq;
        for (const LogConfig& l : r.log_configs) {
          e << BeginMap;
          p.boolean("send_resolved", l.send_resolved);
          e << EndMap;
        }
        e << EndSeq;
      }
      e << EndMap;
    }
    e << EndSeq;
  }
  if (!c.time_intervals.empty()) {
    e << Key << "time_intervals" << Value << BeginSeq;
    for (const NamedTimeInterval& n : c.time_intervals) {
      e << BeginMap;
      p.always("name", n.name);
      e << Key << "time_intervals" << Value << BeginSeq;
      for (const TimeInterval& t : n.time_intervals) {
        e << BeginMap;
        if (!t.times.empty()) {
          e << Key << "times" << Value << BeginSeq;
          for (const TimeRange& r : t.times) {
            e << BeginMap;
            p.always("start_time", hhmm(r.start_minute));
            p.always("end_time", hhmm(r.end_minute));
            e << EndMap;
          }
          e << EndSeq;
        }
        p.list("weekdays", ranges(t.weekdays, weekday));
        p.list("days_of_month", ranges(t.days_of_month, number));
        p.list("months", ranges(t.months, number));
        p.list("years", ranges(t.years, number));
        p.str("location", t.location);
        e << EndMap;
      }
      e << EndSeq;
      e << EndMap;
    }
    e << EndSeq;
  }
  p.list("templates", c.templates);
  if (c.tocsin.compat != "prometheus3") {
    e << Key << "tocsin" << Value << BeginMap;
    e << Key << "compat" << Value << c.tocsin.compat;
    e << EndMap;
  }
  e << EndMap;
  return p.str() + "\n";
}

}  // namespace

std::string print_config(const Config& c) { return print(c, false); }

std::string print_alertmanager_config(const Config& c) { return print(c, true); }

}  // namespace tocsin::config
