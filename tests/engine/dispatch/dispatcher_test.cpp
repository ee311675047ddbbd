// Dispatcher timing and pipeline tests: a ManualScheduler steps a FakeClock; notifiers record
// what they are sent and answer from a script. No sleeps.
#include "engine/dispatch/dispatcher.h"

#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <set>
#include <prometheus/registry.h>

#include "engine/config/load.h"
#include "parser/matchers/parse.h"

namespace tocsin::dispatch {
namespace {

struct Sent {
  Timestamp at;
  notifiers::Notification n;
  std::vector<std::string> names() const {  // "A:firing", "B:resolved"
    std::vector<std::string> out;
    for (const auto& a : n.alerts) {
      out.push_back(std::string(a.labels.get("alertname")) + (a.ends_at == 0 ? ":firing" : ":resolved"));
    }
    return out;
  }
};

class RecordingNotifier final : public notifiers::Notifier {
 public:
  RecordingNotifier(std::string kind, bool send_resolved, const Clock& clock)
      : kind_(std::move(kind)), send_resolved_(send_resolved), clock_(clock) {}
  std::string_view integration() const override { return kind_; }
  bool send_resolved() const override { return send_resolved_; }
  void notify(const notifiers::Notification& n,
              std::function<void(notifiers::NotifyResult)> done) override {
    sent.push_back({clock_.now(), n});
    if (hold) return held.push_back(std::move(done));  // answered later by the test
    if (script.empty()) return done(notifiers::NotifyResult::ok());
    auto r = script.front();
    script.pop_front();
    done(std::move(r));
  }
  std::vector<Sent> sent;
  std::deque<notifiers::NotifyResult> script;
  bool hold = false;
  std::vector<std::function<void(notifiers::NotifyResult)>> held;

 private:
  std::string kind_;
  bool send_resolved_;
  const Clock& clock_;
};

constexpr const char* kConfig = R"(
route:
  receiver: team
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 1h
  routes:
    - matchers: [quiet="true"]
      receiver: quiet
    - matchers: [fragile="true"]
      receiver: fragile
      fallback_receiver: backup
    - matchers: [night="true"]
      receiver: team
      mute_time_intervals: [always]
receivers:
  - name: team
    webhook_configs: [{url: "http://127.0.0.1:1/"}]
  - name: quiet
    webhook_configs: [{url: "http://127.0.0.1:1/", send_resolved: false}]
  - name: fragile
    webhook_configs: [{url: "http://127.0.0.1:1/"}]
  - name: backup
    webhook_configs: [{url: "http://127.0.0.1:1/"}]
inhibit_rules:
  - source_matchers: [severity="critical"]
    target_matchers: [severity="warning"]
    equal: [alertname]
time_intervals:
  - name: always
    time_intervals: [{times: [{start_time: "00:00", end_time: "24:00"}]}]
)";

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override { start(kConfig); }

  void start(const std::string& yaml, DispatcherOptions opts = {}) {
    auto cfg = config::load_config_from_string(yaml, "am.yml");
    ASSERT_TRUE(cfg) << config::to_error(cfg.error()).message;
    config_ = *cfg;
    opts.random = [] { return 0.5; };  // no jitter
    opts.retry.max_duration = 10 * kMinute;
    auto d = Dispatcher::create(config_, opts, scheduler_, factory(), silences_, nflog_, registry_);
    ASSERT_TRUE(d) << d.error().message;
    dispatcher_ = std::move(*d);
  }

  NotifierFactory factory() {
    return [this](const config::Receiver& r) {
      std::vector<std::unique_ptr<notifiers::Notifier>> out;
      for (const auto& w : r.webhook_configs) {
        auto n = std::make_unique<RecordingNotifier>("webhook", w.send_resolved, clock_);
        notifiers_[r.name] = n.get();
        out.push_back(std::move(n));
      }
      return out;
    };
  }

  // By default the alert fires with an explicit end far ahead (as Prometheus sends them), so the
  // resolve_timeout does not resolve it during a test; ends = 0 leaves the end unset.
  Alert alert(const char* name, Labels extra = {}, Timestamp starts = -1, Timestamp ends = -1) {
    LabelsBuilder b(extra);
    b.set("alertname", name);
    Alert a;
    a.labels = b.labels();
    a.starts_at = starts < 0 ? clock_.now() : starts;
    a.ends_at = ends < 0 ? a.starts_at + 24 * kHour : ends;
    return a;
  }
  void put(std::vector<Alert> alerts) {
    auto st = dispatcher_->put_alerts(std::move(alerts), clock_.now());
    ASSERT_TRUE(st) << st.error().message;
  }
  std::vector<Sent>& sent(const std::string& receiver) { return notifiers_.at(receiver)->sent; }

