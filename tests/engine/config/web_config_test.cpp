// --web.config.file (exporter-toolkit format): what loads, and exact file:line:column errors for
// what does not — never echoing a secret.
#include <gtest/gtest.h>

#include "engine/config/web_config.h"
#include "engine/http/basic_auth.h"
#include "tests/engine/http/tls_server.h"
#include "tests/support/subprocess.h"

namespace tocsin::config {
namespace {

using Errors = std::vector<std::string>;

// A bcrypt hash exporter-toolkit itself uses (of "fakepassword"), made by Go's bcrypt.
constexpr const char* kGoHash = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";

Errors errors_of(const std::string& yaml, const std::string& file = "web.yml") {
  auto r = load_web_config_from_string(yaml, file);
  Errors out;
  if (r) return out;
  for (const ConfigError& e : r.error()) out.push_back(e.to_string());
  return out;
}

class WebConfigTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    pki_ = new testing::TestPki(testing::make_test_pki(dir_->path()));
  }
  static void TearDownTestSuite() {
    delete pki_;
    delete dir_;
  }
  // A file in the PKI directory, so relative paths resolve there.
  static std::string file() { return dir_->path() + "/web.yml"; }

  static testing::TempDir* dir_;
  static testing::TestPki* pki_;
};
testing::TempDir* WebConfigTest::dir_ = nullptr;
testing::TestPki* WebConfigTest::pki_ = nullptr;

TEST_F(WebConfigTest, EmptyFileIsPlainHttpWithoutAuth) {
  for (const char* text : {"", "---\n", "tls_server_config: {}\nbasic_auth_users: {}\n"}) {
    auto r = load_web_config_from_string(text, "web.yml");
    ASSERT_TRUE(r) << text;
    ASSERT_TRUE(r->security);
    EXPECT_FALSE(r->security->tls);
    EXPECT_TRUE(r->security->basic_auth_users.empty());
    EXPECT_TRUE(r->security->headers.empty());
  }
}

TEST_F(WebConfigTest, FullConfigLoadsWithRelativePaths) {
  auto r = load_web_config_from_string(
      "tls_server_config:\n"
      "  cert_file: server.crt\n"
      "  key_file: server.key\n"
      "  client_auth_type: RequireAndVerifyClientCert\n"
      "  client_ca_file: ca.crt\n"
      "  client_allowed_sans: [client, 127.0.0.1]\n"
      "  min_version: TLS12\n"
      "  max_version: TLS13\n"
      "  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256]\n"
      "  curve_preferences: [CurveP256, X25519]\n"
      "  prefer_server_cipher_suites: false\n"
      "http_server_config:\n"
      "  http2: false\n"
      "  headers:\n"
      "    X-Frame-Options: deny\n"
      "    Strict-Transport-Security: max-age=31536000\n"
      "basic_auth_users:\n"
      "  alice: " + std::string(kGoHash) + "\n",
      file());
  ASSERT_TRUE(r) << (r ? "" : r.error()[0].to_string());
  EXPECT_EQ(r->config.tls_server_config.cert_file, dir_->path() + "/server.crt");
  EXPECT_EQ(r->config.tls_server_config.client_ca_file, dir_->path() + "/ca.crt");
  EXPECT_FALSE(r->config.tls_server_config.prefer_server_cipher_suites);
  EXPECT_FALSE(r->config.http_server_config.http2);
  ASSERT_TRUE(r->security->tls);
  EXPECT_EQ(r->security->client_allowed_sans, (std::vector<std::string>{"client", "127.0.0.1"}));
  EXPECT_EQ(r->security->basic_auth_users.at("alice"), kGoHash);
  EXPECT_EQ(r->security->headers,
            (std::vector<std::pair<std::string, std::string>>{
                {"Strict-Transport-Security", "max-age=31536000"}, {"X-Frame-Options", "deny"}}));
}

TEST_F(WebConfigTest, InlinePemWorksLikeFiles) {
  std::string cert = testing::read_file(pki_->server_cert_file);
  std::string key = testing::read_file(pki_->server_key_file);
  auto indent = [](const std::string& pem) {
    std::string out;
    for (char c : pem) {
      out += c;
      if (c == '\n') out += "    ";
    }
    return out;
  };
  auto r = load_web_config_from_string("tls_server_config:\n  cert: |\n    " + indent(cert) +
                                           "\n  key: |\n    " + indent(key) + "\n",
                                       file());
  ASSERT_TRUE(r) << (r ? "" : r.error()[0].to_string());
  EXPECT_TRUE(r->security->tls);
}

TEST_F(WebConfigTest, ErrorsNamePositionAndKey) {
  EXPECT_EQ(errors_of("tls_server_config:\n"
                      "  cert_file: a.crt\n"
                      "  keyfile: a.key\n"
                      "basic_auth_users:\n"
                      "  bob: hunter2-plain\n"
                      "bogus: 1\n"),
            (Errors{"web.yml:3:3: tls_server_config.keyfile: unknown key",
                    "web.yml:5:8: basic_auth_users.bob: not a bcrypt hash ($2a$, $2b$ or $2y$, "
                    "cost 04-31, 60 characters)",
                    "web.yml:6:1: bogus: unknown key"}));
}

