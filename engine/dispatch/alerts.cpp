#include "engine/dispatch/alerts.h"

#include <algorithm>
#include <string>
#include <tuple>
#include <utility>

namespace tocsin::dispatch {
namespace {

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : 9;
    if (n == 9 || i + n >= s.size()) return false;
    for (size_t k = 1; k <= n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    }
    i += n + 1;
  }
  return true;
}

}  // namespace

Alert prepare_alert(Alert a, Timestamp now, Duration resolve_timeout) {
  a.updated_at = now;
  if (a.starts_at == 0) a.starts_at = a.ends_at != 0 ? a.ends_at : now;
  if (a.ends_at == 0) {
    a.timeout = true;
    a.ends_at = now + resolve_timeout;
  }
  return a;
}

Status validate_alert(const Alert& a) {
  auto fail = [&](std::string why) {
    return invalid_argument(a.labels.to_braces() + ": " + std::move(why));
  };
  if (a.starts_at == 0) return fail("start time missing");
  if (a.ends_at != 0 && a.ends_at < a.starts_at) return fail("start time must be before end time");
  for (const Label& l : a.labels) {
    if (!is_valid_label_name(l.name)) {
      return fail("invalid label set: invalid name \"" + l.name + "\"");
    }
    if (!valid_utf8(l.value)) return fail("invalid label set: invalid value \"" + l.value + "\"");
  }
  if (a.labels.empty()) return fail("at least one label pair required");
  for (const auto& [name, value] : a.annotations) {
    if (!is_valid_label_name(name)) return fail("invalid annotations: invalid name \"" + name + "\"");
    if (!valid_utf8(value)) return fail("invalid annotations: invalid value \"" + value + "\"");
  }
  return {};
}

namespace {

// types.Alert.Merge's times: `older` and `newer` by updated_at; returns (starts_at, ends_at).
template <typename Older, typename Newer>
std::pair<Timestamp, Timestamp> merged_times(const Older& a, const Newer& b, Timestamp now) {
  Timestamp starts = b.starts_at, ends = b.ends_at;
  if (a.starts_at < b.starts_at) starts = a.starts_at;
  if (b.resolved_at(now)) {
    // The latest explicit resolution wins when both are resolved.
    if (a.resolved_at(now) && a.ends_at > b.ends_at) ends = a.ends_at;
  } else {
    // A later end time that the sender set (not a resolve_timeout guess) always rules.
    if (a.ends_at > b.ends_at && !a.timeout) ends = a.ends_at;
  }
  return {starts, ends};
}

template <typename Prev>
bool overlaps_impl(const Prev& prev, const Alert& next) {
  return (next.ends_at > prev.starts_at && next.ends_at < prev.ends_at) ||
         (next.starts_at > prev.starts_at && next.starts_at < prev.ends_at);
}

}  // namespace

Alert merge_alerts(const Alert& a, const Alert& b, Timestamp now) {
  // Let b be the younger update.
  if (b.updated_at < a.updated_at) return merge_alerts(b, a, now);
  Alert res = b;
  std::tie(res.starts_at, res.ends_at) = merged_times(a, b, now);
  return res;
}

bool overlaps(const Alert& prev, const Alert& next) { return overlaps_impl(prev, next); }
bool overlaps(const StoredAlert& prev, const Alert& next) { return overlaps_impl(prev, next); }

Result<SharedAlert> AlertStore::put(const Alert& a, Timestamp now, PutOutcome* outcome) {
  if (outcome) *outcome = PutOutcome::kChanged;
  const std::uint64_t fp = a.fingerprint();
  auto it = alerts_.find(fp);
  if (it == alerts_.end()) {
    if (options_.limit != 0 && alerts_.size() >= options_.limit) {
      return resource_exhausted("alert limit of " + std::to_string(options_.limit) +
                                " reached: alert " + a.labels.to_braces() + " rejected");
    }
    return alerts_.emplace(fp, StoredAlert::make(a, fp)).first->second;
  }
  const SharedAlert before = it->second;
  const StoredAlert& prev = *before;
  if (!overlaps(prev, a)) {
    it->second = StoredAlert::make(a, fp);
  } else if (a.updated_at < prev.updated_at) {
    // The stored version is the younger one: it stays, with the merged times.
    Alert res = prev.alert();
    std::tie(res.starts_at, res.ends_at) = merged_times(a, prev, now);
    it->second = StoredAlert::make(res, fp);
  } else {
    auto [starts, ends] = merged_times(prev, a, now);
    if (starts == a.starts_at && ends == a.ends_at) {
      it->second = StoredAlert::make(a, fp);
    } else {
      Alert res = a;
      res.starts_at = starts;
      res.ends_at = ends;
      it->second = StoredAlert::make(res, fp);
    }
  }
  const StoredAlert& next = *it->second;
  if (outcome && !prev.resolved_at(now) && !next.resolved_at(now) &&
      next.starts_at == prev.starts_at && next.ends_at >= prev.ends_at &&
      next.timeout == prev.timeout) {
    *outcome = PutOutcome::kRefreshed;
  }
  return it->second;
}

