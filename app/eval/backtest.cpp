#include "app/eval/backtest.h"

#include <algorithm>
#include <map>
#include <tuple>

#include <prometheus/registry.h>

#include "engine/common/job_scheduler.h"
#include "engine/dispatch/dispatcher.h"
#include "engine/dispatch/nflog.h"
#include "engine/dispatch/scheduler.h"
#include "engine/dispatch/silence.h"
#include "engine/storage/head.h"
#include "notifiers/templates.h"

namespace tocsin::app::eval {
namespace {

rules::ManagerOptions manager_options(const BacktestOptions& o) {
  rules::ManagerOptions m;
  m.external_url = o.external_url;
  m.lookback_delta = o.lookback_delta;
  m.compat_prometheus2 = o.compat_prometheus2;
  return m;
}

// Turns at origin + k*interval (promtool's evaluation times) instead of a hashed phase; jobs
// due together run by rank (group_order), then in the order they were added. Same overlap and
// catch-up rules as the wheel: a busy job skips its turn, a late one runs once.
class AlignedScheduler final : public JobScheduler {
 public:
  AlignedScheduler(const Clock& clock, Timestamp origin, std::vector<std::string> order)
      : clock_(clock), origin_(origin), order_(std::move(order)) {}

  JobId add(std::string_view key, Duration interval, Run run) override {
    Job j;
    j.interval = interval > 0 ? interval : kMinute;
    const Timestamp now = clock_.now();
    j.due = origin_;
    if (now > origin_) j.due = origin_ + ((now - origin_ + j.interval - 1) / j.interval) * j.interval;
    // Keys are "file;group": rank by the group name.
    std::string_view name = key.substr(key.find(';') == std::string_view::npos ? 0 : key.find(';') + 1);
    j.rank = static_cast<int>(order_.size());
    for (size_t i = 0; i < order_.size(); ++i) {
      if (order_[i] == name) j.rank = static_cast<int>(i);
    }
    j.run = std::move(run);
    const JobId id = ++last_id_;
    jobs_.emplace(id, std::move(j));
    return id;
  }
  void remove(JobId id) override { jobs_.erase(id); }
  void finished(JobId id) override {
    if (auto it = jobs_.find(id); it != jobs_.end()) it->second.running = false;
  }
  JobStats stats(JobId id) const override {
    auto it = jobs_.find(id);
    return it == jobs_.end() ? JobStats{} : it->second.stats;
  }
  std::optional<Timestamp> next_due() const {
    std::optional<Timestamp> best;
    for (const auto& [id, j] : jobs_) {
      if (!best || j.due < *best) best = j.due;
    }
    return best;
  }
  void advance(Timestamp now) {
    std::vector<std::tuple<Timestamp, int, JobId>> due;
    for (const auto& [id, j] : jobs_) {
      if (j.due <= now) due.emplace_back(j.due, j.rank, id);
    }
    std::sort(due.begin(), due.end());
    for (const auto& [at, rank, id] : due) {
      auto it = jobs_.find(id);
      if (it == jobs_.end()) continue;  // removed by an earlier callback
      Job& j = it->second;
      const Timestamp turn = j.due;
      j.due += j.interval;
      while (j.due <= now) {
        j.due += j.interval;
        ++j.stats.skipped_late;
      }
      if (j.running) {
        ++j.stats.skipped_busy;
        continue;
      }
      j.running = true;
      ++j.stats.runs;
      Run run = j.run;  // a copy: the callback may remove its own job
      run(id, turn);
    }
  }

 private:
  struct Job {
    Duration interval = 0;
    Timestamp due = 0;
    int rank = 0;
    bool running = false;
    JobStats stats;
    Run run;
  };
  const Clock& clock_;
  Timestamp origin_;
  std::vector<std::string> order_;
  std::map<JobId, Job> jobs_;  // by id: the order they were added in
  JobId last_id_ = 0;
};

// Appends the input samples up to `t`, in time order per series.
class Feeder {
 public:
  Feeder(const SeriesSet& set, storage::Head& head) : set_(set), head_(head) {
    next_.assign(set.series.size(), 0);
  }
  void feed_until(Timestamp t) {
    auto app = head_.appender();
    bool any = false;
    for (size_t i = 0; i < set_.series.size(); ++i) {
      const auto& s = set_.series[i];
      while (next_[i] < s.samples.size() && s.samples[next_[i]].t <= t) {
        app->add(s.labels, s.samples[next_[i]].t, s.samples[next_[i]].v);
        ++next_[i];
        any = true;
      }
    }
    if (any) {
      (void)app->commit();
    } else {
      app->rollback();
    }
  }

