// From configuration to an outbound request: http_config (basic auth, authorization, TLS,
// proxy, redirects) onto an http::HttpRequest, and the `*_file` secrets — for scrapes,
// notifiers and the external Alertmanagers alike.
//
// In the engine every file was already read while the configuration loaded on the blocking pool
// (app/secret_files.cpp: secrets inline, TLS files into TlsConfig's *_file_content), so this
// reads nothing on the I/O thread; a file still named is read here (tools, tests). A rotated
// secret or certificate takes effect on the next reload. Pure apart from those reads; any thread.
#pragma once

#include <string>
#include <string_view>

#include "engine/common/result.h"
#include "engine/config/config.h"
#include "engine/http/curl_client.h"

namespace tocsin::config {

// The inline secret when set, else the trimmed content of `file`, else "". `what` names the
// option in errors ("url_file").
Result<std::string> resolve_secret(const config::Secret& inline_value, const std::string& file,
                                   std::string_view what);

// http_config resolved once: secrets read, ready to copy onto each request.
struct HttpOptions {
  std::optional<http::BasicAuthCredentials> basic_auth;
  std::optional<http::AuthorizationHeader> authorization;
  http::TlsOptions tls;
  std::string proxy_url;
  std::string no_proxy;
  bool proxy_from_environment = false;
  bool follow_redirects = true;
  bool enable_http2 = true;

  void apply(http::HttpRequest& req) const;
};

Result<HttpOptions> resolve_http_options(const config::HttpClientConfig& c);
// TLS options; a file whose content was read at load time is passed as that content.
http::TlsOptions tls_options(const config::TlsConfig& c);

}  // namespace tocsin::config
