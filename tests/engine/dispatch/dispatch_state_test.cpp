// The dispatcher's state across a restart: a snapshot taken by one Dispatcher is restored into
// a new one (new scheduler and notifiers, the notification log reloaded from its snapshot), as
// the app does with dispatch.state and nflog.json. Time is stepped with a FakeClock.
#include <gtest/gtest.h>

#include <map>
#include <prometheus/registry.h>

#include "engine/config/load.h"
#include "engine/dispatch/dispatch_snapshot.h"
#include "engine/dispatch/dispatcher.h"

namespace tocsin::dispatch {
namespace {

class Recorder final : public notifiers::Notifier {
 public:
  explicit Recorder(const Clock& clock) : clock_(clock) {}
  std::string_view integration() const override { return "webhook"; }
  bool send_resolved() const override { return true; }
  void notify(const notifiers::Notification& n,
              std::function<void(notifiers::NotifyResult)> done) override {
    std::string what;
    for (const Alert& a : n.alerts) {
      what += std::string(a.labels.get("alertname")) + (a.ends_at == 0 ? ":firing " : ":resolved ");
    }
    sent.push_back({clock_.now(), what});
    if (hold) return held.push_back(std::move(done));
    done(notifiers::NotifyResult::ok());
  }
  std::vector<std::pair<Timestamp, std::string>> sent;
  bool hold = false;
  std::vector<std::function<void(notifiers::NotifyResult)>> held;

