// Evaluator edge cases driven by PromQL text over a small Head.
#include "engine/promql/engine.h"

#include <chrono>
#include <cmath>
#include <map>

#include <gtest/gtest.h>

#include "engine/storage/head.h"
#include "parser/promql/parse.h"

namespace tocsin::promql {
namespace {

class EvaluatorTest : public ::testing::Test {
 protected:
  void add(const Labels& l, Timestamp t, double v) {
    auto app = head_.appender();
    app->add(l, t, v);
    ASSERT_TRUE(app->commit().has_value());
  }
  Result<QueryResult> instant(const std::string& q, Timestamp ts, EvalOptions o = {}) {
    auto e = parse_expr(q);
    EXPECT_TRUE(e.has_value()) << q << ": " << (e ? "" : e.error().to_string());
    return evaluate_instant(**e, head_, ts, o);
  }
  Vector vec(const std::string& q, Timestamp ts, EvalOptions o = {}) {
    auto r = instant(q, ts, o);
    EXPECT_TRUE(r.has_value()) << q << ": " << (r ? "" : r.error().message);
    return r ? std::get<Vector>(r->value) : Vector{};
  }
  storage::Head head_;
};

TEST_F(EvaluatorTest, RangeWindowsAreLeftOpen) {
  for (int i = 0; i <= 10; ++i) add({{"__name__", "m"}}, i * kMinute, i);
  // (4m, 5m] holds only the sample at 5m; Prometheus 2 also counted the one at 4m.
  EXPECT_EQ(vec("count_over_time(m[1m])", 5 * kMinute)[0].v, 1);
  EvalOptions p2;
  p2.compat_prometheus2 = true;
  EXPECT_EQ(vec("count_over_time(m[1m])", 5 * kMinute, p2)[0].v, 2);
}

TEST_F(EvaluatorTest, LookbackAndStaleness) {
  add({{"__name__", "m"}}, 0, 1);
  add({{"__name__", "m"}}, kMinute, 2);
  EXPECT_EQ(vec("m", kMinute + 5 * kMinute - 1)[0].v, 2);
  EXPECT_TRUE(vec("m", kMinute + 5 * kMinute).empty());  // lookback is left-open too
  add({{"__name__", "m"}}, 2 * kMinute, storage::stale_nan());
  EXPECT_TRUE(vec("m", 2 * kMinute + 1).empty());
  EXPECT_EQ(vec("m", 2 * kMinute - 1)[0].v, 2);
  // Stale markers never reach range functions.
  EXPECT_EQ(vec("count_over_time(m[10m])", 3 * kMinute)[0].v, 2);
}

TEST_F(EvaluatorTest, OffsetAndAt) {
  for (int i = 0; i <= 10; ++i) add({{"__name__", "m"}}, i * kMinute, i);
  EXPECT_EQ(vec("m offset 3m", 10 * kMinute)[0].v, 7);
  EXPECT_EQ(vec("m @ 120", 10 * kMinute)[0].v, 2);
  EXPECT_EQ(vec("m @ 120 offset -1m", 10 * kMinute)[0].v, 3);
  EXPECT_EQ(vec("timestamp(m @ 125)", 10 * kMinute)[0].v, 120);
  auto e = parse_expr("m @ start()");
  auto r = evaluate_range(**e, head_, 2 * kMinute, 4 * kMinute, kMinute);
  ASSERT_TRUE(r.has_value());
  const auto& m = std::get<Matrix>(r->value);
  ASSERT_EQ(m.size(), 1u);
  for (const auto& p : m[0].points) EXPECT_EQ(p.v, 2);
}

TEST_F(EvaluatorTest, SubqueryStepsAreAbsolutelyAligned) {
  for (int i = 0; i <= 100; ++i) add({{"__name__", "m"}}, i * 10 * kSecond, i);
  // [1m:20s] at 70s: inner steps at 20s, 40s, 60s (10s is outside (10s, 70s]).
  EXPECT_EQ(vec("count_over_time(m[1m:20s])", 70 * kSecond)[0].v, 3);
  EXPECT_EQ(vec("min_over_time(m[1m:20s])", 70 * kSecond)[0].v, 2);
  EXPECT_EQ(vec("count_over_time(m[1m:20s])", 60 * kSecond)[0].v, 3);  // 20s excluded? no: (0,60]
}

TEST_F(EvaluatorTest, DelayedNameRemovalAndDuplicates) {
  add({{"__name__", "a"}, {"x", "1"}}, 0, 1);
  add({{"__name__", "b"}, {"x", "1"}}, 0, 2);
  auto r = instant("-{x=\"1\"}", 0);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "vector cannot contain metrics with the same labelset");
  auto v = vec("label_replace(-a, \"__name__\", \"neg_a\", \"\", \"\")", 0);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].metric.metric_name(), "neg_a");
  v = vec("a > 0", 0);
  EXPECT_EQ(v[0].metric.metric_name(), "a");
  v = vec("a > bool 0", 0);
  EXPECT_FALSE(v[0].metric.has("__name__"));
}

