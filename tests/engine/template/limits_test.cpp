// Runaway templates stop with an error naming the limit — time, steps, output, value size,
// template depth, nesting — and never crash (this suite also runs under ASan+UBSan). And the
// function libraries hold nothing that reads files, runs commands or reaches the network.
#include <gtest/gtest.h>

#include <limits>
#include <set>

#include "engine/template/alertmanager_functions.h"
#include "engine/template/builtins.h"
#include "engine/template/prometheus_functions.h"
#include "engine/template/template_set.h"
#include "engine/template/time_zone.h"

namespace tocsin::tmpl {
namespace {

Result<std::string> run(const std::string& text, const ExecContext& ctx = ExecContext{}) {
  TemplateSet set(alertmanager_functions());
  if (auto st = set.parse("t", text); !st) return tl::unexpected(st.error());
  return set.execute("t", Value(), ctx);
}

// `depth` nested {{if true}} around `inner`.
std::string nested_ifs(int depth, const std::string& inner) {
  std::string s;
  for (int i = 0; i < depth; ++i) s += "{{if true}}";
  s += inner;
  for (int i = 0; i < depth; ++i) s += "{{end}}";
  return s;
}

TEST(TemplateLimits, TimeBoundStopsAHugeRange) {
  ExecContext ctx;
  ctx.limits.max_steps = std::numeric_limits<std::int64_t>::max();
  ctx.limits.max_duration = std::chrono::milliseconds(50);
  auto r = run("{{range 1000000000000}}{{end}}", ctx);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_NE(r.error().message.find("exceeded the time limit of 50ms"), std::string::npos)
      << r.error().message;
}

TEST(TemplateLimits, DefaultsStopAHugeRange) {
  auto r = run("{{range 1000000000000}}{{end}}");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kResourceExhausted);
  EXPECT_NE(r.error().message.find("limit of 1000000 steps"), std::string::npos);
  auto out = run("{{range 1000000000000}}0123456789{{end}}");
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("output exceeded the limit of 1048576 bytes"),
            std::string::npos);
}

TEST(TemplateLimits, RecursionThroughTemplateCallsStops) {
  auto r = run("{{define \"r\"}}x{{template \"r\" .}}{{end}}{{template \"r\" .}}");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kResourceExhausted);
  EXPECT_NE(r.error().message.find("exceeded maximum template depth (100)"), std::string::npos)
      << r.error().message;
}

TEST(TemplateLimits, DeepNestingAcrossTemplateCallsStopsBeforeTheStackDoes) {
  // 900 nested ifs per call, up to 100 calls: 90000 levels if nothing stopped it.
  std::string body = nested_ifs(900, "{{template \"r\" .}}");
  std::string text = "{{define \"r\"}}" + body + "{{end}}{{template \"r\" .}}";
  auto r = run(text);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kResourceExhausted);
  EXPECT_NE(r.error().message.find("exceeded maximum nesting depth (1000)"), std::string::npos)
      << r.error().message.substr(0, 300);
  // Even with Go's template depth (100000), the nesting bound holds.
  ExecContext go_depth;
  go_depth.limits.max_template_depth = 100000;
  auto g = run(text, go_depth);
  ASSERT_FALSE(g);
  EXPECT_NE(g.error().message.find("nesting depth"), std::string::npos);
  // 400 nested blocks (800 levels) still run.
  auto ok = run(nested_ifs(400, "deep"));
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(*ok, "deep");
}

TEST(TemplateLimits, DoublingAValueStops) {
  auto r = run("{{$x := \"ab\"}}{{range 40}}{{$x = printf \"%s%s\" $x $x}}{{end}}{{len $x}}");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kResourceExhausted);
  EXPECT_NE(r.error().message.find("a value exceeded the limit of 1048576 bytes"),
            std::string::npos)
      << r.error().message;
  // Through a function other than printf too.
  auto j = run("{{$x := \"ab\"}}{{range 40}}{{$x = join \"\" (stringSlice $x $x)}}{{end}}");
  ASSERT_FALSE(j);
  EXPECT_NE(j.error().message.find("a value exceeded"), std::string::npos) << j.error().message;
}

