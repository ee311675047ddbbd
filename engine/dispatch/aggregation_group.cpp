#include "engine/dispatch/aggregation_group.h"

#include <algorithm>

#include "engine/dispatch/alerts.h"

namespace tocsin::dispatch {

AggregationGroup::AggregationGroup(const Route* route, Labels labels, Timestamp created)
    : route_(route),
      labels_(std::move(labels)),
      key_(dispatch::group_key(*route, labels_)),
      next_flush_(created + route->opts().group_wait) {}

bool AggregationGroup::insert(SharedAlert a, Timestamp now) {
  const Timestamp starts_at = a->starts_at;
  const std::uint64_t fp = a->fingerprint();
  alerts_.insert_or_assign(fp, std::move(a));
  if (!has_flushed_ && starts_at + route_->opts().group_wait < now && next_flush_ > now) {
    next_flush_ = now;
    return true;
  }
  return false;
}

void AggregationGroup::on_flush(Timestamp now) {
  has_flushed_ = true;
  next_flush_ = now + route_->opts().group_interval;
}

FlushBatch AggregationGroup::snapshot(Timestamp now) const {
  FlushBatch b;
  b.alerts.reserve(alerts_.size());
  for (const auto& [fp, shared] : alerts_) {
    if (shared->resolved_at(now)) b.resolved.push_back(shared);
    b.alerts.push_back(shared);
  }
  // One order for firing and resolved together, as Alertmanager sorts a flush (the webhook
  // payload and the templates' .Alerts see this order).
  std::stable_sort(b.alerts.begin(), b.alerts.end(),
                   [](const SharedAlert& x, const SharedAlert& y) { return alert_less(*x, *y); });
  return b;
}

bool AggregationGroup::delete_if_not_modified(const std::vector<SharedAlert>& sent) {
  bool removed = false;
  for (const SharedAlert& a : sent) {
    auto it = alerts_.find(a->fingerprint());
    if (it != alerts_.end() && it->second->updated_at == a->updated_at) {
      alerts_.erase(it);
      removed = true;
    }
  }
  return removed;
}

}  // namespace tocsin::dispatch
