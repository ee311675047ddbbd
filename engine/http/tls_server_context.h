// Server-side TLS for the inbound HTTP server: an OpenSSL context (boost::asio::ssl) built from
// exporter-toolkit's tls_server_config settings, and the client-certificate SAN check.
//
// The caller reads the files; this code only parses PEM text, so it may run on any thread.
// Names follow Go's crypto/tls, as the web config file spells them: client auth policies
// (NoClientCert ... RequireAndVerifyClientCert), versions TLS10..TLS13, cipher suites by their
// IANA names (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256), curves CurveP256/CurveP384/CurveP521/X25519.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ssl/context.hpp>

#include "engine/common/result.h"

struct ssl_st;

namespace tocsin::http {

enum class ClientAuth {
  kNoClientCert,
  kRequestClientCert,           // asked for, not verified, not required
  kRequireAnyClientCert,        // required, not verified
  kVerifyClientCertIfGiven,     // verified when sent
  kRequireAndVerifyClientCert,  // required and verified (the only policy that authenticates)
};

// "RequireAndVerifyClientCert" → kRequireAndVerifyClientCert ("" = NoClientCert; the old
// "RequireClientCert" spelling is RequireAnyClientCert, as in exporter-toolkit).
Result<ClientAuth> parse_client_auth(std::string_view name);
// "TLS12" → 0x0303.
Result<int> parse_tls_version(std::string_view name);
// A Go cipher-suite name → the OpenSSL name; "" for a TLS 1.3 suite (Go accepts those in the
// list and ignores them, as OpenSSL configures 1.3 suites apart). Error: unknown cipher.
Result<std::string> openssl_cipher_name(std::string_view go_name);
// CurveP256 → "P-256", X25519 → "X25519".
Result<std::string> openssl_group_name(std::string_view go_name);

struct TlsServerSettings {
  std::string cert_pem;       // certificate chain, leaf first
  std::string key_pem;        // private key
  std::string client_ca_pem;  // CAs for client certificates (may hold several)
  ClientAuth client_auth = ClientAuth::kNoClientCert;
  int min_version = 0x0303;  // TLS 1.2, exporter-toolkit's default
  int max_version = 0x0304;  // TLS 1.3
  std::vector<std::string> ciphers;  // OpenSSL names, TLS <= 1.2; empty: OpenSSL's default
  std::vector<std::string> groups;   // OpenSSL group names; empty: OpenSSL's default
  bool prefer_server_cipher_suites = true;
};

// Errors name what is wrong ("certificate and key do not match", "no certificate in client CA").
Result<std::shared_ptr<boost::asio::ssl::context>> make_server_tls_context(
    const TlsServerSettings& settings);

// True when the peer's certificate has a SAN equal to one of `allowed` (DNS, e-mail, IP in its
// usual text form, URI). False without a peer certificate.
bool peer_has_allowed_san(ssl_st* ssl, const std::vector<std::string>& allowed);

}  // namespace tocsin::http
