#include "engine/common/job_scheduler.h"

#include <algorithm>

namespace tocsin {

ManualScheduler::ManualScheduler(const Clock& clock, Duration tick) : clock_(clock), wheel_(tick) {}

JobId ManualScheduler::add(std::string_view key, Duration interval, Run run) {
  JobId id = wheel_.add(key, interval, clock_.now());
  runs_.emplace(id, std::move(run));
  return id;
}

void ManualScheduler::remove(JobId id) {
  wheel_.remove(id);
  runs_.erase(id);
}

void ManualScheduler::advance(Timestamp now) {
  for (const DueJob& d : wheel_.advance(now)) {
    auto it = runs_.find(d.id);
    if (it == runs_.end()) continue;  // removed by an earlier callback of this batch
    Run run = it->second;             // a copy: the callback may remove its own job
    run(d.id, d.due);
  }
}

WheelScheduler::WheelScheduler(boost::asio::io_context& io, const Clock& clock, Duration tick)
    : ManualScheduler(clock, tick), timer_(io) {}

WheelScheduler::~WheelScheduler() {
  *alive_ = false;
  timer_.cancel();
}

JobId WheelScheduler::add(std::string_view key, Duration interval, Run run) {
  JobId id = ManualScheduler::add(key, interval, std::move(run));
  rearm();
  return id;
}

void WheelScheduler::remove(JobId id) {
  ManualScheduler::remove(id);
  rearm();
}

void WheelScheduler::rearm() {
  auto next = next_due();
  if (!next) {
    armed_for_.reset();
    timer_.cancel();
    return;
  }
  if (armed_for_ && *armed_for_ <= *next) return;  // already waking up early enough
  armed_for_ = *next;
  const Duration wait = std::max<Duration>(0, *next - clock_.now());
  timer_.expires_after(std::chrono::milliseconds(wait));
  timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (ec == boost::asio::error::operation_aborted || !*alive) return;
    fire();
  });
}

void WheelScheduler::fire() {
  armed_for_.reset();
  advance(clock_.now());
  rearm();
}

}  // namespace tocsin
