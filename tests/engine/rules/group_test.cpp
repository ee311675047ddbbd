#include "engine/rules/group.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <prometheus/registry.h>

#include "engine/rules/alert_state_snapshot.h"
#include "engine/rules/api.h"
#include "engine/rules/manager.h"
#include "engine/storage/head.h"
#include "engine/template/prometheus_functions.h"
#include "engine/template/template_set.h"
#include "parser/promql/parse.h"

namespace tocsin::rules {
namespace {

GroupSpec group_spec(std::string_view yaml) {
  auto r = parse_rule_file(yaml, "g.yml");
  EXPECT_TRUE(r) << (r ? "" : r.error()[0].to_string());
  return r->groups.at(0);
}

double query_one(const storage::Head& head, std::string_view expr, Timestamp t) {
  auto e = promql::parse_expr(expr);
  EXPECT_TRUE(e);
  auto r = promql::evaluate_instant(**e, head, t);
  EXPECT_TRUE(r);
  auto* v = std::get_if<promql::Vector>(&r->value);
  if (!v || v->size() != 1) return -1;
  return (*v)[0].v;
}

void add(storage::Head& h, const Labels& l, Timestamp t, double v) {
  auto a = h.appender();
  a->add(l, t, v);
  ASSERT_TRUE(a->commit());
}

struct GroupFixture : ::testing::Test {
  storage::Head head;
  RuleStorage st{&head, [this] { return head.appender(); }};
};

TEST_F(GroupFixture, RecordingOutputVisibleToLaterRules) {
  Group g(group_spec(R"(groups:
- name: g
  rules:
  - record: a:sum
    expr: sum(x)
  - record: b:double
    expr: a:sum * 2
)"),
          GroupOptions{});
  add(head, Labels{{"__name__", "x"}, {"i", "1"}}, 0, 3);
  add(head, Labels{{"__name__", "x"}, {"i", "2"}}, 0, 4);
  auto r = g.eval(0, st);
  EXPECT_EQ(r.failures, 0);
  EXPECT_EQ(query_one(head, "b:double", 0), 14);
}

TEST_F(GroupFixture, StaleMarkersForVanishedSeries) {
  Group g(group_spec("groups:\n- name: g\n  rules:\n  - record: r\n    expr: x > 0\n"),
          GroupOptions{});
  add(head, Labels{{"__name__", "x"}}, 0, 1);
  g.eval(0, st);
  EXPECT_EQ(query_one(head, "r", 10000), 1);
  add(head, Labels{{"__name__", "x"}}, 60000, 0);
  g.eval(60000, st);
  // Without the stale marker, r would still show its last sample via lookback.
  EXPECT_EQ(query_one(head, "r", 70000), -1);
}

// A querier whose select() throws, as a bug or exhausted memory would.
struct ThrowingQuerier : storage::Querier {
  std::vector<storage::Series> select(std::span<const storage::Matcher>, Timestamp,
                                      Timestamp) const override {
    throw std::runtime_error("select exploded");
  }
};

TEST_F(GroupFixture, ThrowingRuleFailsLikeAQueryErrorAndTheGroupGoesOn) {
  ThrowingQuerier bad;
  RuleStorage throwing{&bad, [this] { return head.appender(); }};
  Group g(group_spec(R"(groups:
- name: g
  rules:
  - record: a
    expr: sum(x)
  - record: b
    expr: vector(7)
)"),
          GroupOptions{});
  GroupEvalResult r;
  ASSERT_NO_THROW(r = g.eval(0, throwing));
  EXPECT_EQ(r.evaluations, 2);
  EXPECT_EQ(r.failures, 1);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].second.find("select exploded"), std::string::npos) << r.errors[0].second;
  EXPECT_EQ(g.rules()[0]->status().health, RuleHealth::kErr);
  EXPECT_EQ(g.rules()[1]->status().health, RuleHealth::kOk);
  EXPECT_EQ(query_one(head, "b", 0), 7);
}

TEST_F(GroupFixture, QueryOffsetShiftsTime) {
  GroupOptions o;
  o.query_offset = kMinute;
  Group g(group_spec("groups:\n- name: g\n  rules:\n  - record: r\n    expr: time()\n"), o);
  g.eval(5 * kMinute, st);
  EXPECT_EQ(query_one(head, "r", 4 * kMinute), 240);
}

