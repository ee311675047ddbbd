#include "engine/dispatch/silence.h"

#include <gtest/gtest.h>

#include <prometheus/registry.h>
#include <regex>

#include "parser/matchers/parse.h"

namespace tocsin::dispatch {
namespace {

Silence make(const char* matchers, Timestamp start, Timestamp end, std::string id = "") {
  Silence s;
  s.id = std::move(id);
  s.matchers = *matchers::parse_matchers(matchers);
  s.starts_at = start;
  s.ends_at = end;
  s.created_by = "me";
  s.comment = "c";
  return s;
}

std::function<std::string()> sequence() {
  auto n = std::make_shared<int>(0);
  return [n] { return "id" + std::to_string(++*n); };
}

TEST(SilenceState, Table) {
  Silence s = make("a=b", 100, 200);
  struct Case {
    Timestamp now;
    SilenceState want;
  } cases[] = {{0, SilenceState::kPending},   {99, SilenceState::kPending},
               {100, SilenceState::kActive},  {199, SilenceState::kActive},
               {200, SilenceState::kExpired}, {1000, SilenceState::kExpired}};
  for (const auto& c : cases) EXPECT_EQ(silence_state(s, c.now), c.want) << c.now;
}

TEST(ValidateSilence, Table) {
  struct Case {
    Silence s;
    const char* error;
  } cases[] = {
      {make("a=b", 1, 2, "x"), ""},
      {make("a=b", 1, 2, ""), "ID missing"},
      {make("", 1, 2, "x"), "at least one matcher required"},
      {make("a=\"\"", 1, 2, "x"), "must not match the empty string"},
      {make("a=~\".*\",b!=c", 1, 2, "x"), "must not match the empty string"},
      {make("a=b", 0, 2, "x"), "zero start"},
      {make("a=b", 1, 0, "x"), "zero end"},
      {make("a=b", 3, 2, "x"), "end time must not be before start time"},
  };
  for (const auto& c : cases) {
    auto st = validate_silence(c.s);
    if (*c.error == 0) {
      EXPECT_TRUE(st.has_value());
    } else {
      ASSERT_FALSE(st.has_value()) << c.error;
      EXPECT_NE(st.error().message.find(c.error), std::string::npos) << st.error().message;
    }
  }
}

TEST(CanUpdate, Table) {
  const Timestamp now = 1000;
  Silence active = make("a=b", 500, 2000, "x");
  Silence pending = make("a=b", 1500, 2000, "x");
  Silence expired = make("a=b", 100, 200, "x");
  struct Case {
    const char* name;
    const Silence& prev;
    Silence next;
    bool want;
  } cases[] = {
      {"active: extend end", active, make("a=b", 500, 3000), true},
      {"active: shorten end to now", active, make("a=b", 500, 1000), true},
      {"active: end in the past", active, make("a=b", 500, 900), false},
      {"active: move start", active, make("a=b", 600, 2000), false},
      {"active: change matchers", active, make("a=c", 500, 2000), false},
      {"pending: move start later", pending, make("a=b", 1800, 2000), true},
      {"pending: start in the past", pending, make("a=b", 900, 2000), false},
      {"expired: never", expired, make("a=b", 100, 5000), false},
  };
  for (const auto& c : cases) EXPECT_EQ(can_update(c.prev, c.next, now), c.want) << c.name;
}

TEST(Silences, CreateUpdateReplaceExpire) {
  prometheus::Registry registry;
  Silences store({}, &registry, sequence());
  auto id = store.set(make("a=b", 100, 2000), 500);
  ASSERT_TRUE(id);
  EXPECT_EQ(*id, "id1");
  // Start in the past moved to now.
  EXPECT_EQ(store.get("id1")->starts_at, 500);
  EXPECT_EQ(store.get("id1")->updated_at, 500);

  // Extending an active silence updates it in place.
  auto upd = store.set(make("a=b", 500, 3000, "id1"), 600);
  ASSERT_TRUE(upd);
  EXPECT_EQ(*upd, "id1");
  EXPECT_EQ(store.get("id1")->ends_at, 3000);

  // Changing the matchers expires the old one and creates a new one.
  auto repl = store.set(make("a=c", 500, 3000, "id1"), 700);
  ASSERT_TRUE(repl);
  EXPECT_EQ(*repl, "id2");
  EXPECT_EQ(silence_state(*store.get("id1"), 700), SilenceState::kExpired);
  EXPECT_EQ(store.get("id1")->ends_at, 700);
  EXPECT_EQ(store.get("id2")->starts_at, 700);

  // Unknown id.
  auto nf = store.set(make("a=b", 500, 3000, "nope"), 700);
  ASSERT_FALSE(nf);
  EXPECT_EQ(nf.error().code, ErrorCode::kNotFound);

  // Expire: active → ends now; again → error.
  ASSERT_TRUE(store.expire("id2", 800));
  EXPECT_EQ(store.get("id2")->ends_at, 800);
  auto again = store.expire("id2", 900);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("already expired"), std::string::npos);
  EXPECT_EQ(store.expire("zzz", 900).error().code, ErrorCode::kNotFound);

