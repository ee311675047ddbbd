// The web configuration file (`tocsin run --web.config.file`): exporter-toolkit's format, the one
// Prometheus and Alertmanager read — TLS for the HTTP server (tls_server_config), extra response
// headers (http_server_config) and basic-auth users with bcrypt hashes (basic_auth_users).
//
// Loading is strict like the main configuration: an unknown key, a bad TLS version, cipher,
// curve, client_auth_type, header or a value that is not a bcrypt hash is an error naming
// file:line:column and the key; so are unreadable certificate files and a key that does not match
// its certificate. Relative paths resolve against the file's directory. The result is the
// http::WebSecurity the server enforces, with every file already read (call this off the I/O
// thread). Secrets (key, password hashes) never appear in error messages.
//
// Accepted and without effect (documented in docs/security.md): http_server_config.http2 (tocsin
// serves HTTP/1.1; ALPN never selects h2), and TLS 1.3 names in cipher_suites (as in Go).
//
// Stateless free functions; any thread may call them.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "engine/config/config.h"
#include "engine/config/load.h"
#include "engine/http/web_security.h"

namespace tocsin::config {

struct WebTlsServerConfig {
  std::string cert_file;       // absolute after loading
  std::string key_file;        // absolute after loading
  std::string client_ca_file;  // absolute after loading
  std::string cert;            // inline PEM
  Secret key;                  // inline PEM
  std::string client_ca;       // inline PEM
  std::string client_auth_type;  // "" = NoClientCert
  std::vector<std::string> client_allowed_sans;
  std::string min_version = "TLS12";
  std::string max_version = "TLS13";
  std::vector<std::string> cipher_suites;
  std::vector<std::string> curve_preferences;
  bool prefer_server_cipher_suites = true;

  // True when any TLS key is set (exporter-toolkit: otherwise the server stays plain HTTP).
  bool enabled() const {
    return !cert_file.empty() || !key_file.empty() || !client_ca_file.empty() || !cert.empty() ||
           !key.empty() || !client_ca.empty() || !client_auth_type.empty();
  }
};

struct WebHttpServerConfig {
  bool http2 = true;
  std::map<std::string, std::string> headers;
};

struct WebConfig {
  WebTlsServerConfig tls_server_config;
  WebHttpServerConfig http_server_config;
  std::map<std::string, Secret> basic_auth_users;  // user → bcrypt hash
};

struct LoadedWebConfig {
  WebConfig config;
  std::shared_ptr<const http::WebSecurity> security;
};
using WebConfigResult = tl::expected<LoadedWebConfig, ConfigErrors>;

// Reads the file and every file it names.
WebConfigResult load_web_config(const std::string& path);
// One in-memory document; relative paths resolve against virtual_filename's directory.
WebConfigResult load_web_config_from_string(std::string_view text,
                                            std::string_view virtual_filename);

}  // namespace tocsin::config
