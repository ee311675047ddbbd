#include "engine/dispatch/silence.h"

#include <algorithm>
#include <cstdio>
#include <random>

#include <nlohmann/json.hpp>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace tocsin::dispatch {

std::string_view to_string(SilenceState s) {
  switch (s) {
    case SilenceState::kPending: return "pending";
    case SilenceState::kActive: return "active";
    case SilenceState::kExpired: return "expired";
  }
  return "expired";
}

SilenceState silence_state(const Silence& s, Timestamp now) {
  if (now < s.starts_at) return SilenceState::kPending;
  if (now < s.ends_at) return SilenceState::kActive;
  return SilenceState::kExpired;
}

Status validate_silence(const Silence& s) {
  if (s.id.empty()) return invalid_argument("ID missing");
  if (s.matchers.empty()) return invalid_argument("at least one matcher required");
  bool all_match_empty = true;
  for (const auto& m : s.matchers) {
    if (m.name().empty()) return invalid_argument("invalid label name \"\"");
    if (!m.matches("")) all_match_empty = false;
  }
  if (all_match_empty) {
    return invalid_argument("at least one matcher must not match the empty string");
  }
  if (s.starts_at == 0) return invalid_argument("invalid zero start timestamp");
  if (s.ends_at == 0) return invalid_argument("invalid zero end timestamp");
  if (s.ends_at < s.starts_at) return invalid_argument("end time must not be before start time");
  return {};
}

namespace {

// Protocol buffers' wire sizes (proto3: empty strings and zero numbers are not written).
std::size_t varint_size(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}
std::size_t bytes_field(std::size_t len) { return len == 0 ? 0 : 1 + varint_size(len) + len; }
std::size_t message_field(std::size_t len) { return 1 + varint_size(len) + len; }
// google.protobuf.Timestamp{seconds, nanos} as a field.
std::size_t timestamp_field(Timestamp t) {
  const std::int64_t secs = t >= 0 ? t / 1000 : (t - 999) / 1000;
  const std::int64_t nanos = (t - secs * 1000) * 1'000'000;
  std::size_t n = 0;
  if (secs != 0) n += 1 + varint_size(static_cast<std::uint64_t>(secs));
  if (nanos != 0) n += 1 + varint_size(static_cast<std::uint64_t>(nanos));
  return message_field(n);
}

}  // namespace

std::size_t silence_size_bytes(const Silence& s, Duration retention) {
  // silencepb.Silence: id 1, matchers 2 (Matcher: type 1, name 2, pattern 3), starts_at 3,
  // ends_at 4, updated_at 5, created_by 7, comment 8; MeshSilence: silence 1, expires_at 2.
  std::size_t sil = bytes_field(s.id.size());
  for (const auto& m : s.matchers) {
    int type = 0;  // EQUAL, REGEXP, NOT_EQUAL, NOT_REGEXP
    switch (m.type()) {
      case matchers::MatchType::kEqual: type = 0; break;
      case matchers::MatchType::kRegex: type = 1; break;
      case matchers::MatchType::kNotEqual: type = 2; break;
      case matchers::MatchType::kNotRegex: type = 3; break;
    }
    std::size_t mm = (type != 0 ? 2 : 0) + bytes_field(m.name().size()) +
                     bytes_field(m.value().size());
    sil += message_field(mm);
  }
  sil += timestamp_field(s.starts_at) + timestamp_field(s.ends_at) +
         timestamp_field(s.updated_at) + bytes_field(s.created_by.size()) +
         bytes_field(s.comment.size());
  return message_field(sil) + timestamp_field(s.ends_at + retention);
}

bool can_update(const Silence& prev, const Silence& next, Timestamp now) {
  if (prev.matchers != next.matchers) return false;
  switch (silence_state(prev, now)) {
    case SilenceState::kActive:
      if (next.starts_at != prev.starts_at) return false;
      if (next.ends_at < now) return false;
      return true;
    case SilenceState::kPending:
      return next.starts_at >= now;
    case SilenceState::kExpired:
      return false;
  }
  return false;
}

