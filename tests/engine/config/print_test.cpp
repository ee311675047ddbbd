#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "engine/config/load.h"

namespace tocsin::config {
namespace {

const std::string kData = std::string(TOCSIN_SOURCE_DIR) + "/tests/engine/config/testdata";

size_t count(const std::string& s, std::string_view what) {
  size_t n = 0;
  for (size_t pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + 1)) ++n;
  return n;
}

TEST(Print, SecretsAreMasked) {
  auto r = load_config({kData + "/prometheus.yml", kData + "/alertmanager.yml"});
  ASSERT_TRUE(r.has_value()) << to_error(r.error()).message;
  std::string out = print_config(*r);
  for (const char* secret : {"hunter2", "topsecretpassword", "XYZSECRET", "pd-routing-secret",
                             "bearer-secret"}) {
    EXPECT_EQ(out.find(secret), std::string::npos) << secret << " leaked:\n" << out;
  }
  // basic_auth password, smtp password (global + inherited by email), slack url (global +
  // inherited), pagerduty routing key, webhook bearer credentials. Not the webhook url: see
  // WebhookUrlInClearAsAlertmanager025.
  EXPECT_EQ(count(out, "<secret>"), 7u) << out;
  EXPECT_NE(out.find("receiver: ops"), std::string::npos);
  EXPECT_NE(out.find("severity=\"critical\""), std::string::npos);
}

// Alertmanager 0.25 prints a webhook receiver's url in clear in /api/v2/status (its type is a
// plain URL there, credentials included), and amtool 0.25 re-parses that config: "<secret>" is
// not a URL ("unsupported scheme"). So tocsin prints it in clear too — unless it was read from
// url_file (not a 0.25 key), which stays masked.
TEST(Print, WebhookUrlInClearAsAlertmanager025) {
  auto r = load_config_from_string(R"(
route: {receiver: r}
receivers:
  - name: r
    webhook_configs:
      - url: "http://user:pw@127.0.0.1:5001/hook?x=y"
        http_config: {basic_auth: {username: u, password: hunter2}}
      - url: "http://127.0.0.1:5002/from-file"
)", "am.yml");
  ASSERT_TRUE(r.has_value()) << to_error(r.error()).message;
  r->receivers[0].webhook_configs[1].url_from_file = true;  // as app/secret_files.cpp marks it
  const std::string out = print_config(*r);
  EXPECT_NE(out.find("url: http://user:pw@127.0.0.1:5001/hook?x=y"), std::string::npos) << out;
  EXPECT_EQ(out.find("5002"), std::string::npos) << out;
  EXPECT_EQ(out.find("hunter2"), std::string::npos) << out;
  EXPECT_EQ(count(out, "<secret>"), 2u) << out;  // the file's url, the basic_auth password
  // The printed url loads again (amtool's check).
  auto plain = load_config_from_string(R"(
route: {receiver: r}
receivers: [{name: r, webhook_configs: [{url: "http://127.0.0.1:5001/hook"}]}]
)", "am.yml");
  ASSERT_TRUE(plain.has_value());
  auto again = load_config_from_string(print_config(*plain), "printed.yml");
  ASSERT_TRUE(again.has_value()) << to_error(again.error()).message;
  EXPECT_EQ(again->receivers[0].webhook_configs[0].url.reveal(), "http://127.0.0.1:5001/hook");
}

// /api/v2/status' config.original: what amtool 0.25 (strict YAML) accepts — no Prometheus keys.
TEST(Print, AlertmanagerOnlyLeavesOutPrometheusKeys) {
  auto r = load_config({kData + "/prometheus.yml", kData + "/alertmanager.yml"});
  ASSERT_TRUE(r.has_value()) << to_error(r.error()).message;
  const std::string full = print_config(*r);
  const std::string am = print_alertmanager_config(*r);
  for (const char* key : {"scrape_interval:", "evaluation_interval:", "scrape_configs:",
                          "rule_files:", "slack_app_url:"}) {
    EXPECT_NE(full.find(key), std::string::npos) << key;
    EXPECT_EQ(am.find(key), std::string::npos) << key << " in\n" << am;
  }
  for (const char* key : {"resolve_timeout:", "route:", "receivers:", "inhibit_rules:",
                          "receiver: ops"}) {
    EXPECT_NE(am.find(key), std::string::npos) << key << " missing in\n" << am;
  }
  // (amtool's strict re-parse of this output is tests/engine/api/amtool_test.cpp.)
}

TEST(Print, OutputLoadsAgain) {
  auto r = load_config({kData + "/alertmanager.yml"});
  ASSERT_TRUE(r.has_value());
  // Masked secrets are not valid URLs, so unmask-free reload is checked on a secret-free config.
  auto plain = load_config({kData + "/prometheus.yml"});
  ASSERT_TRUE(plain.has_value());
  std::string out = print_config(*plain);
  auto again = load_config_from_string(out, "printed.yml");
  ASSERT_TRUE(again.has_value()) << to_error(again.error()).message << "\n" << out;
  EXPECT_EQ(print_config(*again), out);
}

// yaml-cpp writes a carriage return into a plain scalar, where the loader reads a line break:
// strings with control characters print double-quoted (the CI fuzz run found "\r").
TEST(Print, ControlCharactersSurviveTheRoundTrip) {
  const std::string yaml =
      "global:\n  external_labels:\n    a: \"x\\r\"\n    b: \"\\ty\\u0001\\u007f\"\n"
      "scrape_configs:\n  - job_name: \"\\r\"\n    static_configs:\n"
      "      - targets: [\"127.0.0.1:9\"]\n        labels: {c: \"\\r\\n\"}\n"
      "route:\n  receiver: \"r\\r\"\n  routes:\n    - receiver: \"r\\r\"\n"
      "      matchers: [\"d=\\\"\\r\\\"\"]\n"
      "receivers:\n  - name: \"r\\r\"\n";
  auto r = load_config_from_string(yaml, "cr.yml");
  ASSERT_TRUE(r.has_value()) << to_error(r.error()).message;
  ASSERT_EQ(r->global.external_labels.size(), 2u);
  const std::string out = print_config(*r);
  auto again = load_config_from_string(out, "printed.yml");
  ASSERT_TRUE(again.has_value()) << to_error(again.error()).message << "\n" << out;
  EXPECT_EQ(print_config(*again), out);
  EXPECT_EQ(again->scrape_configs.at(0).job_name, "\r");
  EXPECT_EQ(again->receivers.at(0).name, "r\r");
}

// Keys whose default is not empty keep an explicit "" through print and load (the CI fuzz run
// found smtp_hello: '' printed as nothing, which loads back as "localhost").
TEST(Print, ExplicitEmptyValuesOfKeysWithDefaults) {
  const std::string yaml =
      "global:\n  smtp_hello: ''\n  slack_app_url: ''\n  pagerduty_url: ''\n"
      "route:\n  receiver: r\nreceivers:\n  - name: r\n";
  auto r = load_config_from_string(yaml, "empty.yml");
  ASSERT_TRUE(r.has_value()) << to_error(r.error()).message;
  const std::string out = print_config(*r);
  auto again = load_config_from_string(out, "printed.yml");
  ASSERT_TRUE(again.has_value()) << to_error(again.error()).message << "\n" << out;
  EXPECT_EQ(print_config(*again), out);
  EXPECT_EQ(again->global.smtp_hello, "");
  EXPECT_EQ(again->global.slack_app_url, "");
  EXPECT_EQ(again->global.pagerduty_url, "");
  // Without the keys the defaults print as before.
  auto d = load_config_from_string("route:\n  receiver: r\nreceivers:\n  - name: r\n", "d.yml");
  ASSERT_TRUE(d.has_value());
  EXPECT_NE(print_config(*d).find("smtp_hello: localhost"), std::string::npos);
}

// Receiver keys with a default (Slack's text, e-mail's html, PagerDuty's description, Slack's
// mrkdwn_in) keep an explicit empty value through print and load (config_fuzz found `text:`).
TEST(Print, ExplicitEmptyReceiverKeysWithDefaults) {
  const auto dir = std::filesystem::temp_directory_path() / "tocsin-print-empty-keys";
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "slack.url") << "http://127.0.0.1:9/slack\n";
    std::ofstream(dir / "pd.key") << "0123456789abcdef0123456789abcdef\n";
  }
  const std::string yaml =
      "global:\n  smtp_smarthost: 'localhost:25'\n  smtp_from: a@example.org\n"
      "route:\n  receiver: r\nreceivers:\n  - name: r\n"
      "    slack_configs:\n      - api_url_file: slack.url\n        channel: '#x'\n"
      "        text:\n        title: ''\n        mrkdwn_in: []\n"
      "    email_configs:\n      - to: b@example.org\n        html: ''\n"
      "    pagerduty_configs:\n      - routing_key_file: pd.key\n        description: ''\n";
  auto r = load_config_from_string(yaml, (dir / "tocsin.yml").string());
  ASSERT_TRUE(r.has_value()) << to_error(r.error()).message;
  const std::string out = print_config(*r);
  auto again = load_config_from_string(out, (dir / "printed.yml").string());
  ASSERT_TRUE(again.has_value()) << to_error(again.error()).message << "\n" << out;
  EXPECT_EQ(print_config(*again), out);
  const Receiver& rc = again->receivers.at(0);
  EXPECT_EQ(rc.slack_configs.at(0).text, "");
  EXPECT_EQ(rc.slack_configs.at(0).title, "");
  EXPECT_TRUE(rc.slack_configs.at(0).mrkdwn_in.empty());
  EXPECT_EQ(rc.email_configs.at(0).html, "");
  EXPECT_EQ(rc.pagerduty_configs.at(0).description, "");
  std::filesystem::remove_all(dir);
}

