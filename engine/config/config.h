// Config: the whole tocsin configuration as plain structs — the union of Prometheus' server
// config (prometheus.yml) and Alertmanager's config (alertmanager.yml) in one tree.
//
// Every default equals Prometheus' or Alertmanager's, so an existing file means the same thing
// here. load_config() (load.h) builds a Config, resolves relative paths against the directory of
// the file that named them, applies Alertmanager's global-to-receiver inheritance (smtp_*,
// slack_api_url, pagerduty_url, http_config) and validates the result; a Config you get from it is
// valid. The structs are values: the loader owns nothing after it returns, and a Config may be
// read from any number of threads once built. Reloading builds a new Config.
//
// Secrets (passwords, tokens, keys, Slack webhook URLs) are Secret: reveal() gives the value to
// the one component that sends it; printing shows "<secret>". One exception, for Alertmanager
// 0.25 compatibility: a webhook receiver's inline `url` prints in clear, as 0.25 prints it (its
// type there is a plain URL, and amtool re-parses /api/v2/status' config and rejects "<secret>"
// as a URL); a url read from url_file stays "<secret>".
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/common/time.h"
#include "parser/matchers/matcher.h"

namespace tocsin::config {

// A sensitive string. Empty means unset. Never printed: see print_config().
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  friend bool operator==(const Secret&, const Secret&) = default;

 private:
  std::string value_;
};

inline constexpr std::string_view kSecretMask = "<secret>";

// ---------------------------------------------------------------------------------------------
// HTTP client options (prometheus/common config.HTTPClientConfig). Used by scrape configs,
// alertmanager targets, and every receiver's http_config.

struct BasicAuth {
  std::string username;
  std::string username_file;
  Secret password;
  std::string password_file;  // absolute after loading
};

struct Authorization {
  std::string type = "Bearer";
  Secret credentials;
  std::string credentials_file;  // absolute after loading
};

struct TlsConfig {
  std::string ca_file;    // absolute after loading
  std::string cert_file;  // absolute after loading
  std::string key_file;   // absolute after loading
  std::string ca;         // inline PEM
  std::string cert;       // inline PEM
  Secret key;             // inline PEM
  std::string server_name;
  bool insecure_skip_verify = false;
  std::string min_version;  // "TLS10".."TLS13", "" = library default
  std::string max_version;
  // What the engine read from ca_file, cert_file and key_file while loading
  // (app/secret_files.cpp), so no TLS file is read on the I/O thread. Not YAML keys; not printed.
  std::string ca_file_content;
  std::string cert_file_content;
  Secret key_file_content;
};

struct HttpClientConfig {
  std::optional<BasicAuth> basic_auth;
  // bearer_token / bearer_token_file (legacy keys) load into authorization with type Bearer.
  std::optional<Authorization> authorization;
  TlsConfig tls_config;
  std::string proxy_url;
  std::string no_proxy;
  bool proxy_from_environment = false;
  std::map<std::string, std::vector<Secret>> proxy_connect_header;
  bool follow_redirects = true;
  bool enable_http2 = true;
};

// ---------------------------------------------------------------------------------------------
// Prometheus: scraping, relabeling, rule files, alerting.

enum class RelabelAction {
  kReplace, kKeep, kDrop, kKeepEqual, kDropEqual, kHashMod, kLabelMap, kLabelDrop, kLabelKeep,
  kLowercase, kUppercase,
};
// "replace", "keep", ... as written in YAML.
std::string_view to_string(RelabelAction action);

struct RelabelConfig {
  std::vector<std::string> source_labels;
  std::string separator = ";";
  std::string target_label;
  std::string regex = "(.*)";  // unanchored text as written; consumers anchor as ^(?:regex)$
  std::uint64_t modulus = 0;
  std::string replacement = "$1";
  RelabelAction action = RelabelAction::kReplace;
};

struct StaticConfig {
  std::vector<std::string> targets;  // host:port
  std::map<std::string, std::string> labels;
};

struct FileSdConfig {
  std::vector<std::string> files;  // globs, absolute after loading
  Duration refresh_interval = 5 * kMinute;
};

struct ScrapeConfig {
  std::string job_name;
  bool honor_labels = false;
  bool honor_timestamps = true;
  bool track_timestamps_staleness = false;
  Duration scrape_interval = 0;  // after loading: the job's value or global.scrape_interval
  Duration scrape_timeout = 0;   // after loading: the job's value or min(global, interval)
  std::vector<std::string> scrape_protocols;
  std::string metrics_path = "/metrics";
  std::string scheme = "http";
  std::map<std::string, std::vector<std::string>> params;
  bool enable_compression = true;
  std::int64_t body_size_limit = 0;  // bytes, 0 = none
  std::uint64_t sample_limit = 0;    // 0 = none, for all the limits
  std::uint64_t target_limit = 0;
  std::uint64_t label_limit = 0;
  std::uint64_t label_name_length_limit = 0;
  std::uint64_t label_value_length_limit = 0;
  std::uint64_t keep_dropped_targets = 0;
  HttpClientConfig http;  // basic_auth, authorization, tls_config, proxy_url... inline in YAML
  std::vector<StaticConfig> static_configs;
  std::vector<FileSdConfig> file_sd_configs;
  std::vector<RelabelConfig> relabel_configs;
  std::vector<RelabelConfig> metric_relabel_configs;
};

