// Fuzz target: Alertmanager's matcher syntax in its three parse modes, and the legacy match /
// match_re map entries.
// Invariant (matcher.h): the printed form of what the default parser accepts parses back to the
// same matchers.
#include <cstddef>
#include <cstdint>
#include <string>

#include "parser/matchers/parse.h"
#include "tests/fuzz/fuzz_check.h"

using namespace tocsin;
using matchers::ParseMode;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return -1;
  const std::string_view text = fuzz::as_view(data, size);
  for (auto mode : {ParseMode::kFallback, ParseMode::kUtf8, ParseMode::kClassic}) {
    auto ms = matchers::parse_matchers(text, mode);
    if (!ms) continue;
    for (const auto& m : *ms) (void)m.matches(text);
    const std::string printed = matchers::to_string(*ms);
    auto again = matchers::parse_matchers(printed, ParseMode::kFallback);
    FUZZ_CHECK(again.has_value(), "printed matchers do not parse", printed,
               again ? std::string() : again.error().message);
    FUZZ_CHECK(*again == *ms, "printed matchers parse to different matchers", printed,
               matchers::to_string(*again));
    (void)matchers::parse_matcher(text, mode);
  }
  // name=value split at the first '=' (a legacy map entry).
  if (auto eq = text.find('='); eq != std::string_view::npos) {
    (void)matchers::from_legacy_match(text.substr(0, eq), text.substr(eq + 1));
    (void)matchers::from_legacy_match_re(text.substr(0, eq), text.substr(eq + 1));
  }
  return 0;
}