// The remote data source and remote_write sections print, load again the same, and mask secrets.
TEST(Print, DatasourceAndRemoteWrite) {
  auto r = load_config_from_string(R"(
datasource:
  url: http://127.0.0.1:9090
  timeout: 20s
  query_offset: 30s
  basic_auth: {username: u, password: hunter2}
remote_write:
  - url: http://127.0.0.1:9090/api/v1/write
    name: local
    remote_timeout: 10s
    headers: {X-Scope-OrgID: team-a}
    write_relabel_configs:
      - {source_labels: [__name__], regex: 'ALERTS_FOR_STATE', action: drop}
    authorization: {credentials: s3cret}
    queue_config: {capacity: 2500, max_shards: 200, min_shards: 1, max_samples_per_send: 500,
                   batch_send_deadline: 5s, min_backoff: 50ms, max_backoff: 10s,
                   retry_on_http_429: false}
    metadata_config: {send: true, send_interval: 1m}
)", "tocsin.yml");
  ASSERT_TRUE(r.has_value()) << to_error(r.error()).message;
  std::string out = print_config(*r);
  EXPECT_NE(out.find("datasource:"), std::string::npos) << out;
  EXPECT_NE(out.find("query_offset: 30s"), std::string::npos) << out;
  EXPECT_NE(out.find("X-Scope-OrgID: team-a"), std::string::npos) << out;
  EXPECT_NE(out.find("write_relabel_configs:"), std::string::npos) << out;
  EXPECT_EQ(out.find("hunter2"), std::string::npos) << out;
  EXPECT_EQ(out.find("s3cret"), std::string::npos) << out;
  EXPECT_EQ(count(out, "<secret>"), 2u) << out;
  auto again = load_config_from_string(out, "printed.yml");
  ASSERT_TRUE(again.has_value()) << to_error(again.error()).message << "\n" << out;
  EXPECT_EQ(print_config(*again), out);
  EXPECT_EQ(again->datasource.timeout, 20 * kSecond);
  ASSERT_EQ(again->remote_write.size(), 1u);
  EXPECT_EQ(again->remote_write[0].name, "local");
  // Prometheus' queue_config and metadata_config load (a prometheus.yml loads unchanged).
  ASSERT_TRUE(again->remote_write[0].queue_config.has_value());
  EXPECT_EQ(again->remote_write[0].queue_config->capacity, 2500u);
  EXPECT_EQ(again->remote_write[0].queue_config->min_backoff, 50);
  EXPECT_EQ(again->remote_write[0].queue_config->max_backoff, 10 * kSecond);
  EXPECT_FALSE(again->remote_write[0].queue_config->retry_on_http_429);
  ASSERT_TRUE(again->remote_write[0].metadata_config.has_value());
  auto bad = load_config_from_string(
      "remote_write: [{url: 'http://x/', queue_config: {max_shard: 3}}]\n", "bad.yml");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(to_error(bad.error()).message.find("remote_write[0].queue_config.max_shard: unknown key"),
            std::string::npos)
      << to_error(bad.error()).message;
  // Alertmanager's view leaves both out.
  EXPECT_EQ(print_alertmanager_config(*r).find("remote_write"), std::string::npos);
}

TEST(Print, UpstreamGoodConfigMasksEverySecret) {
  std::string path = std::string(TOCSIN_SHARED_DIR) +
                     "/conformance/alertmanager/config/conf.empty-fields.yml";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no " << path;
  auto r = load_config({path});
  ASSERT_TRUE(r.has_value());
  std::string out = print_config(*r);
  EXPECT_EQ(out.find("slack.com/webhook"), std::string::npos);
  EXPECT_EQ(count(out, "<secret>"), 1u) << out;
  // Empty strings stay empty: smtp_hello '' is not replaced by the default.
  EXPECT_EQ(r->global.smtp_hello, "");
}

}  // namespace
}  // namespace tocsin::config
