// Labels: an immutable, sorted set of (name, value) pairs identifying a series or an alert.
//
// Names are unique and sorted; an empty value means "absent" (as in Prometheus), so builders drop
// labels set to "". Labels is a value type, safe to share read-only across threads: the pairs
// live in one immutable, reference-counted array, so a copy costs a reference count increment
// (query evaluation copies label sets at every stage), never a string allocation.
// fingerprint() is Alertmanager's: FNV-1a 64 over sorted names and values, each followed by 0xff.
#pragma once

#include <algorithm>
#include <compare>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tocsin {

inline constexpr std::string_view kMetricName = "__name__";

struct Label {
  std::string name;
  std::string value;
  friend bool operator==(const Label&, const Label&) = default;
  friend auto operator<=>(const Label&, const Label&) = default;
};

class Labels {
 public:
  Labels() = default;
  // Sorts; on duplicate names the last one wins. Empty values are dropped.
  Labels(std::initializer_list<Label> labels);
  static Labels from_unsorted(std::vector<Label> labels);
  // REQUIRES: labels sorted by name, names unique, no empty value.
  static Labels from_sorted(std::vector<Label> labels);

  // The value of `name`, or "" when absent.
  std::string_view get(std::string_view name) const;
  bool has(std::string_view name) const;
  std::string_view metric_name() const { return get(kMetricName); }

  // REQUIRES: fill writes n labels, sorted by name, names unique, no empty value, into the
  // n default-constructed slots it is given (one allocation, no vector in between).
  template <class Fill>
  static Labels make_sorted(size_t n, Fill&& fill) {
    Labels l;
    if (n == 0) return l;
    std::shared_ptr<Label[]> data = std::make_shared<Label[]>(n);
    fill(std::span<Label>(data.get(), n));
    l.data_ = std::move(data);
    l.size_ = n;
    return l;
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const Label* begin() const { return data_.get(); }
  const Label* end() const { return data_.get() + size_; }
  const Label& operator[](size_t i) const { return data_[i]; }
  std::span<const Label> span() const { return {data_.get(), size_}; }

  std::uint64_t fingerprint() const;
  // Fingerprint over only the named labels (absent ones hash as empty), for grouping.
  std::uint64_t fingerprint_of(const std::vector<std::string>& names) const;

  // {a="b", c="d"} with the metric name in front when present: up{job="x"}.
  std::string to_string() const;
  // {a="b", c="d"} with every label inside the braces, as Alertmanager prints label sets.
  std::string to_braces() const;

  Labels without(std::string_view name) const;
  Labels without_metric_name() const { return without(kMetricName); }

  friend bool operator==(const Labels& a, const Labels& b) {
    if (a.size_ != b.size_) return false;
    return a.data_ == b.data_ || std::equal(a.begin(), a.end(), b.begin());
  }
  friend std::strong_ordering operator<=>(const Labels& a, const Labels& b) {
    if (a.data_ == b.data_ && a.size_ == b.size_) return std::strong_ordering::equal;
    return std::lexicographical_compare_three_way(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  void assign(std::vector<Label>&& labels);  // moves the pairs into a fresh array

  std::shared_ptr<const Label[]> data_;  // null when empty
  size_t size_ = 0;
};

// Builds a Labels from a base with edits. set("x", "") deletes x.
class LabelsBuilder {
 public:
  LabelsBuilder() = default;
  explicit LabelsBuilder(const Labels& base);
  LabelsBuilder& set(std::string_view name, std::string_view value);
  LabelsBuilder& del(std::string_view name);
  std::string_view get(std::string_view name) const;
  Labels labels() const;

 private:
  std::vector<Label> labels_;  // kept sorted
};

// Prometheus' label name rule: [a-zA-Z_][a-zA-Z0-9_]*.
bool is_valid_label_name(std::string_view name);
// Metric names additionally allow ':'.
bool is_valid_metric_name(std::string_view name);
// Go's strconv.Quote of a UTF-8 string, as Prometheus prints label values: "a\"b\n". Bytes that
// are not valid UTF-8 become \xNN, so the result is valid UTF-8 (safe in JSON) whatever `s` is.
std::string go_quote(std::string_view s);

struct LabelsHash {
  size_t operator()(const Labels& l) const { return static_cast<size_t>(l.fingerprint()); }
};

}  // namespace tocsin