  FakeClock clock_{1'700'000'000'000};
  ManualScheduler scheduler_{clock_};
  prometheus::Registry registry_;
  Silences silences_{{}, nullptr};
  NotificationLog nflog_;
  config::Config config_;
  std::map<std::string, RecordingNotifier*> notifiers_;
  std::unique_ptr<Dispatcher> dispatcher_;
};

TEST_F(DispatcherTest, FireUpdateResolveRefire) {
  const Timestamp t0 = clock_.now();
  put({alert("A")});
  scheduler_.run_until(t0 + 30 * kSecond - 1);
  EXPECT_TRUE(sent("team").empty());  // group_wait
  scheduler_.run_until(t0 + 30 * kSecond);
  ASSERT_EQ(sent("team").size(), 1u);
  EXPECT_EQ(sent("team")[0].at, t0 + 30 * kSecond);
  EXPECT_EQ(sent("team")[0].names(), std::vector<std::string>{"A:firing"});
  EXPECT_EQ(sent("team")[0].n.group_key, "{}:{alertname=\"A\"}");
  EXPECT_EQ(sent("team")[0].n.receiver, "team");

  // Nothing new at the next group_interval.
  scheduler_.run_until(t0 + 30 * kSecond + 5 * kMinute);
  EXPECT_EQ(sent("team").size(), 1u);

  // A second alert in the group goes out at the following group_interval tick, not earlier.
  put({alert("A", {{"instance", "2"}})});
  scheduler_.run_until(t0 + 30 * kSecond + 10 * kMinute - 1);
  EXPECT_EQ(sent("team").size(), 1u);
  scheduler_.run_until(t0 + 30 * kSecond + 10 * kMinute);
  ASSERT_EQ(sent("team").size(), 2u);
  EXPECT_EQ(sent("team")[1].n.alerts.size(), 2u);

  // Resolve one: sent (send_resolved) at the next tick, in Alertmanager's order (an alert with
  // an `instance` label sorts before one without, whatever their status).
  Alert resolved = alert("A", {}, t0, clock_.now());
  put({resolved});
  scheduler_.run_until(t0 + 30 * kSecond + 15 * kMinute);
  ASSERT_EQ(sent("team").size(), 3u);
  EXPECT_EQ(sent("team")[2].names(), (std::vector<std::string>{"A:firing", "A:resolved"}));
  EXPECT_EQ(sent("team")[2].n.alerts[0].labels.get("instance"), "2");
  // ...and removed from the group after the successful flush.
  scheduler_.run_until(t0 + 30 * kSecond + 20 * kMinute);
  EXPECT_EQ(sent("team").size(), 3u);
  auto groups = dispatcher_->groups(clock_.now());
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].alerts.size(), 1u);

  // Re-fire: a new firing alert is news.
  put({alert("A")});
  scheduler_.run_until(t0 + 30 * kSecond + 25 * kMinute);
  ASSERT_EQ(sent("team").size(), 4u);
  EXPECT_EQ(sent("team")[3].names(), (std::vector<std::string>{"A:firing", "A:firing"}));
}

TEST_F(DispatcherTest, RepeatInterval) {
  const Timestamp t0 = clock_.now();
  // Keep the alert firing with an explicit end far ahead.
  put({alert("A", {}, t0, t0 + 10 * kHour)});
  scheduler_.run_until(t0 + 30 * kSecond);
  ASSERT_EQ(sent("team").size(), 1u);
  // The log entry is at t0+30s; a flush exactly 1h later is not past repeat_interval (strict),
  // so the repeat goes out one group_interval after that.
  scheduler_.run_until(t0 + 30 * kSecond + kHour);
  EXPECT_EQ(sent("team").size(), 1u);
  scheduler_.run_until(t0 + 30 * kSecond + kHour + 5 * kMinute);
  ASSERT_EQ(sent("team").size(), 2u);
  EXPECT_EQ(sent("team")[1].at, t0 + 30 * kSecond + 65 * kMinute);
}

