#include "engine/dispatch/alerts.h"

#include <gtest/gtest.h>

namespace tocsin::dispatch {
namespace {

Alert make(Labels l, Timestamp start, Timestamp end, Timestamp updated, bool timeout = false) {
  Alert a;
  a.labels = std::move(l);
  a.starts_at = start;
  a.ends_at = end;
  a.updated_at = updated;
  a.timeout = timeout;
  return a;
}

TEST(PrepareAlert, FillsDefaultsAsTheApi) {
  Alert a;
  a.labels = {{"alertname", "A"}};
  Alert p = prepare_alert(a, 1000, 5 * kMinute);
  EXPECT_EQ(p.starts_at, 1000);
  EXPECT_EQ(p.ends_at, 1000 + 5 * kMinute);
  EXPECT_TRUE(p.timeout);
  EXPECT_EQ(p.updated_at, 1000);

  a.ends_at = 500;  // resolved without a start: starts at its end
  p = prepare_alert(a, 1000, 5 * kMinute);
  EXPECT_EQ(p.starts_at, 500);
  EXPECT_EQ(p.ends_at, 500);
  EXPECT_FALSE(p.timeout);
}

TEST(ValidateAlert, Table) {
  struct Case {
    Alert alert;
    std::string error;  // substring; "" = valid
  };
  std::vector<Case> cases = {
      {make({{"alertname", "A"}}, 10, 20, 0), ""},
      {make({{"alertname", "A"}}, 10, 0, 0), ""},
      {make({{"alertname", "A"}}, 0, 20, 0), "start time missing"},
      {make({{"alertname", "A"}}, 30, 20, 0), "start time must be before end time"},
      {make({}, 10, 20, 0), "at least one label pair required"},
      {make(Labels::from_unsorted({{"0bad", "x"}}), 10, 20, 0), "invalid name \"0bad\""},
      {make(Labels::from_unsorted({{"a", "\xff\xfe"}}), 10, 20, 0), "invalid value"},
  };
  for (const auto& c : cases) {
    auto st = validate_alert(c.alert);
    if (c.error.empty()) {
      EXPECT_TRUE(st.has_value()) << c.alert.labels.to_braces() << ": " << st.error().message;
    } else {
      ASSERT_FALSE(st.has_value()) << c.error;
      EXPECT_NE(st.error().message.find(c.error), std::string::npos) << st.error().message;
      // The message names the alert.
      EXPECT_EQ(st.error().message.rfind(c.alert.labels.to_braces(), 0), 0u) << st.error().message;
    }
  }
  Alert bad_annotation = make({{"alertname", "A"}}, 10, 20, 0);
  bad_annotation.annotations["bad-name"] = "x";
  EXPECT_FALSE(validate_alert(bad_annotation).has_value());
}

TEST(MergeAlerts, Table) {
  const Labels l = {{"alertname", "A"}};
  const Timestamp now = 1000;
  struct Case {
    const char* name;
    Alert a, b;
    Timestamp want_start, want_end;
  };
  std::vector<Case> cases = {
      // The younger update wins but keeps the earliest start.
      {"earliest start", make(l, 100, 2000, 10), make(l, 200, 3000, 20), 100, 3000},
      // Argument order does not matter: the younger one is found by updated_at.
      {"order", make(l, 200, 3000, 20), make(l, 100, 2000, 10), 100, 3000},
      // Newer firing update, older has a later explicit end: keep the later end.
      {"later explicit end", make(l, 100, 5000, 10), make(l, 100, 3000, 20), 100, 5000},
      // ... unless the older end was a resolve_timeout guess.
      {"later timeout end", make(l, 100, 5000, 10, true), make(l, 100, 3000, 20), 100, 3000},
      // Both resolved: the latest resolution wins.
      {"both resolved", make(l, 100, 900, 10), make(l, 100, 800, 20), 100, 900},
      // Newer resolved, older firing: the newer resolution wins.
      {"resolve", make(l, 100, 5000, 10), make(l, 100, 800, 20), 100, 800},
  };
  for (const auto& c : cases) {
    Alert m = merge_alerts(c.a, c.b, now);
    EXPECT_EQ(m.starts_at, c.want_start) << c.name;
    EXPECT_EQ(m.ends_at, c.want_end) << c.name;
  }
}

TEST(AlertStore, MergesOnlyOverlappingUpdates) {
  AlertStore store;
  const Labels l = {{"alertname", "A"}};
  ASSERT_TRUE(store.put(make(l, 100, 1000, 100), 100));
  // Starts inside the stored range: merged, the earliest start kept.
  auto m = store.put(make(l, 200, 2000, 200), 200);
  ASSERT_TRUE(m);
  EXPECT_EQ((*m)->starts_at, 100);
  EXPECT_EQ((*m)->ends_at, 2000);
  // A later, disjoint activity replaces the stored one.
  auto r = store.put(make(l, 5000, 6000, 5000), 5000);
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)->starts_at, 5000);
  EXPECT_EQ(store.size(), 1u);
}

TEST(AlertStore, LimitRejectsNewFingerprintsOnly) {
  AlertStore store({.limit = 1});
  ASSERT_TRUE(store.put(make({{"alertname", "A"}}, 1, 10, 1), 1));
  auto r = store.put(make({{"alertname", "B"}}, 1, 10, 1), 1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kResourceExhausted);
  EXPECT_NE(r.error().message.find("alertname=\"B\""), std::string::npos);
  EXPECT_TRUE(store.put(make({{"alertname", "A"}}, 1, 20, 2), 2));  // update still accepted
}

TEST(AlertStore, GcRemovesResolvedAfterRetention) {
  AlertStore store({.limit = 0, .resolved_retention = 100});
  ASSERT_TRUE(store.put(make({{"alertname", "A"}}, 1, 50, 1), 1));
  ASSERT_TRUE(store.put(make({{"alertname", "B"}}, 1, 500, 1), 1));
  EXPECT_TRUE(store.gc(149).empty());
  auto removed = store.gc(150);
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0]->label("alertname"), "A");
  EXPECT_EQ(store.size(), 1u);
}

TEST(AlertOrder, JobThenInstanceThenLabels) {
  auto a = make({{"alertname", "X"}, {"job", "b"}}, 1, 0, 0);
  auto b = make({{"alertname", "X"}, {"job", "a"}}, 1, 0, 0);
  auto c = make({{"alertname", "X"}}, 1, 0, 0);
  EXPECT_TRUE(alert_less(b, a));
  EXPECT_TRUE(alert_less(a, c));  // having a job sorts first
  EXPECT_FALSE(alert_less(c, a));
  EXPECT_TRUE(labels_before(Labels{{"a", "1"}}, Labels{{"a", "1"}, {"b", "2"}}));
  EXPECT_TRUE(labels_before(Labels{{"a", "1"}}, Labels{{"a", "2"}}));
}

TEST(GoLabelSetString, SortsAsStrings) {
  // "a1=" sorts before "a=" because '1' < '='.
  EXPECT_EQ(go_labelset_string(Labels{{"a", "x"}, {"a1", "y"}}), "{a1=\"y\", a=\"x\"}");
  EXPECT_EQ(go_labelset_string(Labels{}), "{}");
}

}  // namespace
}  // namespace tocsin::dispatch
