// The remote-evaluation seam: with RuleStorage::remote set, rule expressions (and the template
// `query` function) go whole to the InstantQuerier; a failing query fails the rule (health err)
// and its alerts keep their state and are re-sent, so nothing resolves because of it.
#include <gtest/gtest.h>

#include <mutex>

#include "engine/rules/group.h"
#include "engine/storage/head.h"
#include "parser/promql/parse.h"

namespace tocsin::rules {
namespace {

class FakeRemote final : public InstantQuerier {
 public:
  Result<promql::Value> instant_query(std::string_view expr, Timestamp t) const override {
    std::lock_guard lock(mu);
    queries.push_back(std::string(expr) + " @" + std::to_string(t));
    if (down) return unavailable("connection refused");
    if (expr == "count(up)") return promql::Value{promql::Scalar{t, 7}};
    return promql::Value{promql::Vector{promql::Sample{Labels{{"job", "api"}}, value, t, false}}};
  }
  mutable std::mutex mu;
  mutable std::vector<std::string> queries;
  bool down = false;
  double value = 1;
};

GroupSpec spec() {
  auto r = parse_rule_file(R"Y(groups:
- name: g
  rules:
  - record: job:x
    expr: sum by (job) (x)
  - alert: High
    expr: x > 0
    annotations: {summary: '{{ with query "count(up)" }}{{ . | first | value }}{{ end }} up'}
)Y",
                           "g.yml");
  EXPECT_TRUE(r);
  return r->groups.at(0);
}

TEST(RemoteEval, ExpressionsGoToTheRemoteAndFailuresKeepAlertsFiring) {
  storage::Head head;  // empty: every value below comes from the remote
  auto remote = std::make_shared<FakeRemote>();
  RuleStorage st{&head, [&] { return head.appender(); },
                 [&]() -> std::shared_ptr<const InstantQuerier> { return remote; }};
  GroupOptions o;
  o.interval = 10 * kSecond;
  o.query_offset = kSecond;
  o.resend_delay = kMinute;
  Group g(spec(), o);

  auto r = g.eval(100 * kSecond, st);
  EXPECT_EQ(r.failures, 0);
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0].annotations.at("summary"), "7 up");
  EXPECT_EQ(remote->queries.at(0), "sum by (job) (x) @99000");  // query_offset applied
  EXPECT_EQ(remote->queries.at(1), "x > 0 @99000");
  // The recording rule's result was written locally (and would be remote-written).
  auto e = promql::parse_expr("job:x");
  ASSERT_TRUE(e);
  auto local = promql::evaluate_instant(**e, head, 100 * kSecond);
  ASSERT_TRUE(local);
  ASSERT_EQ(std::get<promql::Vector>(local->value).size(), 1u);

  remote->down = true;
  r = g.eval(110 * kSecond, st);
  EXPECT_EQ(r.failures, 2);
  for (const auto& rule : g.rules()) {
    EXPECT_EQ(rule->status().health, RuleHealth::kErr);
    EXPECT_NE(rule->status().last_error.find("connection refused"), std::string::npos);
  }
  auto* alerting = dynamic_cast<AlertingRule*>(g.rules()[1].get());
  ASSERT_NE(alerting, nullptr);
  EXPECT_EQ(alerting->state(), AlertState::kFiring);
  // Once the resend delay has passed, the firing alert is re-sent although the query fails.
  r = g.eval(170 * kSecond, st);
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0].ends_at == 0 || r.alerts[0].ends_at > 170 * kSecond, true);

  // Without a remote, evaluation is local again.
  RuleStorage local_storage{&head, [&] { return head.appender(); }};
  const size_t before = remote->queries.size();
  r = g.eval(200 * kSecond, local_storage);
  EXPECT_EQ(r.failures, 0);
  EXPECT_EQ(remote->queries.size(), before);
}

}  // namespace
}  // namespace tocsin::rules
