#include "engine/dispatch/nflog.h"

#include <gtest/gtest.h>

#include <prometheus/registry.h>

#include "engine/common/state_file.h"
#include "tests/support/subprocess.h"

namespace tocsin::dispatch {
namespace {

TEST(NeedsUpdate, Table) {
  const Duration repeat = 4 * kHour;
  const Timestamp now = 10 * kHour;
  NflogEntry sent{{1, 2}, {3}, now - kHour, 0};
  NflogEntry nothing_firing{{}, {1}, now - kHour, 0};
  NflogEntry old{{1, 2}, {}, now - repeat - 1, 0};
  NflogEntry exactly_repeat{{1, 2}, {}, now - repeat, 0};
  struct Case {
    const char* name;
    const NflogEntry* entry;
    FingerprintSet firing, resolved;
    bool send_resolved;
    NotifyReason want;
  } cases[] = {
      {"first, firing", nullptr, {1}, {}, true, NotifyReason::kFirstFiring},
      {"first, only resolved", nullptr, {}, {1}, true, NotifyReason::kNone},
      {"same firing", &sent, {1, 2}, {3}, true, NotifyReason::kNone},
      {"subset firing", &sent, {1}, {3}, false, NotifyReason::kNone},
      {"new firing", &sent, {1, 2, 4}, {3}, false, NotifyReason::kNewFiring},
      {"all resolved", &sent, {}, {1, 2}, false, NotifyReason::kAllResolved},
      {"all resolved, nothing was firing", &nothing_firing, {}, {1, 2}, true, NotifyReason::kNone},
      {"new resolved with send_resolved", &sent, {1}, {2, 3}, true, NotifyReason::kNewResolved},
      {"new resolved without send_resolved", &sent, {1}, {2, 3}, false, NotifyReason::kNone},
      {"repeat interval passed", &old, {1, 2}, {}, true, NotifyReason::kRepeatInterval},
      {"repeat interval exactly", &exactly_repeat, {1, 2}, {}, true, NotifyReason::kNone},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(needs_update(c.entry, c.firing, c.resolved, c.send_resolved, repeat, now), c.want)
        << c.name;
  }
}

TEST(NotificationLog, LogQueryGcSnapshot) {
  prometheus::Registry registry;
  NotificationLog log(kHour, &registry);
  ReceiverKey rk{"team", "webhook", 0};
  EXPECT_EQ(log.query(rk, "g"), nullptr);
  log.log(rk, "g", {1, 2}, {3}, 100);
  log.log({"team", "webhook", 1}, "g", {5}, {}, 200);
  const NflogEntry* e = log.query(rk, "g");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->firing, (FingerprintSet{1, 2}));
  EXPECT_EQ(e->timestamp, 100);
  EXPECT_EQ(log.size(), 2u);

  testing::TempDir dir;
  const std::string path = dir.path() + "/nflog.json";
  ASSERT_TRUE(write_file_atomic(path, log.snapshot()));
  auto text = read_state_file(path);
  ASSERT_TRUE(text);
  NotificationLog loaded(kHour);
  ASSERT_TRUE(loaded.load(*text));
  ASSERT_NE(loaded.query(rk, "g"), nullptr);
  EXPECT_EQ(loaded.query(rk, "g")->resolved, (FingerprintSet{3}));
  EXPECT_EQ(read_state_file(dir.path() + "/missing").error().code, ErrorCode::kNotFound);

  EXPECT_EQ(log.gc(100 + kHour), 1u);
  EXPECT_EQ(log.query(rk, "g"), nullptr);
  EXPECT_EQ(log.size(), 1u);
}

}  // namespace
}  // namespace tocsin::dispatch
