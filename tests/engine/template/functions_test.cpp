#include <gtest/gtest.h>

#include <filesystem>

#include "engine/template/alertmanager_data.h"
#include "engine/template/alertmanager_functions.h"
#include "engine/template/prometheus_data.h"
#include "engine/template/prometheus_functions.h"
#include "engine/template/template_set.h"

namespace tocsin::tmpl {
namespace {

struct FnCase {
  const char* text;
  const char* want;  // or "ERROR: <substring>"
};

ExecContext prom_context() {
  ExecContext ctx;
  ctx.now = 1435065584128;
  ctx.external_url = "http://prom.example.com:9090/prom";
  ctx.query = [](std::string_view expr, Timestamp at) -> Result<std::vector<QuerySample>> {
    if (expr == "empty") return std::vector<QuerySample>{};
    if (expr == "fail") return unavailable("query failed");
    if (at != 1435065584128) return internal_error("wrong evaluation time");
    return std::vector<QuerySample>{
        {{{"__name__", "up"}, {"instance", "b:9100"}, {"job", "node"}}, 1},
        {{{"__name__", "up"}, {"instance", "a:9100"}, {"job", "node"}, {"__value__", "x"}}, 0.5},
    };
  };
  return ctx;
}

void check(const std::string& text, const std::string& got, const std::string& want) {
  if (want.starts_with("ERROR: ")) {
    EXPECT_TRUE(got.starts_with("ERROR: ")) << text << " -> " << got;
    EXPECT_NE(got.find(want.substr(7)), std::string::npos) << text << " -> " << got;
  } else {
    EXPECT_EQ(got, want) << text;
  }
}

class PrometheusFunctions : public ::testing::TestWithParam<FnCase> {};

TEST_P(PrometheusFunctions, Render) {
  TemplateSet set(prometheus_functions());
  Value data = prometheus_alert_data(Labels{{"instance", "host.example.com:9100"}, {"job", "node"}},
                                     Labels{{"cluster", "eu1"}}, "http://prom:9090", 0.123456);
  std::string text = std::string(kPrometheusAlertPrelude) + GetParam().text;
  auto r = set.execute_text(text, data, prom_context());
  check(GetParam().text, r ? *r : "ERROR: " + r.error().message, GetParam().want);
}

INSTANTIATE_TEST_SUITE_P(
    Table, PrometheusFunctions,
    ::testing::Values(
        FnCase{"{{ $labels.instance }} {{ $value }} {{ $externalLabels.cluster }} {{ $externalURL }}",
               "host.example.com:9100 0.123456 eu1 http://prom:9090"},
        FnCase{"{{ .Labels.job }} {{ .Value }}", "node 0.123456"},
        FnCase{"[{{ $labels.missing }}]", "[]"},
        FnCase{"{{ humanize 0 }} {{ humanize 1 }} {{ humanize 1234567.0 }} {{ humanize 1000 }}",
               "0 1 1.235M 1k"},
        FnCase{"{{ humanize 0.1 }} {{ humanize 0.001 }} {{ humanize 12346 }} {{ humanize -1500 }}",
               "100m 1m 12.35k -1.5k"},
        FnCase{"{{ humanize \"1234567\" }} {{ humanize 1e30 }}", "1.235M 1e+06Y"},
        FnCase{"{{ humanize true }}", "ERROR: error calling humanize: can't convert bool to float"},
        FnCase{"{{ humanize \"abc\" }}", "ERROR: strconv.ParseFloat: parsing \"abc\": invalid syntax"},
        FnCase{"{{ humanize1024 1024 }} {{ humanize1024 1048576 }} {{ humanize1024 512 }} "
               "{{ humanize1024 0.5 }} {{ humanize1024 1536 }}",
               "1ki 1Mi 512 0.5 1.5ki"},
        FnCase{"{{ humanizeDuration 3600 }}|{{ humanizeDuration 0 }}|{{ humanizeDuration 1 }}|"
               "{{ humanizeDuration 61 }}|{{ humanizeDuration 90061 }}",
               "1h 0m 0s|0s|1s|1m 1s|1d 1h 1m 1s"},
        FnCase{"{{ humanizeDuration 0.5 }}|{{ humanizeDuration 0.0015 }}|{{ humanizeDuration 1.5 }}|"
               "{{ humanizeDuration -3600 }}|{{ humanizeDuration 59.99 }}",
               "500ms|1.5ms|1.5s|-1h 0m 0s|59.99s"},
        FnCase{"{{ humanizePercentage 0.1234 }} {{ humanizePercentage 1 }} {{ $value | humanizePercentage }}",
               "12.34% 100% 12.35%"},
        FnCase{"{{ humanizeTimestamp 1435065584.128 }}|{{ humanizeTimestamp 0 }}",
               "2015-06-23 13:19:44.128 +0000 UTC|1970-01-01 00:00:00 +0000 UTC"},
        FnCase{"{{ toTime 1435065584 }}|{{ (toTime 1435065584).Unix }}",
               "2015-06-23 13:19:44 +0000 UTC|1435065584"},
        FnCase{"{{ toDuration 90 }} {{ toDuration 0.5 }} {{ toDuration \"3600\" }}", "1m30s 500ms 1h0m0s"},
        // Beyond int64 nanoseconds Go's conversion on amd64 gives math.MinInt64 (found by
        // template_fuzz: the cast was undefined behaviour here).
        FnCase{"{{ toDuration 1e300 }} {{ toDuration -1e300 }} {{ toDuration 9223372037 }}",
               "-2562047h47m16.854775808s -2562047h47m16.854775808s -2562047h47m16.854775808s"},
        FnCase{"{{ now }} {{ now | humanizeTimestamp }}",
               "1.435065584128e+09 2015-06-23 13:19:44.128 +0000 UTC"},
        FnCase{"{{ parseDuration \"1h30m\" }} {{ parseDuration \"250ms\" }}", "5400 0.25"},
        FnCase{"{{ parseDuration \"x\" }}", "ERROR: not a valid duration string: \"x\""},
        FnCase{"{{ stripPort \"a:9090\" }} {{ stripPort \"[::1]:80\" }} {{ stripPort \"nohost\" }} "
               "{{ stripPort \"a:b:c\" }}",
               "a ::1 nohost a:b:c"},
        FnCase{"{{ stripDomain \"foo.example.com:9090\" }} {{ stripDomain \"foo.example.com\" }} "
               "{{ stripDomain \"192.168.0.1:9090\" }} {{ stripDomain \"[2001:db8::1]:9090\" }}",
               "foo:9090 foo 192.168.0.1:9090 [2001:db8::1]:9090"},
        FnCase{"{{ $labels.instance | stripPort | stripDomain }}", "host"},
        FnCase{"{{ title \"aa bb-cc_dd\" }} {{ toUpper \"aBc\" }} {{ toLower \"AbC\" }}",
               "Aa Bb-Cc_dd ABC abc"},
        FnCase{"{{ match \"^a.c$\" \"abc\" }} {{ match \"b\" \"abc\" }} {{ match \"^b\" \"abc\" }}",
               "true true false"},
        FnCase{"{{ match \"(\" \"abc\" }}", "ERROR: error calling match: error parsing regexp"},
        FnCase{"{{ reReplaceAll \"(a)(b)\" \"$2$1\" \"ab ab\" }}", "ba ba"},
        FnCase{"{{ reReplaceAll \"a*\" \"x\" \"baaac\" }}", "xbxcx"},
        FnCase{"{{ reReplaceAll \"(?P<first>\\\\w+) (?P<second>\\\\w+)\" \"${second} ${first}\" \"hello world\" }}",
               "world hello"},
        FnCase{"[{{ reReplaceAll \"(a)\" \"$1x\" \"a\" }}] {{ reReplaceAll \"a\" \"$$\" \"a\" }}", "[] $"},
        FnCase{"{{ reReplaceAll \":.*\" \"\" $labels.instance }}", "host.example.com"},
        FnCase{"{{ with args 1 \"a\" }}{{ .arg0 }} {{ .arg1 }}{{ end }}", "1 a"},
        FnCase{"{{ graphLink \"up{job=\\\"x\\\"}\" }} {{ tableLink \"a b\" }}",
               "/graph?g0.expr=up%7Bjob%3D%22x%22%7D&g0.tab=0 /graph?g0.expr=a+b&g0.tab=1"},
        FnCase{"{{ externalURL }} {{ pathPrefix }}", "http://prom.example.com:9090/prom /prom"},
        FnCase{"{{ query \"up\" | len }} {{ with query \"up\" }}{{ . | first | value }}{{ end }}", "2 1"},
        FnCase{"{{ range query \"up\" | sortByLabel \"instance\" }}{{ .Labels.instance }}={{ .Value }} {{ end }}",
               "a:9100=0.5 b:9100=1 "},
        FnCase{"{{ query \"up\" | first | label \"instance\" }}|{{ (query \"up\" | first | strvalue) }}",
               "b:9100|"},
        FnCase{"{{ range query \"up\" }}{{ strvalue . }}{{ end }}", "x"},
        FnCase{"{{ query \"empty\" | first }}",
               "ERROR: error calling first: first() called on vector with no elements"},
        FnCase{"{{ query \"fail\" }}", "ERROR: error calling query: query failed"},
        FnCase{"{{ first 1 }}", "ERROR: wrong type for value; expected template.queryResult; got int"},
        FnCase{"{{ safeHtml \"<b>\" }}", "<b>"},
        FnCase{"{{ if gt $value 0.1 }}high{{ end }}", "high"},
        FnCase{"{{ if gt $value 1 }}high{{ end }}",
               "ERROR: error calling gt: incompatible types for comparison"},
        FnCase{"{{ printf \"%.2f\" $value }} {{ printf \"%s\" $labels.job }}", "0.12 node"}));

TEST(PrometheusFunctionsHtml, SafeHtmlBypassesEscaping) {
  TemplateSet set(prometheus_functions());
  ExecContext ctx;
  ctx.html_mode = true;
  auto r = set.execute_text("{{ \"<i>\" }}{{ safeHtml \"<b>\" }}", Value(), ctx);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, "&lt;i&gt;<b>");
}

TEST(PrometheusFunctionsErrors, NamedLikePrometheus) {
  TemplateSet set(prometheus_functions());
  Value data = prometheus_alert_data(Labels{}, Labels{}, "", 1);
  auto r = set.execute_text(std::string(kPrometheusAlertPrelude) + "{{ humanize $labels }}", data,
                            ExecContext{}, "__alert_HighLatency");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "template: __alert_HighLatency:1:115: executing \"__alert_HighLatency\" at <humanize>: "
            "error calling humanize: can't convert map[string]string to float");
}

