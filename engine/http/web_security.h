// WebSecurity: what the inbound HTTP server enforces — TLS (with optional client certificates)
// and basic-auth users — as built from `--web.config.file` (engine/config/web_config.h).
//
// A value is immutable once built and shared by pointer: the server takes the current one for
// each new connection (TLS) and each request (basic auth, extra headers), so a reload swaps it
// without touching open connections. Building the TLS context (tls_server_context.h) reads no
// file: the loader hands it PEM text it read itself, off the I/O thread.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/ssl/context.hpp>

namespace tocsin::http {

struct WebSecurity {
  // Set: every connection starts with a TLS handshake; unset: plain HTTP.
  std::shared_ptr<boost::asio::ssl::context> tls;
  // Non-empty: a verified client certificate must carry one of these SANs (DNS, e-mail, IP or
  // URI), else the connection is closed (exporter-toolkit's client_allowed_sans).
  std::vector<std::string> client_allowed_sans;
  // user → bcrypt hash. Non-empty: every request needs basic auth (401 otherwise).
  std::map<std::string, std::string> basic_auth_users;
  // Added to every response (http_server_config.headers).
  std::vector<std::pair<std::string, std::string>> headers;
};

}  // namespace tocsin::http
