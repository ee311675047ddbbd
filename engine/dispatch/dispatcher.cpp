#include "engine/dispatch/dispatcher.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <utility>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "engine/common/byte_codec.h"
#include "engine/common/hash.h"
#include "engine/common/log.h"

namespace tocsin::dispatch {

// ---------------------------------------------------------------------------------------------
// Internal state.

struct Dispatcher::Group {
  AggregationGroup ag;
  TimerId timer = 0;
  std::set<std::string> inflight;  // receiver keys whose delivery is still retrying
  std::weak_ptr<Group> self;       // for the index, which holds plain pointers
  Group* next_same_hash = nullptr;  // group_index_'s chain: another group with the same hash
};

struct Dispatcher::Delivery {
  std::shared_ptr<notifiers::Notifier> notifier;
  // The alerts to send, shared with the store. notification.alerts is filled from them (firing
  // ones with ends_at cleared) only for the duration of each notify() call: a delivery waiting
  // for its turn or for a retry holds pointers, not copies.
  std::vector<SharedAlert> alerts;
  notifiers::Notification notification;
  RetryPolicy policy;
  Timestamp first_attempt = 0;
  int attempts = 0;
  std::string fallback_receiver;   // "" for none (and for fallback deliveries themselves)
  std::function<void(bool ok)> done;
};

// One flush across the integrations of a receiver: resolved alerts leave the group only when
// every integration succeeded (Alertmanager's notify() returning true).
struct Dispatcher::FlushState {
  std::weak_ptr<Group> group;
  std::vector<SharedAlert> resolved;
  int pending = 0;
  bool all_ok = true;
};

struct Dispatcher::Metrics {
  prometheus::Family<prometheus::Counter>* received;
  prometheus::Counter* received_firing = nullptr;    // received{status="firing"}, once used
  prometheus::Counter* received_resolved = nullptr;  // received{status="resolved"}, once used
  prometheus::Counter* invalid;
  prometheus::Gauge* inhibited;
  prometheus::Gauge* groups;
  prometheus::Gauge* queued;
  prometheus::Counter* limited;
  prometheus::Family<prometheus::Counter>* deferred;
  prometheus::Family<prometheus::Counter>* notifications;
  prometheus::Family<prometheus::Counter>* failed;
  prometheus::Family<prometheus::Counter>* requests;