TEST_F(DispatcherTest, OldAlertFlushesAtOnce) {
  const Timestamp t0 = clock_.now();
  put({alert("Old", {}, t0 - kHour)});
  scheduler_.run_until(t0);
  ASSERT_EQ(sent("team").size(), 1u);
  EXPECT_EQ(sent("team")[0].at, t0);
}

TEST_F(DispatcherTest, ResolveTimeoutResolvesSilentAlerts) {
  const Timestamp t0 = clock_.now();
  put({alert("A", {}, -1, 0)});  // no ends_at: resolve_timeout (5m) applies
  scheduler_.run_until(t0 + 30 * kSecond);
  ASSERT_EQ(sent("team").size(), 1u);
  scheduler_.run_until(t0 + 30 * kSecond + 5 * kMinute);
  ASSERT_EQ(sent("team").size(), 2u);
  EXPECT_EQ(sent("team")[1].names(), std::vector<std::string>{"A:resolved"});
  EXPECT_TRUE(sent("team")[1].n.alerts[0].timeout);
}

TEST_F(DispatcherTest, NoSendResolvedStillLogs) {
  const Timestamp t0 = clock_.now();
  put({alert("Q", {{"quiet", "true"}})});
  scheduler_.run_until(t0 + 30 * kSecond);
  ASSERT_EQ(sent("quiet").size(), 1u);
  put({alert("Q", {{"quiet", "true"}}, t0, clock_.now())});
  scheduler_.run_until(t0 + 30 * kSecond + 5 * kMinute);
  EXPECT_EQ(sent("quiet").size(), 1u);  // resolved-only: nothing sent
  const NflogEntry* e = nflog_.query({"quiet", "webhook", 0}, "{}/{quiet=\"true\"}:{alertname=\"Q\"}");
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(e->firing.empty());
  EXPECT_EQ(e->resolved.size(), 1u);
}

TEST_F(DispatcherTest, SilencesAndInhibitionMute) {
  const Timestamp t0 = clock_.now();
  Silence s;
  s.matchers = *matchers::parse_matchers("alertname=Silenced");
  s.starts_at = t0;
  s.ends_at = t0 + kHour;
  ASSERT_TRUE(silences_.set(s, t0));
  put({alert("Silenced"), alert("X", {{"severity", "critical"}}),
       alert("X", {{"severity", "warning"}})});
  scheduler_.run_until(t0 + 30 * kSecond);
  ASSERT_EQ(sent("team").size(), 1u);  // group X; group Silenced muted entirely
  ASSERT_EQ(sent("team")[0].n.alerts.size(), 1u);
  EXPECT_EQ(sent("team")[0].n.alerts[0].labels.get("severity"), "critical");
  auto statuses = dispatcher_->alerts(clock_.now());
  int suppressed = 0;
  for (const auto& st : statuses) suppressed += st.suppressed();
  EXPECT_EQ(suppressed, 2);
}

TEST_F(DispatcherTest, MuteTimeInterval) {
  const Timestamp t0 = clock_.now();
  put({alert("N", {{"night", "true"}})});
  scheduler_.run_until(t0 + 10 * kMinute);
  EXPECT_TRUE(sent("team").empty());
}

TEST_F(DispatcherTest, RetriesWithBackoffAndRetryAfter) {
  const Timestamp t0 = clock_.now();
  put({alert("A")});
  auto& script = notifiers_.at("team")->script;
  script.push_back({unavailable("503"), std::nullopt});
  script.push_back({unavailable("503"), std::nullopt});
  script.push_back({unavailable("429"), 20 * kSecond});
  scheduler_.run_until(t0 + 30 * kSecond + kMinute);
  ASSERT_EQ(sent("team").size(), 4u);
  const Timestamp f = t0 + 30 * kSecond;
  EXPECT_EQ(sent("team")[1].at, f + 500);                 // initial backoff
  EXPECT_EQ(sent("team")[2].at, f + 500 + 750);           // ×1.5
  EXPECT_EQ(sent("team")[3].at, f + 1250 + 20 * kSecond);  // Retry-After wins
  // Success was logged: nothing more at the next tick.
  scheduler_.run_until(f + 5 * kMinute);
  EXPECT_EQ(sent("team").size(), 4u);
  EXPECT_TRUE(dispatcher_->dead_letters().empty());
}