TEST_F(EvaluatorTest, VectorMatchingErrors) {
  add({{"__name__", "many"}, {"job", "j"}, {"i", "1"}}, 0, 1);
  add({{"__name__", "many"}, {"job", "j"}, {"i", "2"}}, 0, 2);
  add({{"__name__", "one"}, {"job", "j"}}, 0, 3);
  auto r = instant("many + on(job) one", 0);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message,
            "multiple matches for labels: many-to-one matching must be explicit "
            "(group_left/group_right)");
  auto v = vec("many + on(job) group_left one", 0);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].v + v[1].v, 9);
  r = instant("one + on(job) many", 0);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("found duplicate series for the match group {job=\"j\"}"),
            std::string::npos);
}

TEST_F(EvaluatorTest, SampleLimit) {
  for (int i = 0; i < 100; ++i) add({{"__name__", "m"}}, i * kSecond, i);
  EvalOptions o;
  o.max_samples = 50;
  auto r = instant("sum_over_time(m[100s])", 100 * kSecond, o);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kResourceExhausted);
  o.max_samples = 200;
  EXPECT_TRUE(instant("sum_over_time(m[100s])", 100 * kSecond, o).has_value());
}

TEST_F(EvaluatorTest, SampleLimitCountsTheRawSamplesAQueryReads) {
  // 1000 raw samples, but each step of the range query only looks at one of them: Prometheus'
  // per-step count stays at 1, while the selector cache would hold all 1000.
  for (int i = 0; i < 1000; ++i) add({{"__name__", "m"}}, i * kSecond, i);
  auto e = parse_expr("m");
  EvalOptions o;
  o.max_samples = 999;
  auto r = evaluate_range(**e, head_, 0, 999 * kSecond, 500 * kSecond, o);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(r.error().message,
            "query processing would load too many samples into memory in query execution");
  o.max_samples = 1000;
  r = evaluate_range(**e, head_, 0, 999 * kSecond, 500 * kSecond, o);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(std::get<Matrix>(r->value)[0].points.size(), 2u);
}

TEST_F(EvaluatorTest, DeadlinePassedIsTimeout) {
  for (int i = 0; i < 10; ++i) add({{"__name__", "m"}}, i * kSecond, i);
  EvalOptions o;
  o.deadline = std::chrono::steady_clock::now() - std::chrono::milliseconds(1);
  auto r = instant("sum_over_time(m[1m])", 10 * kSecond, o);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_EQ(r.error().message, "query timed out in expression evaluation");
  auto e = parse_expr("m");
  auto range = evaluate_range(**e, head_, 0, 10 * kSecond, kSecond, o);
  ASSERT_FALSE(range.has_value());
  EXPECT_EQ(range.error().code, ErrorCode::kDeadlineExceeded);
  // A timeout is a budget from the start of the evaluation: an hour is plenty here.
  EvalOptions ok;
  ok.timeout = kHour;
  EXPECT_TRUE(instant("sum_over_time(m[1m])", 10 * kSecond, ok).has_value());
}

TEST_F(EvaluatorTest, TimeoutStopsALongRangeQuery) {
  // 200 series × 2000 steps of a subquery-heavy expression takes far longer than 1 ms; the
  // deadline is checked as samples are counted, so the query stops early with a timeout.
  {
    auto app = head_.appender();
    for (int s = 0; s < 200; ++s) {
      for (int i = 0; i < 120; ++i) {
        app->add({{"__name__", "m"}, {"i", std::to_string(s)}}, i * 15 * kSecond, i);
      }
    }
    ASSERT_TRUE(app->commit().has_value());
  }
  auto e = parse_expr("max_over_time(rate(m[1m])[10m:15s])");
  EvalOptions o;
  o.timeout = 1;
  auto r = evaluate_range(**e, head_, 0, 30 * kMinute, kSecond, o);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kDeadlineExceeded);
}

TEST_F(EvaluatorTest, RangeQueryMergesSeriesAfterNameRemoval) {
  add({{"__name__", "a"}}, 0, 1);
  add({{"__name__", "b"}}, 0, 3);
  add({{"__name__", "b"}}, 10 * kMinute, 4);
  auto e = parse_expr("-a or -b");
  auto r = evaluate_range(**e, head_, 0, 20 * kMinute, 10 * kMinute);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  const auto& m = std::get<Matrix>(r->value);
  ASSERT_EQ(m.size(), 1u);
  ASSERT_EQ(m[0].points.size(), 2u);
  EXPECT_EQ(m[0].points[0].v, -1);
  EXPECT_EQ(m[0].points[1].v, -4);
}