 private:
  const Clock& clock_;
};

constexpr const char* kConfig = R"(
route:
  receiver: team
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: team
    webhook_configs: [{url: "http://127.0.0.1:1/"}]
)";

// One process lifetime: its scheduler, notification log and dispatcher.
struct Instance {
  Instance(FakeClock& clock, const std::string& yaml) : scheduler(clock) {
    auto cfg = config::load_config_from_string(yaml, "am.yml");
    EXPECT_TRUE(cfg);
    config = *cfg;
    DispatcherOptions opts;
    opts.random = [] { return 0.5; };
    auto d = Dispatcher::create(
        config, opts, scheduler,
        [this, &clock](const config::Receiver&) {
          std::vector<std::unique_ptr<notifiers::Notifier>> out;
          auto n = std::make_unique<Recorder>(clock);
          recorder = n.get();
          out.push_back(std::move(n));
          return out;
        },
        silences, nflog, registry);
    EXPECT_TRUE(d);
    dispatcher = std::move(*d);
  }
  ~Instance() {
    if (recorder) recorder->held.clear();  // the deliveries die with the process
    dispatcher.reset();
  }
  ManualScheduler scheduler;
  prometheus::Registry registry;
  Silences silences{{}, nullptr};
  NotificationLog nflog;
  config::Config config;
  Recorder* recorder = nullptr;
  std::unique_ptr<Dispatcher> dispatcher;
};

class DispatchStateTest : public ::testing::Test {
 protected:
  Alert alert(const char* name, Timestamp ends) {
    Alert a;
    a.labels = {{"alertname", name}};
    a.starts_at = clock_.now();
    a.ends_at = ends;
    return a;
  }
  // Snapshots `from` and starts a new instance from the snapshot (the old one is gone).
  std::unique_ptr<Instance> restart(std::unique_ptr<Instance> from,
                                    const std::string& yaml = kConfig) {
    const std::string state = from->dispatcher->snapshot_state(clock_.now());
    const std::string log = from->nflog.snapshot();
    from.reset();
    auto next = std::make_unique<Instance>(clock_, yaml);
    EXPECT_TRUE(next->nflog.load(log));
    auto st = next->dispatcher->restore_state(state, clock_.now());
    EXPECT_TRUE(st) << st.error().message;
    return next;
  }
  FakeClock clock_{1'700'000'000'000};
};

TEST_F(DispatchStateTest, AGroupKeepsItsFirstFlushTimeAcrossARestart) {
  auto p = std::make_unique<Instance>(clock_, kConfig);
  const Timestamp t0 = clock_.now();
  ASSERT_TRUE(p->dispatcher->put_alerts({alert("A", t0 + 24 * kHour)}, t0));
  p->scheduler.run_until(t0 + 10 * kSecond);
  clock_.set(t0 + 15 * kSecond);
  p = restart(std::move(p));
  p->scheduler.run_until(t0 + 30 * kSecond - 1);
  EXPECT_TRUE(p->recorder->sent.empty()) << "flushed early after the restart";
  p->scheduler.run_until(t0 + 30 * kSecond);
  ASSERT_EQ(p->recorder->sent.size(), 1u);
  EXPECT_EQ(p->recorder->sent[0].first, t0 + 30 * kSecond);
  EXPECT_EQ(p->recorder->sent[0].second, "A:firing ");
  // And the next flush keeps its rhythm: nothing changed, so nothing until the repeat.
  p->scheduler.run_until(t0 + 30 * kSecond + 2 * kHour);
  EXPECT_EQ(p->recorder->sent.size(), 1u);
}

TEST_F(DispatchStateTest, AResolvedNotificationIsNotLostByARestart) {
  auto p = std::make_unique<Instance>(clock_, kConfig);
  const Timestamp t0 = clock_.now();
  ASSERT_TRUE(p->dispatcher->put_alerts({alert("A", t0 + 24 * kHour), alert("B", t0 + 24 * kHour)}, t0));
  p->scheduler.run_until(t0 + 31 * kSecond);
  ASSERT_EQ(p->recorder->sent.size(), 2u);  // one group each
  Alert resolved = alert("A", t0 + kMinute);
  resolved.starts_at = t0;
  p->scheduler.run_until(t0 + kMinute);
  ASSERT_TRUE(p->dispatcher->put_alerts({resolved}, clock_.now()));
  p->scheduler.run_until(t0 + 2 * kMinute);
  p = restart(std::move(p));
  // The group's next flush is group_interval after the first one: the resolution goes out then.
  p->scheduler.run_until(t0 + 30 * kSecond + 5 * kMinute);
  ASSERT_EQ(p->recorder->sent.size(), 1u);
  EXPECT_EQ(p->recorder->sent[0].first, t0 + 30 * kSecond + 5 * kMinute);
  EXPECT_EQ(p->recorder->sent[0].second, "A:resolved ");
  // B stays firing and is not sent again before its repeat_interval.
  p->scheduler.run_until(t0 + 3 * kHour);
  EXPECT_EQ(p->recorder->sent.size(), 1u);
  EXPECT_EQ(p->dispatcher->alerts(clock_.now()).size(), 1u);
}

TEST_F(DispatchStateTest, AnUnconfirmedDeliveryIsSentAgainAtOnce) {
  auto p = std::make_unique<Instance>(clock_, kConfig);
  const Timestamp t0 = clock_.now();
  ASSERT_TRUE(p->dispatcher->put_alerts({alert("A", t0 + 24 * kHour)}, t0));
  p->recorder->hold = true;  // the receiver never answers before the crash
  p->scheduler.run_until(t0 + 40 * kSecond);
  ASSERT_EQ(p->recorder->sent.size(), 1u);
  p = restart(std::move(p));
  p->scheduler.run_until(t0 + 40 * kSecond);
  ASSERT_EQ(p->recorder->sent.size(), 1u);
  EXPECT_EQ(p->recorder->sent[0].second, "A:firing ");
  // Confirmed now: logged, so the next group_interval sends nothing.
  p->scheduler.run_until(t0 + 30 * kSecond + 5 * kMinute + 1);
  EXPECT_EQ(p->recorder->sent.size(), 1u);
}

TEST_F(DispatchStateTest, AGroupDueWhileDownFlushesOnStart) {
  auto p = std::make_unique<Instance>(clock_, kConfig);
  const Timestamp t0 = clock_.now();
  ASSERT_TRUE(p->dispatcher->put_alerts({alert("A", t0 + 24 * kHour)}, t0));
  p->scheduler.run_until(t0 + 5 * kSecond);
  const std::string state = p->dispatcher->snapshot_state(clock_.now());
  p.reset();
  clock_.set(t0 + 2 * kMinute);  // down for longer than group_wait
  p = std::make_unique<Instance>(clock_, kConfig);
  ASSERT_TRUE(p->dispatcher->restore_state(state, clock_.now()));
  p->scheduler.run_until(clock_.now());
  ASSERT_EQ(p->recorder->sent.size(), 1u);
  EXPECT_EQ(p->recorder->sent[0].first, t0 + 2 * kMinute);
}

TEST_F(DispatchStateTest, ARestartNeverResolvesAFiringAlert) {
  // As a rule manager sends them: an end a few minutes ahead, renewed while it fires.
  auto p = std::make_unique<Instance>(clock_, kConfig);
  const Timestamp t0 = clock_.now();
  ASSERT_TRUE(p->dispatcher->put_alerts({alert("A", t0 + 4 * kMinute)}, t0));
  Alert gone = alert("B", t0 + 10 * kSecond);  // resolved before the snapshot: stays resolved
  ASSERT_TRUE(p->dispatcher->put_alerts({gone}, t0));
  p->scheduler.run_until(t0 + kMinute);
  ASSERT_EQ(p->recorder->sent.size(), 1u);  // B resolved before its first flush: never sent
  const std::string state = p->dispatcher->snapshot_state(clock_.now());
  p.reset();
  clock_.set(t0 + 10 * kMinute);  // down for 9 minutes: past A's end
  p = std::make_unique<Instance>(clock_, kConfig);
  ASSERT_TRUE(p->dispatcher->restore_state(state, clock_.now()));
  auto alerts = p->dispatcher->alerts(clock_.now());
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].alert.labels.get("alertname"), "A");
  EXPECT_EQ(alerts[0].alert.ends_at, t0 + 13 * kMinute);  // the window it had left, from now
  p->scheduler.run_until(t0 + 12 * kMinute);
  for (const auto& [at, what] : p->recorder->sent) EXPECT_EQ(what.find("A:resolved"), std::string::npos);
  // Not sent again by anyone: it resolves when that window ends.
  p->scheduler.run_until(t0 + 20 * kMinute);
  ASSERT_FALSE(p->recorder->sent.empty());
  EXPECT_EQ(p->recorder->sent.back().second, "A:resolved ");
}