TEST_F(GroupFixture, AlertsSeriesAndLimit) {
  Group g(group_spec(R"(groups:
- name: g
  limit: 1
  rules:
  - alert: High
    expr: x > 1
    for: 1m
    labels: {severity: "{{ if gt $value 5.0 }}page{{ else }}ticket{{ end }}"}
    annotations: {summary: "{{ $labels.i }} is {{ $value }}", bad: "{{ humanize \"x\" }}"}
)"),
          GroupOptions{});
  add(head, Labels{{"__name__", "x"}, {"i", "1"}}, 0, 9);
  auto r0 = g.eval(0, st);
  EXPECT_EQ(r0.failures, 0);
  EXPECT_TRUE(r0.alerts.empty());  // pending is never sent
  EXPECT_EQ(query_one(head, R"(ALERTS{alertstate="pending", severity="page"})", 0), 1);
  EXPECT_EQ(query_one(head, "ALERTS_FOR_STATE", 0), 0);
  auto r1 = g.eval(kMinute, st);
  ASSERT_EQ(r1.alerts.size(), 1u);
  const Alert& a = r1.alerts[0];
  EXPECT_EQ(a.labels.get("alertname"), "High");
  EXPECT_EQ(a.labels.get("i"), "1");
  EXPECT_FALSE(a.labels.has("__name__"));
  EXPECT_EQ(a.annotations.at("summary"), "1 is 9");
  EXPECT_EQ(a.annotations.at("bad").rfind("<error expanding template: ", 0), 0u);
  // Parsed with the file and adopted by the rule: located as Prometheus names the template.
  EXPECT_NE(a.annotations.at("bad").find("__alert_High"), std::string::npos)
      << a.annotations.at("bad");
  EXPECT_EQ(a.starts_at, kMinute);
  EXPECT_EQ(query_one(head, R"(ALERTS{alertstate="firing"})", kMinute), 1);

  add(head, Labels{{"__name__", "x"}, {"i", "2"}}, 2 * kMinute, 9);
  auto r2 = g.eval(2 * kMinute, st);
  EXPECT_EQ(r2.failures, 1);
  EXPECT_EQ(r2.errors.at(0).second, "exceeded limit of 1 with 2 alerts");
  auto* ar = dynamic_cast<AlertingRule*>(g.rules()[0].get());
  EXPECT_TRUE(ar->active_alerts().empty());
  EXPECT_EQ(g.rules()[0]->status().health, RuleHealth::kErr);
}

TEST_F(GroupFixture, LiteralLabelsAndAnnotationsRenderAsWritten) {
  // Values without "{{" are kept as literals (never parsed as templates): single braces, "}}",
  // Go-looking text and empty values come out exactly as written, next to a real template.
  Group g(group_spec(R"(groups:
- name: g
  rules:
  - alert: Lit
    expr: x > 1
    labels: {severity: page, odd: "{ not } a {template}}", empty: ""}
    annotations: {plain: "$labels.i and .Value", both: "{{ $labels.i }}/{ x }", none: ""}
)"),
          GroupOptions{});
  add(head, Labels{{"__name__", "x"}, {"i", "7"}}, 0, 9);
  auto r = g.eval(0, st);
  EXPECT_EQ(r.failures, 0);
  auto* ar = dynamic_cast<AlertingRule*>(g.rules()[0].get());
  auto active = ar->active_alerts();
  ASSERT_EQ(active.size(), 1u);
  const auto& a = active[0];
  EXPECT_EQ(a.labels.get("severity"), "page");
  EXPECT_EQ(a.labels.get("odd"), "{ not } a {template}}");
  EXPECT_FALSE(a.labels.has("empty"));  // an empty label value is no label
  EXPECT_EQ(a.annotations.at("plain"), "$labels.i and .Value");
  EXPECT_EQ(a.annotations.at("both"), "7/{ x }");
  EXPECT_EQ(a.annotations.at("none"), "");
}