TEST_F(DispatcherTest, RetriesOutliveGroupInterval) {
  const Timestamp t0 = clock_.now();
  put({alert("A")});
  auto& script = notifiers_.at("team")->script;
  for (int i = 0; i < 18; ++i) script.push_back({unavailable("down"), std::nullopt});
  scheduler_.run_until(t0 + 30 * kSecond + 9 * kMinute);
  // Backoff capped at 1m: the retries continue past the 5m group_interval, and the flush at
  // +5m30s did not start a second delivery while the first was retrying.
  ASSERT_EQ(sent("team").size(), 19u);
  EXPECT_GT(sent("team").back().at, t0 + 30 * kSecond + 5 * kMinute);
  EXPECT_TRUE(dispatcher_->dead_letters().empty());
}

TEST_F(DispatcherTest, PermanentFailureGoesToDeadLetterAndFallback) {
  const Timestamp t0 = clock_.now();
  std::vector<DeadLetter> hooked;
  dispatcher_->set_dead_letter_hook([&](const DeadLetter& d) { hooked.push_back(d); });
  put({alert("F", {{"fragile", "true"}})});
  notifiers_.at("fragile")->script.push_back({invalid_argument("400 bad request"), std::nullopt});
  scheduler_.run_until(t0 + 30 * kSecond);
  ASSERT_EQ(sent("fragile").size(), 1u);
  ASSERT_EQ(dispatcher_->dead_letters().size(), 1u);
  EXPECT_EQ(dispatcher_->dead_letters()[0].receiver, "fragile");
  EXPECT_EQ(dispatcher_->dead_letters()[0].error, "400 bad request");
  EXPECT_EQ(hooked.size(), 1u);
  ASSERT_EQ(sent("backup").size(), 1u);
  EXPECT_EQ(sent("backup")[0].n.receiver, "backup");
  EXPECT_EQ(sent("backup")[0].names(), std::vector<std::string>{"F:firing"});
  // Not logged: the next tick tries the receiver again.
  scheduler_.run_until(t0 + 30 * kSecond + 5 * kMinute);
  EXPECT_EQ(sent("fragile").size(), 2u);
}

TEST_F(DispatcherTest, RetryPolicyExhausted) {
  DispatcherOptions opts;
  opts.receiver_retry["team"] = RetryPolicy{100, 2.0, kSecond, 0.0, 3, 0};
  start(kConfig, opts);
  const Timestamp t0 = clock_.now();
  put({alert("A")});
  for (int i = 0; i < 5; ++i) notifiers_.at("team")->script.push_back({unavailable("x"), std::nullopt});
  scheduler_.run_until(t0 + kMinute);
  EXPECT_EQ(sent("team").size(), 3u);
  ASSERT_EQ(dispatcher_->dead_letters().size(), 1u);
  EXPECT_EQ(dispatcher_->dead_letters()[0].attempts, 3);
}

TEST_F(DispatcherTest, InvalidAlertsRejectedValidAccepted) {
  Alert bad = alert("B");
  bad.ends_at = bad.starts_at - 1;
  auto st = dispatcher_->put_alerts({alert("Good"), bad}, clock_.now());
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("alertname=\"B\""), std::string::npos);
  EXPECT_NE(st.error().message.find("start time must be before end time"), std::string::npos);
  auto all = dispatcher_->alerts(clock_.now());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].alert.name(), "Good");
  EXPECT_EQ(all[0].receivers, std::vector<std::string>{"team"});
}

TEST_F(DispatcherTest, ReloadKeepsUnchangedGroups) {
  const Timestamp t0 = clock_.now();
  put({alert("A")});
  scheduler_.run_until(t0 + 30 * kSecond);
  ASSERT_EQ(sent("team").size(), 1u);
  scheduler_.run_until(t0 + 2 * kMinute);
  std::string changed = kConfig;
  changed.replace(changed.find("repeat_interval: 1h"), 19, "repeat_interval: 2h");
  auto cfg = config::load_config_from_string(changed, "am.yml");
  ASSERT_TRUE(cfg);
  ASSERT_TRUE(dispatcher_->apply_config(*cfg));
  // The group kept its schedule (next flush at +5m30s, no new group_wait) and its log entry.
  EXPECT_EQ(dispatcher_->group_count(), 1u);
  scheduler_.run_until(t0 + 30 * kSecond + 5 * kMinute);
  EXPECT_EQ(sent("team").size(), 0u);  // new notifier instance: nothing re-sent
  put({alert("A", {{"instance", "2"}})});
  scheduler_.run_until(t0 + 30 * kSecond + 10 * kMinute);
  ASSERT_EQ(sent("team").size(), 1u);
  EXPECT_EQ(sent("team")[0].at, t0 + 30 * kSecond + 10 * kMinute);
}

