// Inhibitor: inhibit_rules (Alertmanager's inhibit.Inhibitor), indexed.
//
// A firing alert matching a rule's source matchers mutes every alert that matches the rule's
// target matchers and has the same values for the rule's `equal` labels (absent = ""). An alert
// matching both sides is not inhibited by sources that also match both sides (it does not
// inhibit itself). Resolved sources (ends_at <= now) do not inhibit.
//
// Alertmanager scans every source alert of a rule for each check. Here each rule keeps an index
// from the tuple of `equal` label values to the sources with those values, ordered by ends_at:
// a check is one hash lookup and one look at the latest ends_at per rule, O(rules) whatever the
// number of sources. Two orders are kept per bucket, all sources and those not matching the
// target side, for the self-inhibition exclusion.
//
// observe() is fed every stored alert; forget() when the store drops one. Owned by the
// Dispatcher; all methods on the I/O thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/config/config.h"
#include "engine/dispatch/muter.h"
#include "engine/model/alert.h"
#include "parser/matchers/matcher.h"

namespace tocsin::dispatch {

class Inhibitor final : public Muter {
 public:
  explicit Inhibitor(const std::vector<config::InhibitRule>& rules);

  void observe(const Alert& alert);
  // The same for an alert with these labels, fingerprint and ends_at (0 = no end).
  void observe(const Labels& labels, std::uint64_t fingerprint, Timestamp ends_at);
  void forget(std::uint64_t fingerprint);

  // The fingerprint (16 hex digits) of one inhibiting source, or empty.
  std::vector<std::string> mutes(const Labels& labels, Timestamp now) const override;

  // Source alerts indexed across all rules (for tests and metrics).
  std::size_t indexed_sources() const;

 private:
  struct Bucket {
    std::multimap<Timestamp, std::uint64_t> all;         // effective ends_at → fingerprint
    std::multimap<Timestamp, std::uint64_t> non_target;  // sources not matching the target side
  };
  struct Source {
    std::string key;
    Timestamp end = 0;
    bool matches_target = false;
  };
  struct Rule {
    std::vector<matchers::Matcher> source;
    std::vector<matchers::Matcher> target;
    std::vector<std::string> equal;
    std::unordered_map<std::string, Bucket> index;
    std::unordered_map<std::uint64_t, Source> sources;
  };

  static std::string equal_key(const Rule& r, const Labels& labels);
  static void remove(Rule& r, std::uint64_t fp);

  std::vector<Rule> rules_;
};

}  // namespace tocsin::dispatch
