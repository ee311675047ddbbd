#include "engine/model/labels.h"

#include <algorithm>
#include <cstdio>

#include "engine/common/hash.h"

namespace tocsin {

namespace {

void sort_dedupe(std::vector<Label>& v) {
  std::stable_sort(v.begin(), v.end(),
                   [](const Label& a, const Label& b) { return a.name < b.name; });
  // Keep the last of equal names.
  std::vector<Label> out;
  out.reserve(v.size());
  for (auto& l : v) {
    if (!out.empty() && out.back().name == l.name) {
      out.back() = std::move(l);
    } else {
      out.push_back(std::move(l));
    }
  }
  out.erase(std::remove_if(out.begin(), out.end(), [](const Label& l) { return l.value.empty(); }),
            out.end());
  v = std::move(out);
}

}  // namespace

void Labels::assign(std::vector<Label>&& labels) {
  size_ = labels.size();
  if (size_ == 0) {
    data_.reset();
    return;
  }
  std::shared_ptr<Label[]> data = std::make_shared<Label[]>(size_);
  std::move(labels.begin(), labels.end(), data.get());
  data_ = std::move(data);
}

Labels::Labels(std::initializer_list<Label> labels) {
  std::vector<Label> v(labels);
  sort_dedupe(v);
  assign(std::move(v));
}

Labels Labels::from_unsorted(std::vector<Label> labels) {
  Labels l;
  sort_dedupe(labels);
  l.assign(std::move(labels));
  return l;
}

Labels Labels::from_sorted(std::vector<Label> labels) {
  Labels l;
  l.assign(std::move(labels));
  return l;
}

std::string_view Labels::get(std::string_view name) const {
  auto it = std::lower_bound(begin(), end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  if (it != end() && it->name == name) return it->value;
  return {};
}

bool Labels::has(std::string_view name) const { return !get(name).empty(); }

std::uint64_t Labels::fingerprint() const {
  std::uint64_t h = kFnvOffset;
  for (const auto& l : *this) {
    h = fnv1a(l.name, h);
    h = fnv1a_sep(h);
    h = fnv1a(l.value, h);
    h = fnv1a_sep(h);
  }
  return h;
}

std::uint64_t Labels::fingerprint_of(const std::vector<std::string>& names) const {
  std::vector<std::string_view> sorted(names.begin(), names.end());
  std::sort(sorted.begin(), sorted.end());
  std::uint64_t h = kFnvOffset;
  for (auto n : sorted) {
    h = fnv1a(n, h);
    h = fnv1a_sep(h);
    h = fnv1a(get(n), h);
    h = fnv1a_sep(h);
  }
  return h;
}

std::string Labels::to_string() const {
  std::string out(metric_name());
  bool has_other = false;
  for (const auto& l : *this) {
    if (l.name == kMetricName) continue;
    out += has_other ? ", " : "{";
    has_other = true;
    out += l.name;
    out += '=';
    out += go_quote(l.value);
  }
  if (has_other) {
    out += '}';
  } else if (out.empty()) {
    out = "{}";
  }
  return out;
}

std::string Labels::to_braces() const {
  std::string out = "{";
  bool first = true;
  for (const auto& l : *this) {
    if (!first) out += ", ";
    first = false;
    out += l.name;
    out += '=';
    out += go_quote(l.value);
  }
  out += '}';
  return out;
}

Labels Labels::without(std::string_view name) const {
  if (!has(name)) return *this;  // shares the array
  return make_sorted(size_ - 1, [&](std::span<Label> out) {
    size_t i = 0;
    for (const auto& l : *this) {
      if (l.name != name) out[i++] = l;
    }
  });
}

LabelsBuilder::LabelsBuilder(const Labels& base) : labels_(base.begin(), base.end()) {}

LabelsBuilder& LabelsBuilder::set(std::string_view name, std::string_view value) {
  auto it = std::lower_bound(labels_.begin(), labels_.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  if (it != labels_.end() && it->name == name) {
    if (value.empty()) {
      labels_.erase(it);
    } else {
      it->value = std::string(value);
    }
  } else if (!value.empty()) {
    labels_.insert(it, Label{std::string(name), std::string(value)});
  }
  return *this;
}

LabelsBuilder& LabelsBuilder::del(std::string_view name) { return set(name, ""); }

std::string_view LabelsBuilder::get(std::string_view name) const {
  auto it = std::lower_bound(labels_.begin(), labels_.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  if (it != labels_.end() && it->name == name) return it->value;
  return {};
}

Labels LabelsBuilder::labels() const { return Labels::from_sorted(labels_); }

bool is_valid_label_name(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool is_valid_metric_name(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

namespace {

// Length of the valid UTF-8 sequence starting at s[i] (a byte >= 0x80), or 0 when it is not one
// (stray continuation byte, truncated, overlong, surrogate, beyond U+10FFFF).
size_t utf8_sequence(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;  // bounds of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > s.size() || b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
  }
  return n;
}

}  // namespace

std::string go_quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\v': out += "\\v"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else if (c < 0x80) {
          out += static_cast<char>(c);
        } else if (size_t n = utf8_sequence(s, i); n > 0) {
          out.append(s.substr(i, n));  // valid UTF-8 passes through
          i += n - 1;
        } else {
          char buf[8];  // an invalid byte, as strconv.Quote: the result is always valid UTF-8
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace tocsin