TEST(AlertingRuleTemplates, EveryRuleSharesOneFunctionLibrary) {
  auto spec = group_spec(R"(groups:
- name: g
  rules:
  - alert: A
    expr: vector(1)
    annotations: {s: "{{ humanize 1234 }}"}
  - alert: B
    expr: vector(1)
    annotations: {s: "{{ 1 | humanizePercentage }}"}
)");
  tmpl::TemplateSet a(tmpl::prometheus_function_library());
  tmpl::TemplateSet b(tmpl::prometheus_function_library());
  EXPECT_EQ(&a.functions(), &b.functions());
  EXPECT_TRUE(a.functions().count("humanize"));  // Prometheus' functions
  EXPECT_TRUE(a.functions().count("printf"));    // and the builtins
  Group g(std::move(spec), GroupOptions{});
  storage::Head head;
  RuleStorage st{&head, [&head] { return head.appender(); }};
  g.eval(0, st);
  auto* ra = dynamic_cast<AlertingRule*>(g.rules()[0].get());
  auto* rb = dynamic_cast<AlertingRule*>(g.rules()[1].get());
  EXPECT_EQ(ra->active_alerts().at(0).annotations.at("s"), "1.234k");
  EXPECT_EQ(rb->active_alerts().at(0).annotations.at("s"), "100%");
}

TEST_F(GroupFixture, SampleLimitFailsTheRuleAndKeepsItsAlerts) {
  // --query.max-samples reaches rule evaluation: the rule's health is err with Prometheus'
  // message, nothing crashes, and the firing alert stays firing (and is re-sent).
  GroupOptions o;
  o.eval.max_samples = 100;
  Group g(group_spec(R"(groups:
- name: g
  rules:
  - alert: Many
    expr: count_over_time(x[1h]) > 0
)"),
          o);
  for (int i = 0; i < 50; ++i) add(head, Labels{{"__name__", "x"}}, i * 15 * kSecond, i);
  auto r0 = g.eval(50 * 15 * kSecond, st);
  EXPECT_EQ(r0.failures, 0);
  ASSERT_EQ(r0.alerts.size(), 1u);
  for (int i = 50; i < 150; ++i) add(head, Labels{{"__name__", "x"}}, i * 15 * kSecond, i);
  auto r1 = g.eval(150 * 15 * kSecond, st);
  EXPECT_EQ(r1.failures, 1);
  EXPECT_EQ(g.rules()[0]->status().health, RuleHealth::kErr);
  EXPECT_EQ(g.rules()[0]->status().last_error,
            "query processing would load too many samples into memory in query execution");
  ASSERT_EQ(r1.alerts.size(), 1u);
  EXPECT_EQ(r1.alerts[0].labels.get("alertname"), "Many");
  EXPECT_EQ(r1.alerts[0].ends_at > 150 * 15 * kSecond, true);  // still firing
}

TEST(GroupPhase, StableOffsetWithinInterval) {
  GroupOptions o;
  o.interval = kMinute;
  Group a(group_spec("groups:\n- name: a\n  rules: []\n"), o);
  Group b(group_spec("groups:\n- name: b\n  rules: []\n"), o);
  EXPECT_NE(a.offset(), b.offset());
  Timestamp t = a.eval_timestamp(10 * kMinute + 1);
  EXPECT_LE(t, 10 * kMinute + 1);
  EXPECT_GT(t, 9 * kMinute);
  EXPECT_EQ(((t - a.offset()) % kMinute), 0);
}

struct ManagerFixture : ::testing::Test {
  storage::Head head;
  prometheus::Registry registry;
  FakeClock clock{0};
  ManualScheduler scheduler{clock};
  std::vector<std::pair<std::vector<Alert>, Timestamp>> sent;
  std::string dir = ::testing::TempDir();

  std::string write(const std::string& name, const std::string& text) {
    std::string p = dir + "/" + name;
    FILE* f = std::fopen(p.c_str(), "w");
    std::fputs(text.c_str(), f);
    std::fclose(f);
    return p;
  }

  double metric(const std::string& name) {
    double sum = 0;
    for (const auto& fam : registry.Collect()) {
      if (fam.name != name) continue;
      for (const auto& m : fam.metric) sum += m.counter.value + m.gauge.value;
    }
    return sum;
  }
};