TEST_F(DispatchStateTest, AlertsOfARemovedRouteAreRoutedAgain) {
  // The same config with the child route: A goes to the child route's group.
  const std::string with_child = R"(
route:
  receiver: team
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  routes:
    - matchers: [alertname="A"]
      receiver: team
      group_by: [alertname, instance]
receivers:
  - name: team
    webhook_configs: [{url: "http://127.0.0.1:1/"}]
)";
  auto p = std::make_unique<Instance>(clock_, with_child);
  const Timestamp t0 = clock_.now();
  ASSERT_TRUE(p->dispatcher->put_alerts({alert("A", t0 + 24 * kHour)}, t0));
  p = restart(std::move(p), kConfig);  // the child route is gone
  auto groups = p->dispatcher->groups(clock_.now());
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].group_key, "{}:{alertname=\"A\"}");
  p->scheduler.run_until(t0 + 30 * kSecond);
  EXPECT_EQ(p->recorder->sent.size(), 1u);
}

TEST_F(DispatchStateTest, ACorruptSnapshotRestoresNothing) {
  auto p = std::make_unique<Instance>(clock_, kConfig);
  const Timestamp t0 = clock_.now();
  ASSERT_TRUE(p->dispatcher->put_alerts({alert("A", t0 + 24 * kHour), alert("B", t0 + 24 * kHour)}, t0));
  const std::string state = p->dispatcher->snapshot_state(clock_.now());
  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, state.size() / 2, state.size() - 1}) {
    Instance fresh(clock_, kConfig);
    auto st = fresh.dispatcher->restore_state(std::string_view(state).substr(0, cut), t0);
    EXPECT_FALSE(st) << "cut at " << cut;
    EXPECT_TRUE(fresh.dispatcher->alerts(t0).empty());
    EXPECT_EQ(fresh.dispatcher->group_count(), 0u);
  }
  std::string garbage = state;
  garbage[8] = '\x7f';  // after the time: an alert count larger than what follows
  Instance fresh(clock_, kConfig);
  EXPECT_FALSE(fresh.dispatcher->restore_state(garbage, t0));
}

