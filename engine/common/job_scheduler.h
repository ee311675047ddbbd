// JobScheduler: hands out the turns of periodic jobs — every scrape and every rule group — from
// one TimerWheel (engine/common/timer_wheel.h), with its phase, overlap and catch-up rules.
//
// Two drivers share the wheel logic:
// - WheelScheduler: the production one. One Asio steady_timer, re-armed for the wheel's next due
//   time, fires the due jobs on the I/O thread. The engine owns exactly one, and the scrape
//   manager and the rule manager both register their jobs on it.
// - ManualScheduler: turns come when its owner calls advance(now) — for tests and `tocsin eval`,
//   which step a FakeClock instead of sleeping.
//
// A job's callback gets its id and the turn's scheduled time; the job calls finished(id) when its
// (possibly asynchronous) run ends, and until then its turns are skipped (counted in stats()).
//
// Threads: not thread-safe. Construct, add/remove/finished, advance and destroy on one thread
// (the I/O thread for WheelScheduler); callbacks run there and must not block. A job's owner
// removes its jobs before it goes away; the scheduler outlives every job owner.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "engine/common/time.h"
#include "engine/common/timer_wheel.h"

namespace tocsin {

class JobScheduler {
 public:
  using Run = std::function<void(JobId, Timestamp due)>;

  virtual ~JobScheduler() = default;
  // Adds a periodic job keyed by `key` (its phase); the first turn is the next phase-aligned time.
  virtual JobId add(std::string_view key, Duration interval, Run run) = 0;
  // Forgets a job; its callback is not called again. Unknown ids are ignored.
  virtual void remove(JobId id) = 0;
  // The job's current run ended; its next turn may start it again.
  virtual void finished(JobId id) = 0;
  // Turns run and skipped so far.
  virtual JobStats stats(JobId id) const = 0;
};

class ManualScheduler : public JobScheduler {
 public:
  // `clock` gives the time new jobs are added at. `tick` is the wheel's slot width in ms.
  explicit ManualScheduler(const Clock& clock, Duration tick = 10);

  JobId add(std::string_view key, Duration interval, Run run) override;
  void remove(JobId id) override;
  void finished(JobId id) override { wheel_.finished(id); }
  JobStats stats(JobId id) const override { return wheel_.stats(id); }

  // Runs every job whose turn is due at `now`, in due order.
  void advance(Timestamp now);
  // The earliest due time of any job, or nullopt when there is none.
  std::optional<Timestamp> next_due() const { return wheel_.next_due(); }
  std::size_t size() const { return wheel_.size(); }
  const TimerWheel& wheel() const { return wheel_; }

 protected:
  const Clock& clock_;

 private:
  TimerWheel wheel_;
  std::unordered_map<JobId, Run> runs_;
};

class WheelScheduler final : public ManualScheduler {
 public:
  WheelScheduler(boost::asio::io_context& io, const Clock& clock, Duration tick = 10);
  ~WheelScheduler() override;
  WheelScheduler(const WheelScheduler&) = delete;
  WheelScheduler& operator=(const WheelScheduler&) = delete;

  JobId add(std::string_view key, Duration interval, Run run) override;
  void remove(JobId id) override;

 private:
  void rearm();
  void fire();

  boost::asio::steady_timer timer_;
  std::optional<Timestamp> armed_for_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace tocsin
