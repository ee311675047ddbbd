#include "engine/config/http_options.h"

#include <fstream>
#include <sstream>

namespace tocsin::config {
namespace {

Result<std::string> read_trimmed(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return invalid_argument(std::string(what) + ": cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && is_space(s.back())) s.pop_back();
  size_t start = 0;
  while (start < s.size() && is_space(s[start])) ++start;
  return s.substr(start);
}

}  // namespace

Result<std::string> resolve_secret(const config::Secret& inline_value, const std::string& file,
                                   std::string_view what) {
  if (!inline_value.empty()) return inline_value.reveal();
  if (!file.empty()) return read_trimmed(file, what);
  return std::string();
}

http::TlsOptions tls_options(const config::TlsConfig& c) {
  http::TlsOptions t;
  t.ca_pem = c.ca;
  t.cert_pem = c.cert;
  t.key_pem = c.key.reveal();
  if (!c.ca_file_content.empty()) {
    t.ca_pem = c.ca_file_content;
  } else {
    t.ca_file = c.ca_file;
  }
  if (!c.cert_file_content.empty()) {
    t.cert_pem = c.cert_file_content;
  } else {
    t.cert_file = c.cert_file;
  }
  if (!c.key_file_content.empty()) {
    t.key_pem = c.key_file_content.reveal();
  } else {
    t.key_file = c.key_file;
  }
  t.server_name = c.server_name;
  t.insecure_skip_verify = c.insecure_skip_verify;
  return t;
}

Result<HttpOptions> resolve_http_options(const config::HttpClientConfig& c) {
  HttpOptions o;
  if (c.basic_auth) {
    http::BasicAuthCredentials b;
    if (!c.basic_auth->username_file.empty()) {
      auto u = read_trimmed(c.basic_auth->username_file, "basic_auth.username_file");
      if (!u) return tl::unexpected(u.error());
      b.username = *u;
    } else {
      b.username = c.basic_auth->username;
    }
    auto p = resolve_secret(c.basic_auth->password, c.basic_auth->password_file,
                            "basic_auth.password_file");
    if (!p) return tl::unexpected(p.error());
    b.password = *p;
    o.basic_auth = std::move(b);
  }
  if (c.authorization) {
    auto cred = resolve_secret(c.authorization->credentials, c.authorization->credentials_file,
                               "authorization.credentials_file");
    if (!cred) return tl::unexpected(cred.error());
    o.authorization = http::AuthorizationHeader{c.authorization->type, *cred};
  }
  o.tls = tls_options(c.tls_config);
  o.proxy_url = c.proxy_url;
  o.no_proxy = c.no_proxy;
  o.proxy_from_environment = c.proxy_from_environment;
  o.follow_redirects = c.follow_redirects;
  o.enable_http2 = c.enable_http2;
  return o;
}

void HttpOptions::apply(http::HttpRequest& req) const {
  req.basic_auth = basic_auth;
  if (authorization) req.authorization = authorization;
  req.tls = tls;
  req.proxy_url = proxy_url;
  req.no_proxy = no_proxy;
  req.proxy_from_environment = proxy_from_environment;
  req.follow_redirects = follow_redirects;
  req.enable_http2 = enable_http2;
}

}  // namespace tocsin::config
