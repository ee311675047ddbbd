#include "engine/http/tls_server_context.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <map>

namespace tocsin::http {

namespace ssl = boost::asio::ssl;

namespace {

// The suites Go's tls.CipherSuites() lists (the ones exporter-toolkit accepts), by their IANA
// names. The TLS 1.3 ones are accepted and have no effect there either.
constexpr std::string_view kGoTls12Suites[] = {
    "TLS_RSA_WITH_AES_128_CBC_SHA",
    "TLS_RSA_WITH_AES_256_CBC_SHA",
    "TLS_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
};
constexpr std::string_view kGoTls13Suites[] = {
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
};

// IANA name → OpenSSL name, for every suite this OpenSSL build knows.
const std::map<std::string, std::string, std::less<>>& openssl_suites() {
  static const auto* table = [] {
    auto* m = new std::map<std::string, std::string, std::less<>>();
    SSL_CTX* ctx = SSL_CTX_new(TLS_method());
    if (ctx == nullptr) return m;
    SSL_CTX_set_cipher_list(ctx, "ALL:COMPLEMENTOFALL:@SECLEVEL=0");
    STACK_OF(SSL_CIPHER)* list = SSL_CTX_get_ciphers(ctx);
    for (int i = 0; list != nullptr && i < sk_SSL_CIPHER_num(list); ++i) {
      const SSL_CIPHER* c = sk_SSL_CIPHER_value(list, i);
      const char* std_name = SSL_CIPHER_standard_name(c);
      if (std_name != nullptr) (*m)[std_name] = SSL_CIPHER_get_name(c);
    }
    SSL_CTX_free(ctx);
    return m;
  }();
  return *table;
}

std::string openssl_error(std::string_view what) {
  std::string msg(what);
  unsigned long e = ERR_get_error();
  if (e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    msg += ": ";
    msg += buf;
  }
  ERR_clear_error();
  return msg;
}

int accept_any_certificate(int, X509_STORE_CTX*) { return 1; }

}  // namespace

Result<ClientAuth> parse_client_auth(std::string_view name) {
  if (name.empty() || name == "NoClientCert") return ClientAuth::kNoClientCert;
  if (name == "RequestClientCert") return ClientAuth::kRequestClientCert;
  if (name == "RequireAnyClientCert" || name == "RequireClientCert") {
    return ClientAuth::kRequireAnyClientCert;
  }
  if (name == "VerifyClientCertIfGiven") return ClientAuth::kVerifyClientCertIfGiven;
  if (name == "RequireAndVerifyClientCert") return ClientAuth::kRequireAndVerifyClientCert;
  return invalid_argument(
      "invalid client_auth_type \"" + std::string(name) +
      "\" (one of NoClientCert, RequestClientCert, RequireAnyClientCert, "
      "VerifyClientCertIfGiven, RequireAndVerifyClientCert)");
}

Result<int> parse_tls_version(std::string_view name) {
  if (name == "TLS10") return TLS1_VERSION;
  if (name == "TLS11") return TLS1_1_VERSION;
  if (name == "TLS12") return TLS1_2_VERSION;
  if (name == "TLS13") return TLS1_3_VERSION;
  return invalid_argument("unknown TLS version: " + std::string(name) +
                          " (one of TLS10, TLS11, TLS12, TLS13)");
}

Result<std::string> openssl_cipher_name(std::string_view go_name) {
  for (std::string_view s : kGoTls13Suites) {
    if (s == go_name) return std::string();
  }
  for (std::string_view s : kGoTls12Suites) {
    if (s != go_name) continue;
    const auto& table = openssl_suites();
    auto it = table.find(go_name);
    if (it == table.end()) {
      return invalid_argument("cipher " + std::string(go_name) +
                              " is not available in this OpenSSL build");
    }
    return it->second;
  }
  return invalid_argument("unknown cipher: " + std::string(go_name));
}

Result<std::string> openssl_group_name(std::string_view go_name) {
  if (go_name == "CurveP256") return std::string("P-256");
  if (go_name == "CurveP384") return std::string("P-384");
  if (go_name == "CurveP521") return std::string("P-521");
  if (go_name == "X25519") return std::string("X25519");
  return invalid_argument("unknown curve: " + std::string(go_name) +
                          " (one of CurveP256, CurveP384, CurveP521, X25519)");
}

Result<std::shared_ptr<ssl::context>> make_server_tls_context(const TlsServerSettings& s) {
  ERR_clear_error();
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* c = ctx->native_handle();
  std::uint64_t options = SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION;
  if (s.prefer_server_cipher_suites) options |= SSL_OP_CIPHER_SERVER_PREFERENCE;
  SSL_CTX_set_options(c, options);
  if (SSL_CTX_set_min_proto_version(c, s.min_version) != 1 ||
      SSL_CTX_set_max_proto_version(c, s.max_version) != 1) {
    return invalid_argument(openssl_error("cannot set the TLS versions"));
  }
  boost::system::error_code ec;
  ctx->use_certificate_chain(boost::asio::buffer(s.cert_pem), ec);
  if (ec) return invalid_argument("cannot load the certificate: " + ec.message());
  ctx->use_private_key(boost::asio::buffer(s.key_pem), ssl::context::pem, ec);
  if (ec) {
    if (ec.message().find("mismatch") != std::string::npos) {
      return invalid_argument("the certificate and the private key do not match");
    }
    return invalid_argument("cannot load the private key: " + ec.message());
  }
  if (SSL_CTX_check_private_key(c) != 1) {
    return invalid_argument(openssl_error("the certificate and the private key do not match"));
  }
  if (!s.ciphers.empty()) {
    std::string list;
    for (const auto& name : s.ciphers) list += (list.empty() ? "" : ":") + name;
    if (SSL_CTX_set_cipher_list(c, list.c_str()) != 1) {
      return invalid_argument(openssl_error("cannot set the cipher suites"));
    }
  }
  if (!s.groups.empty()) {
    std::string list;
    for (const auto& name : s.groups) list += (list.empty() ? "" : ":") + name;
    if (SSL_CTX_set1_groups_list(c, list.c_str()) != 1) {
      return invalid_argument(openssl_error("cannot set the curve preferences"));
    }
  }
  if (!s.client_ca_pem.empty()) {
    BIO* bio = BIO_new_mem_buf(s.client_ca_pem.data(), static_cast<int>(s.client_ca_pem.size()));
    X509_STORE* store = SSL_CTX_get_cert_store(c);
    STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
    int count = 0;
    while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
      X509_STORE_add_cert(store, cert);
      sk_X509_NAME_push(names, X509_NAME_dup(X509_get_subject_name(cert)));
      X509_free(cert);
      ++count;
    }
    BIO_free(bio);
    ERR_clear_error();  // the loop ends on "no start line"
    if (count == 0) {
      sk_X509_NAME_pop_free(names, X509_NAME_free);
      return invalid_argument("no PEM certificate found in the client CA");
    }
    SSL_CTX_set_client_CA_list(c, names);  // takes ownership
  } else if (s.client_auth == ClientAuth::kVerifyClientCertIfGiven ||
             s.client_auth == ClientAuth::kRequireAndVerifyClientCert) {
    // As Go does with no ClientCAs: verify against the system's roots.
    SSL_CTX_set_default_verify_paths(c);
  }
  switch (s.client_auth) {
    case ClientAuth::kNoClientCert:
      SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
      break;
    case ClientAuth::kRequestClientCert:
      SSL_CTX_set_verify(c, SSL_VERIFY_PEER, accept_any_certificate);
      break;
    case ClientAuth::kRequireAnyClientCert:
      SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                         accept_any_certificate);
      break;
    case ClientAuth::kVerifyClientCertIfGiven:
      SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
      break;
    case ClientAuth::kRequireAndVerifyClientCert:
      SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
      break;
  }
  static const unsigned char kSessionContext[] = "tocsin";
  SSL_CTX_set_session_id_context(c, kSessionContext, sizeof kSessionContext - 1);
  return ctx;
}

bool peer_has_allowed_san(ssl_st* ssl, const std::vector<std::string>& allowed) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) return false;
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  bool found = false;
  for (int i = 0; names != nullptr && !found && i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    std::string value;
    if (n->type == GEN_DNS || n->type == GEN_EMAIL || n->type == GEN_URI) {
      const ASN1_STRING* s = n->d.ia5;
      value.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                   static_cast<size_t>(ASN1_STRING_length(s)));
    } else if (n->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* s = n->d.iPAddress;
      char buf[INET6_ADDRSTRLEN] = {};
      int len = ASN1_STRING_length(s);
      if (len == 4) {
        inet_ntop(AF_INET, ASN1_STRING_get0_data(s), buf, sizeof buf);
      } else if (len == 16) {
        inet_ntop(AF_INET6, ASN1_STRING_get0_data(s), buf, sizeof buf);
      }
      value = buf;
    } else {
      continue;
    }
    for (const auto& a : allowed) {
      if (!value.empty() && a == value) found = true;
    }
  }
  GENERAL_NAMES_free(names);
  X509_free(cert);
  return found;
}

}  // namespace tocsin::http