bool silence_matches(const Silence& s, const Labels& labels) {
  return matchers::matches(s.matchers, labels);
}

std::string new_uuid_v4() {
  static thread_local std::mt19937_64 rng{std::random_device{}() ^
                                          (static_cast<std::uint64_t>(std::random_device{}()) << 32)};
  std::uint64_t hi = rng(), lo = rng();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 10
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx",
                static_cast<unsigned>(hi >> 32), static_cast<unsigned>((hi >> 16) & 0xffff),
                static_cast<unsigned>(hi & 0xffff), static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

Silences::Silences(SilencesOptions options, prometheus::Registry* registry,
                   std::function<std::string()> new_id)
    : options_(options), new_id_(new_id ? std::move(new_id) : new_uuid_v4) {
  if (registry) {
    auto& fam = prometheus::BuildGauge()
                    .Name("tocsin_silences")
                    .Help("How many silences by state.")
                    .Register(*registry);
    gauge_pending_ = &fam.Add({{"state", "pending"}});
    gauge_active_ = &fam.Add({{"state", "active"}});
    gauge_expired_ = &fam.Add({{"state", "expired"}});
    auto& rejected = prometheus::BuildCounter()
                         .Name("tocsin_silences_rejected_total")
                         .Help("Silences refused by a limit: max_silences "
                               "(--silences.max-silences) or max_size "
                               "(--silences.max-silence-size-bytes).")
                         .Register(*registry);
    rejected_count_ = &rejected.Add({{"reason", "max_silences"}});
    rejected_size_ = &rejected.Add({{"reason", "max_size"}});
  }
}

Status Silences::check_size(const Silence& s) {
  const std::size_t limit = options_.max_silence_size_bytes;
  if (limit == 0) return {};
  const std::size_t n = silence_size_bytes(s, options_.retention);
  if (n <= limit) return {};
  if (rejected_size_) rejected_size_->Increment();
  return resource_exhausted("silence exceeded maximum size: " + std::to_string(n) +
                            " bytes (limit: " + std::to_string(limit) + " bytes)");
}

Result<std::string> Silences::set(Silence s, Timestamp now) {
  const Silence* prev = nullptr;
  if (!s.id.empty()) {
    auto it = silences_.find(s.id);
    if (it == silences_.end()) return not_found("silence " + s.id + " not found");
    prev = &it->second;
  }
  if (prev && can_update(*prev, s, now)) {
    s.updated_at = now;
    if (auto st = validate_silence(s); !st) return tl::unexpected(st.error());
    if (auto st = check_size(s); !st) return tl::unexpected(st.error());
    silences_[s.id] = s;
    ++version_;
    update_metrics(now);
    return s.id;
  }
  // A new silence, possibly replacing `prev`.
  const std::string prev_id = prev ? prev->id : "";
  s.id = new_id_();
  if (s.starts_at < now) s.starts_at = now;
  s.updated_at = now;
  if (auto st = validate_silence(s); !st) return tl::unexpected(st.error());
  if (options_.max_silences != 0 && silences_.size() >= options_.max_silences) {
    if (rejected_count_) rejected_count_->Increment();
    return resource_exhausted("exceeded maximum number of silences: " +
                              std::to_string(silences_.size()) +
                              " (limit: " + std::to_string(options_.max_silences) + ")");
  }
  if (auto st = check_size(s); !st) return tl::unexpected(st.error());
  if (!prev_id.empty() && silence_state(silences_[prev_id], now) != SilenceState::kExpired) {
    if (auto st = expire(prev_id, now); !st) return tl::unexpected(st.error());
  }
  silences_[s.id] = s;
  ++version_;
  update_metrics(now);
  return s.id;
}

Status Silences::expire(const std::string& id, Timestamp now) {
  auto it = silences_.find(id);
  if (it == silences_.end()) return not_found("silence " + id + " not found");
  Silence& s = it->second;
  switch (silence_state(s, now)) {
    case SilenceState::kExpired:
      return invalid_argument("silence " + id + " already expired");
    case SilenceState::kActive:
      s.ends_at = now;
      break;
    case SilenceState::kPending:
      s.starts_at = now;
      s.ends_at = now;
      break;
  }
  s.updated_at = now;
  ++version_;
  update_metrics(now);
  return {};
}

const Silence* Silences::get(const std::string& id) const {
  auto it = silences_.find(id);
  return it == silences_.end() ? nullptr : &it->second;
}

std::vector<Silence> Silences::list() const {
  std::vector<Silence> out;
  out.reserve(silences_.size());
  for (const auto& [id, s] : silences_) out.push_back(s);
  return out;
}

std::vector<std::string> Silences::mutes(const Labels& labels, Timestamp now) const {
  std::vector<std::string> ids;
  for (const auto& [id, s] : silences_) {
    if (silence_state(s, now) == SilenceState::kActive && silence_matches(s, labels)) {
      ids.push_back(id);
    }
  }
  return ids;  // std::map iterates in id order
}

std::size_t Silences::gc(Timestamp now) {
  std::size_t n = 0;
  for (auto it = silences_.begin(); it != silences_.end();) {
    if (it->second.ends_at + options_.retention <= now) {
      it = silences_.erase(it);
      ++n;
    } else {
      ++it;
    }
  }
  if (n) ++version_;
  update_metrics(now);
  return n;
}

void Silences::update_metrics(Timestamp now) {
  if (!gauge_active_) return;
  double p = 0, a = 0, e = 0;
  for (const auto& [id, s] : silences_) {
    switch (silence_state(s, now)) {
      case SilenceState::kPending: ++p; break;
      case SilenceState::kActive: ++a; break;
      case SilenceState::kExpired: ++e; break;
    }
  }
  gauge_pending_->Set(p);
  gauge_active_->Set(a);
  gauge_expired_->Set(e);
}

std::string Silences::snapshot() const {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& [id, s] : silences_) {
    nlohmann::json ms = nlohmann::json::array();
    for (const auto& m : s.matchers) {
      ms.push_back({{"name", m.name()},
                    {"value", m.value()},
                    {"type", std::string(matchers::to_string(m.type()))}});
    }
    arr.push_back({{"id", s.id},
                   {"matchers", ms},
                   {"startsAt", s.starts_at},
                   {"endsAt", s.ends_at},
                   {"updatedAt", s.updated_at},
                   {"createdBy", s.created_by},
                   {"comment", s.comment}});
  }
  return nlohmann::json{{"version", 1}, {"silences", arr}}.dump();
}

