#include "engine/template/time_zone.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

namespace tocsin::tmpl {
namespace {

constexpr const char* kZoneDir = "/usr/share/zoneinfo/";

struct ZoneType {
  std::int32_t offset;
  std::string abbrev;
};

struct Zone {
  std::vector<std::int64_t> transitions;  // unix seconds, ascending
  std::vector<std::uint8_t> type_index;   // per transition
  std::vector<ZoneType> types;
};

std::int64_t be(const std::string& b, size_t at, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(b[at + static_cast<size_t>(i)]);
  if (n == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
  return static_cast<std::int64_t>(v);
}

// Parses a TZif file, preferring the 64-bit (version 2+) data block.
std::unique_ptr<Zone> parse_tzif(const std::string& b) {
  auto header = [&](size_t at, std::int64_t c[6]) {
    if (b.size() < at + 44 || b.compare(at, 4, "TZif") != 0) return false;
    for (int i = 0; i < 6; ++i) c[i] = be(b, at + 20 + static_cast<size_t>(i) * 4, 4);
    return true;
  };
  std::int64_t c[6];  // isutcnt isstdcnt leapcnt timecnt typecnt charcnt
  if (!header(0, c)) return nullptr;
  size_t at = 44;
  int tsize = 4;
  if (b[4] >= '2') {
    at += static_cast<size_t>(c[3] * 4 + c[3] + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0]);
    if (!header(at, c)) return nullptr;
    at += 44;
    tsize = 8;
  }
  size_t need = static_cast<size_t>(c[3] * tsize + c[3] + c[4] * 6 + c[5]);
  if (b.size() < at + need || c[4] <= 0) return nullptr;
  auto z = std::make_unique<Zone>();
  for (std::int64_t i = 0; i < c[3]; ++i) z->transitions.push_back(be(b, at + static_cast<size_t>(i * tsize), tsize));
  at += static_cast<size_t>(c[3] * tsize);
  for (std::int64_t i = 0; i < c[3]; ++i) {
    auto idx = static_cast<std::uint8_t>(b[at + static_cast<size_t>(i)]);
    if (idx >= c[4]) return nullptr;
    z->type_index.push_back(idx);
  }
  at += static_cast<size_t>(c[3]);
  size_t chars = at + static_cast<size_t>(c[4] * 6);
  for (std::int64_t i = 0; i < c[4]; ++i) {
    size_t p = at + static_cast<size_t>(i * 6);
    ZoneType t;
    t.offset = static_cast<std::int32_t>(be(b, p, 4));
    size_t ai = static_cast<unsigned char>(b[p + 5]);
    if (ai < static_cast<size_t>(c[5])) t.abbrev = std::string(b.c_str() + chars + ai);
    z->types.push_back(std::move(t));
  }
  return z;
}

// Templates may pass any string (a label value, say): only a zone-like name is looked up, only a
// regular file of a TZif's size is read, and only zones that loaded are cached (so the cache is
// bounded by the zone files that exist), so no name can make tocsin read a device or a FIFO, or
// grow the cache without end.
constexpr std::uintmax_t kMaxZoneFileBytes = 1 << 20;

bool zone_like(std::string_view name) {
  if (name.size() > 255) return false;
  for (char c : name) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '_' || c == '-' || c == '+' || c == '.';
    if (!ok) return false;
  }
  return true;
}

const Zone* load(const std::string& name) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<Zone>> cache;
  if (!zone_like(name)) return nullptr;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(name);
  if (it != cache.end()) return it->second.get();
  const std::string path = kZoneDir + name;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec) ||
      std::filesystem::file_size(path, ec) > kMaxZoneFileBytes || ec) {
    return nullptr;
  }
  std::ifstream in(path, std::ios::binary);
  std::unique_ptr<Zone> z;
  if (in) {
    std::ostringstream ss;
    ss << in.rdbuf();
    z = parse_tzif(ss.str());
  }
  const Zone* out = z.get();
  if (z) cache.emplace(name, std::move(z));
  return out;
}

std::optional<int> parse_offset(std::string_view s) {
  if (s.size() != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':') return std::nullopt;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (!digit(s[1]) || !digit(s[2]) || !digit(s[4]) || !digit(s[5])) return std::nullopt;
  int off = ((s[1] - '0') * 10 + (s[2] - '0')) * 3600 + ((s[4] - '0') * 10 + (s[5] - '0')) * 60;
  return s[0] == '-' ? -off : off;
}

}  // namespace

Result<GoTime> in_zone(const GoTime& t, std::string_view name) {
  GoTime out = t;
  if (name.empty() || name == "UTC" || name == "Local") {
    out.offset = 0;
    out.zone = "UTC";
    return out;
  }
  if (auto off = parse_offset(name)) {
    out.offset = *off;
    out.zone = "";
    return out;
  }
  if (name.find("..") != std::string_view::npos || name[0] == '/' || name[0] == '\\') {
    return invalid_argument("time: invalid location name");
  }
  const Zone* z = load(std::string(name));
  if (z == nullptr) return invalid_argument("unknown time zone " + std::string(name));
  // The type in force: the last transition at or before t, else the first standard type.
  size_t type = 0;
  auto it = std::upper_bound(z->transitions.begin(), z->transitions.end(), t.sec);
  if (it != z->transitions.begin()) {
    type = z->type_index[static_cast<size_t>(it - z->transitions.begin()) - 1];
  }
  out.offset = z->types[type].offset;
  out.zone = z->types[type].abbrev;
  return out;
}

}  // namespace tocsin::tmpl
