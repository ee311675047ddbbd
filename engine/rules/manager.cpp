#include "engine/rules/manager.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include "engine/common/log.h"
#include "engine/rules/rule_file_split.h"

namespace tocsin::rules {

struct Manager::GroupMetrics {
  prometheus::Counter* evaluations;
  prometheus::Counter* failures;
  prometheus::Gauge* last_duration;
  prometheus::Counter* missed;
  prometheus::Counter* iterations;
};

RulesConfig RulesConfig::from(const config::Config& cfg) {
  RulesConfig r;
  r.rule_files = cfg.rule_files;
  r.evaluation_interval = cfg.global.evaluation_interval;
  r.rule_query_offset = cfg.global.rule_query_offset;
  r.external_labels = cfg.global.external_labels;
  r.compat_prometheus2 = cfg.tocsin.compat_prometheus2();
  return r;
}

Manager::Manager(RuleStorage storage, AlertSink sink, JobScheduler& scheduler,
                 prometheus::Registry& registry, ManagerOptions options, Executor worker,
                 Executor home)
    : storage_(std::move(storage)),
      sink_(std::move(sink)),
      options_(std::move(options)),
      worker_(std::move(worker)),
      home_(std::move(home)),
      scheduler_(scheduler),
      evaluations_(prometheus::BuildCounter()
                       .Name("tocsin_rule_evaluations_total")
                       .Help("The total number of rule evaluations.")
                       .Register(registry)),
      failures_(prometheus::BuildCounter()
                    .Name("tocsin_rule_evaluation_failures_total")
                    .Help("The total number of rule evaluation failures.")
                    .Register(registry)),
      last_duration_(prometheus::BuildGauge()
                         .Name("tocsin_rule_group_last_duration_seconds")
                         .Help("The duration of the last rule group evaluation.")
                         .Register(registry)),
      missed_(prometheus::BuildCounter()
                  .Name("tocsin_rule_group_iterations_missed_total")
                  .Help("The total number of rule group evaluations missed due to slow rule "
                        "group evaluation.")
                  .Register(registry)),
      iterations_(prometheus::BuildCounter()
                      .Name("tocsin_rule_group_iterations_total")
                      .Help("The total number of scheduled rule group evaluations, whether "
                            "executed or missed.")
                      .Register(registry)),
      alerts_(prometheus::BuildGauge()
                  .Name("tocsin_alerts")
                  .Help("Number of active alerts by state.")
                  .Register(registry)) {
  alerts_.Add({{"state", "pending"}}).Set(0);
  alerts_.Add({{"state", "firing"}}).Set(0);
}

Manager::~Manager() {
  *alive_ = false;
  for (const auto& [key, e] : entries_) scheduler_.remove(e.job);
}

Result<LoadedRules> Manager::load(const RulesConfig& config, const ManagerOptions& options) {
  LoadedRules out;
  out.config = config;
  std::string errors;
  RuleFileOptions rfo;
  rfo.ignore_unknown_fields = options.ignore_unknown_fields;
  // Files are read first; each plainly laid-out file is then split into one part per group
  // (rule_file_split.h), and the parts (or whole files) are parsed on up to
  // hardware_concurrency() threads, so that one big file does not parse on one thread while the
  // others wait. Results and errors keep the files' order; a file whose parts do not join is
  // parsed whole, which gives its errors exactly as a serial load would.
  const std::vector<std::string> paths = expand_rule_globs(config.rule_files);
  std::vector<RuleFileResult> results(paths.size());
  std::vector<std::string> texts(paths.size());
  std::vector<std::vector<std::string>> parts(paths.size());
  std::vector<std::vector<RuleFileResult>> part_results(paths.size());
  constexpr std::size_t kWholeFile = static_cast<std::size_t>(-1);
  struct Task {
    std::size_t file;
    std::size_t part;  // kWholeFile: the file is parsed whole
  };
  std::vector<Task> tasks;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    auto text = read_rule_source(paths[i]);
    if (!text) {
      results[i] = tl::unexpected(
          std::vector<RuleFileError>{RuleFileError{paths[i], {}, text.error().message}});
      continue;
    }
    texts[i] = std::move(*text);
    parts[i] = split_rule_groups(texts[i]);
    if (parts[i].empty()) {
      tasks.push_back({i, kWholeFile});
      continue;
    }
    part_results[i].resize(parts[i].size());
    for (std::size_t p = 0; p < parts[i].size(); ++p) tasks.push_back({i, p});
  }
  auto parse = [&rfo](std::string_view text, const std::string& path) -> RuleFileResult {
    try {
      return parse_rule_file(text, path, rfo);
    } catch (const std::exception& e) {  // never let a helper thread end the process
      return tl::unexpected(std::vector<RuleFileError>{
          RuleFileError{path, {}, std::string("reading the file failed: ") + e.what()}});
    }
  };
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t t; (t = next.fetch_add(1)) < tasks.size();) {
      const Task& task = tasks[t];
      if (task.part == kWholeFile) {
        results[task.file] = parse(texts[task.file], paths[task.file]);
      } else {
        part_results[task.file][task.part] = parse(parts[task.file][task.part], paths[task.file]);
      }
    }
  };
  const std::size_t threads =
      std::min<std::size_t>(tasks.size(), std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> helpers;
  for (std::size_t t = 1; t < threads; ++t) helpers.emplace_back(work);
  work();
  for (auto& h : helpers) h.join();
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (parts[i].empty()) continue;
    if (auto joined = join_rule_group_parts(paths[i], part_results[i])) {
      results[i] = std::move(*joined);
    } else {
      results[i] = parse(texts[i], paths[i]);
    }
  }
  for (auto& rf : results) {
    if (!rf) {
      for (const auto& e : rf.error()) errors += (errors.empty() ? "" : "\n") + e.to_string();
      continue;
    }
    out.files.push_back(std::move(*rf));
  }
  if (!errors.empty()) return invalid_argument(errors);
  return out;
}