TEST_F(DispatcherTest, EmptyGroupsRemovedByMaintenance) {
  const Timestamp t0 = clock_.now();
  put({alert("A", {}, t0, t0 + kMinute)});
  scheduler_.run_until(t0 + 30 * kSecond);
  EXPECT_EQ(dispatcher_->group_count(), 1u);
  scheduler_.run_until(t0 + 30 * kSecond + 5 * kMinute);  // resolved notification sent
  scheduler_.run_until(t0 + 7 * kMinute);
  EXPECT_EQ(dispatcher_->group_count(), 0u);
}

// The group index keeps no hash bits here: every group lands in one slot, and each alert must
// still find its own group through the chain of same-hash groups, also after groups were removed
// and the index rebuilt.
TEST_F(DispatcherTest, GroupsSharingAnIndexHashStayApart) {
  DispatcherOptions opts;
  opts.group_index_hash_bits = 0;
  start(kConfig, opts);
  const Timestamp t0 = clock_.now();
  std::vector<Alert> batch;
  for (int name = 0; name < 10; ++name) {
    for (int inst = 0; inst < 3; ++inst) {
      const std::string n = "A" + std::to_string(name);
      // A5..A9 resolve after a minute; A0..A4 fire on.
      const Timestamp ends = name >= 5 ? t0 + kMinute : t0 + 24 * kHour;
      batch.push_back(alert(n.c_str(), {{"instance", std::to_string(inst)}}, t0, ends));
    }
  }
  put(batch);
  EXPECT_EQ(dispatcher_->group_count(), 10u);
  put(batch);  // the same alerts again: no new group
  EXPECT_EQ(dispatcher_->group_count(), 10u);
  scheduler_.run_until(t0 + 30 * kSecond);
  ASSERT_EQ(sent("team").size(), 10u);
  std::set<std::string> keys;
  for (const Sent& s : sent("team")) {
    ASSERT_EQ(s.n.alerts.size(), 3u) << s.n.group_key;
    const std::string name(s.n.alerts[0].labels.get("alertname"));
    for (const auto& a : s.n.alerts) EXPECT_EQ(a.labels.get("alertname"), name);
    EXPECT_EQ(s.n.group_key, "{}:{alertname=\"" + name + "\"}");
    keys.insert(s.n.group_key);
  }
  EXPECT_EQ(keys.size(), 10u);
  // A5..A9 resolve, are notified, and their groups go; the index is rebuilt without them.
  scheduler_.run_until(t0 + 30 * kSecond + 5 * kMinute);
  scheduler_.run_until(t0 + 7 * kMinute);
  EXPECT_EQ(dispatcher_->group_count(), 5u);
  // A firing alert of a remaining group joins it; one of a removed group makes a new group.
  put({alert("A2", {{"instance", "9"}}), alert("A7", {{"instance", "9"}})});
  EXPECT_EQ(dispatcher_->group_count(), 6u);
  auto groups = dispatcher_->groups(clock_.now());
  std::map<std::string, std::size_t> sizes;
  for (const auto& g : groups) sizes[std::string(g.labels.get("alertname"))] = g.alerts.size();
  EXPECT_EQ(sizes, (std::map<std::string, std::size_t>{
                       {"A0", 3}, {"A1", 3}, {"A2", 4}, {"A3", 3}, {"A4", 3}, {"A7", 1}}));
}