 private:
  const SeriesSet& set_;
  storage::Head& head_;
  std::vector<size_t> next_;
};

// Follows every alerting rule's active alerts from turn to turn.
class Observer {
 public:
  void observe(const rules::Manager& mgr) {
    for (const auto& g : mgr.groups()) {
      for (const auto& rule : g->rules()) {
        auto* ar = dynamic_cast<const rules::AlertingRule*>(rule.get());
        rules::RuleStatus st = rule->status();
        RuleSummary& sum = summary(*g, *rule, ar != nullptr);
        // The rule ran in this turn when its last evaluation moved on.
        Key rk{g->file(), g->name(), rule->name(), Labels{}};
        Timestamp& seen_eval = last_eval_[rk];
        if (st.last_evaluation == 0 || st.last_evaluation == seen_eval) continue;
        seen_eval = st.last_evaluation;
        const Timestamp ts = g->last_evaluation();
        ++sum.evaluations;
        if (st.health == rules::RuleHealth::kErr) {
          ++sum.failures;
          if (sum.first_error.empty()) {
            sum.first_error = st.last_error;
            sum.first_error_at = ts;
          }
        }
        if (!ar) continue;
        std::map<Labels, const rules::ActiveAlert*> now;
        auto active = ar->active_alerts();
        for (const auto& a : active) now[a.labels] = &a;
        // Changes and new episodes.
        for (const auto& [labels, a] : now) {
          Key k{g->file(), g->name(), rule->name(), labels};
          auto it = open_.find(k);
          std::string state(rules::to_string(a->state));
          if (it == open_.end()) {
            AlertEpisode e;
            e.file = g->file();
            e.group = g->name();
            e.rule = rule->name();
            e.labels = labels;
            e.annotations = a->annotations;
            e.pending_at = a->active_at;
            if (a->state == rules::AlertState::kFiring) {
              if (a->active_at < a->fired_at) e.changes.push_back({a->active_at, "pending", a->value});
              e.firing_at = a->fired_at;
              e.changes.push_back({a->fired_at, "firing", a->value});
            } else {
              e.changes.push_back({a->active_at, "pending", a->value});
            }
            open_.emplace(k, episodes_.size());
            episodes_.push_back(std::move(e));
          } else {
            AlertEpisode& e = episodes_[it->second];
            if (e.changes.back().state != state) {
              Timestamp at = a->state == rules::AlertState::kFiring ? a->fired_at : ts;
              e.changes.push_back({at, state, a->value});
              if (a->state == rules::AlertState::kFiring) {
                e.firing_at = a->fired_at;
                e.annotations = a->annotations;
              }
            }
          }
        }
        // Episodes that ended in this evaluation.
        for (auto it = open_.begin(); it != open_.end();) {
          const Key& k = it->first;
          if (std::get<0>(k) == g->file() && std::get<1>(k) == g->name() &&
              std::get<2>(k) == rule->name() && !now.count(std::get<3>(k))) {
            AlertEpisode& e = episodes_[it->second];
            e.resolved_at = ts;
            e.changes.push_back({ts, e.fired() ? "resolved" : "inactive", std::nullopt});
            it = open_.erase(it);
          } else {
            ++it;
          }
        }
      }
    }
  }

  std::vector<AlertEpisode> episodes() const {
    auto out = episodes_;
    std::stable_sort(out.begin(), out.end(), [](const AlertEpisode& a, const AlertEpisode& b) {
      return std::tie(a.pending_at, a.labels) < std::tie(b.pending_at, b.labels);
    });
    return out;
  }
  std::vector<RuleSummary> rules() const {
    std::vector<RuleSummary> out;
    for (size_t i : rule_order_) out.push_back(rules_[i]);
    return out;
  }
  void register_rules(const rules::Manager& mgr) {
    for (const auto& g : mgr.groups()) {
      for (const auto& rule : g->rules()) {
        summary(*g, *rule, dynamic_cast<const rules::AlertingRule*>(rule.get()) != nullptr);
      }
    }
  }

 private:
  using Key = std::tuple<std::string, std::string, std::string, Labels>;

  RuleSummary& summary(const rules::Group& g, const rules::Rule& r, bool alerting) {
    Key k{g.file(), g.name(), r.name(), Labels{}};
    auto [it, fresh] = rule_index_.emplace(std::move(k), rules_.size());
    if (fresh) {
      RuleSummary s;
      s.file = g.file();
      s.group = g.name();
      s.name = r.name();
      s.alerting = alerting;
      s.interval = g.interval();
      rules_.push_back(std::move(s));
      rule_order_.push_back(it->second);
    }
    return rules_[it->second];
  }

