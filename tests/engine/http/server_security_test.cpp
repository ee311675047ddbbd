// HttpServer with a web config (TLS, client certificates, basic auth, headers) over real TCP on
// 127.0.0.1, driven by the curl CLI: the handshake with the test PKI, mTLS required (no cert
// refused, a cert from the CA accepted, one from another CA refused), min_version TLS13 refusing a
// TLS 1.2-only client, client_allowed_sans, basic auth (right 200; wrong, unknown user, none 401
// with WWW-Authenticate: Basic), the bcrypt cache, configured headers, and swapping at runtime.
#include "engine/http/server.h"

#include <fstream>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "engine/config/web_config.h"
#include "engine/http/basic_auth.h"
#include "tests/engine/http/tls_server.h"
#include "tests/support/subprocess.h"

namespace tocsin::http {
namespace {

namespace asio = boost::asio;

struct CurlResult {
  int exit_code = -1;
  int status = 0;
  std::string body;
  std::string headers;
  std::string err;
};

// Runs curl; -w prints the status code on a line of its own after the body.
CurlResult curl(std::vector<std::string> args) {
  std::vector<std::string> argv = {"curl", "-sS", "--max-time", "20", "-D", "/dev/stderr",
                                   "-w", "\n%{http_code}"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = testing::run_program(argv, std::chrono::seconds(40));
  CurlResult out;
  out.exit_code = r.exit_code;
  out.err = r.err;
  out.headers = r.err;
  size_t nl = r.out.rfind('\n');
  if (nl != std::string::npos) {
    out.body = r.out.substr(0, nl);
    out.status = std::atoi(r.out.c_str() + nl + 1);
  }
  return out;
}

class ServerSecurityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    pki_ = new testing::TestPki(testing::make_test_pki(dir_->path()));
    // A client certificate with SANs, for client_allowed_sans.
    const std::string d = dir_->path();
    {
      std::ofstream f(d + "/sanclient.ext");
      f << "subjectAltName=DNS:alice.example,IP:127.0.0.2\nbasicConstraints=CA:FALSE\n"
           "extendedKeyUsage=clientAuth\n";
    }
    auto openssl = [](std::vector<std::string> a) {
      a.insert(a.begin(), "openssl");
      auto r = testing::run_program(a, std::chrono::seconds(30));
      ASSERT_EQ(r.exit_code, 0) << r.err;
    };
    openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", d + "/sanclient.key", "-out", d + "/sanclient.csr", "-subj",
             "/CN=sanclient"});
    openssl({"x509", "-req", "-in", d + "/sanclient.csr", "-CA", d + "/ca.crt", "-CAkey",
             d + "/ca.key", "-CAcreateserial", "-out", d + "/sanclient.crt", "-days", "2",
             "-extfile", d + "/sanclient.ext"});
    auto h = bcrypt_hash("s3cret-pass", 4);
    ASSERT_TRUE(h);
    hash_ = new std::string(*h);
  }
  static void TearDownTestSuite() {
    delete hash_;
    delete pki_;
    delete dir_;
  }

  void SetUp() override {
    router_.add("GET", "/hello", [this](const Request& req) {
      saw_authorization_ = req.headers.count("authorization") > 0;
      return Response::text(200, "hello\n");
    });
    ServerOptions so;
    so.port = 0;
    server_ = std::make_unique<HttpServer>(io_, router_, so);
    ASSERT_TRUE(server_->start());
    thread_ = std::thread([this] {
      auto guard = asio::make_work_guard(io_);
      io_.run();
    });
  }
  void TearDown() override {
    io_.stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
  }

  // Loads a web config written in the PKI directory and installs it.
  void use(const std::string& yaml) {
    std::string path = dir_->path() + "/web.yml";
    {
      std::ofstream f(path);
      f << yaml;
    }
    auto r = config::load_web_config(path);
    ASSERT_TRUE(r) << r.error()[0].to_string();
    server_->set_security(r->security);
  }

  std::string https(const std::string& path = "/hello") const {
    return "https://127.0.0.1:" + std::to_string(server_->port()) + path;
  }
  std::string http(const std::string& path = "/hello") const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + path;
  }
  static std::string tls_yaml(const std::string& extra = "") {
    return "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n" + extra;
  }

  static testing::TempDir* dir_;
  static testing::TestPki* pki_;
  static std::string* hash_;
  asio::io_context io_;
  Router router_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::atomic<bool> saw_authorization_{false};
};
testing::TempDir* ServerSecurityTest::dir_ = nullptr;
testing::TestPki* ServerSecurityTest::pki_ = nullptr;
std::string* ServerSecurityTest::hash_ = nullptr;

TEST_F(ServerSecurityTest, TlsHandshakeWithTheTestPki) {
  use(tls_yaml());
  auto ok = curl({"--cacert", pki_->ca_file, https()});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "hello\n");
  // A client that trusts another CA refuses the server.
  auto untrusted = curl({"--cacert", pki_->other_ca_file, https()});
  EXPECT_NE(untrusted.exit_code, 0);
  // Plain HTTP to the TLS port gets no HTTP answer.
  auto plain = curl({http()});
  EXPECT_NE(plain.status, 200);
}

