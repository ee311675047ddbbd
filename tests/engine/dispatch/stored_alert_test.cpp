#include "engine/dispatch/stored_alert.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/dispatch/alerts.h"

namespace tocsin::dispatch {
namespace {

Alert sample() {
  Alert a;
  a.labels = {{"alertname", "HighLatency"}, {"instance", "db-1:9100"}, {"job", "node"},
              {"severity", "critical"}};
  a.annotations = {{"summary", "p99 over 2s"}, {"runbook_url", "https://runbooks/x"}};
  a.generator_url = "http://prometheus:9090/graph?g0.expr=up";
  a.starts_at = 1000;
  a.ends_at = 5000;
  a.updated_at = 1200;
  a.timeout = true;
  return a;
}

TEST(StoredAlert, RoundTripsEveryField) {
  const Alert a = sample();
  auto s = StoredAlert::make(a);
  EXPECT_EQ(s->alert(), a);
  EXPECT_EQ(s->labels(), a.labels);
  EXPECT_EQ(s->fingerprint(), a.fingerprint());
  EXPECT_EQ(s->label_count(), 4u);
  EXPECT_EQ(s->generator_url(), a.generator_url);
  EXPECT_TRUE(s->resolved_at(5000));
  EXPECT_FALSE(s->resolved_at(4999));
}

TEST(StoredAlert, LooksUpLabelsByName) {
  auto s = StoredAlert::make(sample());
  EXPECT_EQ(s->label("job"), "node");
  EXPECT_EQ(s->label("alertname"), "HighLatency");
  EXPECT_EQ(s->label("severity"), "critical");
  EXPECT_EQ(s->label("absent"), "");
  EXPECT_EQ(s->label("a"), "");      // before the first name
  EXPECT_EQ(s->label("zzz"), "");    // after the last
  EXPECT_TRUE(s->has_label("instance"));
  EXPECT_FALSE(s->has_label("summary"));  // an annotation, not a label
  std::vector<std::string> names;
  s->for_each_label([&](std::string_view n, std::string_view) { names.emplace_back(n); });
  EXPECT_EQ(names, (std::vector<std::string>{"alertname", "instance", "job", "severity"}));
}

TEST(StoredAlert, KeepsLongAndEmptyStrings) {
  Alert a;
  // Lengths around the varint byte boundaries (127/128, 16383/16384) and beyond.
  a.labels = {{"a", std::string(127, 'x')}, {"b", std::string(128, 'y')},
              {"c", std::string(16384, 'z')}, {"d", "\xff\x01 \"quoted\"\n"}};
  a.annotations = {{"long", std::string(70000, 'q')}, {"empty", ""}};
  a.starts_at = 1;
  auto s = StoredAlert::make(a);
  EXPECT_EQ(s->alert(), a);
  EXPECT_EQ(s->label("c").size(), 16384u);
  EXPECT_EQ(s->generator_url(), "");

  Alert empty;  // no labels at all (invalid, but must not break the encoding)
  EXPECT_EQ(StoredAlert::make(empty)->alert(), empty);
}

// Alertmanager's order must not depend on the representation: compare the StoredAlert overload
// with the Alert one (and labels_before with the definition: the sorted merged names) over
// random label sets.
bool labels_before_by_definition(const Labels& a, const Labels& b) {
  if (a.size() != b.size()) return a.size() < b.size();
  std::vector<std::string> names;
  for (const Label& l : a) names.push_back(l.name);
  for (const Label& l : b) names.push_back(l.name);
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    if (!a.has(n)) return true;
    if (!b.has(n)) return false;
    if (a.get(n) != b.get(n)) return a.get(n) < b.get(n);
  }
  return false;
}

TEST(StoredAlert, OrderMatchesTheAlertOrder) {
  std::mt19937 rng(7);
  const std::vector<std::string> names = {"alertname", "instance", "job", "severity", "zone", "a"};
  const std::vector<std::string> values = {"", "1", "2", "x", "10"};
  std::vector<Alert> alerts;
  for (int i = 0; i < 300; ++i) {
    std::vector<Label> ls;
    for (const auto& n : names) {
      const std::string& v = values[rng() % values.size()];
      if (!v.empty()) ls.push_back({n, v});
    }
    Alert a;
    a.labels = Labels::from_unsorted(std::move(ls));
    alerts.push_back(std::move(a));
  }
  std::vector<std::shared_ptr<const StoredAlert>> stored;
  for (const Alert& a : alerts) stored.push_back(StoredAlert::make(a));
  int checked = 0;
  for (size_t i = 0; i < alerts.size(); ++i) {
    for (size_t j = 0; j < alerts.size(); j += 7) {
      ASSERT_EQ(alert_less(*stored[i], *stored[j]), alert_less(alerts[i], alerts[j]))
          << alerts[i].labels.to_string() << " vs " << alerts[j].labels.to_string();
      ASSERT_EQ(labels_before(alerts[i].labels, alerts[j].labels),
                labels_before_by_definition(alerts[i].labels, alerts[j].labels))
          << alerts[i].labels.to_string() << " vs " << alerts[j].labels.to_string();
      ++checked;
    }
  }
  EXPECT_GT(checked, 10000);
}

TEST(AlertStore, AnOlderUpdateKeepsTheYoungerStoredVersion) {
  AlertStore store;
  Alert young = sample();
  young.updated_at = 2000;
  young.annotations["summary"] = "young";
  ASSERT_TRUE(store.put(young, 2000));
  Alert old = sample();  // updated_at 1200: older than the stored one; ends inside its range
  old.starts_at = 500;
  old.ends_at = 4000;
  old.annotations["summary"] = "old";
  auto r = store.put(old, 2000);
  ASSERT_TRUE(r);
  const Alert got = (*r)->alert();
  EXPECT_EQ(got.annotations.at("summary"), "young");  // the younger content stays
  EXPECT_EQ(got.starts_at, 500);                       // with the earliest start
  EXPECT_EQ(got.updated_at, 2000);
  EXPECT_EQ(got.ends_at, 5000);  // the younger one is firing: its end stays (older was a guess)
  EXPECT_EQ(got, merge_alerts(young, old, 2000));  // the same as the pure function
}

}  // namespace
}  // namespace tocsin::dispatch
