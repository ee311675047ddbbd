// The tocsin binary's web security: loopback by default, --web.config.file with TLS and basic
// auth (curl, the real amtool 0.25 with --http.config.file), reload of the web config (good and
// broken), a broken file failing start-up with file:line:column, and two differential checks
// against the real Prometheus 2.42: `promtool check web-config` and `tocsin check web-config`
// accept and refuse the same files, and Prometheus and tocsin serving the same web config answer
// the same requests with the same status codes.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include <gtest/gtest.h>

#include "engine/http/basic_auth.h"
#include "tests/engine/http/tls_server.h"
#include "tests/support/net.h"
#include "tests/support/subprocess.h"

namespace tocsin::testing {
namespace {

constexpr const char* kAmtool = "/usr/bin/amtool";
constexpr const char* kPromtool = "/usr/bin/promtool";
constexpr const char* kPrometheus = "/usr/bin/prometheus";

constexpr const char* kConfig = R"(global:
  evaluation_interval: 1s
route:
  receiver: console
receivers:
  - name: console
    log_configs: [{}]
)";

struct CurlResult {
  int exit_code = -1;
  int status = 0;
  std::string body;
  std::string err;
};

CurlResult curl(std::vector<std::string> args) {
  std::vector<std::string> argv = {"curl", "-sS", "--max-time", "20", "-w", "\n%{http_code}"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_program(argv, std::chrono::seconds(40));
  CurlResult out;
  out.exit_code = r.exit_code;
  out.err = r.err;
  size_t nl = r.out.rfind('\n');
  if (nl != std::string::npos) {
    out.body = r.out.substr(0, nl);
    out.status = std::atoi(r.out.c_str() + nl + 1);
  }
  return out;
}

std::uint16_t listening_port(Subprocess& p) {
  auto seen = p.wait_for_output("msg=listening", std::chrono::seconds(60));
  if (!seen) return 0;
  std::smatch m;
  if (!std::regex_search(*seen, m, std::regex(R"(address=127\.0\.0\.1:(\d+))"))) return 0;
  return static_cast<std::uint16_t>(std::stoi(m[1]));
}

// Local addresses (hex, as /proc/net/tcp writes them) of the sockets listening on `port`.
std::vector<std::string> listeners_on(std::uint16_t port) {
  std::vector<std::string> out;
  for (const char* file : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);  // header
    char want[8];
    std::snprintf(want, sizeof want, ":%04X", port);
    while (std::getline(in, line)) {
      std::istringstream ss(line);
      std::string slot, local, remote, state;
      ss >> slot >> local >> remote >> state;
      if (state == "0A" && local.size() > 5 && local.substr(local.size() - 5) == want) {
        out.push_back(local.substr(0, local.size() - 5));
      }
    }
  }
  return out;
}

bool port_free(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

class WebSecurity : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_dir_ = new TempDir();
    pki_ = new TestPki(make_test_pki(pki_dir_->path()));
    auto h = http::bcrypt_hash("alice-pw", 5);
    ASSERT_TRUE(h);
    alice_hash_ = new std::string(*h);
  }
  static void TearDownTestSuite() {
    delete alice_hash_;
    delete pki_;
    delete pki_dir_;
  }

  std::string web_yaml(const std::string& users) const {
    return "tls_server_config:\n  cert_file: " + pki_->server_cert_file +
           "\n  key_file: " + pki_->server_key_file + "\nbasic_auth_users:\n" + users;
  }

  // Starts tocsin with the web config; returns its port.
  std::uint16_t start(const std::string& web_file) {
    std::string cfg = dir_.write("tocsin.yml", kConfig);
    tocsin_ = std::make_unique<Subprocess>(std::vector<std::string>{
        TOCSIN_BINARY, "run", "--config=" + cfg, "--web.listen-address=127.0.0.1:0",
        "--web.config.file=" + web_file, "--storage.path=" + dir_.path() + "/data"});
    return listening_port(*tocsin_);
  }

  CurlResult get(std::uint16_t port, const std::string& path, const std::string& user = "") {
    std::vector<std::string> a = {"--cacert", pki_->ca_file};
    if (!user.empty()) {
      a.push_back("-u");
      a.push_back(user);
    }
    a.push_back("https://127.0.0.1:" + std::to_string(port) + path);
    return curl(a);
  }