TEST_F(ServerSecurityTest, MutualTlsRequired) {
  use(tls_yaml("  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n"));
  auto none = curl({"--cacert", pki_->ca_file, https()});
  EXPECT_NE(none.exit_code, 0) << "a client without a certificate was served";
  EXPECT_NE(none.status, 200);
  auto with = curl({"--cacert", pki_->ca_file, "--cert", pki_->client_cert_file, "--key",
                    pki_->client_key_file, https()});
  EXPECT_EQ(with.exit_code, 0) << with.err;
  EXPECT_EQ(with.status, 200);
  // The same client certificate, but the server trusts only another CA.
  use(tls_yaml("  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: other.crt\n"));
  auto foreign = curl({"--cacert", pki_->ca_file, "--cert", pki_->client_cert_file, "--key",
                       pki_->client_key_file, https()});
  EXPECT_NE(foreign.status, 200);
}

TEST_F(ServerSecurityTest, VerifyClientCertIfGivenServesClientsWithoutOne) {
  use(tls_yaml("  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: ca.crt\n"));
  EXPECT_EQ(curl({"--cacert", pki_->ca_file, https()}).status, 200);
  EXPECT_EQ(curl({"--cacert", pki_->ca_file, "--cert", pki_->client_cert_file, "--key",
                  pki_->client_key_file, https()})
                .status,
            200);
}

TEST_F(ServerSecurityTest, MinVersionTls13RefusesATls12OnlyClient) {
  use(tls_yaml("  min_version: TLS13\n"));
  auto old = curl({"--cacert", pki_->ca_file, "--tlsv1.2", "--tls-max", "1.2", https()});
  EXPECT_NE(old.exit_code, 0) << "a TLS 1.2-only client was served";
  auto modern = curl({"--cacert", pki_->ca_file, "--tlsv1.3", https()});
  EXPECT_EQ(modern.status, 200) << modern.err;
  // And max_version TLS12 refuses a TLS 1.3-only client.
  use(tls_yaml("  max_version: TLS12\n"));
  EXPECT_NE(curl({"--cacert", pki_->ca_file, "--tlsv1.3", https()}).exit_code, 0);
  EXPECT_EQ(curl({"--cacert", pki_->ca_file, "--tls-max", "1.2", https()}).status, 200);
}

TEST_F(ServerSecurityTest, CipherSuitesAreEnforcedForTls12) {
  use(tls_yaml("  max_version: TLS12\n"
               "  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]\n"));
  EXPECT_EQ(curl({"--cacert", pki_->ca_file, "--ciphers", "ECDHE-ECDSA-AES256-GCM-SHA384",
                  https()})
                .status,
            200);
  EXPECT_NE(curl({"--cacert", pki_->ca_file, "--ciphers", "ECDHE-ECDSA-AES128-GCM-SHA256",
                  https()})
                .exit_code,
            0);
}

TEST_F(ServerSecurityTest, ClientAllowedSans) {
  use(tls_yaml("  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n"
               "  client_allowed_sans: [alice.example]\n"));
  const std::string d = dir_->path();
  EXPECT_EQ(curl({"--cacert", pki_->ca_file, "--cert", d + "/sanclient.crt", "--key",
                  d + "/sanclient.key", https()})
                .status,
            200);
  // The CA's other client certificate has no such SAN.
  EXPECT_NE(curl({"--cacert", pki_->ca_file, "--cert", pki_->client_cert_file, "--key",
                  pki_->client_key_file, https()})
                .status,
            200);
  use(tls_yaml("  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n"
               "  client_allowed_sans: [127.0.0.2]\n"));
  EXPECT_EQ(curl({"--cacert", pki_->ca_file, "--cert", d + "/sanclient.crt", "--key",
                  d + "/sanclient.key", https()})
                .status,
            200);
}

TEST_F(ServerSecurityTest, BasicAuth) {
  use("basic_auth_users:\n  alice: " + *hash_ + "\n");
  auto ok = curl({"-u", "alice:s3cret-pass", http()});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "hello\n");
  EXPECT_FALSE(saw_authorization_) << "the handler saw the Authorization header";
  for (const auto& who : {"alice:wrong", "mallory:s3cret-pass", "alice:", ":s3cret-pass"}) {
    auto r = curl({"-u", who, http()});
    EXPECT_EQ(r.status, 401) << who;
    EXPECT_EQ(r.body, "Unauthorized\n") << who;
    EXPECT_NE(r.headers.find("WWW-Authenticate: Basic"), std::string::npos) << r.headers;
  }
  auto none = curl({http()});
  EXPECT_EQ(none.status, 401);
  auto garbage = curl({"-H", "Authorization: Basic !!!notbase64", http()});
  EXPECT_EQ(garbage.status, 401);
  // Every path, health checks included, as in Prometheus.
  EXPECT_EQ(curl({http("/-/healthy")}).status, 401);
}