Status Manager::apply(const RulesConfig& config) {
  auto loaded = load(config, options_);
  if (!loaded) return tl::unexpected(loaded.error());
  apply(std::move(*loaded));
  return {};
}

Manager::GroupMetrics& Manager::metrics_for(const std::string& key) {
  auto& m = metrics_[key];
  if (!m) {
    prometheus::Labels l{{"rule_group", key}};
    m = std::make_unique<GroupMetrics>(GroupMetrics{&evaluations_.Add(l), &failures_.Add(l),
                                                    &last_duration_.Add(l), &missed_.Add(l),
                                                    &iterations_.Add(l)});
  }
  return *m;
}

void Manager::drop_metrics(const std::string& key) {
  auto it = metrics_.find(key);
  if (it == metrics_.end()) return;
  evaluations_.Remove(it->second->evaluations);
  failures_.Remove(it->second->failures);
  last_duration_.Remove(it->second->last_duration);
  missed_.Remove(it->second->missed);
  iterations_.Remove(it->second->iterations);
  metrics_.erase(it);
}

void Manager::apply(LoadedRules rules) {
  std::vector<Label> ext;
  for (const auto& [k, v] : rules.config.external_labels) ext.push_back({k, v});
  external_labels_ = Labels::from_unsorted(std::move(ext));

  std::map<std::string, Entry> next;
  std::vector<std::string> order;
  for (auto& file : rules.files) {
    for (auto& spec : file.groups) {
      GroupOptions o;
      o.interval = spec.interval > 0 ? spec.interval : rules.config.evaluation_interval;
      o.query_offset = spec.query_offset.value_or(rules.config.rule_query_offset);
      o.eval.lookback_delta = options_.lookback_delta;
      o.eval.max_samples = options_.max_samples;
      o.eval.timeout = options_.query_timeout;
      o.eval.default_subquery_step = rules.config.evaluation_interval;
      o.eval.compat_prometheus2 = options_.compat_prometheus2 || rules.config.compat_prometheus2;
      o.external_labels = external_labels_;
      o.external_url = options_.external_url;
      o.resend_delay = options_.resend_delay;
      std::string key = spec.file + ";" + spec.name;
      auto group = std::make_shared<Group>(std::move(spec), std::move(o));
      auto old = entries_.find(key);
      if (old != entries_.end() && old->second.group->same_definition(*group)) {
        next[key] = std::move(old->second);  // unchanged: keep running as it is
        entries_.erase(old);
      } else {
        Entry e;
        e.group = group;
        if (old != entries_.end()) {
          if (old->second.running) {
            e.copy_from = old->second.group;
          } else {
            group->copy_state_from(*old->second.group);
          }
          scheduler_.remove(old->second.job);
          if (old->second.running) retiring_.push_back(old->second.group);
          entries_.erase(old);
        }
        if (auto saved = saved_.find(key); saved != saved_.end()) {
          group->restore_saved(saved->second);
          saved_.erase(saved);
        }
        e.job = schedule(key, group->interval());
        next[key] = std::move(e);
      }
      order.push_back(key);
    }
  }
  for (auto& [key, e] : entries_) {  // groups that are gone
    scheduler_.remove(e.job);
    if (e.running) retiring_.push_back(e.group);
    drop_metrics(key);
  }
  entries_ = std::move(next);
  order_ = std::move(order);
  ++state_version_;
  update_alert_gauges();
}

