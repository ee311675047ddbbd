#include "engine/config/web_config.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <tuple>

#include "engine/config/detail/decoder.h"
#include "engine/http/basic_auth.h"
#include "engine/http/tls_server_context.h"

namespace tocsin::config {
namespace {

using detail::Decoder;
using detail::Location;
using detail::MapReader;

// exporter-toolkit's allowed extra headers and, where it restricts them, their values.
struct AllowedHeader {
  std::string_view name;
  std::vector<std::string_view> values;  // empty: any value
};
const AllowedHeader kAllowedHeaders[] = {
    {"Strict-Transport-Security", {}},
    {"X-Content-Type-Options", {"nosniff"}},
    {"X-Frame-Options", {"deny", "sameorigin"}},
    {"X-XSS-Protection", {}},
    {"Content-Security-Policy", {}},
};

// Where each key was written, for checks after decoding.
struct Positions {
  std::map<std::string, Location> at;
  Location of(const std::string& path, const Location& fallback) const {
    auto it = at.find(path);
    return it == at.end() ? fallback : it->second;
  }
};

void remember(Decoder& d, MapReader& m, const YAML::Node& map, Positions& pos) {
  if (!map.IsMap()) return;
  for (const auto& kv : map) {
    if (!kv.first.IsScalar()) continue;
    pos.at[m.path(kv.first.Scalar())] = d.at(kv.second, m.path(kv.first.Scalar()));
  }
}

void decode_tls(Decoder& d, const YAML::Node& n, WebTlsServerConfig& out, Positions& pos) {
  MapReader m(d, n, "tls_server_config");
  if (!m.ok()) return;
  remember(d, m, n, pos);
  m.path_str("cert_file", out.cert_file);
  m.path_str("key_file", out.key_file);
  m.path_str("client_ca_file", out.client_ca_file);
  m.str("cert", out.cert);
  m.secret("key", out.key);
  m.str("client_ca", out.client_ca);
  m.str("client_auth_type", out.client_auth_type);
  m.str_list("client_allowed_sans", out.client_allowed_sans);
  m.str("min_version", out.min_version);
  m.str("max_version", out.max_version);
  m.str_list("cipher_suites", out.cipher_suites);
  m.str_list("curve_preferences", out.curve_preferences);
  m.boolean("prefer_server_cipher_suites", out.prefer_server_cipher_suites);
  m.finish();
}

void decode_http(Decoder& d, const YAML::Node& n, WebHttpServerConfig& out, Positions& pos) {
  MapReader m(d, n, "http_server_config");
  if (!m.ok()) return;
  remember(d, m, n, pos);
  m.boolean("http2", out.http2);
  if (auto h = m.get("headers")) {
    std::string path = m.path("headers");
    if (!h->IsNull() && !h->IsMap()) {
      d.error(*h, path, "expected a mapping of header names to values");
    } else if (h->IsMap()) {
      for (const auto& kv : *h) {
        std::string name, value;
        std::string key_path = detail::join_path(path, kv.first.IsScalar() ? kv.first.Scalar() : "");
        if (!detail::read_string(d, kv.first, path, name) ||
            !detail::read_string(d, kv.second, key_path, value)) {
          continue;
        }
        const AllowedHeader* allowed = nullptr;
        for (const auto& a : kAllowedHeaders) {
          if (a.name == name) allowed = &a;
        }
        if (allowed == nullptr) {
          d.error(kv.first, key_path, "HTTP header " + detail::quote(name) +
                                          " can not be configured (one of Strict-Transport-"
                                          "Security, X-Content-Type-Options, X-Frame-Options, "
                                          "X-XSS-Protection, Content-Security-Policy)");
          continue;
        }
        bool ok = allowed->values.empty();
        std::string expected;
        for (std::string_view v : allowed->values) {
          if (v == value) ok = true;
          expected += (expected.empty() ? "" : ", ") + std::string(v);
        }
        if (!ok) {
          d.error(kv.second, key_path, "invalid value " + detail::quote(value) +
                                           " (expected one of: " + expected + ")");
          continue;
        }
        if (value.find_first_of("\r\n") != std::string::npos) {
          d.error(kv.second, key_path, "a header value cannot hold a line break");
          continue;
        }
        out.headers[name] = value;
      }
    }
  }
  m.finish();
}

void decode_users(Decoder& d, const YAML::Node& n, WebConfig& out) {
  const std::string path = "basic_auth_users";
  if (n.IsNull()) return;
  if (!n.IsMap()) {
    d.error(n, path, "expected a mapping of user names to bcrypt hashes");
    return;
  }
  for (const auto& kv : n) {
    std::string user, hash;
    if (!detail::read_string(d, kv.first, path, user)) continue;
    std::string user_path = detail::join_path(path, user);
    if (!kv.second.IsScalar() && !kv.second.IsNull()) {
      d.error(kv.second, user_path, "expected a bcrypt hash");
      continue;
    }
    hash = kv.second.IsNull() ? "" : kv.second.Scalar();
    if (!http::is_bcrypt_hash(hash)) {
      // Never echo the value: it is a secret (a password typed here by mistake, say).
      d.error(kv.second, user_path,
              "not a bcrypt hash ($2a$, $2b$ or $2y$, cost 04-31, 60 characters)");
      continue;
    }
    if (user.find(':') != std::string::npos) {
      d.error(kv.first, user_path, "a basic-auth user name cannot contain ':'");
      continue;
    }
    out.basic_auth_users[user] = Secret(hash);
  }
}

Result<std::string> read_whole_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return invalid_argument(path + ": is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return invalid_argument("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Checks what needs the whole file and reads the files it names; builds the WebSecurity.
std::shared_ptr<const http::WebSecurity> build(Decoder& d, const YAML::Node& root,
                                               const WebConfig& c, const Positions& pos) {
  auto sec = std::make_shared<http::WebSecurity>();
  for (const auto& [user, hash] : c.basic_auth_users) sec->basic_auth_users[user] = hash.reveal();
  for (const auto& [k, v] : c.http_server_config.headers) sec->headers.emplace_back(k, v);

  const WebTlsServerConfig& t = c.tls_server_config;
  Location top = d.at(root["tls_server_config"], "tls_server_config");
  if (!top.line) top = d.at(root, "tls_server_config");
  auto at = [&](const std::string& key) { return pos.of("tls_server_config." + key, top); };

  http::TlsServerSettings s;
  bool ok = true;
  auto fail = [&](const Location& loc, std::string msg) {
    d.error(loc, std::move(msg));
    ok = false;
  };
  auto version = [&](const char* key, const std::string& v, int& out) {
    auto r = http::parse_tls_version(v);
    if (!r) return fail(at(key), r.error().message);
    out = *r;
  };
  version("min_version", t.min_version, s.min_version);
  version("max_version", t.max_version, s.max_version);
  if (ok && s.min_version > s.max_version) {
    fail(at("min_version"), "min_version " + t.min_version + " is above max_version " +
                                t.max_version);
  }
  for (size_t i = 0; i < t.cipher_suites.size(); ++i) {
    auto r = http::openssl_cipher_name(t.cipher_suites[i]);
    if (!r) {
      fail(at("cipher_suites"), "cipher_suites[" + std::to_string(i) + "]: " + r.error().message);
    } else if (!r->empty()) {
      s.ciphers.push_back(*r);
    }
  }
  for (size_t i = 0; i < t.curve_preferences.size(); ++i) {
    auto r = http::openssl_group_name(t.curve_preferences[i]);
    if (!r) {
      fail(at("curve_preferences"),
           "curve_preferences[" + std::to_string(i) + "]: " + r.error().message);
    } else {
      s.groups.push_back(*r);
    }
  }
  auto auth = http::parse_client_auth(t.client_auth_type);
  if (!auth) {
    fail(at("client_auth_type"), auth.error().message);
  } else {
    s.client_auth = *auth;
  }
  s.prefer_server_cipher_suites = t.prefer_server_cipher_suites;

  if (!t.enabled()) {
    if (!t.client_allowed_sans.empty()) {
      fail(at("client_allowed_sans"),
           "client_allowed_sans requires client_auth_type RequireAnyClientCert or "
           "RequireAndVerifyClientCert");
    }
    return ok ? sec : nullptr;
  }
  if (!t.cert.empty() && !t.cert_file.empty()) fail(at("cert"), "cert and cert_file are both set");
  if (!t.key.empty() && !t.key_file.empty()) fail(at("key"), "key and key_file are both set");
  if (!t.client_ca.empty() && !t.client_ca_file.empty()) {
    fail(at("client_ca"), "client_ca and client_ca_file are both set");
  }
  if (t.cert.empty() && t.cert_file.empty()) fail(top, "missing one of cert or cert_file");
  if (t.key.empty() && t.key_file.empty()) fail(top, "missing one of key or key_file");
  if (auth && (!t.client_ca.empty() || !t.client_ca_file.empty()) &&
      *auth == http::ClientAuth::kNoClientCert) {
    fail(at(t.client_ca_file.empty() ? "client_ca" : "client_ca_file"),
         "a client CA is configured without a client_auth_type that asks for client "
         "certificates");
  }
  if (auth && !t.client_allowed_sans.empty() &&
      *auth != http::ClientAuth::kRequireAnyClientCert &&
      *auth != http::ClientAuth::kRequireAndVerifyClientCert) {
    fail(at("client_allowed_sans"),
         "client_allowed_sans requires client_auth_type RequireAnyClientCert or "
         "RequireAndVerifyClientCert");
  }
  auto load = [&](const char* key, const std::string& file, const std::string& inline_pem,
                  std::string& out) {
    if (file.empty()) {
      out = inline_pem;
      return;
    }
    auto text = read_whole_file(file);
    if (!text) return fail(at(key), text.error().message);
    out = std::move(*text);
  };
  load("cert_file", t.cert_file, t.cert, s.cert_pem);
  load("key_file", t.key_file, t.key.reveal(), s.key_pem);
  load("client_ca_file", t.client_ca_file, t.client_ca, s.client_ca_pem);
  if (!ok) return nullptr;
  auto ctx = http::make_server_tls_context(s);
  if (!ctx) {
    fail(top, ctx.error().message);
    return nullptr;
  }
  sec->tls = std::move(*ctx);
  sec->client_allowed_sans = t.client_allowed_sans;
  return sec;
}

WebConfigResult load_document(const std::string& file, const std::string& dir,
                              const std::string& text) {
  ConfigErrors errors;
  Decoder d(&errors);
  d.set_file(file, dir);
  LoadedWebConfig out;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    int line = e.mark.line >= 0 ? e.mark.line + 1 : 0;
    int col = e.mark.column >= 0 ? e.mark.column + 1 : 0;
    errors.push_back(ConfigError{file, line, col, "", "invalid YAML: " + e.msg});
    return tl::unexpected(std::move(errors));
  }
  Positions pos;
  try {
    if (root.IsDefined() && !root.IsNull()) {
      if (!root.IsMap()) {
        d.error(root, "", "the document must be a mapping of top-level keys");
        return tl::unexpected(std::move(errors));
      }
      MapReader top(d, root, "");
      if (auto n = top.get("tls_server_config")) decode_tls(d, *n, out.config.tls_server_config, pos);
      if (auto n = top.get("http_server_config")) {
        decode_http(d, *n, out.config.http_server_config, pos);
      }
      if (auto n = top.get("basic_auth_users")) decode_users(d, *n, out.config);
      if (auto n = top.get("rate_limit")) {
        d.error(top.key_node("rate_limit"), "rate_limit", "rate_limit is not supported by tocsin");
      }
      top.finish();
    }
    if (errors.empty()) out.security = build(d, root, out.config, pos);
  } catch (const YAML::Exception& e) {
    errors.push_back(ConfigError{file, 0, 0, "", std::string("internal: ") + e.what()});
  }
  if (!errors.empty()) {
    std::stable_sort(errors.begin(), errors.end(), [](const ConfigError& a, const ConfigError& b) {
      return std::tie(a.line, a.column) < std::tie(b.line, b.column);
    });
    return tl::unexpected(std::move(errors));
  }
  return out;
}

}  // namespace

WebConfigResult load_web_config(const std::string& path) {
  auto text = read_whole_file(path);
  if (!text) return tl::unexpected(ConfigErrors{ConfigError{path, 0, 0, "", text.error().message}});
  std::error_code ec;
  std::string dir = std::filesystem::absolute(path, ec).parent_path().string();
  return load_document(path, dir, *text);
}

WebConfigResult load_web_config_from_string(std::string_view text,
                                            std::string_view virtual_filename) {
  std::string file(virtual_filename);
  std::filesystem::path parent = std::filesystem::path(file).parent_path();
  std::error_code ec;
  std::string dir = parent.empty() ? std::string() : std::filesystem::absolute(parent, ec).string();
  return load_document(file, dir, std::string(text));
}

}  // namespace tocsin::config
