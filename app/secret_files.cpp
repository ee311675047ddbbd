#include "app/secret_files.h"

#include <fstream>
#include <sstream>

namespace tocsin::app {

namespace {

class Inliner {
 public:
  // Moves the file's trimmed content into `value` and clears `file`.
  void secret(std::string& file, config::Secret& value, const std::string& key) {
    if (file.empty()) return;
    if (auto text = read(file, key)) value = config::Secret(std::move(*text));
    file.clear();
  }
  void plain(std::string& file, std::string& value, const std::string& key) {
    if (file.empty()) return;
    if (auto text = read(file, key)) value = std::move(*text);
    file.clear();
  }
  void http(config::HttpClientConfig& h, const std::string& key) {
    if (h.basic_auth) {
      plain(h.basic_auth->username_file, h.basic_auth->username, key + ".basic_auth.username_file");
      secret(h.basic_auth->password_file, h.basic_auth->password,
             key + ".basic_auth.password_file");
    }
    if (h.authorization) {
      secret(h.authorization->credentials_file, h.authorization->credentials,
             key + ".authorization.credentials_file");
    }
    tls(h.tls_config, key + ".tls_config");
  }
  // TLS files keep their names (for printing) and gain their content.
  void tls(config::TlsConfig& t, const std::string& key) {
    if (!t.ca_file.empty()) {
      if (auto text = read(t.ca_file, key + ".ca_file", false)) t.ca_file_content = std::move(*text);
    }
    if (!t.cert_file.empty()) {
      if (auto text = read(t.cert_file, key + ".cert_file", false)) t.cert_file_content = std::move(*text);
    }
    if (!t.key_file.empty()) {
      if (auto text = read(t.key_file, key + ".key_file", false)) {
        t.key_file_content = config::Secret(std::move(*text));
      }
    }
  }
  Status status() const {
    if (errors_.empty()) return {};
    return invalid_argument(errors_);
  }

 private:
  std::optional<std::string> read(const std::string& path, const std::string& key,
                                  bool trim = true) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      errors_ += (errors_.empty() ? "" : "\n") + key + ": cannot read " + path;
      return std::nullopt;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    if (!trim) return s;
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (!s.empty() && space(s.back())) s.pop_back();
    size_t start = 0;
    while (start < s.size() && space(s[start])) ++start;
    return s.substr(start);
  }

  std::string errors_;
};

}  // namespace

Status inline_secret_files(config::Config& c) {
  Inliner in;
  in.http(c.global.http_config, "global.http_config");
  for (size_t i = 0; i < c.scrape_configs.size(); ++i) {
    auto& sc = c.scrape_configs[i];
    in.http(sc.http, "scrape_configs[" + std::to_string(i) + "] (" + sc.job_name + ")");
  }
  for (size_t i = 0; i < c.alerting.alertmanagers.size(); ++i) {
    in.http(c.alerting.alertmanagers[i].http, "alerting.alertmanagers[" + std::to_string(i) + "]");
  }
  for (auto& r : c.receivers) {
    std::string base = "receivers[" + r.name + "]";
    for (size_t i = 0; i < r.webhook_configs.size(); ++i) {
      auto& w = r.webhook_configs[i];
      std::string key = base + ".webhook_configs[" + std::to_string(i) + "]";
      w.url_from_file = w.url_from_file || !w.url_file.empty();
      in.secret(w.url_file, w.url, key + ".url_file");
      in.http(w.http_config, key + ".http_config");
    }
    for (size_t i = 0; i < r.slack_configs.size(); ++i) {
      auto& s = r.slack_configs[i];
      std::string key = base + ".slack_configs[" + std::to_string(i) + "]";
      in.secret(s.api_url_file, s.api_url, key + ".api_url_file");
      in.secret(s.app_token_file, s.app_token, key + ".app_token_file");
      in.http(s.http_config, key + ".http_config");
    }
    for (size_t i = 0; i < r.email_configs.size(); ++i) {
      auto& e = r.email_configs[i];
      std::string key = base + ".email_configs[" + std::to_string(i) + "]";
      in.secret(e.auth_password_file, e.auth_password, key + ".auth_password_file");
      in.secret(e.auth_secret_file, e.auth_secret, key + ".auth_secret_file");
      in.tls(e.tls_config, key + ".tls_config");
    }
    for (size_t i = 0; i < r.pagerduty_configs.size(); ++i) {
      auto& p = r.pagerduty_configs[i];
      std::string key = base + ".pagerduty_configs[" + std::to_string(i) + "]";
      in.secret(p.routing_key_file, p.routing_key, key + ".routing_key_file");
      in.secret(p.service_key_file, p.service_key, key + ".service_key_file");
      in.http(p.http_config, key + ".http_config");
    }
  }
  return in.status();
}

}  // namespace tocsin::app