TEST_F(ServerSecurityTest, BasicAuthOverTlsAndHeaders) {
  use(tls_yaml() +
      "http_server_config:\n  headers:\n    X-Frame-Options: deny\n"
      "    Strict-Transport-Security: max-age=60\n"
      "basic_auth_users:\n  alice: " + *hash_ + "\n");
  auto ok = curl({"--cacert", pki_->ca_file, "-u", "alice:s3cret-pass", https()});
  EXPECT_EQ(ok.status, 200) << ok.err;
  EXPECT_NE(ok.headers.find("X-Frame-Options: deny"), std::string::npos) << ok.headers;
  EXPECT_NE(ok.headers.find("Strict-Transport-Security: max-age=60"), std::string::npos);
  auto denied = curl({"--cacert", pki_->ca_file, https()});
  EXPECT_EQ(denied.status, 401);
  EXPECT_NE(denied.headers.find("X-Frame-Options: deny"), std::string::npos) << denied.headers;
}

TEST_F(ServerSecurityTest, BcryptAnswersAreCached) {
  // Cost 10, exporter-toolkit's usual cost: checked once, then served from the cache.
  auto h = bcrypt_hash("costly", 10);
  ASSERT_TRUE(h);
  use("basic_auth_users:\n  bob: " + *h + "\n");
  auto before = server_->verifier().computations();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(curl({"-u", "bob:costly", http()}).status, 200);
  }
  EXPECT_EQ(server_->verifier().computations(), before + 1);
  EXPECT_EQ(curl({"-u", "bob:not-it", http()}).status, 401);
  EXPECT_EQ(curl({"-u", "bob:not-it", http()}).status, 401);
  EXPECT_EQ(server_->verifier().computations(), before + 2);
  // A changed hash for the same user is a different cache entry: the old password stops working.
  auto h2 = bcrypt_hash("rotated", 4);
  ASSERT_TRUE(h2);
  use("basic_auth_users:\n  bob: " + *h2 + "\n");
  EXPECT_EQ(curl({"-u", "bob:costly", http()}).status, 401);
  EXPECT_EQ(curl({"-u", "bob:rotated", http()}).status, 200);
}

TEST_F(ServerSecurityTest, SecurityCanBeSwappedAndRemoved) {
  EXPECT_EQ(curl({http()}).status, 200);
  use(tls_yaml());
  EXPECT_EQ(curl({"--cacert", pki_->ca_file, https()}).status, 200);
  server_->set_security(nullptr);
  EXPECT_EQ(curl({http()}).status, 200);
}

TEST(BasicAuthHeader, ParsesAsGoDoes) {
  auto c = parse_basic_authorization("Basic YWxpY2U6cGE6c3M=");  // alice:pa:ss
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user, "alice");
  EXPECT_EQ(c->password, "pa:ss");
  EXPECT_TRUE(parse_basic_authorization("bAsIc YWxpY2U6cGE6c3M="));
  EXPECT_FALSE(parse_basic_authorization("Bearer YWxpY2U6cGE6c3M="));
  EXPECT_FALSE(parse_basic_authorization("Basic YWxpY2U"));     // not padded
  EXPECT_FALSE(parse_basic_authorization("Basic YWxpY2U="));    // "alice": no colon
  EXPECT_FALSE(parse_basic_authorization("Basic YW=xpY2U6"));   // padding inside
  EXPECT_FALSE(parse_basic_authorization(""));
}

TEST(Bcrypt, MatchesGoHashesAndOwnHashes) {
  // Made by Go's x/crypto/bcrypt (exporter-toolkit's decoy hash of "fakepassword").
  const std::string go = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";
  EXPECT_TRUE(is_bcrypt_hash(go));
  EXPECT_TRUE(bcrypt_matches(go, "fakepassword"));
  EXPECT_FALSE(bcrypt_matches(go, "fakepassword2"));
  EXPECT_FALSE(bcrypt_matches(go, std::string("fakepassword\0x", 14)));
  auto own = bcrypt_hash("pw", 5);
  ASSERT_TRUE(own);
  EXPECT_EQ(own->substr(0, 7), "$2y$05$");
  EXPECT_TRUE(is_bcrypt_hash(*own));
  EXPECT_TRUE(bcrypt_matches(*own, "pw"));
  EXPECT_FALSE(bcrypt_matches(*own, "pW"));
  // The $2b$ spelling of the same hash verifies too.
  std::string b = *own;
  b[2] = 'b';
  EXPECT_TRUE(bcrypt_matches(b, "pw"));
  EXPECT_FALSE(is_bcrypt_hash("$2y$03$" + own->substr(7)));  // cost below 4
  EXPECT_FALSE(is_bcrypt_hash("$1$abc$def"));
  EXPECT_FALSE(is_bcrypt_hash("plain"));
}

}  // namespace
}  // namespace tocsin::http