TEST_F(WebConfigTest, BadEnumerationsAreErrors) {
  EXPECT_EQ(errors_of("tls_server_config:\n"
                      "  cert_file: server.crt\n"
                      "  key_file: server.key\n"
                      "  min_version: TLS14\n"
                      "  client_auth_type: Sometimes\n"
                      "  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n"
                      "  curve_preferences: [CurveP999]\n",
                      file()),
            (Errors{
                file() + ":4:16: tls_server_config.min_version: unknown TLS version: TLS14 (one of "
                         "TLS10, TLS11, TLS12, TLS13)",
                file() + ":5:21: tls_server_config.client_auth_type: invalid client_auth_type "
                         "\"Sometimes\" (one of NoClientCert, RequestClientCert, "
                         "RequireAnyClientCert, VerifyClientCertIfGiven, "
                         "RequireAndVerifyClientCert)",
                file() + ":6:18: tls_server_config.cipher_suites: cipher_suites[0]: unknown "
                         "cipher: TLS_RSA_WITH_RC4_128_SHA",
                file() + ":7:22: tls_server_config.curve_preferences: curve_preferences[0]: "
                         "unknown curve: CurveP999 (one of CurveP256, CurveP384, CurveP521, "
                         "X25519)",
            }));
  EXPECT_EQ(errors_of("tls_server_config:\n"
                      "  cert_file: server.crt\n"
                      "  key_file: server.key\n"
                      "  min_version: TLS13\n"
                      "  max_version: TLS12\n",
                      file()),
            Errors{file() + ":4:16: tls_server_config.min_version: min_version TLS13 is above "
                            "max_version TLS12"});
}

TEST_F(WebConfigTest, HeadersAreRestrictedAsInExporterToolkit) {
  EXPECT_EQ(errors_of("http_server_config:\n"
                      "  headers:\n"
                      "    X-Powered-By: tocsin\n"
                      "    X-Frame-Options: allow\n"
                      "    X-Content-Type-Options: nosniff\n"),
            (Errors{"web.yml:3:5: http_server_config.headers.X-Powered-By: HTTP header "
                    "\"X-Powered-By\" can not be configured (one of Strict-Transport-Security, "
                    "X-Content-Type-Options, X-Frame-Options, X-XSS-Protection, "
                    "Content-Security-Policy)",
                    "web.yml:4:22: http_server_config.headers.X-Frame-Options: invalid value "
                    "\"allow\" (expected one of: deny, sameorigin)"}));
}

TEST_F(WebConfigTest, TlsConsistencyErrors) {
  EXPECT_EQ(errors_of("tls_server_config:\n  cert_file: server.crt\n", file()),
            Errors{file() + ":2:3: tls_server_config: missing one of key or key_file"});
  EXPECT_EQ(errors_of("tls_server_config:\n"
                      "  cert_file: server.crt\n"
                      "  key_file: server.key\n"
                      "  client_ca_file: ca.crt\n",
                      file()),
            Errors{file() + ":4:19: tls_server_config.client_ca_file: a client CA is configured "
                            "without a client_auth_type that asks for client certificates"});
  EXPECT_EQ(errors_of("tls_server_config:\n"
                      "  cert_file: server.crt\n"
                      "  key_file: server.key\n"
                      "  client_auth_type: VerifyClientCertIfGiven\n"
                      "  client_ca_file: ca.crt\n"
                      "  client_allowed_sans: [client]\n",
                      file()),
            Errors{file() + ":6:24: tls_server_config.client_allowed_sans: client_allowed_sans "
                            "requires client_auth_type RequireAnyClientCert or "
                            "RequireAndVerifyClientCert"});
}

TEST_F(WebConfigTest, UnreadableAndMismatchedFilesAreErrors) {
  auto missing = errors_of("tls_server_config:\n"
                           "  cert_file: nope.crt\n"
                           "  key_file: server.key\n",
                           file());
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0], file() + ":2:14: tls_server_config.cert_file: cannot read " +
                            dir_->path() + "/nope.crt: No such file or directory");
  // The client's key with the server's certificate.
  auto mismatch = errors_of("tls_server_config:\n"
                            "  cert_file: server.crt\n"
                            "  key_file: client.key\n",
                            file());
  ASSERT_EQ(mismatch.size(), 1u);
  EXPECT_NE(mismatch[0].find(file() + ":2:3: tls_server_config: the certificate and the private "
                                      "key do not match"),
            std::string::npos)
      << mismatch[0];
  // A key that is not PEM at all: the message must not quote the key's bytes.
  testing::TempDir d;
  d.write("junk.key", "SECRET-KEY-MATERIAL-123\n");
  std::string junk = d.path() + "/web.yml";
  auto bad = errors_of("tls_server_config:\n  cert_file: " + pki_->server_cert_file +
                           "\n  key_file: junk.key\n",
                       junk);
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_NE(bad[0].find("cannot load the private key"), std::string::npos) << bad[0];
  EXPECT_EQ(bad[0].find("SECRET-KEY-MATERIAL"), std::string::npos) << bad[0];
}

TEST_F(WebConfigTest, UnsupportedNewerKeysAreNamed) {
  EXPECT_EQ(errors_of("rate_limit:\n  interval: 1s\n  burst: 10\n"),
            Errors{"web.yml:1:1: rate_limit: rate_limit is not supported by tocsin"});
}

TEST_F(WebConfigTest, InvalidYamlAndFileErrors) {
  auto yaml = errors_of("basic_auth_users: [\n");
  ASSERT_EQ(yaml.size(), 1u);
  EXPECT_EQ(yaml[0].rfind("web.yml:2:1: invalid YAML", 0), 0u) << yaml[0];
  auto r = load_web_config("/nonexistent/web.yml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error()[0].to_string(),
            "/nonexistent/web.yml: cannot read /nonexistent/web.yml: No such file or directory");
}

}  // namespace
}  // namespace tocsin::config
