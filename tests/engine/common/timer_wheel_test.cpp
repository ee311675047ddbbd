#include "engine/common/timer_wheel.h"
#include "engine/common/job_scheduler.h"

#include <map>
#include <set>

#include <gtest/gtest.h>

#include "engine/common/hash.h"

namespace tocsin {
namespace {

constexpr Duration kInterval = 15 * kSecond;

TEST(FirstDue, IsPhaseAlignedOnAbsoluteTime) {
  const Duration offset = static_cast<Duration>(fnv1a("job/a") % kInterval);
  // Whatever time the job is added at, it lands on the same phase within the interval.
  for (Timestamp now : {Timestamp{0}, Timestamp{1'700'000'000'123}, Timestamp{1'700'000'007'777},
                        Timestamp{1'700'000'014'999}}) {
    Timestamp t = first_due("job/a", kInterval, now);
    EXPECT_GE(t, now);
    EXPECT_LT(t, now + kInterval);
    EXPECT_EQ(t % kInterval, offset) << now;
  }
  // Exactly at the phase: due now.
  Timestamp at = 1'700'000'010'000 - 1'700'000'010'000 % kInterval + offset;
  EXPECT_EQ(first_due("job/a", kInterval, at), at);
}

TEST(FirstDue, DifferentKeysSpreadOverTheInterval) {
  std::set<Duration> offsets;
  for (int i = 0; i < 100; ++i) {
    offsets.insert(first_due("target-" + std::to_string(i), kInterval, 0) % kInterval);
  }
  EXPECT_GT(offsets.size(), 90u);  // not all at the same instant
  EXPECT_GT(*offsets.rbegin() - *offsets.begin(), kInterval / 2);
}

TEST(TimerWheel, RunsEveryIntervalOnItsPhase) {
  TimerWheel w;
  const Timestamp start = 1'700'000'000'000;
  JobId id = w.add("k", kInterval, start);
  const Timestamp first = first_due("k", kInterval, start);
  ASSERT_EQ(w.next_due(), first);
  EXPECT_TRUE(w.advance(first - 1).empty());
  std::vector<Timestamp> runs;
  for (Timestamp now = start; now < start + 5 * kInterval; now += 7) {
    for (const DueJob& d : w.advance(now)) {
      EXPECT_EQ(d.id, id);
      EXPECT_LE(d.due, now);
      EXPECT_LT(now - d.due, 7);  // handed out at the first advance past its due time
      runs.push_back(d.due);
      w.finished(id);
    }
  }
  ASSERT_EQ(runs.size(), 5u);
  for (size_t i = 0; i < runs.size(); ++i) EXPECT_EQ(runs[i], first + Timestamp(i) * kInterval);
  EXPECT_EQ(w.stats(id).runs, 5u);
  EXPECT_EQ(w.stats(id).skipped_busy, 0u);
  EXPECT_EQ(w.stats(id).skipped_late, 0u);
}

TEST(TimerWheel, BusyJobIsNotStartedTwice) {
  TimerWheel w;
  JobId id = w.add("k", kInterval, 0);
  Timestamp t = *w.next_due();
  ASSERT_EQ(w.advance(t).size(), 1u);
  EXPECT_TRUE(w.running(id));
  // Still running at its next two turns: both skipped.
  EXPECT_TRUE(w.advance(t + kInterval).empty());
  EXPECT_TRUE(w.advance(t + 2 * kInterval).empty());
  EXPECT_EQ(w.stats(id).skipped_busy, 2u);
  w.finished(id);
  auto due = w.advance(t + 3 * kInterval);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].due, t + 3 * kInterval);
  EXPECT_EQ(w.stats(id).runs, 2u);
}

TEST(TimerWheel, ClockJumpRunsOnceAndCountsTheMissedTurns) {
  TimerWheel w;
  JobId id = w.add("k", kInterval, 0);
  Timestamp t = *w.next_due();
  ASSERT_EQ(w.advance(t).size(), 1u);
  w.finished(id);
  // The process was suspended for 100 intervals and a bit.
  const Timestamp later = t + 100 * kInterval + 5;
  auto due = w.advance(later);
  ASSERT_EQ(due.size(), 1u);  // once, not 100 times
  w.finished(id);
  EXPECT_EQ(w.stats(id).skipped_late, 99u);
  EXPECT_TRUE(w.advance(later + 1).empty());
  // And it is back on its phase.
  EXPECT_EQ(w.due(id), t + 101 * kInterval);
  EXPECT_EQ(w.advance(t + 101 * kInterval).size(), 1u);
}

TEST(TimerWheel, IntervalsLongerThanARotation) {
  TimerWheel w(/*tick=*/10, /*slots=*/16);  // one rotation is 160 ms
  JobId id = w.add("slow", kHour, 0);
  JobId fast = w.add("fast", 100, 0);
  std::map<JobId, int> runs;
  for (Timestamp now = 0; now <= 2 * kHour; now += 10) {
    for (auto& d : w.advance(now)) {
      ++runs[d.id];
      w.finished(d.id);
    }
  }
  EXPECT_EQ(runs[id], 2);
  EXPECT_EQ(runs[fast], 2 * kHour / 100);
}

