// fuzz_check: the invariant check of the fuzz targets. A broken invariant prints what differed
// and traps, so libFuzzer records the input as a crash (and the replay test fails on it).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace tocsin::fuzz {

[[noreturn]] inline void fail(std::string_view what, std::string_view a = {},
                              std::string_view b = {}) {
  std::fprintf(stderr, "fuzz invariant broken: %.*s\n  first:  %.*s\n  second: %.*s\n",
               static_cast<int>(what.size()), what.data(), static_cast<int>(a.size()), a.data(),
               static_cast<int>(b.size()), b.data());
  __builtin_trap();
}

inline std::string_view as_view(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace tocsin::fuzz

#define FUZZ_CHECK(cond, what, a, b)          \
  do {                                        \
    if (!(cond)) ::tocsin::fuzz::fail(what, a, b); \
  } while (0)
