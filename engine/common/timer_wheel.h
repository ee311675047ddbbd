// TimerWheel: schedules periodic jobs (scrapes, rule groups) on a hashed timer wheel. The
// schedulers that hand the turns out (engine/common/job_scheduler.h) are built on it.
//
// Phase. A job runs at the times t with t % interval == hash(key) % interval, on absolute time,
// as Prometheus spreads scrapes: targets with different keys spread over the interval instead of
// firing together, and a restarted process keeps each job's phase.
//
// Overlap. A job whose previous run has not finished (finished() not called yet) when its next
// turn comes is not started again: the turn is skipped and counted in JobStats::skipped_busy.
//
// Catch-up. When time jumps forward by many intervals (a suspended laptop, a stalled loop), a due
// job runs once, the turns it missed are counted in skipped_late, and its next turn is the next
// phase-aligned time after `now` — never a burst of back-to-back runs.
//
// The wheel is a pure data structure: time is passed in (advance(now)), so tests drive it with
// plain numbers. Slots are `tick` ms wide; a job sits in slot (due / tick) % slots and is only
// taken when its due time has passed, so intervals longer than one rotation work.
//
// Threads: not thread-safe; its owner (a scheduler on the I/O thread) is its only user.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/common/time.h"

namespace tocsin {

using JobId = std::uint64_t;

struct JobStats {
  std::uint64_t runs = 0;          // turns handed out by advance()
  std::uint64_t skipped_busy = 0;  // turns skipped because the previous run was still going
  std::uint64_t skipped_late = 0;  // turns skipped to catch up after time jumped
};

struct DueJob {
  JobId id;
  Timestamp due;  // the scheduled (phase-aligned) time of this turn, <= now
};

// The first phase-aligned time >= now for this key and interval. REQUIRES: interval > 0.
Timestamp first_due(std::string_view key, Duration interval, Timestamp now);

class TimerWheel {
 public:
  explicit TimerWheel(Duration tick = 10, std::size_t slots = 4096);

  // Adds a job; its first turn is first_due(key, interval, now). REQUIRES: interval > 0.
  JobId add(std::string_view key, Duration interval, Timestamp now);
  // Forgets a job (running or not). Unknown ids are ignored.
  void remove(JobId id);
  // Marks the job's current run as finished, so its next turn may start it again.
  void finished(JobId id);

  // Takes every job whose turn is due at `now`: returns those that start (now marked running)
  // and reschedules all of them. Time going backwards returns nothing.
  std::vector<DueJob> advance(Timestamp now);

  // The earliest due time of any job, or nullopt when there is none.
  std::optional<Timestamp> next_due() const;

  bool contains(JobId id) const { return jobs_.count(id) != 0; }
  bool running(JobId id) const;
  JobStats stats(JobId id) const;
  // Due time of the job's next turn.
  std::optional<Timestamp> due(JobId id) const;
  std::size_t size() const { return jobs_.size(); }

 private:
  struct Job {
    Duration interval;
    Timestamp due;
    bool running = false;
    JobStats stats;
  };
  std::size_t slot_of(Timestamp t) const;
  void insert(JobId id, Timestamp due);
  void erase_from_slot(JobId id, Timestamp due);

  Duration tick_;
  std::vector<std::vector<JobId>> slots_;
  std::unordered_map<JobId, Job> jobs_;
  std::int64_t cursor_ = -1;  // next tick to visit; -1 before the first advance
  JobId next_id_ = 1;
};

}  // namespace tocsin