  // Pending silence expired: both ends set to now.
  auto p = store.set(make("x=y", 5000, 6000), 900);
  ASSERT_TRUE(p);
  ASSERT_TRUE(store.expire(*p, 1000));
  EXPECT_EQ(store.get(*p)->starts_at, 1000);
  EXPECT_EQ(store.get(*p)->ends_at, 1000);

  // An invalid update does not expire the old silence.
  auto q = store.set(make("k=v", 1000, 9000), 1000);
  ASSERT_TRUE(q);
  auto bad = store.set(make("k=\"\"", 1000, 9000, *q), 1100);
  ASSERT_FALSE(bad);
  EXPECT_EQ(silence_state(*store.get(*q), 1100), SilenceState::kActive);
}

TEST(Silences, MutesOnlyWhileActive) {
  Silences store({}, nullptr, sequence());
  ASSERT_TRUE(store.set(make("severity=~\"warn|info\"", 100, 200), 50));
  ASSERT_TRUE(store.set(make("team=a", 50, 300), 50));
  Labels l = {{"severity", "warn"}, {"team", "a"}};
  EXPECT_EQ(store.mutes(l, 60), std::vector<std::string>{"id2"});
  EXPECT_EQ(store.mutes(l, 150), (std::vector<std::string>{"id1", "id2"}));
  EXPECT_EQ(store.mutes(l, 250), std::vector<std::string>{"id2"});
  EXPECT_TRUE(store.mutes(l, 300).empty());
  EXPECT_TRUE(store.mutes(Labels{{"severity", "crit"}}, 150).empty());
  Silencer silencer(store);
  EXPECT_EQ(silencer.mutes(l, 150).size(), 2u);
}

TEST(Silences, GcAfterRetention) {
  Silences store({.retention = 1000}, nullptr, sequence());
  ASSERT_TRUE(store.set(make("a=b", 100, 200), 100));
  EXPECT_EQ(store.gc(1199), 0u);
  EXPECT_EQ(store.gc(1200), 1u);
  EXPECT_EQ(store.get("id1"), nullptr);
}

TEST(Silences, SnapshotRoundTrip) {
  Silences store({}, nullptr, sequence());
  ASSERT_TRUE(store.set(make("a=b,c!~\"x|y\"", 100, 200), 100));
  ASSERT_TRUE(store.set(make("d=e", 300, 400), 100));
  std::string snap = store.snapshot();
  Silences loaded({}, nullptr, sequence());
  ASSERT_TRUE(loaded.load(snap));
  ASSERT_EQ(loaded.list().size(), 2u);
  const Silence* s = loaded.get("id1");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->matchers, store.get("id1")->matchers);
  EXPECT_EQ(s->ends_at, 200);
  EXPECT_EQ(s->created_by, "me");
  EXPECT_EQ(loaded.snapshot(), snap);
  EXPECT_FALSE(loaded.load("{not json"));
  EXPECT_EQ(loaded.list().size(), 2u);  // a failed load keeps the content
}

