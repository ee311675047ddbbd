#include "engine/dispatch/alerts.h"

#include <algorithm>
#include <string>

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

Alert merge_alerts(const Alert& a, const Alert& b, Timestamp now) {
  // Let b be the younger update.
  if (b.updated_at < a.updated_at) return merge_alerts(b, a, now);
  Alert res = b;
  if (a.starts_at < b.starts_at) res.starts_at = a.starts_at;
  if (b.resolved_at(now)) {
    // The latest explicit resolution wins when both are resolved.
    if (a.resolved_at(now) && a.ends_at > b.ends_at) res.ends_at = a.ends_at;
  } else {
    // A later end time that the sender set (not a resolve_timeout guess) always rules.
    if (a.ends_at > b.ends_at && !a.timeout) res.ends_at = a.ends_at;
  }
  return res;
}

bool overlaps(const Alert& prev, const Alert& next) {
  return (next.ends_at > prev.starts_at && next.ends_at < prev.ends_at) ||
         (next.starts_at > prev.starts_at && next.starts_at < prev.ends_at);
}

Result<SharedAlert> AlertStore::put(Alert a, Timestamp now) {
  const std::uint64_t fp = a.fingerprint();
  auto it = alerts_.find(fp);
  if (it == alerts_.end()) {
    if (options_.limit != 0 && alerts_.size() >= options_.limit) {
      return resource_exhausted("alert limit of " + std::to_string(options_.limit) +
                                " reached: alert " + a.labels.to_braces() + " rejected");
    }
    return alerts_.emplace(fp, std::make_shared<const Alert>(std::move(a))).first->second;
  }
  if (overlaps(*it->second, a)) a = merge_alerts(*it->second, a, now);
  it->second = std::make_shared<const Alert>(std::move(a));
  return it->second;
}

const Alert* AlertStore::get(std::uint64_t fingerprint) const {
  auto it = alerts_.find(fingerprint);
  return it == alerts_.end() ? nullptr : it->second.get();
}

std::vector<Alert> AlertStore::list() const {
  std::vector<Alert> out;
  out.reserve(alerts_.size());
  for (const auto& [fp, a] : alerts_) out.push_back(*a);
  return out;
}

std::vector<Alert> AlertStore::gc(Timestamp now) {
  std::vector<Alert> removed;
  for (auto it = alerts_.begin(); it != alerts_.end();) {
    const Alert& a = *it->second;
    if (a.ends_at != 0 && a.ends_at + options_.resolved_retention <= now) {
      removed.push_back(a);
      it = alerts_.erase(it);
    } else {
      ++it;
    }
  }
  return removed;
}

bool labels_before(const Labels& a, const Labels& b) {
  if (a.size() != b.size()) return a.size() < b.size();
  std::vector<std::string_view> names;
  for (const Label& l : a) names.push_back(l.name);
  for (const Label& l : b) names.push_back(l.name);
  std::sort(names.begin(), names.end());
  for (auto n : names) {
    if (!a.has(n)) return true;
    if (!b.has(n)) return false;
    auto av = a.get(n), bv = b.get(n);
    if (av != bv) return av < bv;
  }
  return false;
}

bool alert_less(const Alert& a, const Alert& b) {
  for (std::string_view key : {"job", "instance"}) {
    bool ah = a.labels.has(key), bh = b.labels.has(key);
    if (!ah && !bh) continue;
    if (!ah) return false;
    if (!bh) return true;
    auto av = a.labels.get(key), bv = b.labels.get(key);
    if (av != bv) return av < bv;
  }
  return labels_before(a.labels, b.labels);
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
