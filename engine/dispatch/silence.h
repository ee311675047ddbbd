// Silences: the silence store (Alertmanager's silence.Silences) and the Silencer muter.
//
// A Silence mutes every alert whose labels match all its matchers while it is active. Its state
// is a pure function of now (silence_state): pending before starts_at, active until ends_at,
// expired after. set() follows Alertmanager's update rules (can_update): a silence whose matchers
// change, or an active one whose start moves or whose end moves into the past, is not edited in
// place — the old one is expired and a new id is created. Expired silences are kept for
// `retention` after ends_at, then gc() drops them.
//
// Limits, as Alertmanager's --silences.max-silences and --silences.max-silence-size-bytes: a new
// silence (or a replacing one) is refused when the store already holds max_silences silences —
// expired ones awaiting gc() included, since they take memory too — with "exceeded maximum
// number of silences: N (limit: M)"; any silence whose encoded size (silence_size_bytes) is over
// max_silence_size_bytes is refused with "silence exceeded maximum size: N bytes (limit: M
// bytes)". Both are kResourceExhausted and counted in tocsin_silences_rejected_total{reason}.
//
// Persistence: snapshot() serialises to a JSON string on the owner's thread; the caller writes it
// with write_file_atomic() on a worker (state_file.h). load() replaces the content from a
// snapshot. version() changes on every mutation, so the caller knows when to write.
//
// Owned by the app; all methods run on the I/O thread. The free functions are pure.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/common/result.h"
#include "engine/common/time.h"
#include "engine/dispatch/muter.h"
#include "engine/model/labels.h"
#include "parser/matchers/matcher.h"

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Counter;
class Gauge;
}  // namespace prometheus

namespace tocsin::dispatch {

struct Silence {
  std::string id;
  std::vector<matchers::Matcher> matchers;
  Timestamp starts_at = 0;
  Timestamp ends_at = 0;
  Timestamp updated_at = 0;
  std::string created_by;
  std::string comment;
};

enum class SilenceState { kPending, kActive, kExpired };
std::string_view to_string(SilenceState s);  // "pending", "active", "expired"

SilenceState silence_state(const Silence& s, Timestamp now);
// The size of the silence as Alertmanager stores it (its MeshSilence protobuf encoding, expiry =
// ends_at + retention): what --silences.max-silence-size-bytes limits.
std::size_t silence_size_bytes(const Silence& s, Duration retention);
// validateSilence: id, at least one matcher, not all matching "", start/end set, end >= start.
Status validate_silence(const Silence& s);
// Whether `next` may replace `prev` in place at `now` (same matchers; for an active silence the
// same start and an end not in the past; for a pending one a start not in the past).
bool can_update(const Silence& prev, const Silence& next, Timestamp now);
// Whether the silence matches the label set (all matchers).
bool silence_matches(const Silence& s, const Labels& labels);

struct SilencesOptions {
  Duration retention = 120 * kHour;       // --data.retention
  std::size_t max_silences = 0;           // --silences.max-silences; 0 = unbounded
  std::size_t max_silence_size_bytes = 0;  // --silences.max-silence-size-bytes; 0 = unbounded
};

class Silences {
 public:
  // `new_id` makes ids (UUID v4 by default; tests inject a sequence). `registry` may be null.
  explicit Silences(SilencesOptions options = {}, prometheus::Registry* registry = nullptr,
                    std::function<std::string()> new_id = {});

  // Creates or updates; returns the id in effect. kNotFound for an unknown non-empty id,
  // kInvalidArgument for an invalid silence, kResourceExhausted past max_silences or
  // max_silence_size_bytes.
  Result<std::string> set(Silence s, Timestamp now);
  // Expires an active or pending silence. kNotFound, or kInvalidArgument when already expired.
  Status expire(const std::string& id, Timestamp now);

  const Silence* get(const std::string& id) const;
  // All silences, in no particular order.
  std::vector<Silence> list() const;
  // Ids of the active silences matching `labels`, sorted.
  std::vector<std::string> mutes(const Labels& labels, Timestamp now) const;

  // Drops silences expired more than `retention` ago; returns how many.
  std::size_t gc(Timestamp now);
  // Refreshes tocsin_silences{state}.
  void update_metrics(Timestamp now);

  std::string snapshot() const;
  Status load(std::string_view snapshot);
  std::uint64_t version() const { return version_; }

 private:
  SilencesOptions options_;
  std::function<std::string()> new_id_;
  std::map<std::string, Silence> silences_;
  std::uint64_t version_ = 0;
  prometheus::Gauge* gauge_pending_ = nullptr;
  prometheus::Gauge* gauge_active_ = nullptr;
  prometheus::Gauge* gauge_expired_ = nullptr;
  prometheus::Counter* rejected_count_ = nullptr;
  prometheus::Counter* rejected_size_ = nullptr;

  Status check_size(const Silence& s);
};

// The Muter view of a Silences store.
class Silencer final : public Muter {
 public:
  explicit Silencer(const Silences& silences) : silences_(silences) {}
  std::vector<std::string> mutes(const Labels& labels, Timestamp now) const override {
    return silences_.mutes(labels, now);
  }

 private:
  const Silences& silences_;
};

// A random RFC 4122 version 4 UUID, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".
std::string new_uuid_v4();

}  // namespace tocsin::dispatch