  explicit Metrics(prometheus::Registry& r)
      : received(&prometheus::BuildCounter()
                      .Name("tocsin_alerts_received_total")
                      .Help("Alerts received, by status (firing, resolved).")
                      .Register(r)),
        invalid(&prometheus::BuildCounter()
                     .Name("tocsin_alerts_invalid_total")
                     .Help("Alerts rejected as invalid.")
                     .Register(r)
                     .Add({})),
        inhibited(&prometheus::BuildGauge()
                       .Name("tocsin_alerts_inhibited")
                       .Help("Firing alerts currently muted by an inhibit rule.")
                       .Register(r)
                       .Add({})),
        groups(&prometheus::BuildGauge()
                    .Name("tocsin_aggregation_groups")
                    .Help("Aggregation groups.")
                    .Register(r)
                    .Add({})),
        queued(&prometheus::BuildGauge()
                    .Name("tocsin_notifications_queued")
                    .Help("Notification attempts waiting for a free slot of their integration "
                          "(max_inflight_per_integration).")
                    .Register(r)
                    .Add({})),
        limited(&prometheus::BuildCounter()
                     .Name("tocsin_alerts_limited_total")
                     .Help("New alerts refused because the store held --alerts.limit alerts.")
                     .Register(r)
                     .Add({})),
        deferred(&prometheus::BuildCounter()
                      .Name("tocsin_notifications_deferred_total")
                      .Help("Notifications not queued because their integration's queue was "
                            "full (--notifications.queue-limit); the group's next flush sends "
                            "its newest state.")
                      .Register(r)),
        notifications(&prometheus::BuildCounter()
                           .Name("tocsin_notifications_total")
                           .Help("Notifications delivered, by integration.")
                           .Register(r)),
        failed(&prometheus::BuildCounter()
                    .Name("tocsin_notifications_failed_total")
                    .Help("Failed notification attempts, by integration and reason.")
                    .Register(r)),
        requests(&prometheus::BuildCounter()
                      .Name("tocsin_notification_requests_total")
                      .Help("Notification attempts, by integration.")
                      .Register(r)) {}
};

namespace {

std::string failure_reason(const Error& e) {
  switch (e.code) {
    case ErrorCode::kUnavailable: return "serverError";
    case ErrorCode::kDeadlineExceeded: return "contextDeadlineExceededError";
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kNotFound: return "clientError";
    default: return "other";
  }
}

FingerprintSet fingerprints(const std::vector<SharedAlert>& alerts, bool resolved, Timestamp now) {
  FingerprintSet out;
  for (const SharedAlert& a : alerts) {
    if (a->resolved_at(now) == resolved) out.insert(a->fingerprint());
  }
  return out;
}

// Keeps the alerts no muter mutes (the muters read Labels: built once per alert).
std::vector<SharedAlert> without_muted(std::vector<SharedAlert> alerts,
                                       std::initializer_list<const Muter*> muters, Timestamp now) {
  std::erase_if(alerts, [&](const SharedAlert& a) {
    const Labels labels = a->labels();
    for (const Muter* m : muters) {
      if (!m->mutes(labels, now).empty()) return true;
    }
    return false;
  });
  return alerts;
}

// The alerts of a notification flushed at `flush`: copies, firing ones with ends_at cleared (a
// firing alert must not resolve while the notification travels), as Alertmanager's flush does.
std::vector<Alert> notification_alerts(const std::vector<SharedAlert>& alerts, Timestamp flush) {
  std::vector<Alert> out;
  out.reserve(alerts.size());
  for (const SharedAlert& a : alerts) {
    out.push_back(a->alert());
    if (!a->resolved_at(flush)) out.back().ends_at = 0;
  }
  return out;
}

}  // namespace

Duration retry_backoff(const RetryPolicy& p, int attempt, double random01) {
  double d = static_cast<double>(p.initial_backoff) * std::pow(p.multiplier, attempt - 1);
  d = std::min(d, static_cast<double>(p.max_backoff));
  d *= 1.0 + p.jitter * (2.0 * random01 - 1.0);
  return std::max<Duration>(1, static_cast<Duration>(d));
}

// ---------------------------------------------------------------------------------------------
// Construction and configuration.

Dispatcher::Dispatcher(DispatcherOptions options, Scheduler& scheduler, NotifierFactory factory,
                       Silences& silences, NotificationLog& nflog, prometheus::Registry& registry)
    : options_(std::move(options)),
      scheduler_(scheduler),
      factory_(std::move(factory)),
      silences_(silences),
      silencer_(silences),
      nflog_(nflog),
      metrics_(std::make_unique<Metrics>(registry)),
      store_({options_.alerts_limit, options_.resolved_retention}) {
  if (!options_.random) {
    auto rng = std::make_shared<std::mt19937_64>(std::random_device{}());
    options_.random = [rng] { return std::uniform_real_distribution<double>(0, 1)(*rng); };
  }
}

Result<std::unique_ptr<Dispatcher>> Dispatcher::create(const config::Config& config,
                                                       DispatcherOptions options,
                                                       Scheduler& scheduler,
                                                       NotifierFactory factory, Silences& silences,
                                                       NotificationLog& nflog,
                                                       prometheus::Registry& registry) {
  std::unique_ptr<Dispatcher> d(new Dispatcher(std::move(options), scheduler, std::move(factory),
                                               silences, nflog, registry));
  if (auto st = d->apply_config(config); !st) return tl::unexpected(st.error());
  d->maintenance_timer_ = scheduler.schedule(
      scheduler.now() + d->options_.maintenance_interval, [p = d.get()] { p->maintenance(); });
  return d;
}

Dispatcher::~Dispatcher() { stop(); }

void Dispatcher::stop() {
  for (auto& [key, g] : groups_) scheduler_.cancel(g->timer);
  scheduler_.cancel(maintenance_timer_);
  maintenance_timer_ = 0;
  alive_ = std::make_shared<int>(0);  // callbacks of in-flight deliveries see a dead token
  for (const auto& [n, lane] : lanes_) {
    metrics_->queued->Decrement(static_cast<double>(lane.queued.size()));
  }
  lanes_.clear();
  fallbacks_.clear();
}

Status Dispatcher::apply_config(const config::Config& cfg) {
  auto tree = Route::build(cfg.route);
  if (!tree) return tl::unexpected(tree.error().with_context("route"));
  auto intervals = TimeIntervals::build(cfg.time_intervals);
  if (!intervals) return tl::unexpected(intervals.error());
  std::map<std::string, std::vector<std::shared_ptr<notifiers::Notifier>>> notifiers;
  for (const config::Receiver& r : cfg.receivers) {
    auto& list = notifiers[r.name];
    if (factory_) {
      for (auto& n : factory_(r)) list.push_back(std::shared_ptr<notifiers::Notifier>(std::move(n)));
    }
  }

  config_ = std::make_shared<const config::Config>(cfg);
  time_intervals_ = std::move(*intervals);
  notifiers_ = std::move(notifiers);
  inhibitor_ = std::make_unique<Inhibitor>(cfg.inhibit_rules);
  store_.for_each([&](const SharedAlert& a) {
    inhibitor_->observe(a->labels(), a->fingerprint(), a->ends_at);
  });

  // Keep the groups whose route still exists, by route id; drop alerts that no longer belong.
  std::map<std::string, const Route*> by_id;
  (*tree)->walk([&](const Route& r) { by_id.emplace(r.id(), &r); });
  for (auto it = groups_.begin(); it != groups_.end();) {
    auto r = by_id.find(it->first.first);
    if (r == by_id.end()) {
      scheduler_.cancel(it->second->timer);
      it = groups_.erase(it);
      continue;
    }
    AggregationGroup& ag = it->second->ag;
    ag.set_route(r->second);
    std::vector<std::uint64_t> gone;
    ag.for_each([&](const SharedAlert& a) {
      const Labels labels = a->labels();
      auto routes = (*tree)->match(labels);
      bool still = std::find(routes.begin(), routes.end(), r->second) != routes.end() &&
                   group_labels(labels, r->second->opts()) == ag.labels();
      if (!still) gone.push_back(a->fingerprint());
    });
    for (std::uint64_t fp : gone) ag.remove(fp);
    ++it;
  }
  route_ = std::move(*tree);
  reindex_groups();
  const Timestamp now = scheduler_.now();
  store_.for_each([&](const SharedAlert& a) {
    if (!a->resolved_at(now)) route_alert(a, a->labels(), now);
  });
  metrics_->groups->Set(static_cast<double>(groups_.size()));
  ++state_version_;
  return {};
}

// ---------------------------------------------------------------------------------------------
// Alerts in.

Status Dispatcher::put_alerts(std::vector<Alert> alerts, Timestamp now) {
  const Duration resolve_timeout = config_->global.resolve_timeout;
  std::string errors;
  ErrorCode code = ErrorCode::kInvalidArgument;
  std::size_t limited = 0;  // new alerts refused by --alerts.limit
  std::string first_limited;
  const std::size_t batch = alerts.size();
  bool changed = false, refreshed = false;
  for (Alert& in : alerts) {
    Alert a = prepare_alert(std::move(in), now, resolve_timeout);
    const bool firing = a.ends_at > now;
    prometheus::Counter*& received =
        firing ? metrics_->received_firing : metrics_->received_resolved;
    if (!received) received = &metrics_->received->Add({{"status", firing ? "firing" : "resolved"}});
    received->Increment();
    if (auto st = validate_alert(a); !st) {
      metrics_->invalid->Increment();
      errors += (errors.empty() ? "" : "; ") + st.error().message;
      continue;
    }
    PutOutcome outcome = PutOutcome::kChanged;
    auto stored = store_.put(a, now, &outcome);
    if (!stored) {
      if (stored.error().code == ErrorCode::kResourceExhausted) {
        if (limited++ == 0) {
          // The store names the alert: "... alert {labels} rejected".
          const std::string& m = stored.error().message;
          const std::size_t at = m.find("alert {");
          first_limited = at == std::string::npos ? m : m.substr(at);
        }
        continue;
      }
      code = stored.error().code;
      errors += (errors.empty() ? "" : "; ") + stored.error().message;
      continue;
    }
    inhibitor_->observe(a.labels, (*stored)->fingerprint(), (*stored)->ends_at);
    const std::size_t groups_before = groups_.size();
    route_alert(*stored, a.labels, now);
    if (outcome == PutOutcome::kRefreshed && groups_.size() == groups_before) {
      refreshed = true;
    } else {
      changed = true;
    }
  }
  if (changed) ++state_version_;
  if (refreshed) ++refresh_version_;
  metrics_->groups->Set(static_cast<double>(groups_.size()));
  if (limited > 0) {
    metrics_->limited->Increment(static_cast<double>(limited));
    code = ErrorCode::kResourceExhausted;
    errors += std::string(errors.empty() ? "" : "; ") + "alert limit reached: " +
              std::to_string(limited) + " of " + std::to_string(batch) +
              " alerts refused (--alerts.limit=" + std::to_string(options_.alerts_limit) +
              "; alerts already stored are still updated), first: " + first_limited;
  }
  if (!errors.empty()) return make_error(code, errors);
  return {};
}

void Dispatcher::put(std::vector<Alert> alerts, Timestamp now) {
  const std::size_t n = alerts.size();
  if (auto st = put_alerts(std::move(alerts), now); !st) {
    log::error("alerts from rules not accepted",
               {{"alerts", std::to_string(n)}, {"err", st.error().message}});
  }
}

void Dispatcher::route_alert(const SharedAlert& a, const Labels& labels, Timestamp now) {
  for (const Route* r : route_->match(labels)) add_to_group(a, labels, *r, now);
}

namespace {

// Whether `label` is one of the labels `opts` groups by.
bool groups_by(const RouteOpts& opts, const std::string& label) {
  if (opts.group_by_all) return true;
  return opts.group_by.count(label) != 0;
}

std::uint64_t route_hash(const Route& route) {
  const Route* p = &route;
  return fnv1a(std::string_view(reinterpret_cast<const char*>(&p), sizeof p));
}

// The group index's hash: the route (by address: routes live as long as the tree, and the index
// is rebuilt with the tree) and the group label pairs, without building the group's Labels.
std::uint64_t group_hash(const Route& route, const Labels& alert_labels) {
  std::uint64_t h = route_hash(route);
  const RouteOpts& opts = route.opts();
  for (const Label& l : alert_labels) {
    if (!groups_by(opts, l.name)) continue;
    h = fnv1a_sep(fnv1a(l.name, h));
    h = fnv1a_sep(fnv1a(l.value, h));
  }
  return h;
}

std::uint64_t group_hash_of(const Route& route, const Labels& group_labels) {
  std::uint64_t h = route_hash(route);
  for (const Label& l : group_labels) {
    h = fnv1a_sep(fnv1a(l.name, h));
    h = fnv1a_sep(fnv1a(l.value, h));
  }
  return h;
}

// Whether `group` equals group_labels(alert_labels, opts), without building the latter.
bool same_group(const Labels& group, const Labels& alert_labels, const RouteOpts& opts) {
  std::size_t i = 0;
  for (const Label& l : alert_labels) {
    if (!groups_by(opts, l.name)) continue;
    if (i == group.size() || group[i] != l) return false;
    ++i;
  }
  return i == group.size();
}

}  // namespace

void Dispatcher::reindex_groups() {
  group_index_.clear();
  for (auto& [key, g] : groups_) {
    index_group(index_hash(group_hash_of(g->ag.route(), g->ag.labels())), g.get());
  }
}

void Dispatcher::index_group(std::uint64_t hash, Group* g) {
  auto [it, inserted] = group_index_.try_emplace(hash, g);
  g->next_same_hash = inserted ? nullptr : std::exchange(it->second, g);
}

void Dispatcher::add_to_group(const SharedAlert& shared, const Labels& labels, const Route& route,
                              Timestamp now) {
  const std::uint64_t h = index_hash(group_hash(route, labels));
  auto it = group_index_.find(h);
  for (Group* g = it == group_index_.end() ? nullptr : it->second; g; g = g->next_same_hash) {
    if (&g->ag.route() == &route && same_group(g->ag.labels(), labels, route.opts())) {
      if (g->ag.insert(shared, now)) {
        schedule_flush(g->self.lock());
        ++state_version_;  // the first flush moved ahead
      }
      return;
    }
  }
  if (options_.max_aggregation_groups != 0 && groups_.size() >= options_.max_aggregation_groups) {
    log::error("too many aggregation groups, alert dropped from routing",
               {{"alert", labels.to_braces()}, {"route", route.id()}});
    return;
  }
  Labels gl = group_labels(labels, route.opts());
  auto g = std::make_shared<Group>(Group{AggregationGroup(&route, gl, now), 0, {}, {}, nullptr});
  g->self = g;
  groups_.emplace(std::make_pair(route.id(), std::move(gl)), g);
  index_group(h, g.get());
  g->ag.insert(shared, now);
  schedule_flush(g);
}

void Dispatcher::schedule_flush(const std::shared_ptr<Group>& g) {
  scheduler_.cancel(g->timer);
  std::weak_ptr<Group> weak = g;
  g->timer = scheduler_.schedule(g->ag.next_flush(), [this, weak] {
    if (auto g = weak.lock()) on_group_timer(g);
  });
}

void Dispatcher::on_group_timer(const std::shared_ptr<Group>& g) {
  const Timestamp now = scheduler_.now();
  const bool first = !g->ag.has_flushed();
  g->ag.on_flush(now);  // the next flush is group_interval after this one, however long it takes
  ++(first ? state_version_ : refresh_version_);
  schedule_flush(g);
  flush(g, now);
}

// ---------------------------------------------------------------------------------------------
// The notification pipeline.

void Dispatcher::flush(const std::shared_ptr<Group>& g, Timestamp now) {
  FlushBatch batch = g->ag.snapshot(now);
  if (batch.alerts.empty()) return;
  const RouteOpts opts = g->ag.route().opts();
  auto state = std::make_shared<FlushState>(FlushState{g, std::move(batch.resolved), 0, true});
  auto finish = [this, state] {
    if (state->pending > 0) return;
    if (auto grp = state->group.lock(); grp && state->all_ok) {
      if (grp->ag.delete_if_not_modified(state->resolved)) ++state_version_;
    }
  };

  std::vector<SharedAlert> alerts = std::move(batch.alerts);
  // 1. Inhibition, 2. active_time_intervals (outside all of them the route is muted),
  // 3. mute_time_intervals, 4. silences. The interval stages mute all alerts or none, so the
  // two per-alert stages run together, reading each alert's labels once.
  if ((!opts.active_time_intervals.empty() &&
       !time_intervals_.any_contains(opts.active_time_intervals, now)) ||
      time_intervals_.any_contains(opts.mute_time_intervals, now)) {
    alerts.clear();
  }
  alerts = without_muted(std::move(alerts), {inhibitor_.get(), &silencer_}, now);
  if (alerts.empty()) return finish();

  // 5. Each integration of the receiver: dedup → retry → notify → log.
  const FingerprintSet firing = fingerprints(alerts, false, now);
  const FingerprintSet resolved = fingerprints(alerts, true, now);
  auto* list = integrations(opts.receiver);
  std::map<std::string, int> per_kind;
  for (const auto& notifier : list ? *list : std::vector<std::shared_ptr<notifiers::Notifier>>{}) {
    const std::string kind(notifier->integration());
    const ReceiverKey rk{opts.receiver, kind, per_kind[kind]++};
    const std::string rks = rk.to_string();
    if (g->inflight.count(rks)) {  // still retrying an earlier flush
      state->all_ok = false;
      continue;
    }
    if (queue_full(notifier.get())) {  // the group's next flush sends its newest state
      metrics_->deferred->Add({{"integration", kind}}).Increment();
      state->all_ok = false;
      continue;
    }
    // Dedup.
    const NflogEntry* entry = nflog_.query(rk, g->ag.group_key());
    if (needs_update(entry, firing, resolved, notifier->send_resolved(), opts.repeat_interval,
                     now) == NotifyReason::kNone) {
      continue;
    }
    // Without send_resolved only firing alerts go out; nothing firing = nothing to send, but
    // the log still records the resolution.
    std::vector<SharedAlert> to_send = alerts;
    if (!notifier->send_resolved()) {
      std::erase_if(to_send, [&](const SharedAlert& a) { return a->resolved_at(now); });
    }
    if (to_send.empty()) {
      nflog_.log(rk, g->ag.group_key(), firing, resolved, now);
      continue;
    }
    // Retry, notify, log.
    auto d = std::make_shared<Delivery>();
    d->notifier = notifier;
    d->alerts = std::move(to_send);
    d->notification = notifiers::Notification{opts.receiver,      kind,
                                              rk.index,           g->ag.group_key(),
                                              g->ag.labels(),     {},
                                              options_.external_url, now};
    d->policy = retry_policy(opts.receiver);
    d->first_attempt = now;
    d->fallback_receiver = opts.fallback_receiver == opts.receiver ? "" : opts.fallback_receiver;
    g->inflight.insert(rks);
    ++state_version_;  // a delivery unconfirmed until it ends
    ++state->pending;
    std::weak_ptr<Group> weak = g;
    d->done = [this, state, finish, weak, rk, rks, firing, resolved,
               key = g->ag.group_key()](bool ok) {
      if (ok) nflog_.log(rk, key, firing, resolved, scheduler_.now());
      if (auto grp = weak.lock()) grp->inflight.erase(rks);
      ++state_version_;
      state->all_ok = state->all_ok && ok;
      --state->pending;
      finish();
    };
    deliver(std::move(d));
  }
  finish();
}

void Dispatcher::deliver(std::shared_ptr<Delivery> d) {
  const std::size_t max = options_.max_inflight_per_integration;
  Lane& lane = lanes_[d->notifier.get()];
  if (max != 0 && (lane.inflight >= max || !lane.queued.empty())) {
    lane.queued.push_back(std::move(d));
    metrics_->queued->Increment();
    return;
  }
  start(std::move(d));
}

bool Dispatcher::queue_full(const notifiers::Notifier* n) const {
  const std::size_t limit = options_.queue_limit_per_integration;
  if (limit == 0) return false;
  auto it = lanes_.find(n);
  return it != lanes_.end() && it->second.queued.size() >= limit;
}

void Dispatcher::start(std::shared_ptr<Delivery> d) {
  ++lanes_[d->notifier.get()].inflight;
  ++d->attempts;
  const std::string kind(d->notifier->integration());
  metrics_->requests->Add({{"integration", kind}}).Increment();
  std::weak_ptr<int> alive = alive_;
  auto notifier = d->notifier;
  d->notification.alerts = notification_alerts(d->alerts, d->notification.now);
  notifier->notify(d->notification, [this, alive, d](notifiers::NotifyResult r) {
    if (!alive.lock()) return;
    release(d->notifier.get());
    on_delivery_result(d, std::move(r));
  });
  // The integration rendered what it sends; the copies go (notify()'s contract, notifier.h).
  std::vector<Alert>().swap(d->notification.alerts);
}

void Dispatcher::release(const notifiers::Notifier* n) {
  auto it = lanes_.find(n);
  if (it == lanes_.end()) return;
  --it->second.inflight;
  if (it->second.draining) return;  // an outer release() of this lane starts the next one
  it->second.draining = true;
  const std::size_t max = options_.max_inflight_per_integration;
  for (;;) {
    it = lanes_.find(n);  // start() may add lanes (fallback deliveries), invalidating iterators
    Lane& lane = it->second;
    if (lane.queued.empty()) {
      if (lane.inflight == 0) {
        lanes_.erase(it);
        return;
      }
      break;
    }
    if (max != 0 && lane.inflight >= max) break;
    std::shared_ptr<Delivery> next = std::move(lane.queued.front());
    lane.queued.pop_front();
    metrics_->queued->Decrement();
    start(std::move(next));
  }
  lanes_.find(n)->second.draining = false;
}

void Dispatcher::on_delivery_result(const std::shared_ptr<Delivery>& d,
                                    notifiers::NotifyResult r) {
  const std::string kind(d->notifier->integration());
  if (r.status) {
    metrics_->notifications->Add({{"integration", kind}}).Increment();
    d->done(true);
    return;
  }
  const Error& err = r.status.error();
  metrics_->failed->Add({{"integration", kind}, {"reason", failure_reason(err)}}).Increment();
  const Timestamp now = scheduler_.now();
  const RetryPolicy& p = d->policy;
  const bool exhausted = (p.max_attempts > 0 && d->attempts >= p.max_attempts) ||
                         (p.max_duration > 0 && now - d->first_attempt >= p.max_duration);
  if (!retryable(err) || exhausted) {
    log::warn("notification failed, giving up",
              {{"receiver", d->notification.receiver}, {"integration", kind},
               {"group_key", d->notification.group_key}, {"err", err.message}});
    dead_letter(*d, err.message);
    if (!d->fallback_receiver.empty()) {
      if (auto* list = integrations(d->fallback_receiver)) {
        std::map<std::string, int> per_kind;
        for (const auto& n : *list) {
          auto f = std::make_shared<Delivery>();
          f->notifier = n;
          f->alerts = d->alerts;
          f->notification = d->notification;
          f->notification.receiver = d->fallback_receiver;
          f->notification.integration = std::string(n->integration());
          f->notification.integration_index = per_kind[f->notification.integration]++;
          if (!n->send_resolved()) {
            std::erase_if(f->alerts, [flush = d->notification.now](const SharedAlert& a) {
              return a->resolved_at(flush);
            });
          }
          if (f->alerts.empty()) continue;
          const std::string key =
              ReceiverKey{d->fallback_receiver, f->notification.integration,
                          f->notification.integration_index}
                  .to_string() +
              "\n" + d->notification.group_key;
          if (auto waiting = fallbacks_[key].lock()) {
            // Coalesce: the waiting (or retrying) one carries this newer state from its next
            // attempt on, with a fresh retry budget.
            waiting->alerts = std::move(f->alerts);
            waiting->notification.now = f->notification.now;
            waiting->first_attempt = now;
            waiting->attempts = 0;
            continue;
          }
          if (queue_full(n.get())) {  // dead-lettered above; the group retries its receiver
            metrics_->deferred->Add({{"integration", f->notification.integration}}).Increment();
            fallbacks_.erase(key);
            continue;
          }
          f->policy = retry_policy(d->fallback_receiver);
          f->first_attempt = now;
          f->done = [this, key](bool) { fallbacks_.erase(key); };
          fallbacks_[key] = f;
          deliver(std::move(f));
        }
      }
    }
    d->done(false);
    return;
  }
  Duration delay = retry_backoff(p, d->attempts, options_.random());
  if (r.retry_after) delay = std::max(delay, *r.retry_after);
  std::weak_ptr<int> alive = alive_;
  scheduler_.schedule(now + delay, [this, alive, d] {
    if (alive.lock()) deliver(d);
  });
}

void Dispatcher::dead_letter(const Delivery& d, const std::string& error) {
  DeadLetter dl{scheduler_.now(),
                d.notification.receiver,
                d.notification.integration,
                d.notification.integration_index,
                d.notification.group_key,
                notification_alerts(d.alerts, d.notification.now),
                error,
                d.attempts};
  if (dead_letter_hook_) dead_letter_hook_(dl);
  dead_letters_.push_back(std::move(dl));
  while (dead_letters_.size() > options_.dead_letter_capacity) dead_letters_.pop_front();
}

const RetryPolicy& Dispatcher::retry_policy(const std::string& receiver) const {
  auto it = options_.receiver_retry.find(receiver);
  return it == options_.receiver_retry.end() ? options_.retry : it->second;
}

std::vector<std::shared_ptr<notifiers::Notifier>>* Dispatcher::integrations(
    const std::string& receiver) {
  auto it = notifiers_.find(receiver);
  return it == notifiers_.end() ? nullptr : &it->second;
}

// ---------------------------------------------------------------------------------------------
// Housekeeping and queries.

void Dispatcher::maintenance() {
  const Timestamp now = scheduler_.now();
  bool removed = false;
  for (auto it = groups_.begin(); it != groups_.end();) {
    if (it->second->ag.empty() && it->second->inflight.empty()) {
      scheduler_.cancel(it->second->timer);
      it = groups_.erase(it);
      removed = true;
    } else {
      ++it;
    }
  }
  if (removed) reindex_groups();
  auto collected = store_.gc(now);
  for (const SharedAlert& a : collected) inhibitor_->forget(a->fingerprint());
  if (removed || !collected.empty()) ++state_version_;
  silences_.gc(now);
  nflog_.gc(now);
  double inhibited = 0;
  store_.for_each([&](const SharedAlert& a) {
    if (!a->resolved_at(now) && !inhibitor_->mutes(a->labels(), now).empty()) ++inhibited;
  });
  metrics_->inhibited->Set(inhibited);
  metrics_->groups->Set(static_cast<double>(groups_.size()));
  maintenance_timer_ =
      scheduler_.schedule(now + options_.maintenance_interval, [this] { maintenance(); });
}

AlertStatus Dispatcher::status_of(const Alert& a, Timestamp now) const {
  AlertStatus s;
  s.alert = a;
  for (const Route* r : route_->match(a.labels)) {
    if (std::find(s.receivers.begin(), s.receivers.end(), r->opts().receiver) ==
        s.receivers.end()) {
      s.receivers.push_back(r->opts().receiver);
    }
  }
  s.silenced_by = silencer_.mutes(a.labels, now);
  s.inhibited_by = inhibitor_->mutes(a.labels, now);
  return s;
}

std::vector<AlertStatus> Dispatcher::alerts(Timestamp now) const {
  std::vector<AlertStatus> out;
  store_.for_each([&](const SharedAlert& a) {
    if (!a->resolved_at(now)) out.push_back(status_of(a->alert(), now));
  });
  return out;
}

std::vector<GroupStatus> Dispatcher::groups(Timestamp now) const {
  std::vector<GroupStatus> out;
  for (const auto& [key, g] : groups_) {
    GroupStatus gs{g->ag.labels(), g->ag.route().opts().receiver, g->ag.group_key(), {}};
    g->ag.for_each([&](const SharedAlert& a) {
      if (a->resolved_at(now)) return;
      // The group holds the alert as it was routed; show the stored (latest) version.
      SharedAlert stored = store_.get(a->fingerprint());
      gs.alerts.push_back(status_of((stored ? stored : a)->alert(), now));
    });
    if (!gs.alerts.empty()) out.push_back(std::move(gs));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// State files.

std::shared_ptr<const DispatchSnapshot> Dispatcher::snapshot(Timestamp now) const {
  auto s = std::make_shared<DispatchSnapshot>();
  s->taken_at = now;
  s->store.reserve(store_.size());
  store_.for_each([&](const SharedAlert& a) { s->store.push_back(a); });
  s->groups.reserve(groups_.size());
  for (const auto& [key, g] : groups_) {
    DispatchSnapshot::Group sg{key.first, key.second, g->ag.has_flushed(), g->ag.next_flush(),
                               !g->inflight.empty(), {}};
    sg.alerts.reserve(g->ag.size());
    g->ag.for_each([&](const SharedAlert& a) { sg.alerts.push_back(a); });
    s->groups.push_back(std::move(sg));
  }
  return s;
}

Status Dispatcher::restore_state(std::string_view body, Timestamp now) {
  auto decoded = DispatchSnapshot::decode(body, now);
  if (!decoded) return tl::unexpected(decoded.error());
  DispatchSnapshot& snap = *decoded;
  for (SharedAlert& a : snap.store) {
    inhibitor_->observe(a->labels(), a->fingerprint(), a->ends_at);
    store_.restore(std::move(a));
  }
  std::map<std::string, const Route*> by_id;
  route_->walk([&](const Route& rt) { by_id.emplace(rt.id(), &rt); });
  std::vector<std::shared_ptr<Group>> restored;
  for (DispatchSnapshot::Group& sg : snap.groups) {
    auto rt = by_id.find(sg.route_id);
    if (rt == by_id.end()) continue;  // the route is gone: its alerts are routed again below
    auto key = std::make_pair(sg.route_id, sg.labels);
    if (groups_.count(key)) continue;
    auto g = std::make_shared<Group>(
        Group{AggregationGroup(rt->second, sg.labels, now), 0, {}, {}, nullptr});
    g->self = g;
    for (SharedAlert& a : sg.alerts) g->ag.insert(std::move(a), now);
    // A group due while tocsin was down, or whose delivery was not confirmed, flushes now;
    // the others keep their time (no early flush of every group after a restart).
    Timestamp next = sg.unconfirmed ? now : std::max(sg.next_flush, now);
    g->ag.restore_timing(sg.has_flushed, next);
    groups_.emplace(std::move(key), g);
    restored.push_back(std::move(g));
  }
  reindex_groups();
  store_.for_each([&](const SharedAlert& a) {
    if (!a->resolved_at(now)) route_alert(a, a->labels(), now);
  });
  for (const auto& g : restored) schedule_flush(g);
  metrics_->groups->Set(static_cast<double>(groups_.size()));
  ++state_version_;
  return {};
}

}  // namespace tocsin::dispatch