// A one-step query moves each selector's samples out of the selector cache instead of copying
// them; the answers must be those of a many-step range query over the same data, whatever the
// windows, stale markers and repeated or subquery-nested selectors.
TEST_F(EvaluatorTest, OneStepQueriesAgreeWithRangeQueries) {
  for (int i = 0; i <= 40; ++i) {
    const double v = i % 13 == 12 ? storage::stale_nan() : i * 1.5;
    add({{"__name__", "m"}, {"job", "a"}}, i * 15 * kSecond, v);
    add({{"__name__", "m"}, {"job", "b"}}, i * 15 * kSecond + 7 * kSecond, 2 * i);
  }
  for (const char* q :
       {"m", "m[2m]", "rate(m[2m])", "sum by (job) (rate(m[1m]))", "m + m", "rate(m[1m]) / m",
        "max_over_time(m[1m]) - min_over_time(m[1m:15s])", "count_over_time(m[3m] offset 1m)",
        "absent(m{job=\"c\"})", "timestamp(m)", "m and on (job) rate(m[1m]) > 0",
        "sum_over_time(rate(m[1m])[2m:30s])"}) {
    auto e = parse_expr(q);
    ASSERT_TRUE(e.has_value()) << q;
    // A range query cannot return a range vector: m[2m] is compared with its point counts.
    auto reference = std::string(q) == "m[2m]" ? parse_expr("count_over_time(m[2m])") : parse_expr(q);
    ASSERT_TRUE(reference.has_value());
    for (Timestamp ts = 3 * kMinute; ts <= 9 * kMinute; ts += 37 * kSecond) {
      // The range query evaluates ts - 1m, ts and ts + 1m with one selector cache.
      auto range = evaluate_range(**reference, head_, ts - kMinute, ts + kMinute, kMinute);
      auto one = evaluate_instant(**e, head_, ts);
      ASSERT_TRUE(range.has_value()) << q;
      ASSERT_TRUE(one.has_value()) << q;
      std::map<Labels, double> want, got;
      for (const Series& s : std::get<Matrix>(range->value)) {
        for (const Point& p : s.points) {
          if (p.t == ts) want[s.metric] = p.v;
        }
      }
      if (auto* m = std::get_if<Matrix>(&one->value)) {
        // m[2m]: the range query holds count_over_time(m[2m]) instead, see the query list.
        for (const Series& s : *m) {
          got[s.metric.without_metric_name()] = static_cast<double>(s.points.size());
        }
      } else {
        for (const Sample& s : std::get<Vector>(one->value)) got[s.metric] = s.v;
      }
      ASSERT_EQ(want.size(), got.size()) << q << " at " << ts;
      for (const auto& [labels, v] : want) {
        ASSERT_TRUE(got.count(labels)) << q << " at " << ts;
        if (std::isnan(v)) {
          EXPECT_TRUE(std::isnan(got[labels])) << q;
        } else {
          EXPECT_NEAR(got[labels], v, 1e-9) << q << " at " << ts;
        }
      }
    }
  }
}

TEST_F(EvaluatorTest, RateExtrapolation) {
  // A counter at 15s intervals from 15s to 60s, evaluated over [1m] at 60s.
  for (int i = 1; i <= 4; ++i) add({{"__name__", "c_total"}}, i * 15 * kSecond, i * 15.0);
  auto v = vec("increase(c_total[1m])", 60 * kSecond);
  ASSERT_EQ(v.size(), 1u);
  // Sampled 45s, 15s to the start (< 1.1 * 15s → extrapolate fully, capped at zero point: 15s).
  EXPECT_NEAR(v[0].v, 60, 1e-9);
  EXPECT_NEAR(vec("rate(c_total[1m])", 60 * kSecond)[0].v, 1, 1e-9);
}

TEST_F(EvaluatorTest, AggregationsAndPrinter) {
  add({{"__name__", "m"}, {"g", "a"}}, 0, 1);
  add({{"__name__", "m"}, {"g", "b"}}, 0, 3);
  add({{"__name__", "m"}, {"g", "c"}}, 0, std::nan(""));
  EXPECT_EQ(vec("count(m)", 0)[0].v, 3);
  EXPECT_EQ(vec("max(m)", 0)[0].v, 3);
  EXPECT_EQ(vec("quantile(0.5, m{g!=\"c\"})", 0)[0].v, 2);
  auto top = vec("topk(2, m)", 0);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].v, 3);
  EXPECT_EQ(top[0].metric.metric_name(), "m");
  auto cv = vec("count_values(\"val\", m{g!=\"c\"})", 0);
  EXPECT_EQ(cv.size(), 2u);
  auto r = instant("sum by (g) (m{g=\"a\"})", 0);
  EXPECT_EQ(to_string(r->value), "{g=\"a\"} => 1 @[0]\n");
}

}  // namespace
}  // namespace tocsin::promql
