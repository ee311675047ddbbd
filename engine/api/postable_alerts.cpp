#include "engine/api/postable_alerts.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <utility>

#include <nlohmann/json.hpp>

#include "engine/common/utf8.h"

namespace tocsin::api {
namespace {

// A member of a `labels` or `annotations` object; a value that is not a string is remembered so
// that it is reported only if no later duplicate key replaces it.
struct Entry {
  std::string name;
  std::string value;
  bool is_string = true;
};

// startsAt / endsAt as the body has them (the last occurrence wins).
struct TimeField {
  enum class Kind { kUnset, kString, kOther } kind = Kind::kUnset;
  std::string text;
};

// One postableAlert as read, checked and turned into an Alert by finish(). A body's elements
// are read into one Element in turn (clear() keeps the vectors' capacity).
struct Element {
  bool has_labels = false;  // `labels` present and an object
  std::vector<Entry> labels;
  enum class Annotations { kNone, kObject, kOther } annotations_kind = Annotations::kNone;
  std::vector<Entry> annotations;
  TimeField starts_at, ends_at;
  bool has_generator_url = false;
  std::string generator_url;

  void clear() {
    has_labels = false;
    labels.clear();
    annotations_kind = Annotations::kNone;
    annotations.clear();
    starts_at = {};
    ends_at = {};
    has_generator_url = false;
    generator_url.clear();
  }
  Result<Alert> finish();
};

// Sorts by name and keeps the last entry of each name, as a JSON object's duplicate keys do.
void settle(std::vector<Entry>& v) {
  auto by_name = [](const Entry& a, const Entry& b) { return a.name < b.name; };
  if (v.size() <= 16) {
    // An alert's few labels: an insertion sort (stable, and no scratch buffer to allocate).
    for (std::size_t i = 1; i < v.size(); ++i) {
      for (std::size_t j = i; j > 0 && by_name(v[j], v[j - 1]); --j) std::swap(v[j], v[j - 1]);
    }
  } else {
    std::stable_sort(v.begin(), v.end(), by_name);
  }
  std::size_t out = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (out > 0 && v[out - 1].name == v[i].name) {
      v[out - 1] = std::move(v[i]);
    } else {
      if (out != i) v[out] = std::move(v[i]);
      ++out;
    }
  }
  v.resize(out);
}

// strfmt.DateTime; Go's zero time (year 1) and "" mean unset.
Result<Timestamp> parse_time(const TimeField& f, const char* field) {
  switch (f.kind) {
    case TimeField::Kind::kUnset: return 0;
    case TimeField::Kind::kOther:
      return invalid_argument(std::string(field) + " must be a string");
    case TimeField::Kind::kString: break;
  }
  if (f.text.empty() || f.text.rfind("0001-01-01", 0) == 0) return 0;
  auto t = parse_rfc3339(f.text);
  if (!t) {
    return invalid_argument(std::string(field) + ": \"" + f.text + "\" is not an RFC 3339 time");
  }
  return *t;
}

Result<Alert> Element::finish() {
  if (!has_labels) return invalid_argument("labels in body is required");
  settle(labels);
  for (const Entry& e : labels) {
    if (!e.is_string) return invalid_argument("label " + e.name + " must be a string");
  }
  if (annotations_kind == Annotations::kOther) {
    return invalid_argument("annotations must be an object");
  }
  settle(annotations);
  for (const Entry& e : annotations) {
    if (!e.is_string) return invalid_argument("annotation " + e.name + " must be a string");
  }
  auto starts = parse_time(starts_at, "startsAt");
  if (!starts) return tl::unexpected(starts.error());
  auto ends = parse_time(ends_at, "endsAt");
  if (!ends) return tl::unexpected(ends.error());

  Alert a;
  std::vector<Label> ls;
  ls.reserve(labels.size());
  for (Entry& e : labels) {
    if (!e.value.empty()) ls.push_back({std::move(e.name), std::move(e.value)});  // "" = absent
  }
  a.labels = Labels::from_sorted(std::move(ls));
  for (Entry& e : annotations) {
    a.annotations.emplace_hint(a.annotations.end(), std::move(e.name), std::move(e.value));
  }
  a.starts_at = *starts;
  a.ends_at = *ends;
  if (has_generator_url) a.generator_url = generator_url;  // the scratch keeps its buffer
  return a;
}

// A strict RFC 8259 reader over the body, accepting what nlohmann::json::parse accepts. Each
// method returns false on a syntax error (and the reader stays failed).
class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {
    // nlohmann skips a UTF-8 byte order mark at the very start.
    if (s_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
  }

