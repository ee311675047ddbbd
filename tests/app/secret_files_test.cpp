// Secret files are read into the configuration at load time (off the I/O thread).
#include "app/secret_files.h"

#include <gtest/gtest.h>

#include "engine/config/http_options.h"
#include "engine/config/load.h"
#include "tests/support/subprocess.h"

namespace tocsin::app {
namespace {

TEST(SecretFiles, InlinesEverySecretFileAndClearsTheFileField) {
  testing::TempDir dir;
  dir.write("pw", "  hunter2\n");
  dir.write("token", "abc123\n");
  dir.write("hook", "http://127.0.0.1:9/hook\n");
  dir.write("rk", "0123456789abcdef0123456789abcdef\n");
  std::string cfg = dir.write("tocsin.yml", R"(scrape_configs:
  - job_name: node
    basic_auth: {username: u, password_file: pw}
    static_configs: [{targets: ["127.0.0.1:9100"]}]
route: {receiver: r}
receivers:
  - name: r
    webhook_configs:
      - url_file: hook
        http_config:
          authorization: {credentials_file: token}
    pagerduty_configs:
      - routing_key_file: rk
)");
  auto loaded = config::load_config({cfg});
  ASSERT_TRUE(loaded.has_value()) << config::to_error(loaded.error()).message;
  ASSERT_TRUE(inline_secret_files(*loaded));
  const auto& ba = *loaded->scrape_configs[0].http.basic_auth;
  EXPECT_EQ(ba.password.reveal(), "hunter2");
  EXPECT_TRUE(ba.password_file.empty());
  const auto& w = loaded->receivers[0].webhook_configs[0];
  EXPECT_EQ(w.url.reveal(), "http://127.0.0.1:9/hook");
  EXPECT_TRUE(w.url_file.empty());
  // An inline webhook url prints in clear (as Alertmanager 0.25); one read from a file does not.
  EXPECT_TRUE(w.url_from_file);
  EXPECT_EQ(config::print_config(*loaded).find("127.0.0.1:9/hook"), std::string::npos);
  EXPECT_EQ(w.http_config.authorization->credentials.reveal(), "abc123");
  EXPECT_EQ(loaded->receivers[0].pagerduty_configs[0].routing_key.reveal(),
            "0123456789abcdef0123456789abcdef");
}

// TLS files keep their names (printing shows ca_file, not a PEM) and their contents are what the
// HTTP client is given, so no TLS file is opened while scraping or sending.
TEST(SecretFiles, TlsFilesAreReadAndHandedToTheClientAsContent) {
  testing::TempDir dir;
  const std::string ca = "-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n";
  dir.write("ca.pem", ca);
  dir.write("cert.pem", "CERT\n");
  dir.write("key.pem", "KEY\n");
  std::string cfg = dir.write("tocsin.yml", R"(scrape_configs:
  - job_name: node
    tls_config: {ca_file: ca.pem, cert_file: cert.pem, key_file: key.pem, server_name: x}
    static_configs: [{targets: ["127.0.0.1:9100"]}]
)");
  auto loaded = config::load_config({cfg});
  ASSERT_TRUE(loaded.has_value()) << config::to_error(loaded.error()).message;
  ASSERT_TRUE(inline_secret_files(*loaded));
  const auto& t = loaded->scrape_configs[0].http.tls_config;
  EXPECT_EQ(t.ca_file, dir.path() + "/ca.pem");
  EXPECT_EQ(t.ca_file_content, ca);  // byte for byte: PEM is not trimmed
  EXPECT_EQ(t.key_file_content.reveal(), "KEY\n");
  http::TlsOptions o = config::tls_options(t);
  EXPECT_TRUE(o.ca_file.empty());
  EXPECT_TRUE(o.cert_file.empty());
  EXPECT_TRUE(o.key_file.empty());
  EXPECT_EQ(o.ca_pem, ca);
  EXPECT_EQ(o.cert_pem, "CERT\n");
  EXPECT_EQ(o.key_pem, "KEY\n");
  EXPECT_EQ(o.server_name, "x");
  // Printing shows the file name and never the key.
  std::string printed = config::print_config(*loaded);
  EXPECT_NE(printed.find("ca_file: " + dir.path() + "/ca.pem"), std::string::npos) << printed;
  EXPECT_EQ(printed.find("KEY"), std::string::npos) << printed;
  EXPECT_EQ(printed.find("BEGIN CERTIFICATE"), std::string::npos) << printed;

  std::remove((dir.path() + "/key.pem").c_str());
  auto again = config::load_config({cfg});
  ASSERT_TRUE(again.has_value());
  auto st = inline_secret_files(*again);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("scrape_configs[0] (node).tls_config.key_file: cannot read"),
            std::string::npos)
      << st.error().message;
}

TEST(SecretFiles, AMissingFileNamesTheKeyAndTheFile) {
  testing::TempDir dir;
  dir.write("pw", "x");
  std::string cfg = dir.write("tocsin.yml", R"(scrape_configs:
  - job_name: node
    basic_auth: {username: u, password_file: pw}
    static_configs: [{targets: ["127.0.0.1:9100"]}]
)");
  auto loaded = config::load_config({cfg});
  ASSERT_TRUE(loaded.has_value()) << config::to_error(loaded.error()).message;
  std::remove((dir.path() + "/pw").c_str());  // vanished between load and read
  auto st = inline_secret_files(*loaded);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("scrape_configs[0] (node).basic_auth.password_file: cannot read"),
            std::string::npos)
      << st.error().message;
  EXPECT_NE(st.error().message.find(dir.path() + "/pw"), std::string::npos);
}

}  // namespace
}  // namespace tocsin::app