struct AlertmanagerTarget {  // one entry of alerting.alertmanagers
  std::string scheme = "http";
  std::string path_prefix;
  Duration timeout = 10 * kSecond;
  std::string api_version = "v2";
  HttpClientConfig http;
  std::vector<StaticConfig> static_configs;
  std::vector<FileSdConfig> file_sd_configs;
  std::vector<RelabelConfig> relabel_configs;
  std::vector<RelabelConfig> alert_relabel_configs;
};

struct AlertingConfig {
  std::vector<RelabelConfig> alert_relabel_configs;
  std::vector<AlertmanagerTarget> alertmanagers;
};

// tocsin's `datasource:`: rules are evaluated as instant queries against a Prometheus-compatible
// query API instead of local storage.
struct DatasourceConfig {
  std::string url;               // base URL (http://prometheus:9090); "" = not configured
  Duration timeout = kMinute;    // per query
  Duration query_offset = 0;     // default rule query offset while the datasource is used
  HttpClientConfig http;         // basic_auth, authorization, tls_config, proxy (inline keys)
};

// remote_write's queue_config, with Prometheus' keys and defaults. tocsin sends one request at a
// time per endpoint from one queue: min_backoff, max_backoff and retry_on_http_429 are used; the
// sharding and batching keys are accepted (so a prometheus.yml loads unchanged) and not used.
struct RemoteWriteQueueConfig {
  std::uint64_t capacity = 10000;
  std::uint64_t max_shards = 50;
  std::uint64_t min_shards = 1;
  std::uint64_t max_samples_per_send = 2000;
  Duration batch_send_deadline = 5 * kSecond;
  Duration min_backoff = 30;
  Duration max_backoff = 5 * kSecond;
  bool retry_on_http_429 = true;  // tocsin retries 429 unless told not to
  Duration sample_age_limit = 0;
};
// remote_write's metadata_config: accepted; tocsin writes no metric metadata.
struct RemoteWriteMetadataConfig {
  bool send = true;
  Duration send_interval = kMinute;
  std::uint64_t max_samples_per_send = 500;
};

// One `remote_write:` entry (Prometheus' keys): where rule results and ALERTS are written.
struct RemoteWriteConfig {
  std::string url;
  std::string name;
  Duration remote_timeout = 30 * kSecond;
  std::map<std::string, std::string> headers;
  std::vector<RelabelConfig> write_relabel_configs;
  HttpClientConfig http;
  std::optional<RemoteWriteQueueConfig> queue_config;
  std::optional<RemoteWriteMetadataConfig> metadata_config;
};

// ---------------------------------------------------------------------------------------------
// Global section: Prometheus' and Alertmanager's globals side by side.

struct GlobalConfig {
  // Prometheus.
  Duration scrape_interval = kMinute;
  Duration scrape_timeout = 10 * kSecond;
  Duration evaluation_interval = kMinute;
  Duration rule_query_offset = 0;
  std::map<std::string, std::string> external_labels;
  std::string query_log_file;
  std::string scrape_failure_log_file;
  std::vector<std::string> scrape_protocols;
  std::int64_t body_size_limit = 0;
  std::uint64_t sample_limit = 0;
  std::uint64_t target_limit = 0;
  std::uint64_t label_limit = 0;
  std::uint64_t label_name_length_limit = 0;
  std::uint64_t label_value_length_limit = 0;
  std::uint64_t keep_dropped_targets = 0;

  // Alertmanager.
  Duration resolve_timeout = 5 * kMinute;
  HttpClientConfig http_config;
  std::string smtp_from;
  std::string smtp_hello = "localhost";
  std::string smtp_smarthost;  // host:port
  std::string smtp_auth_username;
  Secret smtp_auth_password;
  std::string smtp_auth_password_file;
  Secret smtp_auth_secret;
  std::string smtp_auth_secret_file;
  std::string smtp_auth_identity;
  bool smtp_require_tls = true;
  std::optional<bool> smtp_force_implicit_tls;
  Secret slack_api_url;
  std::string slack_api_url_file;
  Secret slack_app_token;
  std::string slack_app_token_file;
  std::string slack_app_url = "https://slack.com/api/chat.postMessage";
  std::string pagerduty_url = "https://events.pagerduty.com/v2/enqueue";
  // Globals of integrations tocsin does not implement (opsgenie_api_key, wechat_api_url,
  // victorops_api_key, telegram_bot_token, ...): accepted so shared globals load, kept verbatim.
  std::map<std::string, std::string> other;
};

