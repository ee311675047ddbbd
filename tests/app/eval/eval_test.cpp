// `tocsin eval` end to end: the real binary over the series files in testdata/ — golden outputs
// for promtool notation (a) and text / OpenMetrics exposition (b), plus checks of the timeline
// derived by hand (independent of the golden files), windows, --step, --fail-on and --expect.
//
// Golden files: run with TOCSIN_UPDATE_GOLDEN=1 to rewrite them, then review the diff.
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "engine/common/time.h"
#include "tests/support/subprocess.h"

namespace tocsin::testing {
namespace {

const std::string kTestdata = std::string(TOCSIN_SOURCE_DIR) + "/tests/app/eval/testdata";

// Runs `tocsin eval ARGS...` in testdata/ (relative rule paths keep each group's phase, which
// hashes the file name, the same on every machine).
RunResult eval(std::vector<std::string> args) {
  std::filesystem::current_path(kTestdata);
  std::vector<std::string> argv{TOCSIN_BINARY, "eval"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(argv, std::chrono::seconds(120));
}

void expect_golden(const std::string& name, const std::string& got) {
  const std::string path = kTestdata + "/" + name;
  if (std::getenv("TOCSIN_UPDATE_GOLDEN")) {
    std::ofstream(path, std::ios::binary) << got;
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " missing; run with TOCSIN_UPDATE_GOLDEN=1";
  EXPECT_EQ(read_file(path), got) << "golden " << name << " differs";
}

nlohmann::json parse_json(const RunResult& r) {
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
  return j;
}

Timestamp ts(const nlohmann::json& j) {
  auto t = parse_rfc3339(j.get<std::string>());
  EXPECT_TRUE(t.has_value()) << j;
  return t.value_or(0);
}

const nlohmann::json* find_alert(const nlohmann::json& root, const std::string& alertname,
                                 const std::string& instance = "") {
  for (const auto& a : root.at("alerts")) {
    const auto& l = a.at("labels");
    if (l.value("alertname", "") == alertname &&
        (instance.empty() || l.value("instance", "") == instance)) {
      return &a;
    }
  }
  return nullptr;
}

TEST(Eval, PromtoolNotationGoldenText) {
  auto r = eval({"--rules", "rules.yml", "--series", "series.yml"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  expect_golden("series.text.golden", r.out);
}

TEST(Eval, ReplayIsAnAlias) {
  auto a = eval({"--rules", "rules.yml", "--series", "series.yml"});
  std::vector<std::string> argv{TOCSIN_BINARY, "replay", "--rules", "rules.yml", "--series",
                                "series.yml"};
  auto b = run_program(argv, std::chrono::seconds(120));
  EXPECT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(a.out, b.out);
}

TEST(Eval, PromtoolNotationTimelineByHand) {
  auto r = eval({"--rules", "rules.yml", "--series", "series.yml", "--format=json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = parse_json(r);
  // up{instance="a"} is 0 from minute 20 to 27, 1 until 37, 0 at 38 and 39. `for: 3m`,
  // keep_firing_for: 2m. The group evaluates at phase p within each minute.
  const auto* down = find_alert(j, "InstanceDown", "a");
  ASSERT_NE(down, nullptr) << r.out;
  Timestamp pending = ts(down->at("pending_at"));
  Duration p = pending - 20 * kMinute;
  EXPECT_GE(p, 0);
  EXPECT_LT(p, kMinute);
  EXPECT_EQ(ts(down->at("firing_at")), 23 * kMinute + p);
  EXPECT_EQ(ts(down->at("resolved_at")), 30 * kMinute + p);  // up again at 28, kept 2m
  EXPECT_EQ(down->at("annotations").at("summary"), "a of api is down");
  // The second outage (two minutes) is pending only, then inactive.
  int episodes = 0;
  for (const auto& a : j.at("alerts")) {
    if (a.at("labels").value("alertname", "") != "InstanceDown") continue;
    ++episodes;
    EXPECT_EQ(a.at("labels").value("instance", ""), "a");
    if (ts(a.at("pending_at")) != pending) {
      EXPECT_EQ(ts(a.at("pending_at")), 38 * kMinute + p);
      EXPECT_TRUE(a.at("firing_at").is_null());
      EXPECT_EQ(ts(a.at("resolved_at")), 40 * kMinute + p);
      EXPECT_EQ(a.at("changes").back().at("state"), "inactive");
    }
  }
  EXPECT_EQ(episodes, 2);
  // Errors go from 10/min to 60/min at minute 11: the 5m rate passes 0.5/s during minute 14
  // (rate over [5m] with 4 new-rate samples ≥ 0.5), holds `for: 5m`, and drops when the rate
  // falls back to 10/min at minute 31.
  const auto* high = find_alert(j, "HighErrorRate");
  ASSERT_NE(high, nullptr);
  Timestamp hp = ts(high->at("pending_at"));
  EXPECT_EQ((hp - p) % kMinute, 0);
  EXPECT_EQ(ts(high->at("firing_at")), hp + 5 * kMinute);
  EXPECT_GT(ts(high->at("resolved_at")), 31 * kMinute);
  EXPECT_GT(high->at("changes").at(0).at("value").get<double>(), 0.5);
  EXPECT_EQ(high->at("labels").at("severity"), "page");
}

TEST(Eval, ExpositionTextAndOpenMetricsAgree) {
  auto text = eval({"--rules", "temp_rules.yml", "--series", "scrape.prom", "--format=json"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  auto om = eval({"--rules", "temp_rules.yml", "--series", "scrape.om", "--format=json"});
  ASSERT_EQ(om.exit_code, 0) << om.err;
  EXPECT_EQ(text.out, om.out);
  expect_golden("scrape.json.golden", text.out);
  auto j = parse_json(text);
  ASSERT_EQ(j.at("alerts").size(), 1u) << text.out;
  const auto& a = j.at("alerts").at(0);
  // 2024-05-01T00:00Z + i minutes; > 85 at i = 9..14 (87 .. 88), `for: 2m`, every 30s.
  const Timestamp base = 1714521600000;
  Timestamp pending = ts(a.at("pending_at"));
  EXPECT_GE(pending, base + 9 * kMinute);
  EXPECT_LT(pending, base + 9 * kMinute + 30 * kSecond);
  EXPECT_EQ(ts(a.at("firing_at")), pending + 2 * kMinute);
  EXPECT_GE(ts(a.at("resolved_at")), base + 15 * kMinute);
  EXPECT_LT(ts(a.at("resolved_at")), base + 15 * kMinute + 30 * kSecond);
}

TEST(Eval, JunitGolden) {
  auto r = eval({"--rules", "rules.yml", "--series", "series.yml", "--format=junit",
                 "--fail-on=firing"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  expect_golden("series.junit.golden", r.out);
  EXPECT_NE(r.out.find("<failure"), std::string::npos);
}

TEST(Eval, FailOn) {
  auto none = eval({"--rules", "rules.yml", "--series", "series.yml"});
  EXPECT_EQ(none.exit_code, 0) << none.err;
  auto firing = eval({"--rules", "rules.yml", "--series", "series.yml", "--fail-on=firing"});
  EXPECT_EQ(firing.exit_code, 1);
  EXPECT_NE(firing.err.find("--fail-on=firing"), std::string::npos) << firing.err;
  // Up to minute 16 HighErrorRate is only pending (for: 5m): pending fails, firing does not.
  auto early_firing = eval({"--rules", "rules.yml", "--series", "series.yml", "--to=16m",
                            "--fail-on=firing"});
  EXPECT_EQ(early_firing.exit_code, 0) << early_firing.out << early_firing.err;
  auto early_pending = eval({"--rules", "rules.yml", "--series", "series.yml", "--to=16m",
                             "--fail-on=pending"});
  EXPECT_EQ(early_pending.exit_code, 1) << early_pending.out;
  EXPECT_EQ(eval({"--rules", "rules.yml", "--series", "series.yml", "--fail-on=maybe"}).exit_code,
            2);
}

TEST(Eval, WindowFromTo) {
  auto r = eval({"--rules", "rules.yml", "--series", "series.yml", "--from=40m", "--to", "3000",
                 "--format=json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = parse_json(r);
  EXPECT_EQ(j.at("from"), "1970-01-01T00:40:00Z");
  EXPECT_EQ(j.at("to"), "1970-01-01T00:50:00Z");
  EXPECT_GE(j.at("steps").get<int>(), 10);  // 11 when the phase is 0
  EXPECT_LE(j.at("steps").get<int>(), 11);
  for (const auto& a : j.at("alerts")) {
    EXPECT_GE(ts(a.at("pending_at")), 40 * kMinute);
    EXPECT_LE(ts(a.at("pending_at")), 50 * kMinute);
  }
  auto bad = eval({"--rules", "rules.yml", "--series", "series.yml", "--from=50m", "--to=40m"});
  EXPECT_EQ(bad.exit_code, 2);
  auto junk = eval({"--rules", "rules.yml", "--series", "series.yml", "--from=yesterday"});
  EXPECT_EQ(junk.exit_code, 2);
}

TEST(Eval, StepOverridesTheGroupInterval) {
  auto r = eval({"--rules", "rules.yml", "--series", "series.yml", "--step=5m", "--format=json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = parse_json(r);
  EXPECT_GE(j.at("steps").get<int>(), 12);  // 62 minutes at 5m
  EXPECT_LE(j.at("steps").get<int>(), 13);
  EXPECT_EQ(j.at("rules").at(0).at("interval"), "5m");
  for (const auto& a : j.at("alerts")) {
    // Every change lands on the 5m phase.
    Timestamp first = ts(a.at("pending_at"));
    for (const auto& c : a.at("changes")) EXPECT_EQ((ts(c.at("at")) - first) % (5 * kMinute), 0);
  }
}

TEST(Eval, ExpectMatchesAndDiffs) {
  auto json = eval({"--rules", "rules.yml", "--series", "series.yml", "--format=json"});
  ASSERT_EQ(json.exit_code, 0);
  TempDir dir;
  // The JSON output is a valid expectation of itself (with values).
  std::string self = dir.write("self.json", json.out);
  auto same = eval({"--rules", "rules.yml", "--series", "series.yml", "--expect", self});
  EXPECT_EQ(same.exit_code, 0) << same.err;

  auto j = parse_json(json);
  const auto* down = find_alert(j, "InstanceDown", "a");
  ASSERT_NE(down, nullptr);
  Duration p = ts(down->at("pending_at")) - 20 * kMinute;
  // A hand-written expectation with offsets, but InstanceDown resolving a minute early.
  auto off = [&](Duration d) { return format_duration(d + p); };
  std::string yaml = "alerts:\n";
  for (const auto& a : j.at("alerts")) {
    yaml += "  - labels: " + a.at("labels").dump() + "\n";
    yaml += "    pending_at: " + a.at("pending_at").get<std::string>() + "\n";
    if (!a.at("firing_at").is_null()) {
      yaml += "    firing_at: " + a.at("firing_at").get<std::string>() + "\n";
    }
    if (!a.at("resolved_at").is_null()) {
      std::string resolved = a.at("resolved_at").get<std::string>();
      if (&a == down) resolved = off(29 * kMinute);
      yaml += "    resolved_at: " + resolved + "\n";
    }
  }
  std::string wrong = dir.write("wrong.yml", yaml);
  auto diff = eval({"--rules", "rules.yml", "--series", "series.yml", "--expect", wrong});
  EXPECT_EQ(diff.exit_code, 1);
  EXPECT_NE(diff.err.find("- {alertname=\"InstanceDown\", instance=\"a\", job=\"api\", "
                          "severity=\"ticket\"} pending=+" + off(20 * kMinute) +
                          " firing=+" + off(23 * kMinute) + " resolved=+" + off(29 * kMinute)),
            std::string::npos)
      << diff.err;
  EXPECT_NE(diff.err.find("resolved=+" + off(30 * kMinute)), std::string::npos) << diff.err;
  EXPECT_NE(diff.err.find("+ {alertname=\"InstanceDown\""), std::string::npos) << diff.err;

  // An empty expectation fails against any alert.
  std::string empty = dir.write("empty.yml", "alerts: []\n");
  EXPECT_EQ(eval({"--rules", "rules.yml", "--series", "series.yml", "--expect", empty}).exit_code,
            1);
}

TEST(Eval, NotificationsThroughTheRealDispatcher) {
  auto text = eval({"--rules", "rules.yml", "--series", "series.yml", "--config",
                    "eval-config.yml"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  expect_golden("series.config.text.golden", text.out);

  auto r = eval({"--rules", "rules.yml", "--series", "series.yml", "--config", "eval-config.yml",
                 "--format=json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = parse_json(r);
  const auto* high = find_alert(j, "HighErrorRate");
  const auto* down = find_alert(j, "InstanceDown", "a");
  ASSERT_TRUE(high && down);
  const auto& ns = j.at("notifications");
  // group_wait 30s after firing; resolved at the next group_interval (5m) tick after resolving;
  // the pending-only second outage is never sent.
  ASSERT_EQ(ns.size(), 6u) << r.out;
  Timestamp high_first = ts(high->at("firing_at")) + 30 * kSecond;
  Timestamp down_first = ts(down->at("firing_at")) + 30 * kSecond;
  auto check = [&](const nlohmann::json& n, Timestamp at, const std::string& receiver,
                   const std::string& integration, const std::string& status) {
    EXPECT_EQ(ts(n.at("at")), at) << n;
    EXPECT_EQ(n.at("receiver"), receiver);
    EXPECT_EQ(n.at("integration"), integration);
    EXPECT_EQ(n.at("status"), status);
  };
  check(ns[0], high_first, "team-slack", "slack", "firing");
  EXPECT_EQ(ns[0].at("fields").at("title"), "[FIRING:1] HighErrorRate (api page)");
  EXPECT_EQ(ns[0].at("fields").at("text"), "api: 1.00 errors/s\n");
  EXPECT_EQ(ns[0].at("group_labels"), nlohmann::json({{"alertname", "HighErrorRate"}}));
  EXPECT_EQ(ns[0].at("firing").size(), 1u);
  check(ns[1], down_first, "tickets", "webhook", "firing");
  auto hook = nlohmann::json::parse(ns[1].at("payload").get<std::string>());
  EXPECT_EQ(hook.at("version"), "4");
  EXPECT_EQ(hook.at("alerts").at(0).at("annotations").at("summary"), "a of api is down");
  check(ns[2], down_first, "tickets", "log", "firing");
  check(ns[3], down_first + 10 * kMinute, "tickets", "webhook", "resolved");
  check(ns[4], down_first + 10 * kMinute, "tickets", "log", "resolved");
  check(ns[5], high_first + 20 * kMinute, "team-slack", "slack", "resolved");
  EXPECT_EQ(ns[5].at("resolved").size(), 1u);
  EXPECT_EQ(ts(ns[5].at("resolved").at(0).at("ends_at")), ts(high->at("resolved_at")));
}

TEST(Eval, UsageAndInputErrors) {
  EXPECT_EQ(eval({"--series", "series.yml"}).exit_code, 2);  // no rules
  EXPECT_EQ(eval({"--rules", "rules.yml"}).exit_code, 2);    // no series
  EXPECT_EQ(eval({"--rules", "rules.yml", "--series", "series.yml", "--compat=prometheus1"})
                .exit_code,
            2);
  EXPECT_EQ(eval({"--rules", "rules.yml", "--series", "series.yml", "--compat=prometheus2"})
                .exit_code,
            0);
  TempDir dir;
  std::string no_ts = dir.write("no_ts.prom", "up{job=\"x\"} 1\n");
  auto r = eval({"--rules", "rules.yml", "--series", no_ts});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("has no timestamp"), std::string::npos) << r.err;
  std::string bad = dir.write("bad.yml", "input_series:\n  - series: 'up'\n    values: '1 x'\n");
  auto b = eval({"--rules", "rules.yml", "--series", bad});
  EXPECT_EQ(b.exit_code, 1);
  EXPECT_NE(b.err.find("bad.yml:3"), std::string::npos) << b.err;
  auto missing = eval({"--rules", "nope.yml", "--series", "series.yml"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("nope.yml"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace tocsin::testing