TEST_F(ManagerFixture, EvaluatesSendsAndKeepsStateOnReload) {
  const std::string rules = R"(groups:
- name: g
  interval: 10s
  rules:
  - alert: Always
    expr: vector(1)
    labels: {severity: page}
)";
  std::string path = write("m1.yml", rules);
  Manager m({&head, [this] { return head.appender(); }},
            [this](std::vector<Alert> a, Timestamp now) { sent.emplace_back(std::move(a), now); },
            scheduler, registry);
  RulesConfig cfg;
  cfg.rule_files = {path};
  cfg.external_labels = {{"cluster", "eu"}, {"severity", "ignored"}};
  ASSERT_TRUE(m.apply(cfg));
  ASSERT_EQ(m.groups().size(), 1u);
  for (Timestamp t = 0; t <= 60000; t += 1000) scheduler.advance(t);
  ASSERT_FALSE(sent.empty());
  const Alert& a = sent[0].first.at(0);
  EXPECT_EQ(a.labels.get("cluster"), "eu");
  EXPECT_EQ(a.labels.get("severity"), "page");  // the alert's own label wins
  EXPECT_EQ(metric("tocsin_rule_group_iterations_total"), 6);
  EXPECT_EQ(metric("tocsin_rule_evaluations_total"), 6);
  EXPECT_EQ(metric("tocsin_alerts"), 1);

  auto* ar = dynamic_cast<const AlertingRule*>(m.groups()[0]->rules()[0].get());
  Timestamp active_at = ar->active_alerts().at(0).active_at;

  // A changed group (new rule added) keeps the alert of the unchanged rule.
  write("m1.yml", rules + "  - record: r\n    expr: vector(2)\n");
  clock.set(61000);
  ASSERT_TRUE(m.apply(cfg));
  ASSERT_EQ(m.groups()[0]->rules().size(), 2u);
  auto* ar2 = dynamic_cast<const AlertingRule*>(m.groups()[0]->rules()[0].get());
  ASSERT_EQ(ar2->active_alerts().size(), 1u);
  EXPECT_EQ(ar2->active_alerts()[0].active_at, active_at);

  // A broken file changes nothing.
  write("m1.yml", "groups:\n- name: g\n  rules:\n  - alert: X\n    expr: up +\n");
  auto st = m.apply(cfg);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("m1.yml:5:"), std::string::npos) << st.error().message;
  EXPECT_EQ(m.groups()[0]->rules().size(), 2u);

  for (Timestamp t = 62000; t <= 80000; t += 1000) scheduler.advance(t);
  // The API shows the group, its rules and the alert.
  http::Request req;
  req.params = {{"type", "alert"}};
  auto body = nlohmann::json::parse(rules_response(m, req).body);
  ASSERT_EQ(body["data"]["groups"].size(), 1u);
  auto rule = body["data"]["groups"][0]["rules"][0];
  EXPECT_EQ(rule["type"], "alerting");
  EXPECT_EQ(rule["state"], "firing");
  EXPECT_EQ(rule["health"], "ok");
  EXPECT_EQ(rule["alerts"][0]["value"], "1e+00");
  EXPECT_EQ(body["data"]["groups"][0]["rules"].size(), 1u);
  auto alerts = nlohmann::json::parse(alerts_response(m).body);
  EXPECT_EQ(alerts["data"]["alerts"].size(), 1u);
  req.params = {{"type", "bogus"}};
  EXPECT_EQ(rules_response(m, req).status, 400);
}

