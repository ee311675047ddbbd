// Decoding of the Prometheus half: globals (both products' keys), scrape configs, relabeling,
// the alerting section, and the checks that need the merged global section.
#include <algorithm>

#include <re2/re2.h>

#include "engine/config/detail/decoder.h"

namespace tocsin::config::detail {
namespace {

// Globals of Alertmanager integrations tocsin does not implement: accepted, kept verbatim.
constexpr std::string_view kOtherGlobals[] = {
    "opsgenie_api_url", "opsgenie_api_key", "opsgenie_api_key_file", "wechat_api_url",
    "wechat_api_secret", "wechat_api_secret_file", "wechat_api_corp_id", "victorops_api_url",
    "victorops_api_key", "victorops_api_key_file", "telegram_api_url", "telegram_bot_token",
    "telegram_bot_token_file", "webex_api_url", "rocketchat_api_url", "rocketchat_token",
    "rocketchat_token_file", "rocketchat_token_id", "rocketchat_token_id_file",
    "mattermost_webhook_url", "mattermost_webhook_url_file", "jira_api_url",
    // Prometheus globals tocsin accepts but does not act on.
    "metric_name_validation_scheme", "metric_name_escaping_scheme",
    "convert_classic_histograms_to_nhcb", "always_scrape_classic_histograms",
    "scrape_native_histograms", "extra_scrape_metrics"};

bool valid_regex(Decoder& d, const YAML::Node& n, const std::string& path, const std::string& re) {
  RE2::Options o;
  o.set_log_errors(false);
  RE2 compiled("^(?:" + re + ")$", o);
  if (!compiled.ok()) {
    RE2 plain(re, o);
    d.error(n, path, "invalid regular expression " + quote(re) + ": " +
                         (plain.ok() ? compiled.error() : plain.error()));
    return false;
  }
  return true;
}

// Prometheus' relabel target: label name characters and $1 / ${name} references.
bool valid_relabel_target(std::string_view s) {
  static const RE2 kTarget(R"(^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$)");
  return RE2::FullMatch(s, kTarget);
}

void decode_labels(Decoder& d, const YAML::Node& n, const std::string& path,
                   std::map<std::string, std::string>& out) {
  std::map<std::string, std::string> m;
  if (!read_string_map(d, n, path, m)) return;
  for (const auto& kv : n) {
    std::string name = kv.first.Scalar();
    if (!is_valid_label_name(name)) {
      d.error(kv.first, join_path(path, name), quote(name) + " is not a valid label name");
    }
  }
  out = std::move(m);
}

void decode_static_configs(Decoder& d, const YAML::Node& n, const std::string& path,
                           std::vector<StaticConfig>& out) {
  for_each_item(d, n, path, [&](const YAML::Node& e, const std::string& p) {
    StaticConfig sc;
    MapReader m(d, e, p);
    if (auto t = m.get("targets")) {
      read_string_list(d, *t, m.path("targets"), sc.targets);
      size_t i = 0;
      for (const std::string& target : sc.targets) {
        if (target.find('/') != std::string::npos) {
          d.error((*t)[i], index_path(m.path("targets"), i),
                  quote(target) + " is not a valid hostname");
        }
        ++i;
      }
    }
    if (auto l = m.get("labels")) decode_labels(d, *l, m.path("labels"), sc.labels);
    m.finish();
    out.push_back(std::move(sc));
  });
}

bool valid_file_sd_name(std::string_view name) {
  // ^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$
  static const RE2 kName(R"(^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$)");
  return RE2::FullMatch(name, kName);
}

void decode_file_sd_configs(Decoder& d, const YAML::Node& n, const std::string& path,
                            std::vector<FileSdConfig>& out) {
  for_each_item(d, n, path, [&](const YAML::Node& e, const std::string& p) {
    FileSdConfig f;
    MapReader m(d, e, p);
    if (auto files = m.get("files")) {
      std::vector<std::string> names;
      if (read_string_list(d, *files, m.path("files"), names)) {
        size_t i = 0;
        for (const std::string& name : names) {
          if (!valid_file_sd_name(name)) {
            d.error((*files)[i], index_path(m.path("files"), i),
                    "path name " + quote(name) + " is not valid for file discovery");
          }
          f.files.push_back(d.resolve(name));
          ++i;
        }
      }
    }
    if (f.files.empty()) {
      d.error(e, p, "file service discovery config must contain at least one path name");
    }
    m.duration("refresh_interval", f.refresh_interval);
    m.finish();
    out.push_back(std::move(f));
  });
}

// Reports service discovery mechanisms tocsin lacks, by key name.
void reject_other_sd(MapReader& m, const YAML::Node& map) {
  if (!map.IsMap()) return;
  for (const auto& kv : map) {
    std::string key = kv.first.Scalar();
    if (key.ends_with("_sd_configs") && key != "file_sd_configs") {
      m.get(key);
      m.decoder().error(kv.first, m.path(key),
                        key + " is not supported by tocsin (supported: static_configs, "
                              "file_sd_configs)");
    }
  }
}

}  // namespace

void decode_relabel_configs(Decoder& d, const YAML::Node& n, const std::string& path,
                            std::vector<RelabelConfig>& out) {
  for_each_item(d, n, path, [&](const YAML::Node& e, const std::string& p) {
    RelabelConfig rc;
    MapReader m(d, e, p);
    bool has_source = m.has("source_labels");
    if (auto s = m.get("source_labels")) {
      if (read_string_list(d, *s, m.path("source_labels"), rc.source_labels)) {
        for (size_t i = 0; i < rc.source_labels.size(); ++i) {
          if (!is_valid_label_name(rc.source_labels[i])) {
            d.error((*s)[i], index_path(m.path("source_labels"), i),
                    quote(rc.source_labels[i]) + " is not a valid label name");
          }
        }
      }
    }
    m.str("separator", rc.separator);
    m.str("target_label", rc.target_label);
    if (auto r = m.get("regex")) {
      std::string re;
      if (read_string(d, *r, m.path("regex"), re) && valid_regex(d, *r, m.path("regex"), re)) {
        rc.regex = re;
      }
    }
    m.uint("modulus", rc.modulus);
    m.str("replacement", rc.replacement);
    std::string action = "replace";
    bool action_ok = true;
    if (auto a = m.get("action")) {
      if (read_string(d, *a, m.path("action"), action)) {
        std::transform(action.begin(), action.end(), action.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        bool found = false;
        for (RelabelAction act :
             {RelabelAction::kReplace, RelabelAction::kKeep, RelabelAction::kDrop,
              RelabelAction::kKeepEqual, RelabelAction::kDropEqual, RelabelAction::kHashMod,
              RelabelAction::kLabelMap, RelabelAction::kLabelDrop, RelabelAction::kLabelKeep,
              RelabelAction::kLowercase, RelabelAction::kUppercase}) {
          if (to_string(act) == action) rc.action = act, found = true;
        }
        action_ok = found;
        if (action.empty()) {
          d.error(*a, m.path("action"), "relabel action cannot be empty");
        } else if (!found) {
          d.error(*a, m.path("action"), "unknown relabel action " + quote(action));
        }
      }
    }
    m.finish();
    const RelabelConfig def;
    auto fail = [&](std::string msg) { d.error(e, p, std::move(msg)); };
    std::string act(to_string(rc.action));
    using A = RelabelAction;
    A a = rc.action;
    bool needs_target = a == A::kReplace || a == A::kHashMod || a == A::kLowercase ||
                        a == A::kUppercase || a == A::kKeepEqual || a == A::kDropEqual;
    if (!action_ok) {
      // Already reported; the other checks depend on the action.
    } else if (a == A::kHashMod && rc.modulus == 0) {
      fail("relabel configuration for hashmod requires non-zero modulus");
    } else if (needs_target && rc.target_label.empty()) {
      fail("relabel configuration for " + act + " action requires 'target_label' value");
    } else if (a == A::kReplace && rc.target_label.find('$') == std::string::npos &&
               !is_valid_label_name(rc.target_label)) {
      fail(quote(rc.target_label) + " is invalid 'target_label' for " + act + " action");
    } else if (a == A::kReplace && rc.target_label.find('$') != std::string::npos &&
               !valid_relabel_target(rc.target_label)) {
      fail(quote(rc.target_label) + " is invalid 'target_label' for " + act + " action");
    } else if ((a == A::kLowercase || a == A::kUppercase || a == A::kKeepEqual ||
                a == A::kDropEqual || a == A::kHashMod) &&
               !is_valid_label_name(rc.target_label)) {
      fail(quote(rc.target_label) + " is invalid 'target_label' for " + act + " action");
    } else if ((a == A::kLowercase || a == A::kUppercase) && rc.replacement != def.replacement) {
      fail("'replacement' can not be set for " + act + " action");
    } else if (a == A::kLabelMap && !valid_relabel_target(rc.replacement)) {
      fail(quote(rc.replacement) + " is invalid 'replacement' for " + act + " action");
    } else if ((a == A::kKeepEqual || a == A::kDropEqual) &&
               (rc.regex != def.regex || rc.modulus != def.modulus ||
                rc.separator != def.separator || rc.replacement != def.replacement)) {
      fail(act + " action requires only 'source_labels' and `target_label`, and no other fields");
    } else if ((a == A::kLabelDrop || a == A::kLabelKeep) &&
               (has_source || !rc.target_label.empty() || rc.modulus != def.modulus ||
                rc.separator != def.separator || rc.replacement != def.replacement)) {
      fail(act + " action requires only 'regex', and no other fields");
    }
    out.push_back(std::move(rc));
  });
}

bool decode_global_key(MapReader& m, std::string_view key, GlobalConfig& g) {
  Decoder& d = m.decoder();
  std::string k(key);
  // Prometheus.
  if (key == "scrape_interval") return m.duration(key, g.scrape_interval), true;
  if (key == "scrape_timeout") return m.duration(key, g.scrape_timeout), true;
  if (key == "evaluation_interval") return m.duration(key, g.evaluation_interval), true;
  if (key == "rule_query_offset") return m.duration(key, g.rule_query_offset), true;
  if (key == "external_labels") {
    decode_labels(d, *m.get(key), m.path(key), g.external_labels);
    return true;
  }
  if (key == "query_log_file") return m.path_str(key, g.query_log_file), true;
  if (key == "scrape_failure_log_file") return m.path_str(key, g.scrape_failure_log_file), true;
  if (key == "scrape_protocols") return m.str_list(key, g.scrape_protocols), true;
  if (key == "body_size_limit") return m.size(key, g.body_size_limit), true;
  if (key == "sample_limit") return m.uint(key, g.sample_limit), true;
  if (key == "target_limit") return m.uint(key, g.target_limit), true;
  if (key == "label_limit") return m.uint(key, g.label_limit), true;
  if (key == "label_name_length_limit") return m.uint(key, g.label_name_length_limit), true;
  if (key == "label_value_length_limit") return m.uint(key, g.label_value_length_limit), true;
  if (key == "keep_dropped_targets") return m.uint(key, g.keep_dropped_targets), true;
  // Alertmanager.
  if (key == "resolve_timeout") return m.duration(key, g.resolve_timeout), true;
  if (key == "http_config") {
    decode_http_client(d, *m.get(key), m.path(key), g.http_config);
    return true;
  }
  if (key == "smtp_from") return m.str(key, g.smtp_from), true;
  if (key == "smtp_hello") return m.str(key, g.smtp_hello), true;
  if (key == "smtp_smarthost") return m.str(key, g.smtp_smarthost), true;
  if (key == "smtp_auth_username") return m.str(key, g.smtp_auth_username), true;
  if (key == "smtp_auth_password") return m.secret(key, g.smtp_auth_password), true;
  if (key == "smtp_auth_password_file") return m.path_str(key, g.smtp_auth_password_file), true;
  if (key == "smtp_auth_secret") return m.secret(key, g.smtp_auth_secret), true;
  if (key == "smtp_auth_secret_file") return m.path_str(key, g.smtp_auth_secret_file), true;
  if (key == "smtp_auth_identity") return m.str(key, g.smtp_auth_identity), true;
  if (key == "smtp_require_tls") return m.boolean(key, g.smtp_require_tls), true;
  if (key == "smtp_force_implicit_tls") return m.opt_boolean(key, g.smtp_force_implicit_tls), true;
  if (key == "slack_api_url") return m.secret_url(key, g.slack_api_url), true;
  if (key == "slack_api_url_file") return m.path_str(key, g.slack_api_url_file), true;
  if (key == "slack_app_token") return m.secret(key, g.slack_app_token), true;
  if (key == "slack_app_token_file") return m.path_str(key, g.slack_app_token_file), true;
  if (key == "slack_app_url") return m.url(key, g.slack_app_url), true;
  if (key == "pagerduty_url") return m.url(key, g.pagerduty_url), true;
  for (std::string_view other : kOtherGlobals) {
    if (key == other) {
      std::string v;
      if (m.str(key, v)) g.other[k] = key.ends_with("_file") ? d.resolve(v) : v;
      return true;
    }
  }
  return false;
}

void decode_scrape_configs(Decoder& d, const YAML::Node& n, const std::string& path, Config& c) {
  for_each_item(d, n, path, [&](const YAML::Node& e, const std::string& p) {
    ScrapeConfig sc;
    MapReader m(d, e, p);
    m.str("job_name", sc.job_name);
    if (sc.job_name.empty()) d.error(e, p, "job_name is empty");
    m.boolean("honor_labels", sc.honor_labels);
    m.boolean("honor_timestamps", sc.honor_timestamps);
    m.boolean("track_timestamps_staleness", sc.track_timestamps_staleness);
    bool has_interval = m.duration("scrape_interval", sc.scrape_interval);
    bool has_timeout = m.duration("scrape_timeout", sc.scrape_timeout);
    m.str_list("scrape_protocols", sc.scrape_protocols);
    m.str("metrics_path", sc.metrics_path);
    if (auto s = m.get("scheme")) {
      if (read_string(d, *s, m.path("scheme"), sc.scheme) && sc.scheme != "http" &&
          sc.scheme != "https") {
        d.error(*s, m.path("scheme"), "unknown scheme " + quote(sc.scheme));
      }
    }
    if (auto params = m.get("params"); params && !params->IsNull()) {
      if (!params->IsMap()) {
        d.error(*params, m.path("params"), "expected a mapping of names to lists of values");
      } else {
        for (const auto& kv : *params) {
          std::string name = kv.first.Scalar();
          read_string_list(d, kv.second, join_path(m.path("params"), name), sc.params[name]);
        }
      }
    }
    m.boolean("enable_compression", sc.enable_compression);
    m.size("body_size_limit", sc.body_size_limit);
    bool has_sample_limit = m.uint("sample_limit", sc.sample_limit);
    bool has_target_limit = m.uint("target_limit", sc.target_limit);
    bool has_label_limit = m.uint("label_limit", sc.label_limit);
    bool has_name_len = m.uint("label_name_length_limit", sc.label_name_length_limit);
    bool has_value_len = m.uint("label_value_length_limit", sc.label_value_length_limit);
    bool has_keep = m.uint("keep_dropped_targets", sc.keep_dropped_targets);
    bool has_body = m.has("body_size_limit");
    decode_http_client_inline(m, sc.http);
    if (auto s = m.get("static_configs")) {
      decode_static_configs(d, *s, m.path("static_configs"), sc.static_configs);
    }
    if (auto s = m.get("file_sd_configs")) {
      decode_file_sd_configs(d, *s, m.path("file_sd_configs"), sc.file_sd_configs);
    }
    if (auto s = m.get("relabel_configs")) {
      decode_relabel_configs(d, *s, m.path("relabel_configs"), sc.relabel_configs);
    }
    if (auto s = m.get("metric_relabel_configs")) {
      decode_relabel_configs(d, *s, m.path("metric_relabel_configs"), sc.metric_relabel_configs);
    }
    reject_other_sd(m, e);
    m.finish();
    size_t index = c.scrape_configs.size();
    Location loc = d.at(e, p);
    // Defaults from the merged global section (it may come from another file).
    d.post([=](Config& cfg, Decoder& dec) {
      ScrapeConfig& s = cfg.scrape_configs[index];
      const GlobalConfig& g = cfg.global;
      if (!has_interval) s.scrape_interval = g.scrape_interval;
      if (!has_timeout) s.scrape_timeout = std::min(g.scrape_timeout, s.scrape_interval);
      if (s.scrape_timeout > s.scrape_interval) {
        dec.error(loc, "scrape timeout greater than scrape interval for scrape config with job "
                       "name " + quote(s.job_name));
      }
      if (!has_sample_limit) s.sample_limit = g.sample_limit;
      if (!has_target_limit) s.target_limit = g.target_limit;
      if (!has_label_limit) s.label_limit = g.label_limit;
      if (!has_name_len) s.label_name_length_limit = g.label_name_length_limit;
      if (!has_value_len) s.label_value_length_limit = g.label_value_length_limit;
      if (!has_keep) s.keep_dropped_targets = g.keep_dropped_targets;
      if (!has_body) s.body_size_limit = g.body_size_limit;
      if (s.scrape_protocols.empty()) s.scrape_protocols = g.scrape_protocols;
      for (size_t i = 0; i < index; ++i) {
        if (cfg.scrape_configs[i].job_name == s.job_name && !s.job_name.empty()) {
          dec.error(loc, "found multiple scrape configs with job name " + quote(s.job_name));
          break;
        }
      }
    });
    c.scrape_configs.push_back(std::move(sc));
  });
}

void decode_alerting(Decoder& d, const YAML::Node& n, const std::string& path, Config& c) {
  MapReader m(d, n, path);
  if (auto r = m.get("alert_relabel_configs")) {
    decode_relabel_configs(d, *r, m.path("alert_relabel_configs"), c.alerting.alert_relabel_configs);
  }
  if (auto ams = m.get("alertmanagers")) {
    for_each_item(d, *ams, m.path("alertmanagers"), [&](const YAML::Node& e, const std::string& p) {
      AlertmanagerTarget t;
      MapReader a(d, e, p);
      if (auto s = a.get("scheme")) {
        if (read_string(d, *s, a.path("scheme"), t.scheme) && t.scheme != "http" &&
            t.scheme != "https") {
          d.error(*s, a.path("scheme"), "unknown scheme " + quote(t.scheme));
        }
      }
      a.str("path_prefix", t.path_prefix);
      a.duration("timeout", t.timeout);
      if (auto v = a.get("api_version")) {
        if (read_string(d, *v, a.path("api_version"), t.api_version) && t.api_version != "v2") {
          d.error(*v, a.path("api_version"),
                  "unsupported api_version " + quote(t.api_version) + " (tocsin speaks v2)");
        }
      }
      decode_http_client_inline(a, t.http);
      if (auto s = a.get("static_configs")) {
        decode_static_configs(d, *s, a.path("static_configs"), t.static_configs);
      }
      if (auto s = a.get("file_sd_configs")) {
        decode_file_sd_configs(d, *s, a.path("file_sd_configs"), t.file_sd_configs);
      }
      if (auto s = a.get("relabel_configs")) {
        decode_relabel_configs(d, *s, a.path("relabel_configs"), t.relabel_configs);
      }
      if (auto s = a.get("alert_relabel_configs")) {
        decode_relabel_configs(d, *s, a.path("alert_relabel_configs"), t.alert_relabel_configs);
      }
      reject_other_sd(a, e);
      a.finish();
      c.alerting.alertmanagers.push_back(std::move(t));
    });
  }
  m.finish();
}

void decode_datasource(Decoder& d, const YAML::Node& n, const std::string& path, Config& c) {
  MapReader m(d, n, path);
  if (!m.has("url")) d.error(n, path, "url is required");
  m.url("url", c.datasource.url);
  m.duration("timeout", c.datasource.timeout);
  m.duration("query_offset", c.datasource.query_offset);
  decode_http_client_inline(m, c.datasource.http);
  m.finish();
}

void decode_remote_write(Decoder& d, const YAML::Node& n, const std::string& path, Config& c) {
  for_each_item(d, n, path, [&](const YAML::Node& e, const std::string& p) {
    RemoteWriteConfig w;
    MapReader m(d, e, p);
    if (!m.has("url")) d.error(e, p, "url for remote_write is empty");
    m.url("url", w.url);
    m.str("name", w.name);
    m.duration("remote_timeout", w.remote_timeout);
    if (auto h = m.get("headers")) {
      if (!h->IsMap()) {
        d.error(*h, m.path("headers"), "expected a map of header names to values");
      } else {
        for (const auto& kv : *h) {
          std::string v;
          if (read_string(d, kv.second, m.path("headers"), v)) w.headers[kv.first.Scalar()] = v;
        }
      }
    }
    if (auto r = m.get("write_relabel_configs")) {
      decode_relabel_configs(d, *r, m.path("write_relabel_configs"), w.write_relabel_configs);
    }
    if (auto q = m.get("queue_config")) {
      RemoteWriteQueueConfig qc;
      MapReader qm(d, *q, m.path("queue_config"));
      qm.uint("capacity", qc.capacity);
      qm.uint("max_shards", qc.max_shards);
      qm.uint("min_shards", qc.min_shards);
      qm.uint("max_samples_per_send", qc.max_samples_per_send);
      qm.duration("batch_send_deadline", qc.batch_send_deadline);
      qm.duration("min_backoff", qc.min_backoff);
      qm.duration("max_backoff", qc.max_backoff);
      qm.boolean("retry_on_http_429", qc.retry_on_http_429);
      qm.duration("sample_age_limit", qc.sample_age_limit);
      qm.finish();
      if (qc.min_backoff <= 0 || qc.max_backoff < qc.min_backoff) {
        d.error(*q, m.path("queue_config"), "min_backoff must be positive and not above max_backoff");
      }
      w.queue_config = qc;
    }
    if (auto md = m.get("metadata_config")) {
      RemoteWriteMetadataConfig mc;
      MapReader mm(d, *md, m.path("metadata_config"));
      mm.boolean("send", mc.send);
      mm.duration("send_interval", mc.send_interval);
      mm.uint("max_samples_per_send", mc.max_samples_per_send);
      mm.finish();
      w.metadata_config = mc;
    }
    decode_http_client_inline(m, w.http);
    m.finish();
    c.remote_write.push_back(std::move(w));
  });
}

void validate_prometheus(Config& c, Decoder& d) {
  GlobalConfig& g = c.global;
  auto where = [&](const char* key) {
    auto it = d.global_keys.find(key);
    return it != d.global_keys.end() ? it->second : Location{};
  };
  bool has_timeout = d.global_keys.count("scrape_timeout") > 0;
  if (g.scrape_interval == 0 && d.global_keys.count("scrape_interval")) {
    g.scrape_interval = GlobalConfig().scrape_interval;
  }
  if (has_timeout && g.scrape_timeout > g.scrape_interval) {
    d.error(where("scrape_timeout"), "global scrape timeout greater than scrape interval");
  }
  if (!has_timeout || g.scrape_timeout == 0) {
    g.scrape_timeout = std::min(GlobalConfig().scrape_timeout, g.scrape_interval);
  }
  if (g.evaluation_interval == 0 && d.global_keys.count("evaluation_interval")) {
    g.evaluation_interval = GlobalConfig().evaluation_interval;
  }
  // "X" and "X_file" are exclusive for every global that has both.
  for (const auto& [key, loc] : d.global_keys) {
    if (!key.ends_with("_file")) continue;
    std::string base = key.substr(0, key.size() - 5);
    if (d.global_keys.count(base)) {
      d.error(loc, "at most one of " + base + " & " + key + " must be configured");
    }
  }
  if (d.global_keys.count("slack_app_token") || d.global_keys.count("slack_app_token_file")) {
    // Alertmanager tolerates slack_api_url equal to slack_app_url: the old bot-token workaround.
    bool url_is_app_url = g.slack_api_url.reveal() == g.slack_app_url &&
                          !d.global_keys.count("slack_api_url_file");
    if ((d.global_keys.count("slack_api_url") || d.global_keys.count("slack_api_url_file")) &&
        !url_is_app_url) {
      Location loc = where(d.global_keys.count("slack_app_token") ? "slack_app_token"
                                                                   : "slack_app_token_file");
      d.error(loc,
              "at most one of slack_app_token/slack_app_token_file & "
              "slack_api_url/slack_api_url_file must be configured");
    }
  }
}

}  // namespace tocsin::config::detail