Status Silences::load(std::string_view snapshot) {
  std::map<std::string, Silence> loaded;
  try {
    auto doc = nlohmann::json::parse(snapshot);
    for (const auto& j : doc.at("silences")) {
      Silence s;
      s.id = j.at("id").get<std::string>();
      for (const auto& jm : j.at("matchers")) {
        const std::string type = jm.at("type").get<std::string>();
        matchers::MatchType t = type == "=" ? matchers::MatchType::kEqual
                                : type == "!=" ? matchers::MatchType::kNotEqual
                                : type == "=~" ? matchers::MatchType::kRegex
                                               : matchers::MatchType::kNotRegex;
        auto m = matchers::Matcher::make(t, jm.at("name").get<std::string>(),
                                         jm.at("value").get<std::string>());
        if (!m) return invalid_argument("silence " + s.id + ": " + m.error().message);
        s.matchers.push_back(std::move(*m));
      }
      s.starts_at = j.at("startsAt").get<Timestamp>();
      s.ends_at = j.at("endsAt").get<Timestamp>();
      s.updated_at = j.at("updatedAt").get<Timestamp>();
      s.created_by = j.value("createdBy", "");
      s.comment = j.value("comment", "");
      loaded[s.id] = std::move(s);
    }
  } catch (const nlohmann::json::exception& e) {
    return invalid_argument(std::string("silences snapshot: ") + e.what());
  }
  silences_ = std::move(loaded);
  ++version_;
  return {};
}

}  // namespace tocsin::dispatch