// ---------------------------------------------------------------------------------------------
// Alertmanager: route tree, inhibition, time intervals, receivers.

inline constexpr Duration kDefaultGroupWait = 30 * kSecond;
inline constexpr Duration kDefaultGroupInterval = 5 * kMinute;
inline constexpr Duration kDefaultRepeatInterval = 4 * kHour;

// One node of the routing tree. Optional fields are unset when the YAML did not set them and are
// inherited from the parent by the dispatcher, as in Alertmanager; the loader fills the root's
// receiver-independent options (group_by, group_wait, group_interval, repeat_interval) with the
// defaults above, so every child resolves to a value.
struct Route {
  std::string receiver;                  // "" = inherit
  std::optional<std::vector<std::string>> group_by;  // as written, "..." included
  bool group_by_all = false;             // group_by: ['...']
  bool continue_matching = false;        // YAML key `continue`
  std::map<std::string, std::string> match;     // legacy, label -> value
  std::map<std::string, std::string> match_re;  // legacy, label -> regex (validated)
  std::vector<matchers::Matcher> matchers;      // from `matchers:` only
  std::optional<Duration> group_wait;
  std::optional<Duration> group_interval;
  std::optional<Duration> repeat_interval;
  std::vector<std::string> mute_time_intervals;
  std::vector<std::string> active_time_intervals;
  std::string fallback_receiver;  // tocsin extension; "" = none
  std::vector<Route> routes;

  // match (sorted by name), then match_re, then matchers — Alertmanager's matching order.
  std::vector<matchers::Matcher> all_matchers() const;
};

struct InhibitRule {
  std::map<std::string, std::string> source_match;
  std::map<std::string, std::string> source_match_re;
  std::vector<matchers::Matcher> source_matchers;
  std::map<std::string, std::string> target_match;
  std::map<std::string, std::string> target_match_re;
  std::vector<matchers::Matcher> target_matchers;
  std::vector<std::string> equal;

  // Legacy maps converted, then the `*_matchers` lists.
  std::vector<matchers::Matcher> all_source_matchers() const;
  std::vector<matchers::Matcher> all_target_matchers() const;
};

// timeinterval.TimeInterval. Every non-empty list must match for the interval to contain a time.
struct TimeRange {
  int start_minute = 0;  // minutes since midnight, [start, end)
  int end_minute = 0;    // up to 1440
};
struct InclusiveRange {
  int begin = 0;  // inclusive
  int end = 0;    // inclusive
};
struct TimeInterval {
  std::vector<TimeRange> times;
  std::vector<InclusiveRange> weekdays;       // 0 = Sunday .. 6 = Saturday
  std::vector<InclusiveRange> days_of_month;  // 1..31 or -31..-1 (from the end of the month)
  std::vector<InclusiveRange> months;         // 1..12
  std::vector<InclusiveRange> years;
  std::string location;                       // IANA name; "" = UTC
};
struct NamedTimeInterval {  // an entry of time_intervals / mute_time_intervals
  std::string name;
  std::vector<TimeInterval> time_intervals;
};

struct WebhookConfig {
  bool send_resolved = true;
  HttpClientConfig http_config;  // the global http_config when not set
  Secret url;                 // printed in clear unless url_from_file (see the top of this file)
  std::string url_file;
  bool url_from_file = false;  // url holds url_file's content (app/secret_files.cpp); not a key
  std::uint64_t max_alerts = 0;
  Duration timeout = 0;
};

struct SlackField {
  std::string title;
  std::string value;
  std::optional<bool> short_field;  // YAML key `short`
};
struct SlackConfirmationField {
  std::string text;
  std::string title;
  std::string ok_text;
  std::string dismiss_text;
};
struct SlackAction {
  std::string type;
  std::string text;
  std::string url;
  std::string style;
  std::string name;
  std::string value;
  std::optional<SlackConfirmationField> confirm;
};
struct SlackConfig {
  bool send_resolved = false;
  HttpClientConfig http_config;
  Secret api_url;            // global slack_api_url when neither api_url nor api_url_file set
  std::string api_url_file;  // global slack_api_url_file likewise
  Secret app_token;
  std::string app_token_file;
  std::string app_url;       // global slack_app_url when an app token is used
  std::string channel;
  std::string username = "{{ template \"slack.default.username\" . }}";
  std::string color = "{{ if eq .Status \"firing\" }}danger{{ else }}good{{ end }}";
  std::string title = "{{ template \"slack.default.title\" . }}";
  std::string title_link = "{{ template \"slack.default.titlelink\" . }}";
  std::string pretext = "{{ template \"slack.default.pretext\" . }}";
  std::string text = "{{ template \"slack.default.text\" . }}";
  std::vector<SlackField> fields;
  bool short_fields = false;
  std::string footer = "{{ template \"slack.default.footer\" . }}";
  std::string fallback = "{{ template \"slack.default.fallback\" . }}";
  std::string callback_id = "{{ template \"slack.default.callbackid\" . }}";
  std::string icon_emoji = "{{ template \"slack.default.iconemoji\" . }}";
  std::string icon_url = "{{ template \"slack.default.iconurl\" . }}";
  std::string image_url;
  std::string thumb_url;
  bool link_names = false;
  std::vector<std::string> mrkdwn_in = {"fallback", "pretext", "text"};
  std::vector<SlackAction> actions;
  bool update_message = false;
  Duration timeout = 0;
};