  static TempDir* pki_dir_;
  static TestPki* pki_;
  static std::string* alice_hash_;
  TempDir dir_;
  std::unique_ptr<Subprocess> tocsin_;
};
TempDir* WebSecurity::pki_dir_ = nullptr;
TestPki* WebSecurity::pki_ = nullptr;
std::string* WebSecurity::alice_hash_ = nullptr;

TEST_F(WebSecurity, ListensOnLoopbackByDefault) {
  auto help = run_program({TOCSIN_BINARY, "run", "--help"});
  EXPECT_NE((help.out + help.err).find("127.0.0.1:9093"), std::string::npos) << help.out;
  if (!port_free(9093)) GTEST_SKIP() << "port 9093 is taken here; only the help text was checked";
  std::string cfg = dir_.write("tocsin.yml", kConfig);
  Subprocess p({TOCSIN_BINARY, "run", "--config=" + cfg, "--storage.path=" + dir_.path() + "/d"});
  ASSERT_TRUE(p.wait_for_output("msg=listening", std::chrono::seconds(60))) << p.stderr_text();
  // Bound to 127.0.0.1 (0100007F) only: nothing on 0.0.0.0 or ::.
  EXPECT_EQ(listeners_on(9093), std::vector<std::string>{"0100007F"});
}

TEST_F(WebSecurity, TlsAndBasicAuthThroughTheBinary) {
  std::string web = dir_.write("web.yml", web_yaml("  alice: " + *alice_hash_ + "\n"));
  std::uint16_t port = start(web);
  ASSERT_NE(port, 0) << tocsin_->stderr_text();
  EXPECT_NE(tocsin_->stderr_text().find("tls=true basic_auth=true"), std::string::npos);
  EXPECT_EQ(get(port, "/-/ready", "alice:alice-pw").status, 200);
  EXPECT_EQ(get(port, "/api/v2/status", "alice:alice-pw").status, 200);
  for (const char* path : {"/-/ready", "/-/healthy", "/metrics", "/api/v2/alerts"}) {
    EXPECT_EQ(get(port, path).status, 401) << path;
    EXPECT_EQ(get(port, path, "alice:wrong").status, 401) << path;
    EXPECT_EQ(get(port, path, "bob:alice-pw").status, 401) << path;
  }
  // Plain HTTP on the TLS port gets no answer.
  auto plain = curl({"-u", "alice:alice-pw", "http://127.0.0.1:" + std::to_string(port) + "/-/ready"});
  EXPECT_NE(plain.status, 200);
}

TEST_F(WebSecurity, AmtoolTalksToTocsinOverTlsWithBasicAuth) {
  if (access(kAmtool, X_OK) != 0) GTEST_SKIP() << "amtool not installed at " << kAmtool;
  std::string web = dir_.write("web.yml", web_yaml("  alice: " + *alice_hash_ + "\n"));
  std::uint16_t port = start(web);
  ASSERT_NE(port, 0) << tocsin_->stderr_text();
  std::string url = "--alertmanager.url=https://127.0.0.1:" + std::to_string(port) + "/";
  auto client = [&](const std::string& password) {
    return dir_.write("amtool-" + password + ".yml",
                      "basic_auth:\n  username: alice\n  password: " + password +
                          "\ntls_config:\n  ca_file: " + pki_->ca_file + "\n");
  };
  std::string good = "--http.config.file=" + client("alice-pw");
  auto add = run_program({kAmtool, url, good, "alert", "add", "alertname=OverTls",
                          "severity=info"});
  EXPECT_EQ(add.exit_code, 0) << add.out << add.err;
  auto query = run_program({kAmtool, url, good, "alert", "query"});
  EXPECT_EQ(query.exit_code, 0) << query.err;
  EXPECT_NE(query.out.find("OverTls"), std::string::npos) << query.out;
  auto status = run_program({kAmtool, url, good, "config", "show"});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("receiver: console"), std::string::npos) << status.out;
  auto silences = run_program({kAmtool, url, good, "silence", "query"});
  EXPECT_EQ(silences.exit_code, 0) << silences.err;
  // The wrong password and no TLS trust are refused.
  auto wrong = run_program({kAmtool, url, "--http.config.file=" + client("nope"), "alert",
                            "query"});
  EXPECT_NE(wrong.exit_code, 0) << wrong.out;
  auto untrusted = run_program({kAmtool, url, "alert", "query"});
  EXPECT_NE(untrusted.exit_code, 0) << untrusted.out;
}

