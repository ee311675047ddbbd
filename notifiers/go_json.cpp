#include "notifiers/go_json.h"

#include <cmath>
#include <cstdio>
#include <ctime>

namespace tocsin::notifiers {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_u(std::string& out, unsigned cp) {
  out += "\\u";
  out += kHex[(cp >> 12) & 0xf];
  out += kHex[(cp >> 8) & 0xf];
  out += kHex[(cp >> 4) & 0xf];
  out += kHex[cp & 0xf];
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 when invalid.
size_t utf8_len(std::string_view s, size_t i, unsigned& cp) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t n;
  if (c < 0x80) { cp = c; return 1; }
  if (c >= 0xc2 && c <= 0xdf) { n = 2; cp = c & 0x1f; }
  else if (c >= 0xe0 && c <= 0xef) { n = 3; cp = c & 0x0f; }
  else if (c >= 0xf0 && c <= 0xf4) { n = 4; cp = c & 0x07; }
  else return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    auto d = static_cast<unsigned char>(s[i + k]);
    if ((d & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (d & 0x3f);
  }
  // Overlong forms, surrogates and values past U+10FFFF are invalid.
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
      (cp >= 0xd800 && cp <= 0xdfff)) {
    return 0;
  }
  return n;
}

void encode(std::string& out, const nlohmann::ordered_json& v) {
  using T = nlohmann::ordered_json::value_t;
  switch (v.type()) {
    case T::null:
    case T::discarded: out += "null"; return;
    case T::boolean: out += v.get<bool>() ? "true" : "false"; return;
    case T::number_integer: out += std::to_string(v.get<std::int64_t>()); return;
    case T::number_unsigned: out += std::to_string(v.get<std::uint64_t>()); return;
    case T::number_float: out += v.dump(); return;  // not used by payloads
    case T::string: append_go_json_string(out, v.get_ref<const std::string&>()); return;
    case T::binary: out += "null"; return;
    case T::array: {
      out += '[';
      bool first = true;
      for (const auto& item : v) {
        if (!first) out += ',';
        first = false;
        encode(out, item);
      }
      out += ']';
      return;
    }
    case T::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, item] : v.items()) {
        if (!first) out += ',';
        first = false;
        append_go_json_string(out, key);
        out += ':';
        encode(out, item);
      }
      out += '}';
      return;
    }
  }
}

}  // namespace

void append_go_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    unsigned cp = 0;
    size_t n = utf8_len(s, i, cp);
    if (n == 0) {  // invalid byte: U+FFFD, as Go writes it
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (n == 1) {
      char c = s[i];
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '<': case '>': case '&': append_u(out, cp); break;
        default:
          if (cp < 0x20) append_u(out, cp);
          else out += c;
      }
    } else if (cp == 0x2028 || cp == 0x2029) {
      append_u(out, cp);
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  out += '"';
}

std::string go_json_encode(const nlohmann::ordered_json& v) {
  std::string out;
  encode(out, v);
  out += '\n';
  return out;
}

}  // namespace tocsin::notifiers

namespace tocsin::notifiers {

void append_go_json_time(std::string& out, std::int64_t ms) {
  if (ms == 0) {
    out += "0001-01-01T00:00:00Z";
    return;
  }
  std::int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  int frac = static_cast<int>(ms - secs * 1000);
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[48];
  int n = std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  out.append(buf, static_cast<std::size_t>(n));
  if (frac != 0) {
    char f[8];
    int len = std::snprintf(f, sizeof(f), ".%03d", frac);
    while (len > 1 && f[len - 1] == '0') --len;
    out.append(f, static_cast<std::size_t>(len));
  }
  out += 'Z';
}

std::string go_json_time(std::int64_t ms) {
  std::string out;
  append_go_json_time(out, ms);
  return out;
}

}  // namespace tocsin::notifiers