  std::map<Key, size_t> open_;  // → index into episodes_
  std::vector<AlertEpisode> episodes_;
  std::map<Key, Timestamp> last_eval_;
  std::map<Key, size_t> rule_index_;
  std::vector<RuleSummary> rules_;
  std::vector<size_t> rule_order_;
};

}  // namespace

Result<rules::LoadedRules> load_backtest_rules(const BacktestOptions& options) {
  rules::RulesConfig rc;
  if (options.config) rc = rules::RulesConfig::from(*options.config);
  if (!options.rule_files.empty()) rc.rule_files = options.rule_files;
  if (rc.rule_files.empty()) return invalid_argument("no rule files (give --rules FILE)");
  for (const auto& f : rc.rule_files) {
    if (rules::expand_rule_globs({f}).empty()) return not_found(f + ": no such rule file");
  }
  auto loaded = rules::Manager::load(rc, manager_options(options));
  if (!loaded) return tl::unexpected(loaded.error());
  if (options.step > 0) {
    for (auto& file : loaded->files) {
      for (auto& g : file.groups) g.interval = options.step;
    }
  }
  return loaded;
}

Result<BacktestResult> run_backtest(const BacktestOptions& options, rules::LoadedRules loaded,
                                    const SeriesSet& series) {
  FakeClock clock(options.from);
  ManualScheduler hashed_jobs(clock);
  AlignedScheduler aligned_jobs(clock, options.aligned_origin.value_or(options.from),
                                options.group_order);
  const bool aligned = options.aligned_origin.has_value();
  JobScheduler& jobs = aligned ? static_cast<JobScheduler&>(aligned_jobs) : hashed_jobs;
  dispatch::ManualScheduler timers(clock);
  prometheus::Registry registry;
  storage::Head head;
  BacktestResult result;
  result.from = options.from;
  result.to = options.to;

  // Dispatch, with recording integrations, when a configuration is given.
  dispatch::Silences silences;
  dispatch::NotificationLog nflog;
  std::unique_ptr<dispatch::Dispatcher> dispatcher;
  if (options.config) {
    auto templates = notifiers::load_notification_templates(options.config->templates);
    if (!templates) return tl::unexpected(templates.error().with_context("templates"));
    notifiers::NotifierDeps deps;
    deps.templates = *templates;
    auto recorder = [&result](notifiers::RecordedNotification n) {
      result.notifications.push_back(std::move(n));
    };
    for (const auto& r : options.config->receivers) {
      auto n = notifiers::make_recording_integrations(r, deps, recorder);
      if (!n) return tl::unexpected(n.error());
    }
    dispatch::DispatcherOptions dopts;
    dopts.external_url = options.external_url;
    dopts.random = [] { return 0.5; };  // no jitter: reproducible
    auto d = dispatch::Dispatcher::create(
        *options.config, dopts, timers,
        [deps, recorder](const config::Receiver& r) {
          std::vector<std::unique_ptr<notifiers::Notifier>> out;
          auto in = notifiers::make_recording_integrations(r, deps, recorder);
          if (in) {
            for (auto& i : *in) out.push_back(std::move(i.notifier));
          }
          return out;
        },
        silences, nflog, registry);
    if (!d) return tl::unexpected(d.error());
    dispatcher = std::move(*d);
    for (const auto& s : options.silences) {
      auto id = silences.set(s, options.from);
      if (!id) return tl::unexpected(id.error().with_context("silence"));
    }
    result.dispatched = true;
  }

  rules::AlertSink sink;
  if (dispatcher) {
    sink = [&dispatcher](std::vector<Alert> alerts, Timestamp now) {
      dispatcher->put(std::move(alerts), now);
    };
  }
  rules::RuleStorage rs{&head, [&head] { return head.appender(); }};
  rules::Manager manager(rs, sink, jobs, registry, manager_options(options));
  manager.apply(std::move(loaded));

  Feeder feeder(series, head);
  Observer observer;
  observer.register_rules(manager);
  for (;;) {
    auto rule_due = aligned ? aligned_jobs.next_due() : hashed_jobs.next_due();
    Timestamp timer_due = timers.next_due();
    if (timer_due >= 0 && timer_due <= options.to && (!rule_due || timer_due <= *rule_due)) {
      timers.run_until(timer_due);
      continue;
    }
    if (!rule_due || *rule_due > options.to) break;
    const Timestamp t = *rule_due;
    clock.set(t);
    feeder.feed_until(t);
    if (aligned) {
      aligned_jobs.advance(t);
    } else {
      hashed_jobs.advance(t);
    }
    ++result.steps;
    observer.observe(manager);
  }
  if (dispatcher) {
    timers.run_until(options.to);
    dispatcher->stop();
  }
  manager.stop();
  result.alerts = observer.episodes();
  result.rules = observer.rules();
  return result;
}

}  // namespace tocsin::app::eval