TEST_F(WebSecurity, ReloadReadsTheWebConfigAgain) {
  std::string web = dir_.write("web.yml", web_yaml("  alice: " + *alice_hash_ + "\n"));
  std::uint16_t port = start(web);
  ASSERT_NE(port, 0) << tocsin_->stderr_text();
  auto bob = http::bcrypt_hash("bob-pw", 5);
  ASSERT_TRUE(bob);
  dir_.write("web.yml", web_yaml("  bob: " + *bob + "\n"));
  std::vector<std::string> reload = {"--cacert", pki_->ca_file, "-u", "alice:alice-pw", "-X",
                                     "POST",
                                     "https://127.0.0.1:" + std::to_string(port) + "/-/reload"};
  EXPECT_EQ(curl(reload).status, 200);
  EXPECT_EQ(get(port, "/-/ready", "alice:alice-pw").status, 401);
  EXPECT_EQ(get(port, "/-/ready", "bob:bob-pw").status, 200);
  // A broken web config: the reload fails, names the file and line, and the running one stays.
  dir_.write("web.yml", web_yaml("  carol: hunter2-not-a-hash\n"));
  reload[3] = "bob:bob-pw";
  auto failed = curl(reload);
  EXPECT_EQ(failed.status, 500);
  EXPECT_NE(failed.body.find(web + ":5:10: basic_auth_users.carol: not a bcrypt hash"),
            std::string::npos)
      << failed.body;
  EXPECT_EQ(failed.body.find("hunter2"), std::string::npos) << failed.body;
  EXPECT_EQ(get(port, "/-/ready", "bob:bob-pw").status, 200);
  // SIGHUP reads it too.
  dir_.write("web.yml", web_yaml("  alice: " + *alice_hash_ + "\n"));
  tocsin_->signal(SIGHUP);
  ASSERT_TRUE(tocsin_->wait_for_output("configuration reloaded", std::chrono::seconds(30)));
  bool switched = false;
  for (int i = 0; i < 50 && !switched; ++i) {
    switched = get(port, "/-/ready", "alice:alice-pw").status == 200;
    if (!switched) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(switched);
}

TEST_F(WebSecurity, BrokenWebConfigFailsStartup) {
  std::string web = dir_.write("web.yml", "tls_server_config:\n  cert_file: x.crt\n  min_version: TLS9\n");
  std::string cfg = dir_.write("tocsin.yml", kConfig);
  auto r = run_program({TOCSIN_BINARY, "run", "--config=" + cfg,
                        "--web.listen-address=127.0.0.1:0", "--web.config.file=" + web,
                        "--storage.path=" + dir_.path() + "/data"},
                       std::chrono::seconds(60));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(web + ":3:16: tls_server_config.min_version: unknown TLS version: TLS9"),
            std::string::npos)
      << r.err;
}