  // Skips whitespace; the next byte, or 0 at the end.
  char peek() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t')) {
      ++pos_;
    }
    return pos_ < s_.size() ? s_[pos_] : '\0';
  }
  bool eat(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  bool at_end() { return peek() == '\0' && pos_ == s_.size(); }

  // Reads a string at the current position (after peek() == '"'); `out` may be null to skip.
  bool string(std::string* out);
  // Skips one value of any kind, however deeply nested.
  bool skip_value();

  // Calls member(key) for each member of the object at the current position (peek() == '{');
  // member reads the value and returns false on a syntax error.
  template <typename F>
  bool object(F&& member) {
    ++pos_;
    if (eat('}')) return true;
    std::string key;
    for (;;) {
      if (peek() != '"' || !string(&key) || !eat(':')) return false;
      peek();
      if (!member(key)) return false;
      if (eat(',')) continue;
      return eat('}');
    }
  }

  // Calls element(index) for each element of the array at the current position (peek() == '[').
  template <typename F>
  bool array(F&& element) {
    ++pos_;
    if (eat(']')) return true;
    for (std::size_t i = 0;; ++i) {
      peek();
      if (!element(i)) return false;
      if (eat(',')) continue;
      return eat(']');
    }
  }

 private:
  bool scalar();  // a string, number or literal at the current position
  bool number();
  bool literal(std::string_view word);
  bool hex4(unsigned& cp);

  std::string_view s_;
  std::size_t pos_ = 0;
};

bool Reader::hex4(unsigned& cp) {
  if (s_.size() - pos_ < 4) return false;
  cp = 0;
  for (int i = 0; i < 4; ++i) {
    const char c = s_[pos_++];
    unsigned d;
    if (c >= '0' && c <= '9') {
      d = static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      d = static_cast<unsigned>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      d = static_cast<unsigned>(c - 'A' + 10);
    } else {
      return false;
    }
    cp = cp * 16 + d;
  }
  return true;
}

