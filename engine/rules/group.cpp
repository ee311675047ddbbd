#include "engine/rules/group.h"

#include <chrono>
#include <map>

#include "engine/rules/alert_state_snapshot.h"
#include "engine/common/hash.h"
#include "engine/http/http_types.h"
#include "parser/promql/parse.h"

namespace tocsin::rules {

std::string generator_url(std::string_view external_url, std::string_view expr) {
  std::string base(external_url);
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/graph?g0.expr=" + http::url_encode(expr) + "&g0.tab=1";
}

Group::Group(GroupSpec spec, GroupOptions options)
    : spec_(std::move(spec)), options_(std::move(options)) {
  for (const auto& r : spec_.rules) {
    if (r.is_alert()) {
      rules_.push_back(std::make_unique<AlertingRule>(r));
    } else {
      rules_.push_back(std::make_unique<RecordingRule>(r));
    }
  }
  previous_series_.resize(rules_.size());
}

Duration Group::offset() const {
  if (options_.interval <= 0) return 0;
  std::uint64_t h = fnv1a(spec_.name);
  h = fnv1a_sep(h);
  h = fnv1a(spec_.file, h);
  return static_cast<Duration>(h % static_cast<std::uint64_t>(options_.interval));
}

Timestamp Group::eval_timestamp(Timestamp t) const {
  const Duration iv = options_.interval;
  if (iv <= 0) return t;
  const Duration off = offset();
  Timestamp adj = t - off;
  Timestamp base = adj - (((adj % iv) + iv) % iv);
  return base + off;
}

namespace {

// A rule whose evaluation throws (a bug, or memory exhausted) fails like a query error: it keeps
// its alerts and the group goes on with the next rule, instead of ending the worker thread.
Result<promql::Vector> eval_guarded(Rule& rule, Timestamp ts, const EvalContext& ctx) {
  try {
    return rule.eval(ts, ctx);
  } catch (const std::exception& e) {
    return internal_error(std::string("unexpected failure: ") + e.what());
  } catch (...) {
    return internal_error("unexpected failure");
  }
}

}  // namespace

GroupEvalResult Group::eval(Timestamp ts, const RuleStorage& storage) {
  const auto start = std::chrono::steady_clock::now();
  GroupEvalResult result;
  EvalContext ctx{*storage.querier, options_.eval, options_.query_offset, spec_.limit,
                  options_.external_labels, options_.external_url};
  const std::shared_ptr<const InstantQuerier> remote =
      storage.remote ? storage.remote() : nullptr;
  ctx.remote = remote.get();
  const Timestamp stamped = ts - options_.query_offset;
  for (size_t i = 0; i < rules_.size(); ++i) {
    Rule& rule = *rules_[i];
    const auto rule_start = std::chrono::steady_clock::now();
    ++result.evaluations;
    Result<promql::Vector> vec = eval_guarded(rule, ts, ctx);
    RuleStatus st;
    st.last_evaluation = ts;
    if (!vec) {
      ++result.failures;
      st.health = RuleHealth::kErr;
      st.last_error = vec.error().message;
      result.errors.emplace_back(&rule, vec.error().message);
      // The alerts keep their state and are re-sent as usual, so a query error (a data source
      // down) resolves nothing downstream either.
      if (auto* ar = dynamic_cast<AlertingRule*>(&rule)) {
        for (auto& a : ar->alerts_to_send(ts, options_.resend_delay, options_.interval,
                                          generator_url(options_.external_url, rule.spec().expr))) {
          result.alerts.push_back(std::move(a));
        }
      }
    } else {
      st.health = RuleHealth::kOk;
      if (auto* ar = dynamic_cast<AlertingRule*>(&rule)) {
        auto alerts = ar->alerts_to_send(ts, options_.resend_delay, options_.interval,
                                         generator_url(options_.external_url, rule.spec().expr));
        for (auto& a : alerts) result.alerts.push_back(std::move(a));
      }
      auto app = storage.appender();
      std::set<Labels> written;
      for (const auto& s : *vec) {
        app->add(s.metric, stamped, s.v);
        written.insert(s.metric);
      }
      for (const auto& l : previous_series_[i]) {
        if (!written.count(l)) app->add(l, stamped, storage::stale_nan());
      }
      (void)app->commit();  // rejected samples (out of order, duplicates) are counted there
      previous_series_[i] = std::move(written);
    }
    st.evaluation_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - rule_start).count();
    rule.set_status(std::move(st));
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  last_evaluation_.store(ts);
  evaluation_seconds_.store(result.seconds);
  return result;
}

bool Group::same_definition(const Group& other) const {
  if (spec_.name != other.spec_.name || spec_.file != other.spec_.file ||
      spec_.limit != other.spec_.limit || spec_.labels != other.spec_.labels ||
      !(options_ == other.options_) || rules_.size() != other.rules_.size()) {
    return false;
  }
  for (size_t i = 0; i < rules_.size(); ++i) {
    const RuleSpec& a = rules_[i]->spec();
    const RuleSpec& b = other.rules_[i]->spec();
    if (a.record != b.record || a.alert != b.alert || a.expr != b.expr || a.hold != b.hold ||
        a.keep_firing_for != b.keep_firing_for || a.labels != b.labels ||
        a.annotations != b.annotations) {
      return false;
    }
  }
  return true;
}

void Group::copy_state_from(Group& old) {
  last_evaluation_.store(old.last_evaluation_.load());
  evaluation_seconds_.store(old.evaluation_seconds_.load());
  std::map<std::string, std::vector<size_t>> by_identity;
  for (size_t i = 0; i < old.rules_.size(); ++i) {
    by_identity[old.rules_[i]->identity()].push_back(i);
  }
  for (size_t i = 0; i < rules_.size(); ++i) {
    auto it = by_identity.find(rules_[i]->identity());
    if (it == by_identity.end() || it->second.empty()) continue;
    size_t from = it->second.front();
    it->second.erase(it->second.begin());
    previous_series_[i] = old.previous_series_[from];
    auto* to_rule = dynamic_cast<AlertingRule*>(rules_[i].get());
    auto* from_rule = dynamic_cast<AlertingRule*>(old.rules_[from].get());
    if (to_rule && from_rule) to_rule->copy_state_from(*from_rule);
  }
}

void Group::restore_saved(const SavedGroupAlerts& saved) {
  std::map<std::string, size_t> seen;  // identity -> rules with it so far
  for (auto& rule : rules_) {
    auto* ar = dynamic_cast<AlertingRule*>(rule.get());
    if (ar == nullptr) continue;
    const std::string id = rule->identity();
    const size_t n = seen[id]++;
    auto it = saved.by_rule.find(id);
    if (it == saved.by_rule.end() || n >= it->second.size()) continue;
    ar->restore_state(it->second[n]);
  }
}

}  // namespace tocsin::rules