std::string Manager::snapshot_alert_states() const { return encode_alert_states(groups()); }

void Manager::stop() {
  for (auto& [key, e] : entries_) {
    scheduler_.remove(e.job);
    e.job = 0;
  }
}

JobId Manager::schedule(const std::string& key, Duration interval) {
  return scheduler_.add(key, interval, [this, key](JobId id, Timestamp due) {
    on_turn(key, id, due);
  });
}

void Manager::on_turn(const std::string& key, JobId id, Timestamp due) {
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.job != id) return;
  Entry& e = it->second;
  report_missed(key, e);
  if (e.copy_from) {  // the group it replaces is still evaluating: skip this turn
    auto& m = metrics_for(key);
    m.missed->Increment();
    m.iterations->Increment();
    scheduler_.finished(e.job);
    return;
  }
  start(e, due);
}

// Turns the scheduler skipped (busy or late) count as missed iterations.
void Manager::report_missed(const std::string& key, Entry& e) {
  JobStats st = scheduler_.stats(e.job);
  std::uint64_t missed = st.skipped_busy + st.skipped_late;
  if (missed > e.missed_reported) {
    auto& m = metrics_for(key);
    m.missed->Increment(static_cast<double>(missed - e.missed_reported));
    m.iterations->Increment(static_cast<double>(missed - e.missed_reported));
    e.missed_reported = missed;
  }
}

void Manager::start(Entry& e, Timestamp due) {
  e.running = true;
  auto group = e.group;
  auto alive = alive_;
  RuleStorage storage = storage_;
  worker_([this, group, storage, due, alive] {
    GroupEvalResult r = group->eval(due, storage);
    home_([this, group, r = std::move(r), due, alive]() mutable {
      if (!*alive) return;
      finish(group, std::move(r), due);
    });
  });
}

void Manager::finish(const std::shared_ptr<Group>& g, GroupEvalResult r, Timestamp due) {
  const std::string key = g->file() + ";" + g->name();
  auto it = entries_.find(key);
  bool current = it != entries_.end() && it->second.group == g;
  if (current) {
    it->second.running = false;
    scheduler_.finished(it->second.job);
    report_missed(key, it->second);
    auto& m = metrics_for(key);
    m.evaluations->Increment(r.evaluations);
    m.failures->Increment(r.failures);
    m.last_duration->Set(r.seconds);
    m.iterations->Increment();
    std::uint64_t sig = 0;
    for (const auto& rule : g->rules()) {
      if (const auto* ar = dynamic_cast<const AlertingRule*>(rule.get())) {
        sig = sig * 1099511628211ull + ar->state_signature();
      }
    }
    if (sig != it->second.state_signature) {
      it->second.state_signature = sig;
      ++state_version_;
    }
    for (const auto& [rule, msg] : r.errors) {
      log::warn("rule evaluation failed",
                {{"group", g->name()}, {"file", g->file()}, {"rule", rule->name()}, {"err", msg}});
    }
  } else {
    // Removed or replaced while evaluating: hand the state over now.
    for (auto& [k, e] : entries_) {
      if (e.copy_from == g) {
        e.group->copy_state_from(*g);
        e.copy_from.reset();
      }
    }
    retiring_.erase(std::remove(retiring_.begin(), retiring_.end(), g), retiring_.end());
    ++state_version_;
  }
  if (!r.alerts.empty() && sink_) {
    for (auto& a : r.alerts) {
      LabelsBuilder b(a.labels);
      for (const auto& l : external_labels_) {
        if (!a.labels.has(l.name)) b.set(l.name, l.value);
      }
      a.labels = b.labels();
    }
    sink_(std::move(r.alerts), due);
  }
  update_alert_gauges();
}

void Manager::update_alert_gauges() {
  double pending = 0, firing = 0;
  for (const auto& [_, e] : entries_) {
    for (const auto& rule : e.group->rules()) {
      auto* ar = dynamic_cast<const AlertingRule*>(rule.get());
      if (!ar) continue;
      for (const auto& a : ar->active_alerts()) {
        (a.state == AlertState::kFiring ? firing : pending) += 1;
      }
    }
  }
  alerts_.Add({{"state", "pending"}}).Set(pending);
  alerts_.Add({{"state", "firing"}}).Set(firing);
}

std::vector<std::shared_ptr<const Group>> Manager::groups() const {
  std::vector<std::shared_ptr<const Group>> out;
  for (const auto& key : order_) {
    if (auto it = entries_.find(key); it != entries_.end()) out.push_back(it->second.group);
  }
  return out;
}

int Manager::running() const {
  int n = 0;
  for (const auto& [_, e] : entries_) n += e.running ? 1 : 0;
  return n;
}

}  // namespace tocsin::rules