bool Reader::string(std::string* out) {
  ++pos_;  // the opening quote
  if (out) out->clear();
  const std::size_t n = s_.size();
  for (;;) {
    const std::size_t start = pos_;
    while (pos_ < n) {
      const auto c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
      ++pos_;
    }
    if (out) out->append(s_.data() + start, pos_ - start);
    if (pos_ >= n) return false;
    const auto c = static_cast<unsigned char>(s_[pos_]);
    if (c == '"') {
      ++pos_;
      return true;
    }
    if (c < 0x20) return false;  // control characters must be escaped
    if (c == '\\') {
      if (++pos_ >= n) return false;
      const char e = s_[pos_++];
      char plain = 0;
      switch (e) {
        case '"': plain = '"'; break;
        case '\\': plain = '\\'; break;
        case '/': plain = '/'; break;
        case 'b': plain = '\b'; break;
        case 'f': plain = '\f'; break;
        case 'n': plain = '\n'; break;
        case 'r': plain = '\r'; break;
        case 't': plain = '\t'; break;
        case 'u': {
          unsigned cp;
          if (!hex4(cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a lone low surrogate
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            unsigned lo;
            if (s_.size() - pos_ < 2 || s_[pos_] != '\\' || s_[pos_ + 1] != 'u') return false;
            pos_ += 2;
            if (!hex4(lo) || lo < 0xDC00 || lo > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          if (out) append_utf8(*out, cp);
          continue;
        }
        default: return false;
      }
      if (out) *out += plain;
      continue;
    }
    // A multi-byte UTF-8 sequence, checked as RFC 3629 (no overlongs, no surrogates).
    std::size_t len;
    unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (n - pos_ < len) return false;
    const auto b1 = static_cast<unsigned char>(s_[pos_ + 1]);
    if (b1 < lo || b1 > hi) return false;
    for (std::size_t k = 2; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s_[pos_ + k]);
      if (b < 0x80 || b > 0xBF) return false;
    }
    if (out) out->append(s_.data() + pos_, len);
    pos_ += len;
  }
}

bool Reader::literal(std::string_view word) {
  if (s_.substr(pos_, word.size()) != word) return false;
  pos_ += word.size();
  return true;
}

bool Reader::number() {
  const std::size_t start = pos_;
  const std::size_t n = s_.size();
  auto digit = [&] { return pos_ < n && s_[pos_] >= '0' && s_[pos_] <= '9'; };
  if (s_[pos_] == '-') ++pos_;
  if (pos_ < n && s_[pos_] == '0') {
    ++pos_;
  } else if (digit()) {
    while (digit()) ++pos_;
  } else {
    return false;
  }
  bool plain_integer = true;
  if (pos_ < n && s_[pos_] == '.') {
    plain_integer = false;
    ++pos_;
    if (!digit()) return false;
    while (digit()) ++pos_;
  }
  if (pos_ < n && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
    plain_integer = false;
    ++pos_;
    if (pos_ < n && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
    if (!digit()) return false;
    while (digit()) ++pos_;
  }
  // nlohmann reads floats (and integers beyond 64 bits) as doubles and rejects an overflow.
  if (!plain_integer || pos_ - start > 18) {
    const std::string token(s_.substr(start, pos_ - start));
    if (!std::isfinite(std::strtod(token.c_str(), nullptr))) return false;
  }
  return true;
}

bool Reader::scalar() {
  switch (peek()) {
    case '"': return string(nullptr);
    case 't': return literal("true");
    case 'f': return literal("false");
    case 'n': return literal("null");
    default: {
      const char c = peek();
      if (c == '-' || (c >= '0' && c <= '9')) return number();
      return false;
    }
  }
}

bool Reader::skip_value() {
  std::vector<char> open;  // the enclosing '{' and '[', innermost last
  for (;;) {
    // A value.
    const char c = peek();
    bool closed_now = false;  // an empty container: a complete value
    if (c == '{' || c == '[') {
      ++pos_;
      const char close = c == '{' ? '}' : ']';
      if (eat(close)) {
        closed_now = true;
      } else {
        open.push_back(c);
        if (c == '{' && (peek() != '"' || !string(nullptr) || !eat(':'))) return false;
        continue;  // the first member's or element's value
      }
    }
    if (!closed_now && !scalar()) return false;
    // After a value: a separator leads to the next value, closers complete enclosing values.
    for (;;) {
      if (open.empty()) return true;
      if (eat(',')) {
        if (open.back() == '{' && (peek() != '"' || !string(nullptr) || !eat(':'))) return false;
        break;
      }
      if (!eat(open.back() == '{' ? '}' : ']')) return false;
      open.pop_back();
    }
  }
}

// Reads the members of an object of strings (labels, annotations) into `out`.
bool string_members(Reader& r, std::vector<Entry>& out) {
  out.clear();
  return r.object([&](std::string& key) {
    Entry e;
    e.name = std::move(key);
    if (r.peek() == '"') {
      if (!r.string(&e.value)) return false;
    } else {
      e.is_string = false;
      if (!r.skip_value()) return false;
    }
    out.push_back(std::move(e));
    return true;
  });
}

bool time_field(Reader& r, TimeField& f) {
  const char c = r.peek();
  if (c == '"') {
    f.kind = TimeField::Kind::kString;
    return r.string(&f.text);
  }
  f.kind = c == 'n' ? TimeField::Kind::kUnset : TimeField::Kind::kOther;  // null or not a string
  return r.skip_value();
}

// Reads one element of the array; a syntax error returns false, a bad alert lands in `out`.
bool element(Reader& r, std::size_t index, Element& e, PostableAlerts& out) {
  auto reject = [&](const std::string& why) {
    out.errors += (out.errors.empty() ? "alert " : "; alert ") + std::to_string(index) + ": " + why;
  };
  if (r.peek() != '{') {
    if (!r.skip_value()) return false;
    reject("alert must be an object");
    return true;
  }
  e.clear();
  const bool ok = r.object([&](std::string& key) {
    const char c = r.peek();
    if (key == "labels") {
      e.has_labels = c == '{';
      if (e.has_labels) return string_members(r, e.labels);
      e.labels.clear();
      return r.skip_value();
    }
    if (key == "annotations") {
      if (c == '{') {
        e.annotations_kind = Element::Annotations::kObject;
        return string_members(r, e.annotations);
      }
      e.annotations.clear();
      e.annotations_kind = c == 'n' ? Element::Annotations::kNone : Element::Annotations::kOther;
      return r.skip_value();
    }
    if (key == "startsAt") return time_field(r, e.starts_at);
    if (key == "endsAt") return time_field(r, e.ends_at);
    if (key == "generatorURL") {
      e.has_generator_url = c == '"';
      if (e.has_generator_url) return r.string(&e.generator_url);
      return r.skip_value();
    }
    return r.skip_value();
  });
  if (!ok) return false;
  auto a = e.finish();
  if (a) {
    out.alerts.push_back(std::move(*a));
  } else {
    reject(a.error().message);
  }
  return true;
}

}  // namespace

Result<PostableAlerts> decode_postable_alerts(std::string_view body) {
  Reader r(body);
  PostableAlerts out;
  const bool is_array = r.peek() == '[';
  Element scratch;
  const bool ok = is_array ? r.array([&](std::size_t i) { return element(r, i, scratch, out); })
                           : r.skip_value();
  if (ok && r.at_end()) {
    if (!is_array) return invalid_argument("request body must be an array of alerts");
    return out;
  }
  // Not JSON: the message nlohmann gives, which names the offending byte.
  try {
    [[maybe_unused]] const auto parsed = nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    return invalid_argument(std::string("failed to parse request body: ") + e.what());
  }
  return invalid_argument("failed to parse request body: syntax error");
}

}  // namespace tocsin::api