struct EmailConfig {
  bool send_resolved = false;
  std::string to;
  std::string from;       // global smtp_from when unset
  std::string hello;      // global smtp_hello when unset
  std::string smarthost;  // host:port; global smtp_smarthost when unset
  std::string auth_username;
  Secret auth_password;
  std::string auth_password_file;
  Secret auth_secret;
  std::string auth_secret_file;
  std::string auth_identity;
  // Header names in canonical MIME form (Subject, To, From). To, From and Subject are always set.
  std::map<std::string, std::string> headers;
  std::string html = "{{ template \"email.default.html\" . }}";
  std::string text;
  std::optional<bool> require_tls;  // global smtp_require_tls when unset
  std::optional<bool> force_implicit_tls;
  TlsConfig tls_config;
};

struct PagerdutyImage {
  std::string src;
  std::string alt;
  std::string href;
};
struct PagerdutyLink {
  std::string href;
  std::string text;
};
struct PagerdutyConfig {
  bool send_resolved = true;
  HttpClientConfig http_config;
  Secret service_key;  // Events API v1 (integration key)
  std::string service_key_file;
  Secret routing_key;  // Events API v2
  std::string routing_key_file;
  std::string url;     // global pagerduty_url when unset
  std::string client = "{{ template \"pagerduty.default.client\" . }}";
  std::string client_url = "{{ template \"pagerduty.default.clientURL\" . }}";
  std::string description = "{{ template \"pagerduty.default.description\" .}}";
  std::map<std::string, std::string> details;  // defaults: firing, resolved, num_firing, num_resolved
  std::vector<PagerdutyImage> images;
  std::vector<PagerdutyLink> links;
  std::string source;  // client when unset (resolved by the notifier)
  std::string severity = "error";
  std::string class_;  // YAML key `class`
  std::string component;
  std::string group;
  Duration timeout = 0;
};

// tocsin extension: write notifications to the console log. `log_configs: [{}]`.
struct LogConfig {
  bool send_resolved = true;
};

struct Receiver {
  std::string name;
  std::vector<WebhookConfig> webhook_configs;
  std::vector<SlackConfig> slack_configs;
  std::vector<EmailConfig> email_configs;
  std::vector<PagerdutyConfig> pagerduty_configs;
  std::vector<LogConfig> log_configs;
};

// ---------------------------------------------------------------------------------------------
// The whole thing.

struct SourceFile {
  std::string path;  // as given to load_config (or the virtual filename)
  std::string text;  // original bytes, for /api/v2/status config.original
};

// tocsin's own settings (top-level key `tocsin:`), absent from the peers' files.
struct TocsinSettings {
  // Query semantics: "prometheus3" (default) or "prometheus2" (closed range and lookback
  // windows, regex `.` not matching newline) so rules written for Prometheus 2 keep working.
  std::string compat = "prometheus3";
  bool compat_prometheus2() const { return compat == "prometheus2"; }
};

struct Config {
  GlobalConfig global;
  TocsinSettings tocsin;

  // Prometheus.
  std::vector<std::string> rule_files;  // globs, absolute after loading
  std::vector<ScrapeConfig> scrape_configs;
  AlertingConfig alerting;
  DatasourceConfig datasource;
  std::vector<RemoteWriteConfig> remote_write;

  // Alertmanager. has_route is false when no file had a `route:` section (Prometheus-only).
  bool has_route = false;
  Route route;
  std::vector<Receiver> receivers;
  std::vector<InhibitRule> inhibit_rules;
  std::vector<NamedTimeInterval> time_intervals;  // time_intervals and mute_time_intervals
  std::vector<std::string> templates;             // globs, absolute after loading

  std::vector<SourceFile> sources;  // in load order

  // nullptr when no receiver has that name.
  const Receiver* find_receiver(std::string_view name) const;
  const NamedTimeInterval* find_time_interval(std::string_view name) const;
};

}  // namespace tocsin::config