TEST(PrometheusFunctionsQuery, NoHookIsAnError) {
  TemplateSet set(prometheus_functions());
  auto r = set.execute_text("{{ query \"up\" }}", Value(), ExecContext{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
}

class AlertmanagerFunctions : public ::testing::TestWithParam<FnCase> {};

TEST_P(AlertmanagerFunctions, Render) {
  TemplateSet set(alertmanager_functions());
  NotificationAlert a;
  a.status = "firing";
  a.labels = {{"alertname", "Disk<Full>"}, {"job", "node"}};
  a.starts_at = 1700000000000;
  a.fingerprint = "abc";
  Value data = to_value(make_notification_data("r", {{"job", "node"}}, {a}, "http://am"));
  ExecContext ctx;
  ctx.now = 1700000090000;
  auto r = set.execute_text(GetParam().text, data, ctx);
  check(GetParam().text, r ? *r : "ERROR: " + r.error().message, GetParam().want);
}

INSTANTIATE_TEST_SUITE_P(
    Table, AlertmanagerFunctions,
    ::testing::Values(
        FnCase{"{{ title \"hELLO wORLD\" }}|{{ toUpper \"abc\" }}|{{ toLower \"ABC\" }}",
               "Hello World|ABC|abc"},
        FnCase{"[{{ trimSpace \"  a b \\n\" }}]", "[a b]"},
        FnCase{"{{ .CommonLabels.Names | join \", \" }}", "alertname, job"},
        FnCase{"{{ join \"-\" (stringSlice \"a\" \"b\" \"c\") }} {{ stringSlice \"x\" \"y\" }}", "a-b-c [x y]"},
        FnCase{"{{ join \",\" \"x\" }}", "ERROR: wrong type for value; expected []string; got string"},
        FnCase{"{{ match \"^Disk\" .CommonLabels.alertname }}", "true"},
        FnCase{"{{ reReplaceAll \"<.*>\" \"\" .CommonLabels.alertname }}", "Disk"},
        FnCase{"{{ .CommonLabels | toJson }}", "{\"alertname\":\"Disk\\u003cFull\\u003e\",\"job\":\"node\"}"},
        FnCase{"{{ stringSlice \"a\" \"b\" | toJson }} {{ toJson 1.5 }} {{ toJson 1e21 }} {{ toJson nil }}",
               "[\"a\",\"b\"] 1.5 1e+21 null"},
        FnCase{"{{ (index .Alerts 0) | toJson }}",
               "{\"status\":\"firing\",\"labels\":{\"alertname\":\"Disk\\u003cFull\\u003e\",\"job\":\"node\"},"
               "\"annotations\":{},\"startsAt\":\"2023-11-14T22:13:20Z\",\"endsAt\":\"0001-01-01T00:00:00Z\","
               "\"generatorURL\":\"\",\"fingerprint\":\"abc\"}"},
        FnCase{"{{ range .Alerts }}{{ date \"2006-01-02 15:04\" .StartsAt }}{{ end }}", "2023-11-14 22:13"},
        FnCase{"{{ range .Alerts }}{{ .StartsAt | date \"Jan 2, 2006 at 3:04pm (MST)\" }}{{ end }}",
               "Nov 14, 2023 at 10:13pm (UTC)"},
        FnCase{"{{ range .Alerts }}{{ tz \"+02:00\" .StartsAt }}{{ end }}", "2023-11-15 00:13:20 +0200 +0200"},
        FnCase{"{{ range .Alerts }}{{ (.StartsAt | tz \"UTC\").Format \"15:04Z07:00\" }}{{ end }}", "22:13Z"},
        FnCase{"{{ range .Alerts }}{{ tz \"Mars/Base\" .StartsAt }}{{ end }}",
               "ERROR: error calling tz: unknown time zone Mars/Base"},
        FnCase{"{{ range .Alerts }}{{ since .StartsAt }} {{ since .StartsAt | humanizeDuration }}{{ end }}",
               "1m30s 1m 30s"},
        FnCase{"{{ humanizeDuration 3600 }}", "1h 0m 0s"},
        FnCase{"{{ safeHtml \"<b>\" }} {{ safeUrl \"http://x\" }}", "<b> http://x"},
        FnCase{"{{ .Receiver }} {{ .Status }} {{ .ExternalURL }}", "r firing http://am"},
        FnCase{"{{ range .Alerts.Firing }}{{ .Labels.job }}{{ .Fingerprint }}{{ end }}", "nodeabc"},
        FnCase{"{{ .Alerts.Firing.Firing }}", "ERROR: can't evaluate field Firing in type []template.Alert"},
        FnCase{"{{ .CommonLabels.Remove \"job\" }}",
               "ERROR: wrong type for value; expected []string; got string"},
        FnCase{"{{ .CommonLabels.SortedPairs.Names }} {{ .CommonLabels.Values }}",
               "[alertname job] [Disk<Full> node]"}));

}  // namespace
}  // namespace tocsin::tmpl

namespace tocsin::tmpl {
namespace {

TEST(AlertmanagerTz, ZoneDatabaseNames) {
  if (!std::filesystem::exists("/usr/share/zoneinfo/Europe/Berlin")) {
    GTEST_SKIP() << "no tz database";
  }
  TemplateSet set(alertmanager_functions());
  Value data = Value::map({{"T", Value::time(GoTime::from_ms(1700000000000))},
                           {"S", Value::time(GoTime::from_ms(1690000000000))}});
  auto r = set.execute_text(
      "{{ tz \"Europe/Berlin\" .T }}|{{ tz \"Europe/Berlin\" .S }}|{{ tz \"America/New_York\" .T }}",
      data, ExecContext{});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, "2023-11-14 23:13:20 +0100 CET|2023-07-22 06:26:40 +0200 CEST|"
                "2023-11-14 17:13:20 -0500 EST");
  auto bad = set.execute_text("{{ tz \"../etc/passwd\" .T }}", data, ExecContext{});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("invalid location name"), std::string::npos);
}

}  // namespace
}  // namespace tocsin::tmpl