double rejected(prometheus::Registry& r, const std::string& reason) {
  for (const auto& fam : r.Collect()) {
    if (fam.name != "tocsin_silences_rejected_total") continue;
    for (const auto& m : fam.metric) {
      if (m.label.at(0).value == reason) return m.counter.value;
    }
  }
  return -1;
}

TEST(SilenceLimits, MaxSilencesCountsExpiredOnesUntilGc) {
  // As Alertmanager's --silences.max-silences: every stored silence counts, expired ones
  // included until gc() drops them; updates in place need no room.
  prometheus::Registry registry;
  Silences store({.retention = 1000, .max_silences = 2}, &registry, sequence());
  ASSERT_TRUE(store.set(make("a=b", 100, 5000), 100));
  ASSERT_TRUE(store.set(make("c=d", 100, 5000), 100));
  auto third = store.set(make("e=f", 100, 5000), 200);
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(third.error().message, "exceeded maximum number of silences: 2 (limit: 2)");
  EXPECT_TRUE(store.set(make("a=b", 100, 6000, "id1"), 300));  // extended in place
  // Replacing (new matchers) needs room for the new one: refused, the old one stays active.
  auto repl = store.set(make("a=x", 100, 6000, "id1"), 300);
  ASSERT_FALSE(repl);
  EXPECT_EQ(silence_state(*store.get("id1"), 300), SilenceState::kActive);
  ASSERT_TRUE(store.expire("id1", 400));
  EXPECT_FALSE(store.set(make("e=f", 400, 5000), 400));  // the expired one still counts
  EXPECT_EQ(store.gc(1400), 1u);
  EXPECT_TRUE(store.set(make("e=f", 1400, 5000), 1400));
  EXPECT_EQ(rejected(registry, "max_silences"), 3);
  EXPECT_EQ(rejected(registry, "max_size"), 0);
}

TEST(SilenceLimits, SizeIsTheProtobufEncodingAlertmanagerStores) {
  Silence s = make("a=b", 1000, 2000, "id1");
  s.updated_at = 500;
  // id 5 + matcher 8 + starts 4 + ends 4 + updated (nanos only) 8 + created_by 4 + comment 3 =
  // 36, framed: 38; expires_at (ends + retention, 2 s): 4.
  EXPECT_EQ(silence_size_bytes(s, 0), 42u);
  s.comment = std::string(300, 'c');  // a two-byte length
  EXPECT_EQ(silence_size_bytes(s, 0), 42u - 3 + 303 + 1);
  s.matchers = *matchers::parse_matchers("a=~\"b\"");  // REGEXP: the type is written
  EXPECT_EQ(silence_size_bytes(s, 0), 42u - 3 + 303 + 1 + 2);
}

TEST(SilenceLimits, MaxSilenceSizeBytes) {
  prometheus::Registry registry;
  Silences store({.max_silence_size_bytes = 4096}, &registry, sequence());
  Silence big = make("a=b", 100, 5000);
  big.comment = std::string(5000, 'x');
  auto r = store.set(big, 100);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kResourceExhausted);
  std::smatch m;
  const std::regex want(R"(silence exceeded maximum size: (\d+) bytes \(limit: 4096 bytes\))");
  ASSERT_TRUE(std::regex_match(r.error().message, m, want)) << r.error().message;
  EXPECT_GT(std::stoi(m[1]), 5000);
  EXPECT_TRUE(store.list().empty());
  // An in-place update that grows past the limit is refused too; the silence stays as it was.
  auto id = store.set(make("a=b", 100, 5000), 100);
  ASSERT_TRUE(id);
  Silence grown = make("a=b", 100, 6000, *id);
  grown.comment = std::string(5000, 'y');
  EXPECT_FALSE(store.set(grown, 200));
  EXPECT_EQ(store.get(*id)->comment, "c");
  EXPECT_EQ(store.get(*id)->ends_at, 5000);
  EXPECT_EQ(rejected(registry, "max_size"), 2);
}

TEST(Uuid, Version4Format) {
  std::regex re("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::string a = new_uuid_v4(), b = new_uuid_v4();
  EXPECT_TRUE(std::regex_match(a, re)) << a;
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace tocsin::dispatch
