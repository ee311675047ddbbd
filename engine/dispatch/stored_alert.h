// StoredAlert: an alert as dispatch keeps it between arrival and notification — immutable and
// compact.
//
// An `Alert` spends most of its bytes on containers: a vector of 64-byte label pairs, a std::map
// node per annotation, a heap string for the generator URL. Dispatch holds every active alert
// (100k and more on a busy host), so it stores each one as its times, its fingerprint (computed
// once) and one byte buffer holding the label pairs (sorted by name, as in `Labels`), the
// annotation pairs and the generator URL, each string preceded by its length as a varint.
// Readers get string views (label(), for_each_label()) or build an `Alert` / `Labels` on demand
// (alert(), labels()): notifications, the API and the matchers' Labels.
//
// Shared, never changed: the AlertStore, the aggregation groups and queued deliveries hold the
// same object (SharedAlert); an update stores a new one. Any thread may read it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "engine/common/result.h"
#include "engine/common/time.h"
#include "engine/model/alert.h"

namespace tocsin::dispatch {

class StoredAlert {
 public:
  static std::shared_ptr<const StoredAlert> make(const Alert& a);
  // The same, with a.fingerprint() already computed by the caller.
  static std::shared_ptr<const StoredAlert> make(const Alert& a, std::uint64_t fingerprint);
  StoredAlert(const StoredAlert&) = delete;
  StoredAlert& operator=(const StoredAlert&) = delete;

  Timestamp starts_at = 0;
  Timestamp ends_at = 0;
  Timestamp updated_at = 0;
  bool timeout = false;

  std::uint64_t fingerprint() const { return fingerprint_; }
  bool resolved_at(Timestamp now) const { return ends_at != 0 && ends_at <= now; }

  std::size_t label_count() const { return label_count_; }
  // The value of label `name`, or "" when absent.
  std::string_view label(std::string_view name) const;
  bool has_label(std::string_view name) const;
  // f(name, value) for each label, in name order.
  template <typename F>
  void for_each_label(F&& f) const {
    Cursor c(data_.get());
    for (std::size_t i = 0; i < label_count_; ++i) {
      std::string_view n = c.next(), v = c.next();
      f(n, v);
    }
  }
  std::string_view generator_url() const;

  Labels labels() const;
  Alert alert() const;
  // A copy with another ends_at (a restored alert whose end passed while tocsin was down).
  std::shared_ptr<const StoredAlert> with_ends_at(Timestamp ends_at) const;

  // State files: appends the alert to `out`; decode() reads one back from the front of `in`
  // (advancing it), checking every length against the input.
  void encode(std::string& out) const;
  static Result<std::shared_ptr<const StoredAlert>> decode(std::string_view& in);

  // Bytes held by this alert (object and buffer), for tests and capacity notes.
  std::size_t bytes() const { return sizeof(*this) + size_; }

  // Reads the varint-prefixed strings of a buffer in order.
  class Cursor;
  // Reads the labels: label_count() (name, value) pairs, in name order.
  Cursor label_cursor() const;

  class Cursor {
   public:
    explicit Cursor(const char* p) : p_(reinterpret_cast<const unsigned char*>(p)) {}
    std::string_view next();

   private:
    const unsigned char* p_;
  };

 private:
  StoredAlert() = default;
  std::uint64_t fingerprint_ = 0;
  std::uint32_t size_ = 0;
  std::uint32_t label_count_ = 0;
  std::uint32_t annotation_count_ = 0;
  std::unique_ptr<char[]> data_;  // labels, annotations, generator URL
};

inline StoredAlert::Cursor StoredAlert::label_cursor() const { return Cursor(data_.get()); }

}  // namespace tocsin::dispatch
