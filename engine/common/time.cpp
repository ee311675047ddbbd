#include "engine/common/time.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <limits>

namespace tocsin {

Timestamp SystemClock::now() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

namespace {

struct Unit {
  std::string_view suffix;
  Duration ms;
};
// Order matters: units must appear in this order, each at most once.
constexpr Unit kUnits[] = {
    {"y", 365 * 24 * kHour}, {"w", 7 * 24 * kHour}, {"d", 24 * kHour}, {"h", kHour},
    {"m", kMinute},          {"s", kSecond},        {"ms", 1},
};

}  // namespace

std::optional<Duration> parse_duration(std::string_view s) {
  if (s.empty()) return std::nullopt;
  if (s == "0") return 0;
  Duration total = 0;
  size_t next_unit = 0;  // index into kUnits of the smallest unit still allowed
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    unsigned long long n = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      n = n * 10 + static_cast<unsigned>(s[i] - '0');
      if (n > static_cast<unsigned long long>(std::numeric_limits<Duration>::max())) {
        return std::nullopt;
      }
      ++i;
    }
    size_t j = i;
    while (j < s.size() && (s[j] < '0' || s[j] > '9')) ++j;
    std::string_view suffix = s.substr(i, j - i);
    bool found = false;
    for (size_t u = next_unit; u < std::size(kUnits); ++u) {
      if (kUnits[u].suffix == suffix) {
        if (n > static_cast<unsigned long long>(std::numeric_limits<Duration>::max() /
                                                kUnits[u].ms)) {
          return std::nullopt;
        }
        Duration add = static_cast<Duration>(n) * kUnits[u].ms;
        if (total > std::numeric_limits<Duration>::max() - add) return std::nullopt;
        total += add;
        next_unit = u + 1;
        found = true;
        break;
      }
    }
    if (!found) return std::nullopt;
    i = j;
  }
  return total;
}

std::string format_duration(Duration d) {
  if (d == 0) return "0s";
  std::string out;
  if (d < 0) {
    out = "-";
    d = -d;
  }
  for (const Unit& u : kUnits) {
    if (d >= u.ms) {
      out += std::to_string(d / u.ms);
      out += u.suffix;
      d %= u.ms;
    }
  }
  return out;
}

std::string format_rfc3339(Timestamp t) {
  std::int64_t secs = t / 1000;
  std::int64_t ms = t % 1000;
  if (ms < 0) {
    ms += 1000;
    secs -= 1;
  }
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  if (ms == 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(ms));
  }
  return buf;
}

namespace {

bool read_int(std::string_view s, size_t& i, size_t digits, int& out) {
  if (i + digits > s.size()) return false;
  out = 0;
  for (size_t k = 0; k < digits; ++k) {
    char c = s[i + k];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  i += digits;
  return true;
}

bool expect(std::string_view s, size_t& i, char c) {
  if (i < s.size() && (s[i] == c || (c == 'T' && (s[i] == 't' || s[i] == ' ')))) {
    ++i;
    return true;
  }
  return false;
}

}  // namespace

std::optional<Timestamp> parse_rfc3339(std::string_view s) {
  size_t i = 0;
  int year, mon, day, hour, min, sec;
  if (!read_int(s, i, 4, year) || !expect(s, i, '-') || !read_int(s, i, 2, mon) ||
      !expect(s, i, '-') || !read_int(s, i, 2, day) || !expect(s, i, 'T') ||
      !read_int(s, i, 2, hour) || !expect(s, i, ':') || !read_int(s, i, 2, min) ||
      !expect(s, i, ':') || !read_int(s, i, 2, sec)) {
    return std::nullopt;
  }
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60) {
    return std::nullopt;
  }
  std::int64_t frac_ms = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t start = i;
    std::int64_t scale = 100;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      frac_ms += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == start) return std::nullopt;
  }
  std::int64_t offset_s = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int sign = s[i] == '-' ? -1 : 1;
    ++i;
    int oh, om;
    if (!read_int(s, i, 2, oh) || !expect(s, i, ':') || !read_int(s, i, 2, om)) {
      return std::nullopt;
    }
    offset_s = sign * (oh * 3600 + om * 60);
  } else {
    return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  // Calendar arithmetic rather than timegm (which takes the time-zone lock and normalises
  // through struct tm): the first of the month, then the day as an offset, so an out-of-range
  // day rolls over into the next month exactly as timegm would.
  using namespace std::chrono;
  const sys_days first = year_month_day{std::chrono::year{year}, month{static_cast<unsigned>(mon)},
                                        std::chrono::day{1}};
  const std::int64_t days = (first.time_since_epoch().count() + (day - 1));
  const std::int64_t secs = days * 86400 + hour * 3600 + min * 60 + sec - offset_s;
  return secs * 1000 + frac_ms;
}

}  // namespace tocsin