TEST(TimerWheel, ManyJobsEachRunOncePerInterval) {
  TimerWheel w(/*tick=*/10, /*slots=*/64);
  std::vector<JobId> ids;
  for (int i = 0; i < 500; ++i) ids.push_back(w.add("t" + std::to_string(i), kInterval, 0));
  std::map<JobId, int> runs;
  Timestamp now = 0;
  for (;;) {
    auto next = w.next_due();
    ASSERT_TRUE(next);
    ASSERT_GE(*next, now);
    if (*next >= 10 * kInterval) break;
    now = *next;  // as the driver does: wake exactly at the next due time
    auto due = w.advance(now);
    ASSERT_FALSE(due.empty()) << "woke at " << now << " for nothing";
    for (auto& d : due) {
      EXPECT_EQ(d.due, now);
      ++runs[d.id];
      w.finished(d.id);
    }
  }
  for (JobId id : ids) EXPECT_EQ(runs[id], 10) << id;
}

TEST(TimerWheel, RemoveStopsAJobEvenWhileRunning) {
  TimerWheel w;
  JobId a = w.add("a", 1000, 0);
  JobId b = w.add("b", 1000, 0);
  auto due = w.advance(2000);
  EXPECT_EQ(due.size(), 2u);
  w.remove(a);
  w.finished(a);  // the run that was in flight ends after removal: ignored
  w.finished(b);
  EXPECT_FALSE(w.contains(a));
  due = w.advance(3000);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].id, b);
  w.remove(b);
  EXPECT_EQ(w.next_due(), std::nullopt);
}

TEST(TimerWheel, TimeGoingBackwardsRunsNothing) {
  TimerWheel w;
  w.add("a", 1000, 10'000);
  ASSERT_EQ(w.advance(12'000).size(), 1u);
  EXPECT_TRUE(w.advance(5'000).empty());
}

// The stepped driver: turns come only from advance(now); a callback may remove jobs, including
// its own and ones due later in the same batch.
TEST(ManualScheduler, RunsDueJobsWhenAdvancedAndHonoursRemoval) {
  FakeClock clock(1000);
  ManualScheduler s(clock);
  std::vector<std::pair<std::string, Timestamp>> runs;
  JobId b = 0;
  JobId a = s.add("a", 100, [&](JobId id, Timestamp due) {
    runs.emplace_back("a", due);
    s.finished(id);
    if (due >= 1300) s.remove(b);
  });
  b = s.add("b", 100, [&](JobId id, Timestamp due) {
    runs.emplace_back("b", due);
    s.finished(id);
  });
  ASSERT_TRUE(s.next_due());
  EXPECT_GE(*s.next_due(), 1000);
  EXPECT_LT(*s.next_due(), 1100);
  EXPECT_TRUE(runs.empty());  // nothing runs before advance()
  for (Timestamp t = 1000; t <= 1500; t += 10) s.advance(t);
  int a_runs = 0, b_runs = 0;
  for (const auto& [name, due] : runs) (name == "a" ? a_runs : b_runs) += 1;
  EXPECT_GE(a_runs, 5);  // one turn per 100 ms in [1000, 1500]
  EXPECT_LE(a_runs, 6);
  EXPECT_GE(b_runs, 2);
  EXPECT_LE(b_runs, 4);
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(s.stats(a).runs, static_cast<std::uint64_t>(a_runs));
  s.remove(a);
  EXPECT_FALSE(s.next_due());
}

// The Asio driver against the real clock: bounded run of the loop, no sleeps.
TEST(WheelScheduler, FiresJobsFromTheLoopAndSkipsBusyTurns) {
  boost::asio::io_context io;
  SystemClock clock;
  WheelScheduler s(io, clock, /*tick=*/5);
  std::vector<Timestamp> fast_runs;
  int busy_runs = 0;
  JobId fast = s.add("fast", 50, [&](JobId id, Timestamp due) {
    fast_runs.push_back(due);
    s.finished(id);
  });
  JobId busy = s.add("busy", 50, [&](JobId, Timestamp) { ++busy_runs; });  // never finishes
  io.run_for(std::chrono::milliseconds(530));
  EXPECT_GE(fast_runs.size(), 8u);
  EXPECT_LE(fast_runs.size(), 11u);
  for (size_t i = 1; i < fast_runs.size(); ++i) EXPECT_EQ(fast_runs[i] - fast_runs[i - 1], 50);
  EXPECT_EQ(busy_runs, 1);
  EXPECT_GE(s.wheel().stats(busy).skipped_busy, 7u);
  s.remove(fast);
  size_t before = fast_runs.size();
  io.restart();
  io.run_for(std::chrono::milliseconds(120));
  EXPECT_EQ(fast_runs.size(), before);
}

}  // namespace
}  // namespace tocsin