// The same files through `promtool check web-config` (Prometheus 2.42's exporter-toolkit) and
// `tocsin check web-config`: accepted and refused alike.
TEST_F(WebSecurity, CheckWebConfigAgreesWithPromtool) {
  if (access(kPromtool, X_OK) != 0) GTEST_SKIP() << "promtool not installed at " << kPromtool;
  const std::string cert = "  cert_file: " + pki_->server_cert_file + "\n";
  const std::string key = "  key_file: " + pki_->server_key_file + "\n";
  const std::vector<std::pair<std::string, std::string>> files = {
      {"empty", ""},
      {"tls", "tls_server_config:\n" + cert + key},
      {"users", "basic_auth_users:\n  alice: " + *alice_hash_ + "\n"},
      {"mtls", "tls_server_config:\n" + cert + key +
                   "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: " +
                   pki_->ca_file + "\n"},
      {"versions", "tls_server_config:\n" + cert + key + "  min_version: TLS13\n"},
      {"ciphers", "tls_server_config:\n" + cert + key +
                      "  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]\n"
                      "  curve_preferences: [CurveP256, X25519]\n"},
      {"headers", "http_server_config:\n  http2: false\n  headers:\n    X-Frame-Options: deny\n"},
      {"bad-key", "tls_server_config:\n" + cert + key + "  bogus: 1\n"},
      {"bad-version", "tls_server_config:\n" + cert + key + "  min_version: TLS14\n"},
      {"bad-hash", "basic_auth_users:\n  alice: plaintext\n"},
      {"bad-auth-type", "tls_server_config:\n" + cert + key + "  client_auth_type: Maybe\n"},
      {"missing-key", "tls_server_config:\n" + cert},
      {"missing-file", "tls_server_config:\n  cert_file: /nonexistent.crt\n" + key},
      {"ca-without-auth", "tls_server_config:\n" + cert + key + "  client_ca_file: " +
                              pki_->ca_file + "\n"},
      {"bad-curve", "tls_server_config:\n" + cert + key + "  curve_preferences: [P999]\n"},
      {"bad-header", "http_server_config:\n  headers:\n    X-Frame-Options: allowall\n"},
  };
  for (const auto& [name, text] : files) {
    std::string path = dir_.write(name + ".yml", text);
    auto prom = run_program({kPromtool, "check", "web-config", path});
    auto ours = run_program({TOCSIN_BINARY, "check", "web-config", path});
    EXPECT_EQ(prom.exit_code == 0, ours.exit_code == 0)
        << name << "\npromtool: " << prom.out << prom.err << "\ntocsin: " << ours.out << ours.err;
    EXPECT_TRUE(ours.exit_code == 0 || ours.exit_code == 1) << name;
  }
}

// Prometheus and tocsin serving the same web config file answer alike.
TEST_F(WebSecurity, PrometheusAndTocsinAnswerAlikeWithTheSameWebConfig) {
  if (access(kPrometheus, X_OK) != 0) GTEST_SKIP() << "prometheus not installed";
  std::string web = dir_.write("web.yml", web_yaml("  alice: " + *alice_hash_ + "\n"));
  std::uint16_t port = start(web);
  ASSERT_NE(port, 0) << tocsin_->stderr_text();
  std::uint16_t prom_port = free_port();
  std::string prom_cfg = dir_.write("prometheus.yml", "global:\n  scrape_interval: 1m\n");
  Subprocess prom({kPrometheus, "--config.file=" + prom_cfg,
                   "--storage.tsdb.path=" + dir_.path() + "/tsdb",
                   "--web.listen-address=127.0.0.1:" + std::to_string(prom_port),
                   "--web.config.file=" + web});
  ASSERT_TRUE(prom.wait_for_output("Server is ready to receive web requests",
                                   std::chrono::seconds(60)))
      << prom.stderr_text();
  struct Case {
    std::string path, user;
  };
  for (const Case& c : std::vector<Case>{{"/-/healthy", "alice:alice-pw"},
                                         {"/-/ready", "alice:alice-pw"},
                                         {"/-/healthy", ""},
                                         {"/-/ready", "alice:wrong"},
                                         {"/-/healthy", "mallory:alice-pw"},
                                         {"/api/v1/status/buildinfo", "alice:alice-pw"},
                                         {"/api/v1/status/buildinfo", ""}}) {
    auto theirs = get(prom_port, c.path, c.user);
    auto ours = get(port, c.path, c.user);
    EXPECT_EQ(theirs.status, ours.status) << c.path << " as " << c.user;
  }
  // Both send WWW-Authenticate: Basic with their 401.
  auto h = run_program({"curl", "-sS", "-o", "/dev/null", "-D", "-", "--cacert", pki_->ca_file,
                        "https://127.0.0.1:" + std::to_string(prom_port) + "/-/healthy"});
  auto t = run_program({"curl", "-sS", "-o", "/dev/null", "-D", "-", "--cacert", pki_->ca_file,
                        "https://127.0.0.1:" + std::to_string(port) + "/-/healthy"});
  auto lower = [](std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  EXPECT_NE(lower(h.out).find("www-authenticate: basic"), std::string::npos) << h.out;
  EXPECT_NE(lower(t.out).find("www-authenticate: basic"), std::string::npos) << t.out;
}

}  // namespace
}  // namespace tocsin::testing