// A restart (or kill -9) with the saved alert states: the firing alert goes on firing without
// turning pending again, the pending one keeps its activeAt, and the first evaluation after the
// restart sends the firing alert as firing.
TEST_F(ManagerFixture, AlertStatesSurviveARestart) {
  std::string path = write("restart.yml", R"(groups:
- name: g
  interval: 10s
  rules:
  - alert: Firing
    expr: vector(1)
    for: 20s
  - alert: Pending
    expr: vector(1)
    for: 10m
  - record: r
    expr: vector(3)
)");
  RulesConfig cfg;
  cfg.rule_files = {path};
  std::string body;
  ActiveAlert firing_before, pending_before;
  {
    Manager m({&head, [this] { return head.appender(); }}, nullptr, scheduler, registry);
    ASSERT_TRUE(m.apply(cfg));
    for (Timestamp t = 0; t <= 60'000; t += 1000) scheduler.advance(t);
    const auto& rules = m.groups()[0]->rules();
    firing_before = dynamic_cast<const AlertingRule*>(rules[0].get())->active_alerts().at(0);
    pending_before = dynamic_cast<const AlertingRule*>(rules[1].get())->active_alerts().at(0);
    ASSERT_EQ(firing_before.state, AlertState::kFiring);
    ASSERT_EQ(pending_before.state, AlertState::kPending);
    body = m.snapshot_alert_states();
  }
  auto saved = decode_alert_states(body);
  ASSERT_TRUE(saved) << saved.error().message;
  EXPECT_FALSE(decode_alert_states("[{\"file\": 1}]"));

  // The new process: its own scheduler, registry and manager, 65 s after the crash.
  FakeClock clock2(125'000);
  ManualScheduler scheduler2(clock2);
  prometheus::Registry registry2;
  std::vector<std::pair<std::vector<Alert>, Timestamp>> sent2;
  Manager m2({&head, [this] { return head.appender(); }},
             [&](std::vector<Alert> a, Timestamp now) { sent2.emplace_back(std::move(a), now); },
             scheduler2, registry2);
  m2.restore(std::move(*saved));
  ASSERT_TRUE(m2.apply(cfg));
  const auto& rules = m2.groups()[0]->rules();
  // Restored before any evaluation.
  auto firing = dynamic_cast<const AlertingRule*>(rules[0].get())->active_alerts();
  ASSERT_EQ(firing.size(), 1u);
  EXPECT_EQ(firing[0].state, AlertState::kFiring);
  EXPECT_EQ(firing[0].active_at, firing_before.active_at);
  EXPECT_EQ(firing[0].fired_at, firing_before.fired_at);
  // One evaluation later: still firing, sent as firing; pending kept its activeAt.
  for (Timestamp t = 125'000; t <= 136'000; t += 1000) scheduler2.advance(t);
  firing = dynamic_cast<const AlertingRule*>(rules[0].get())->active_alerts();
  ASSERT_EQ(firing.size(), 1u);
  EXPECT_EQ(firing[0].state, AlertState::kFiring);
  EXPECT_EQ(firing[0].fired_at, firing_before.fired_at);
  auto pending = dynamic_cast<const AlertingRule*>(rules[1].get())->active_alerts();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].state, AlertState::kPending);
  EXPECT_EQ(pending[0].active_at, pending_before.active_at);
  ASSERT_FALSE(sent2.empty());
  for (const auto& [alerts, at] : sent2) {
    for (const auto& a : alerts) {
      EXPECT_EQ(a.labels.get("alertname"), "Firing");
      EXPECT_EQ(a.ends_at > at, true) << "a restart must not resolve a firing alert";
    }
  }
}