TEST_F(DispatcherTest, InflightLimitPerIntegrationQueuesTheRest) {
  DispatcherOptions opts;
  opts.max_inflight_per_integration = 2;
  start(kConfig, opts);
  notifiers_.at("team")->hold = true;
  auto queued = [&] {
    for (const auto& fam : registry_.Collect()) {
      if (fam.name == "tocsin_notifications_queued") return fam.metric.at(0).gauge.value;
    }
    return -1.0;
  };
  const Timestamp t0 = clock_.now();
  put({alert("A"), alert("B"), alert("C"), alert("D"), alert("E")});  // five groups
  scheduler_.run_until(t0 + 30 * kSecond);
  auto& team = *notifiers_.at("team");
  ASSERT_EQ(team.sent.size(), 2u);
  EXPECT_EQ(queued(), 3);
  // Each answer lets the next waiting delivery go, in flush order, with its own alerts.
  for (std::size_t i = 0; i < 5; ++i) {
    ASSERT_LT(i, team.held.size());
    team.held[i](notifiers::NotifyResult::ok());
    EXPECT_EQ(team.sent.size(), std::min<std::size_t>(i + 3, 5));
  }
  // The answered callbacks still hold their deliveries, which hold the notifier: let them go.
  team.held.clear();
  EXPECT_EQ(queued(), 0);
  std::set<std::string> names;
  for (const Sent& s : team.sent) {
    ASSERT_EQ(s.names().size(), 1u);
    names.insert(s.names()[0]);  // firing: ends_at cleared in the notification
  }
  EXPECT_EQ(names, (std::set<std::string>{"A:firing", "B:firing", "C:firing", "D:firing",
                                          "E:firing"}));
  // Every delivery was logged: nothing is sent again before repeat_interval.
  scheduler_.run_until(t0 + 30 * kSecond + 5 * kMinute);
  EXPECT_EQ(team.sent.size(), 5u);
}

TEST_F(DispatcherTest, Metrics) {
  const Timestamp t0 = clock_.now();
  Alert bad = alert("Bad");
  bad.ends_at = bad.starts_at - 1;
  (void)dispatcher_->put_alerts({alert("A"), alert("B", {}, t0, t0), bad}, t0);
  notifiers_.at("team")->script.push_back({unavailable("503"), std::nullopt});
  scheduler_.run_until(t0 + kMinute);
  std::map<std::string, double> values;  // "name{label=value,...}" → value
  for (const auto& fam : registry_.Collect()) {
    for (const auto& m : fam.metric) {
      std::string key = fam.name + "{";
      for (const auto& l : m.label) key += l.name + "=" + l.value + ",";
      key += "}";
      values[key] = fam.type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value;
    }
  }
  // Counted before validation, by ends_at as Alertmanager does: the invalid one ends in the past.
  EXPECT_EQ(values["tocsin_alerts_received_total{status=firing,}"], 1);
  EXPECT_EQ(values["tocsin_alerts_received_total{status=resolved,}"], 2);
  EXPECT_EQ(values["tocsin_alerts_invalid_total{}"], 1);
  EXPECT_EQ(values["tocsin_notification_requests_total{integration=webhook,}"], 2);
  EXPECT_EQ(values["tocsin_notifications_total{integration=webhook,}"], 1);
  EXPECT_EQ(values["tocsin_notifications_failed_total{integration=webhook,reason=serverError,}"], 1);
  // B's group held only a resolved, never-announced alert: emptied by its first flush, then
  // removed by maintenance.
  EXPECT_EQ(values["tocsin_aggregation_groups{}"], 1);
  EXPECT_TRUE(values.count("tocsin_alerts_inhibited{}"));
}

// Reads one sample of the registry: "name" with the given label pairs, or -1.
double metric(prometheus::Registry& r, const std::string& name,
              const std::map<std::string, std::string>& labels = {}) {
  for (const auto& fam : r.Collect()) {
    if (fam.name != name) continue;
    for (const auto& m : fam.metric) {
      std::map<std::string, std::string> got;
      for (const auto& l : m.label) got[l.name] = l.value;
      if (got != labels) continue;
      return fam.type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value;
    }
  }
  return -1;
}

TEST_F(DispatcherTest, AlertLimitRefusesNewAlertsKeepsStoredOnesAndCounts) {
  DispatcherOptions opts;
  opts.alerts_limit = 2;
  start(kConfig, opts);
  put({alert("A"), alert("B")});
  Alert a2 = alert("A");
  a2.annotations["summary"] = "updated";
  auto st = dispatcher_->put_alerts({alert("C"), a2, alert("D")}, clock_.now());
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kResourceExhausted);
  const std::string& msg = st.error().message;
  EXPECT_EQ(msg.rfind("alert limit reached: 2 of 3 alerts refused (--alerts.limit=2; alerts "
                      "already stored are still updated), first: ",
                      0),
            0u)
      << msg;
  EXPECT_NE(msg.find("alertname=\"C\""), std::string::npos) << msg;
  // The update of a stored alert went through; nothing stored was dropped.
  auto all = dispatcher_->alerts(clock_.now());
  ASSERT_EQ(all.size(), 2u);
  for (const auto& s : all) {
    if (s.alert.name() == "A") {
      EXPECT_EQ(s.alert.annotations.at("summary"), "updated");
    }
  }
  EXPECT_EQ(metric(registry_, "tocsin_alerts_limited_total"), 2);
  // The rules' sink cannot return the error: it logs it, and the metric counts it.
  dispatcher_->put({alert("E")}, clock_.now());
  EXPECT_EQ(metric(registry_, "tocsin_alerts_limited_total"), 3);
  EXPECT_EQ(dispatcher_->alerts(clock_.now()).size(), 2u);
}

