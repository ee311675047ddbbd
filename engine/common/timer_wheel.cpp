#include "engine/common/timer_wheel.h"

#include <algorithm>
#include <cassert>
#include <limits>

#include "engine/common/hash.h"

namespace tocsin {

namespace {

// Floor division and modulo that work for negative timestamps too.
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}
std::int64_t floor_mod(std::int64_t a, std::int64_t b) { return a - floor_div(a, b) * b; }

}  // namespace

Timestamp first_due(std::string_view key, Duration interval, Timestamp now) {
  assert(interval > 0);
  const auto offset = static_cast<Duration>(fnv1a(key) % static_cast<std::uint64_t>(interval));
  Timestamp t = now - floor_mod(now, interval) + offset;
  if (t < now) t += interval;
  return t;
}

TimerWheel::TimerWheel(Duration tick, std::size_t slots) : tick_(tick), slots_(slots) {
  assert(tick > 0 && slots > 0);
}

std::size_t TimerWheel::slot_of(Timestamp t) const {
  return static_cast<std::size_t>(
      floor_mod(floor_div(t, tick_), static_cast<std::int64_t>(slots_.size())));
}

void TimerWheel::insert(JobId id, Timestamp due) { slots_[slot_of(due)].push_back(id); }

void TimerWheel::erase_from_slot(JobId id, Timestamp due) {
  auto& s = slots_[slot_of(due)];
  s.erase(std::remove(s.begin(), s.end(), id), s.end());
}

JobId TimerWheel::add(std::string_view key, Duration interval, Timestamp now) {
  JobId id = next_id_++;
  Job j;
  j.interval = interval;
  j.due = first_due(key, interval, now);
  jobs_.emplace(id, j);
  insert(id, j.due);
  // A job due before the cursor (added "in the past" of the wheel) must still be visited.
  const std::int64_t due_tick = floor_div(j.due, tick_);
  cursor_ = cursor_ < 0 ? due_tick : std::min(cursor_, due_tick);
  return id;
}

void TimerWheel::remove(JobId id) {
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return;
  erase_from_slot(id, it->second.due);
  jobs_.erase(it);
}

void TimerWheel::finished(JobId id) {
  if (auto it = jobs_.find(id); it != jobs_.end()) it->second.running = false;
}

std::vector<DueJob> TimerWheel::advance(Timestamp now) {
  std::vector<DueJob> out;
  const std::int64_t now_tick = floor_div(now, tick_);
  if (cursor_ < 0) cursor_ = now_tick;
  if (now_tick < cursor_) return out;
  // One rotation visits every slot; more would only revisit them.
  const std::int64_t last = std::min(now_tick, cursor_ + static_cast<std::int64_t>(slots_.size()) - 1);
  std::vector<JobId> taken;
  for (std::int64_t t = cursor_; t <= last; ++t) {
    auto& slot = slots_[static_cast<std::size_t>(
        floor_mod(t, static_cast<std::int64_t>(slots_.size())))];
    for (size_t i = 0; i < slot.size();) {
      Job& j = jobs_.at(slot[i]);
      if (j.due > now) {
        ++i;
        continue;
      }
      taken.push_back(slot[i]);
      slot[i] = slot.back();
      slot.pop_back();
    }
  }
  // Jobs due this very tick but later than `now` stay; revisit this tick next time.
  cursor_ = now_tick;
  std::sort(taken.begin(), taken.end(), [&](JobId a, JobId b) {
    const Job& ja = jobs_.at(a);
    const Job& jb = jobs_.at(b);
    return ja.due != jb.due ? ja.due < jb.due : a < b;
  });
  for (JobId id : taken) {
    Job& j = jobs_.at(id);
    if (j.running) {
      ++j.stats.skipped_busy;
    } else {
      j.running = true;
      ++j.stats.runs;
      out.push_back({id, j.due});
    }
    // Turns between this one and now are not run: skip to the next aligned turn after now.
    const std::int64_t behind = (now - j.due) / j.interval;
    j.stats.skipped_late += static_cast<std::uint64_t>(behind);
    j.due += (behind + 1) * j.interval;
    insert(id, j.due);
  }
  return out;
}

std::optional<Timestamp> TimerWheel::next_due() const {
  if (jobs_.empty()) return std::nullopt;
  Timestamp best = std::numeric_limits<Timestamp>::max();
  if (cursor_ >= 0) {
    // Walk one rotation from the cursor: the first slot holding a job due in that very tick
    // holds the earliest job (jobs in earlier slots of later rotations are due later).
    for (std::int64_t t = cursor_; t < cursor_ + static_cast<std::int64_t>(slots_.size()); ++t) {
      const auto& slot = slots_[static_cast<std::size_t>(
          floor_mod(t, static_cast<std::int64_t>(slots_.size())))];
      bool found = false;
      for (JobId id : slot) {
        const Timestamp d = jobs_.at(id).due;
        best = std::min(best, d);
        if (floor_div(d, tick_) <= t) found = true;
      }
      if (found) return best;
    }
    return best;  // everything is more than a rotation away
  }
  for (const auto& [id, j] : jobs_) best = std::min(best, j.due);
  return best;
}

bool TimerWheel::running(JobId id) const {
  auto it = jobs_.find(id);
  return it != jobs_.end() && it->second.running;
}

JobStats TimerWheel::stats(JobId id) const {
  auto it = jobs_.find(id);
  return it == jobs_.end() ? JobStats{} : it->second.stats;
}

std::optional<Timestamp> TimerWheel::due(JobId id) const {
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  return it->second.due;
}

// ---------------------------------------------------------------------------------------------

}  // namespace tocsin