SharedAlert AlertStore::get(std::uint64_t fingerprint) const {
  auto it = alerts_.find(fingerprint);
  return it == alerts_.end() ? nullptr : it->second;
}

std::vector<Alert> AlertStore::list() const {
  std::vector<Alert> out;
  out.reserve(alerts_.size());
  for (const auto& [fp, a] : alerts_) out.push_back(a->alert());
  return out;
}

std::vector<SharedAlert> AlertStore::gc(Timestamp now) {
  std::vector<SharedAlert> removed;
  boost::unordered::erase_if(alerts_, [&](auto& entry) {
    const StoredAlert& a = *entry.second;
    if (a.ends_at == 0 || a.ends_at + options_.resolved_retention > now) return false;
    removed.push_back(std::move(entry.second));
    return true;
  });
  return removed;
}

namespace {

// Walks a label set in name order: Labels or a StoredAlert's buffer.
class LabelsWalk {
 public:
  explicit LabelsWalk(const Labels& l) : labels_(&l), left_(l.size()) { load(); }
  bool done() const { return left_ == 0; }
  std::string_view name() const { return name_; }
  std::string_view value() const { return value_; }
  void next() {
    --left_;
    ++i_;
    load();
  }

 private:
  void load() {
    if (left_ == 0) return;
    name_ = (*labels_)[i_].name;
    value_ = (*labels_)[i_].value;
  }
  const Labels* labels_;
  std::size_t left_, i_ = 0;
  std::string_view name_, value_;
};

class StoredWalk {
 public:
  explicit StoredWalk(const StoredAlert& a) : cursor_(a.label_cursor()), left_(a.label_count()) {
    load();
  }
  bool done() const { return left_ == 0; }
  std::string_view name() const { return name_; }
  std::string_view value() const { return value_; }
  void next() {
    --left_;
    load();
  }

 private:
  void load() {
    if (left_ == 0) return;
    name_ = cursor_.next();
    value_ = cursor_.next();
  }
  StoredAlert::Cursor cursor_;
  std::size_t left_;
  std::string_view name_, value_;
};

// model.LabelSet.Before over the merged sorted names: the first name one set lacks decides
// (the set without it sorts first), else the first differing value.
template <typename Walk>
bool before(std::size_t a_size, Walk a, std::size_t b_size, Walk b) {
  if (a_size != b_size) return a_size < b_size;
  while (!a.done() || !b.done()) {
    if (a.done()) return true;
    if (b.done()) return false;
    if (a.name() < b.name()) return false;  // b lacks a's name
    if (b.name() < a.name()) return true;   // a lacks b's name
    if (a.value() != b.value()) return a.value() < b.value();
    a.next();
    b.next();
  }
  return false;
}

// types.AlertSlice's first keys: job, then instance; an alert with the label sorts before one
// without. -1: a first, 1: b first, 0: undecided.
template <typename A, typename Get>
int job_instance_order(const A& a, const A& b, Get label) {
  for (std::string_view key : {"job", "instance"}) {
    std::string_view av = label(a, key), bv = label(b, key);
    bool ah = !av.empty(), bh = !bv.empty();
    if (!ah && !bh) continue;
    if (!ah) return 1;
    if (!bh) return -1;
    if (av != bv) return av < bv ? -1 : 1;
  }
  return 0;
}

}  // namespace

bool labels_before(const Labels& a, const Labels& b) {
  return before(a.size(), LabelsWalk(a), b.size(), LabelsWalk(b));
}

bool alert_less(const Alert& a, const Alert& b) {
  auto label = [](const Alert& x, std::string_view k) { return x.labels.get(k); };
  if (int o = job_instance_order(a, b, label)) return o < 0;
  return labels_before(a.labels, b.labels);
}

bool alert_less(const StoredAlert& a, const StoredAlert& b) {
  auto label = [](const StoredAlert& x, std::string_view k) { return x.label(k); };
  if (int o = job_instance_order(a, b, label)) return o < 0;
  return before(a.label_count(), StoredWalk(a), b.label_count(), StoredWalk(b));
}

std::string go_labelset_string(const Labels& l) {
  std::vector<std::string> parts;
  parts.reserve(l.size());
  for (const Label& x : l) parts.push_back(x.name + "=" + go_quote(x.value));
  std::sort(parts.begin(), parts.end());
  std::string out = "{";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += ", ";
    out += parts[i];
  }
  return out + "}";
}

}  // namespace tocsin::dispatch