TEST_F(DispatcherTest, QueueLimitDefersToTheGroupsNextFlush) {
  DispatcherOptions opts;
  opts.max_inflight_per_integration = 1;
  opts.queue_limit_per_integration = 1;
  start(kConfig, opts);
  auto& team = *notifiers_.at("team");
  team.hold = true;
  const Timestamp t0 = clock_.now();
  put({alert("A"), alert("B"), alert("C")});  // three groups flushing together
  scheduler_.run_until(t0 + 30 * kSecond);
  ASSERT_EQ(team.sent.size(), 1u);  // one in flight, one queued, one deferred
  EXPECT_EQ(metric(registry_, "tocsin_notifications_queued"), 1);
  EXPECT_EQ(metric(registry_, "tocsin_notifications_deferred_total", {{"integration", "webhook"}}),
            1);
  team.held[0](notifiers::NotifyResult::ok());
  ASSERT_EQ(team.sent.size(), 2u);
  team.held[1](notifiers::NotifyResult::ok());
  EXPECT_EQ(metric(registry_, "tocsin_notifications_queued"), 0);
  // The deferred group was not logged: its next flush (group_interval later) sends it.
  team.hold = false;
  scheduler_.run_until(t0 + 30 * kSecond + 5 * kMinute);
  ASSERT_EQ(team.sent.size(), 3u);
  std::set<std::string> names;
  for (const Sent& s : team.sent) names.insert(s.names().at(0));
  EXPECT_EQ(names, (std::set<std::string>{"A:firing", "B:firing", "C:firing"}));
  team.held.clear();
}

TEST_F(DispatcherTest, FallbackDeliveriesAreCoalescedPerGroup) {
  auto& fragile = *notifiers_.at("fragile");
  auto& backup = *notifiers_.at("backup");
  backup.hold = true;
  const Timestamp t0 = clock_.now();
  put({alert("F", {{"fragile", "true"}})});
  for (int i = 0; i < 3; ++i) {
    fragile.script.push_back({invalid_argument("400 bad request"), std::nullopt});
  }
  scheduler_.run_until(t0 + 30 * kSecond);
  ASSERT_EQ(backup.sent.size(), 1u);  // in flight, held
  // The group grows; its next flushes fail again: the waiting fallback is updated, not copied.
  put({alert("F", {{"fragile", "true"}, {"instance", "2"}})});
  scheduler_.run_until(t0 + 30 * kSecond + 10 * kMinute);
  EXPECT_EQ(fragile.sent.size(), 3u);
  EXPECT_EQ(dispatcher_->dead_letters().size(), 3u);
  EXPECT_EQ(backup.sent.size(), 1u);
  // The held attempt fails (retryable): the retry carries the group's newest state.
  backup.hold = false;
  backup.held[0](notifiers::NotifyResult{unavailable("503"), std::nullopt});
  scheduler_.run_until(clock_.now() + kMinute);
  ASSERT_EQ(backup.sent.size(), 2u);
  EXPECT_EQ(backup.sent[1].names(), (std::vector<std::string>{"F:firing", "F:firing"}));
  backup.held.clear();
}

TEST(RetryBackoff, GrowsCapsAndJitters) {
  RetryPolicy p;
  EXPECT_EQ(retry_backoff(p, 1, 0.5), 500);
  EXPECT_EQ(retry_backoff(p, 2, 0.5), 750);
  EXPECT_EQ(retry_backoff(p, 30, 0.5), kMinute);
  EXPECT_EQ(retry_backoff(p, 1, 0.0), 250);
  EXPECT_EQ(retry_backoff(p, 1, 0.999999), 749);
}

}  // namespace
}  // namespace tocsin::dispatch