// The state version (what makes the engine re-encode and write the alert-state snapshot) moves
// when an alert starts, fires or resolves, not at every evaluation of a steady alert whose value
// changes.
TEST_F(ManagerFixture, StateVersionMovesOnlyWithAlertStates) {
  std::string path = write("version.yml", R"(groups:
- name: v
  interval: 10s
  rules:
  - alert: Steady
    expr: vector(time())
  - alert: Later
    expr: vector(1)
    for: 30s
  - record: r
    expr: vector(time())
)");
  Manager m({&head, [this] { return head.appender(); }}, nullptr, scheduler, registry);
  RulesConfig cfg;
  cfg.rule_files = {path};
  ASSERT_TRUE(m.apply(cfg));
  auto version_at = [&](Timestamp until) {
    for (Timestamp t = clock.now(); t <= until; t += 1000) scheduler.advance(t);
    return m.state_version();
  };
  const auto* later = dynamic_cast<const AlertingRule*>(m.groups()[0]->rules()[1].get());
  const std::uint64_t first = version_at(10'000);  // Steady fires, Later pending
  ASSERT_EQ(later->active_alerts().size(), 1u);
  EXPECT_EQ(later->active_alerts()[0].state, AlertState::kPending);
  // Two more evaluations: Steady's value changes, nothing else.
  EXPECT_EQ(version_at(29'000), first);
  // Later fires: a change.
  const std::uint64_t fired = version_at(45'000);
  ASSERT_EQ(later->active_alerts()[0].state, AlertState::kFiring);
  EXPECT_NE(fired, first);
  // Steady again for several evaluations.
  EXPECT_EQ(version_at(95'000), fired);
  std::string before = m.snapshot_alert_states();
  EXPECT_NE(before.find("\"Later\""), std::string::npos);
}

TEST_F(ManagerFixture, LoadKeepsFileOrderAndReportsEveryBadFile) {
  // Files are parsed on several threads; groups and errors still come in the files' order.
  RulesConfig cfg;
  for (int i = 0; i < 7; ++i) {
    cfg.rule_files.push_back(write("order" + std::to_string(i) + ".yml",
                                   "groups:\n- name: g" + std::to_string(i) +
                                       "\n  rules:\n  - record: r\n    expr: vector(" +
                                       std::to_string(i) + ")\n"));
  }
  auto ok = Manager::load(cfg, {});
  ASSERT_TRUE(ok) << ok.error().message;
  ASSERT_EQ(ok->files.size(), 7u);
  for (int i = 0; i < 7; ++i) EXPECT_EQ(ok->files[i].groups.at(0).name, "g" + std::to_string(i));

  cfg.rule_files[2] = write("bad2.yml", "groups:\n- name: b\n  rules:\n  - record: r\n    expr: sum(\n");
  cfg.rule_files[5] = write("bad5.yml", "groups:\n- name: b\n  rules:\n  - alert: A\n    expr: up{\n");
  auto bad = Manager::load(cfg, {});
  ASSERT_FALSE(bad);
  const std::string& msg = bad.error().message;
  auto p2 = msg.find("bad2.yml:5:");
  auto p5 = msg.find("bad5.yml:5:");
  ASSERT_NE(p2, std::string::npos) << msg;
  ASSERT_NE(p5, std::string::npos) << msg;
  EXPECT_LT(p2, p5) << msg;
}

TEST_F(ManagerFixture, SlowGroupSkipsTurns) {
  std::string path = write("m2.yml", "groups:\n- name: s\n  interval: 1s\n  rules:\n  - record: r\n    expr: vector(1)\n");
  std::vector<std::function<void()>> queued;
  Manager m({&head, [this] { return head.appender(); }}, nullptr, scheduler, registry, {},
            [&](std::function<void()> f) { queued.push_back(std::move(f)); });
  RulesConfig cfg;
  cfg.rule_files = {path};
  ASSERT_TRUE(m.apply(cfg));
  for (Timestamp t = 0; t <= 5000; t += 100) scheduler.advance(t);  // the worker never runs
  EXPECT_EQ(queued.size(), 1u);
  EXPECT_EQ(m.running(), 1);
  queued[0]();  // the evaluation ends: the skipped turns are counted
  EXPECT_EQ(m.running(), 0);
  EXPECT_GE(metric("tocsin_rule_group_iterations_missed_total"), 4);
  EXPECT_LE(metric("tocsin_rule_group_iterations_missed_total"), 5);
}

}  // namespace
}  // namespace tocsin::rules

namespace tocsin::rules {
namespace {

// `tocsin: {compat: prometheus2}` reaches the evaluator: a sample exactly at the start of a
// range window counts under Prometheus 2's closed windows, not under Prometheus 3's.
TEST(ManagerCompat, ConfigSettingSwitchesWindowSemantics) {
  for (bool p2 : {false, true}) {
    storage::Head head;
    prometheus::Registry registry;
    {
      // A sample every millisecond, so whatever the group's phase, a sample sits exactly at
      // the start of each 1m window.
      auto app = head.appender();
      for (Timestamp t = 0; t <= 130'000; ++t) app->add(Labels{{"__name__", "x"}}, t, 1);
      ASSERT_TRUE(app->commit());
    }
    std::string path = ::testing::TempDir() + "/compat" + (p2 ? "2" : "3") + ".yml";
    FILE* f = std::fopen(path.c_str(), "w");
    std::fputs("groups:\n- name: g\n  interval: 60s\n  rules:\n"
               "  - record: n\n    expr: count_over_time(x[1m])\n", f);
    std::fclose(f);
    FakeClock clock(0);
    ManualScheduler scheduler(clock);
    Manager m({&head, [&] { return head.appender(); }}, nullptr, scheduler, registry);
    RulesConfig cfg;
    cfg.rule_files = {path};
    cfg.evaluation_interval = kMinute;
    cfg.compat_prometheus2 = p2;
    ASSERT_TRUE(m.apply(cfg));
    for (Timestamp t = 0; t <= 120'000; t += 1000) scheduler.advance(t);
    auto ms = std::vector<storage::Matcher>{
        *storage::Matcher::make(storage::MatchType::kEqual, "__name__", "n")};
    auto series = head.select(ms, 60'000, 120'000);
    ASSERT_EQ(series.size(), 1u) << p2;
    ASSERT_TRUE(series[0].samples->next());
    EXPECT_EQ(series[0].samples->v(), p2 ? 60'001 : 60'000) << (p2 ? "prometheus2" : "prometheus3");
  }
}

}  // namespace
}  // namespace tocsin::rules