TEST(TemplateLimits, PrintfWidthIsBoundedAsInGo) {
  // Go's fmt treats widths and precisions beyond 1e6 as no number.
  auto lit = run("{{printf \"%999999999d\" 1}}");
  ASSERT_TRUE(lit) << lit.error().message;
  EXPECT_EQ(*lit, "%!(NOVERB)%!(EXTRA int=1)");
  auto huge = run("{{printf \"%99999999999999999999999d|\" 1}}");
  ASSERT_TRUE(huge);
  EXPECT_EQ(*huge, "%!(NOVERB)%!(EXTRA int=1)");
  auto star = run("{{printf \"%*d\" 2000000 1}}");
  ASSERT_TRUE(star);
  EXPECT_EQ(*star, "%!(BADWIDTH)1");
  auto prec = run("{{printf \"%.*f\" -9223372036854775807 1.5}}");
  ASSERT_TRUE(prec);
  EXPECT_EQ(*prec, "%!(BADPREC)1.500000");
  auto fine = run("{{printf \"%5d|%-4s|\" 42 \"ab\"}}");
  ASSERT_TRUE(fine);
  EXPECT_EQ(*fine, "   42|ab  |");
}

TEST(TemplateLimits, TzReadsOnlyZoneFiles) {
  GoTime t = GoTime::from_ms(1'700'000'000'000);
  auto paris = in_zone(t, "Europe/Paris");
  ASSERT_TRUE(paris) << paris.error().message;
  EXPECT_EQ(paris->offset, 3600);
  for (const char* bad : {"../../../dev/zero", "/dev/zero", "Europe/../../../etc/passwd",
                          "Europe", "Europe/Paris\n", "Europe/Paris;rm", "nope/zone"}) {
    EXPECT_FALSE(in_zone(t, bad)) << bad;
  }
}

// Every function a template can call, by library. A new one must be looked at for what it can
// reach before it is added here: none reads files (besides the tz database), runs commands or
// opens connections; `query` runs PromQL through ExecContext::query, which tocsin wires to its
// own engine (or the configured datasource).
TEST(TemplateFunctions, NoneReachesOutside) {
  std::set<std::string> builtins, prom, am;
  for (const auto& [name, f] : builtin_functions()) builtins.insert(name);
  for (const auto& [name, f] : prometheus_functions()) prom.insert(name);
  for (const auto& [name, f] : alertmanager_functions()) am.insert(name);
  EXPECT_EQ(builtins, (std::set<std::string>{"and", "call", "eq", "ge", "gt", "html", "index",
                                             "js", "le", "len", "lt", "ne", "not", "or", "print",
                                             "printf", "println", "slice", "urlquery"}));
  EXPECT_EQ(prom, (std::set<std::string>{
                      "args", "externalURL", "first", "graphLink", "humanize", "humanize1024",
                      "humanizeDuration", "humanizePercentage", "humanizeTimestamp", "label",
                      "match", "now", "parseDuration", "pathPrefix", "query", "reReplaceAll",
                      "safeHtml", "sortByLabel", "strvalue", "stripDomain", "stripPort",
                      "tableLink", "title", "toDuration", "toLower", "toTime", "toUpper",
                      "value"}));
  EXPECT_EQ(am, (std::set<std::string>{"date", "humanizeDuration", "join", "match",
                                       "reReplaceAll", "safeHtml", "safeUrl", "since",
                                       "stringSlice", "title", "toJson", "toLower", "toUpper",
                                       "trimSpace", "tz"}));
  // Without a query hook, `query` fails instead of reaching anything.
  TemplateSet set(prometheus_functions());
  ASSERT_TRUE(set.parse("t", "{{query \"up\"}}"));
  auto r = set.execute("t", Value(), ExecContext{});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("error calling query"), std::string::npos);
}

}  // namespace
}  // namespace tocsin::tmpl