TEST_F(DispatchStateTest, TheVersionMovesWithEveryChange) {
  Instance p(clock_, kConfig);
  const std::uint64_t v0 = p.dispatcher->state_version();
  ASSERT_TRUE(p.dispatcher->put_alerts({alert("A", clock_.now() + kHour)}, clock_.now()));
  const std::uint64_t v1 = p.dispatcher->state_version();
  EXPECT_NE(v1, v0);
  p.scheduler.advance(30 * kSecond);  // the flush and its confirmed delivery
  EXPECT_NE(p.dispatcher->state_version(), v1);
}

}  // namespace
}  // namespace tocsin::dispatch

namespace tocsin::dispatch {
namespace {

// Rules send a firing alert again every minute with a later end (and new annotations when they
// quote $value): that is a refresh, written with the next change or within
// kDispatchRefreshPersistInterval, not a change written within a second.
TEST_F(DispatchStateTest, ARepeatedFiringAlertIsARefreshAndAnyOtherUpdateIsAChange) {
  Instance p(clock_, kConfig);
  const Timestamp t0 = clock_.now();
  auto versions = [&] {
    return std::pair(p.dispatcher->state_version(), p.dispatcher->refresh_version());
  };
  auto v = versions();
  ASSERT_TRUE(p.dispatcher->put_alerts({alert("A", t0 + 4 * kMinute)}, t0));
  EXPECT_NE(versions().first, v.first) << "a new alert";
  v = versions();

  clock_.set(t0 + kMinute);
  Alert again = alert("A", clock_.now() + 4 * kMinute);
  again.starts_at = t0;
  ASSERT_TRUE(p.dispatcher->put_alerts({again}, clock_.now()));
  EXPECT_EQ(versions().first, v.first) << "sent again with a later end";
  EXPECT_NE(versions().second, v.second);
  v = versions();

  Alert same_end = again;  // the same end again (a second sender, a retry)
  ASSERT_TRUE(p.dispatcher->put_alerts({same_end}, clock_.now()));
  EXPECT_EQ(versions().first, v.first);

  // New annotations (a summary quoting $value changes with every send): Alertmanager does not
  // notify again for them, and the sender sends them again.
  Alert annotated = again;
  annotated.annotations["summary"] = "now with a summary";
  ASSERT_TRUE(p.dispatcher->put_alerts({annotated}, clock_.now()));
  EXPECT_EQ(versions().first, v.first) << "an annotation changed";
  EXPECT_NE(versions().second, v.second);
  v = versions();

  Alert earlier = annotated;
  earlier.starts_at = t0 - kMinute;
  ASSERT_TRUE(p.dispatcher->put_alerts({earlier}, clock_.now()));
  EXPECT_NE(versions().first, v.first) << "the start moved";
  v = versions();

  // A firing update with an earlier end: the merge keeps the later end (Alertmanager's
  // types.Alert.Merge), so nothing a restart needs changed.
  Alert shorter = annotated;
  shorter.ends_at = clock_.now() + kMinute;
  ASSERT_TRUE(p.dispatcher->put_alerts({shorter}, clock_.now()));
  EXPECT_EQ(versions().first, v.first) << "the stored end did not move";
  ASSERT_EQ(p.dispatcher->alerts(clock_.now()).at(0).alert.ends_at, annotated.ends_at);

  Alert resolved = annotated;
  resolved.ends_at = clock_.now();
  ASSERT_TRUE(p.dispatcher->put_alerts({resolved}, clock_.now()));
  EXPECT_NE(versions().first, v.first) << "resolved";
  v = versions();

  Alert invalid = alert("", clock_.now() + kHour);
  invalid.labels = {};
  EXPECT_FALSE(p.dispatcher->put_alerts({invalid}, clock_.now()));
  EXPECT_EQ(versions(), v) << "a refused alert changes nothing";
}

TEST_F(DispatchStateTest, AGroupsLaterFlushesAreRefreshesItsFirstIsAChange) {
  Instance p(clock_, kConfig);
  const Timestamp t0 = clock_.now();
  ASSERT_TRUE(p.dispatcher->put_alerts({alert("A", t0 + 24 * kHour)}, t0));
  auto v = std::pair(p.dispatcher->state_version(), p.dispatcher->refresh_version());
  p.scheduler.run_until(t0 + 30 * kSecond);  // the first flush, its delivery
  ASSERT_EQ(p.recorder->sent.size(), 1u);
  EXPECT_NE(p.dispatcher->state_version(), v.first);
  v = std::pair(p.dispatcher->state_version(), p.dispatcher->refresh_version());
  p.scheduler.run_until(t0 + 30 * kSecond + 5 * kMinute);  // nothing new to send
  EXPECT_EQ(p.recorder->sent.size(), 1u);
  EXPECT_EQ(p.dispatcher->state_version(), v.first);
  EXPECT_NE(p.dispatcher->refresh_version(), v.second);
}

// A state written before the latest refreshes (the process killed within the refresh interval):
// the group's next flush has passed, so it flushes at once, and the notification log keeps the
// unchanged alert from being sent again; a firing alert stays firing.
TEST_F(DispatchStateTest, AStateMissingTheLatestRefreshesSendsNothingTwice) {
  auto p = std::make_unique<Instance>(clock_, kConfig);
  const Timestamp t0 = clock_.now();
  ASSERT_TRUE(p->dispatcher->put_alerts({alert("A", t0 + 4 * kMinute)}, t0));
  p->scheduler.run_until(t0 + 31 * kSecond);
  ASSERT_EQ(p->recorder->sent.size(), 1u);
  const std::string state = p->dispatcher->snapshot_state(clock_.now());
  const auto written = std::pair(p->dispatcher->state_version(), p->dispatcher->refresh_version());
  // Five minutes of refreshes: the alert sent again each minute, one more flush.
  for (int m = 1; m <= 5; ++m) {
    p->scheduler.run_until(t0 + m * kMinute);
    Alert again = alert("A", clock_.now() + 4 * kMinute);
    again.starts_at = t0;
    ASSERT_TRUE(p->dispatcher->put_alerts({again}, clock_.now()));
  }
  p->scheduler.run_until(t0 + 5 * kMinute + 40 * kSecond);
  EXPECT_EQ(p->recorder->sent.size(), 1u);
  EXPECT_EQ(p->dispatcher->state_version(), written.first) << "only refreshes since the write";
  const std::string log = p->nflog.snapshot();
  p.reset();  // killed: the state on disk is the one written at 31 s

  auto next = std::make_unique<Instance>(clock_, kConfig);
  ASSERT_TRUE(next->nflog.load(log));
  ASSERT_TRUE(next->dispatcher->restore_state(state, clock_.now()));
  const Timestamp restarted = clock_.now();
  next->scheduler.run_until(restarted + kMinute);  // the flush at once, then a quiet minute
  EXPECT_TRUE(next->recorder->sent.empty()) << next->recorder->sent[0].second;
  const auto alerts = next->dispatcher->alerts(clock_.now());
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_GT(alerts[0].alert.ends_at, clock_.now() + kMinute) << "still firing, minutes ahead";
}

// The body's alert table: the store's alerts, then those only a group holds (an older version of
// a stored alert, one the store no longer has). Decoding shares one object wherever the snapshot
// shared one, and encoding the decoded snapshot gives the same bytes.
TEST(DispatchSnapshotCodec, GroupOnlyAlertsAndSharedObjectsRoundTrip) {
  auto make = [](const char* name, Timestamp updated) {
    Alert a;
    a.labels = Labels{{"alertname", name}};
    a.annotations = {{"summary", std::string(name) + "@" + std::to_string(updated)}};
    a.starts_at = 1000;
    a.ends_at = 1'000'000;
    a.updated_at = updated;
    return StoredAlert::make(a);
  };
  const SharedAlert a = make("A", 10), b = make("B", 10), b_old = make("B", 5), c = make("C", 7);
  DispatchSnapshot s;
  s.taken_at = 2000;
  s.store = {a, b};
  s.groups.push_back({"0", Labels{{"g", "1"}}, true, 5000, false, {a, c, b_old}});
  s.groups.push_back({"0", Labels{{"g", "2"}}, false, 6000, true, {b, c}});
  const std::string body = s.encode();
  auto d = DispatchSnapshot::decode(body, 2000);
  ASSERT_TRUE(d) << d.error().message;
  ASSERT_EQ(d->store.size(), 2u);
  ASSERT_EQ(d->groups.size(), 2u);
  auto summary = [](const SharedAlert& x) { return x->alert().annotations.at("summary"); };
  EXPECT_EQ(summary(d->store[0]), "A@10");
  EXPECT_EQ(summary(d->store[1]), "B@10");
  const auto& g1 = d->groups[0].alerts;
  const auto& g2 = d->groups[1].alerts;
  ASSERT_EQ(g1.size(), 3u);
  ASSERT_EQ(g2.size(), 2u);
  EXPECT_EQ(summary(g1[0]), "A@10");
  EXPECT_EQ(summary(g1[1]), "C@7");
  EXPECT_EQ(summary(g1[2]), "B@5");
  EXPECT_EQ(summary(g2[0]), "B@10");
  EXPECT_EQ(g1[0].get(), d->store[0].get());  // one object, as before
  EXPECT_EQ(g2[0].get(), d->store[1].get());
  EXPECT_EQ(g1[1].get(), g2[1].get());        // C: held by both groups, not by the store
  EXPECT_NE(g1[2].get(), d->store[1].get());  // the older B stays its own object
  EXPECT_EQ(d->groups[0].labels, (Labels{{"g", "1"}}));
  EXPECT_TRUE(d->groups[0].has_flushed);
  EXPECT_EQ(d->groups[1].next_flush, 6000);
  EXPECT_TRUE(d->groups[1].unconfirmed);
  EXPECT_EQ(d->encode(), body);
}

TEST(DispatchStateDue, ChangesAtOnceRefreshesEveryIntervalAndAtShutdown) {
  const DispatchStateMarks w{10, 20, 1'000'000};
  EXPECT_FALSE(dispatch_state_due(10, 20, w, w.written_at + 1, false));
  EXPECT_FALSE(dispatch_state_due(10, 20, w, w.written_at + 1, true)) << "nothing to write";
  EXPECT_TRUE(dispatch_state_due(11, 20, w, w.written_at + 1, false));
  EXPECT_FALSE(dispatch_state_due(10, 21, w, w.written_at + kDispatchRefreshPersistInterval - 1,
                                  false));
  EXPECT_TRUE(dispatch_state_due(10, 21, w, w.written_at + kDispatchRefreshPersistInterval, false));
  EXPECT_TRUE(dispatch_state_due(10, 21, w, w.written_at + 1, true));
}

}  // namespace
}  // namespace tocsin::dispatch
