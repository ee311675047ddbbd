#include "engine/dispatch/inhibitor.h"

#include <algorithm>
#include <limits>

namespace tocsin::dispatch {
namespace {

constexpr Timestamp kNever = std::numeric_limits<Timestamp>::max();

void erase_pair(std::multimap<Timestamp, std::uint64_t>& m, Timestamp end, std::uint64_t fp) {
  auto [b, e] = m.equal_range(end);
  for (auto it = b; it != e; ++it) {
    if (it->second == fp) {
      m.erase(it);
      return;
    }
  }
}

}  // namespace

Inhibitor::Inhibitor(const std::vector<config::InhibitRule>& rules) {
  for (const auto& cr : rules) {
    Rule r;
    r.source = cr.all_source_matchers();
    r.target = cr.all_target_matchers();
    r.equal = cr.equal;
    std::sort(r.equal.begin(), r.equal.end());
    r.equal.erase(std::unique(r.equal.begin(), r.equal.end()), r.equal.end());
    rules_.push_back(std::move(r));
  }
}

std::string Inhibitor::equal_key(const Rule& r, const Labels& labels) {
  std::string key;
  for (const auto& name : r.equal) {
    key += labels.get(name);
    key += '\xff';
  }
  return key;
}

void Inhibitor::remove(Rule& r, std::uint64_t fp) {
  auto it = r.sources.find(fp);
  if (it == r.sources.end()) return;
  auto b = r.index.find(it->second.key);
  if (b != r.index.end()) {
    erase_pair(b->second.all, it->second.end, fp);
    if (!it->second.matches_target) erase_pair(b->second.non_target, it->second.end, fp);
    if (b->second.all.empty()) r.index.erase(b);
  }
  r.sources.erase(it);
}

void Inhibitor::observe(const Alert& alert) {
  observe(alert.labels, alert.fingerprint(), alert.ends_at);
}

void Inhibitor::observe(const Labels& labels, std::uint64_t fp, Timestamp ends_at) {
  for (Rule& r : rules_) {
    remove(r, fp);
    if (!matchers::matches(r.source, labels)) continue;
    Source s{equal_key(r, labels), ends_at == 0 ? kNever : ends_at,
             matchers::matches(r.target, labels)};
    Bucket& b = r.index[s.key];
    b.all.emplace(s.end, fp);
    if (!s.matches_target) b.non_target.emplace(s.end, fp);
    r.sources.emplace(fp, std::move(s));
  }
}

void Inhibitor::forget(std::uint64_t fingerprint) {
  for (Rule& r : rules_) remove(r, fingerprint);
}

std::vector<std::string> Inhibitor::mutes(const Labels& labels, Timestamp now) const {
  for (const Rule& r : rules_) {
    if (!matchers::matches(r.target, labels)) continue;
    auto b = r.index.find(equal_key(r, labels));
    if (b == r.index.end()) continue;
    // The target side matches; when the source side does too, only sources that do not match
    // the target side may inhibit it.
    const auto& candidates =
        matchers::matches(r.source, labels) ? b->second.non_target : b->second.all;
    if (candidates.empty()) continue;
    const auto& latest = *candidates.rbegin();
    if (latest.first > now) return {fingerprint_hex(latest.second)};
  }
  return {};
}

std::size_t Inhibitor::indexed_sources() const {
  std::size_t n = 0;
  for (const Rule& r : rules_) n += r.sources.size();
  return n;
}

}  // namespace tocsin::dispatch
