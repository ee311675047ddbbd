// Fuzz target: the PromQL parser (parse_expr, parse_selector), the printer and the type checker.
// Invariant (parse.h): whatever parses prints to canonical text that parses to an equal tree
// and prints the same again.
#include <cstddef>
#include <cstdint>
#include <string>

#include "parser/promql/parse.h"
#include "tests/fuzz/fuzz_check.h"

using namespace tocsin;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return -1;  // long inputs only slow the search down
  const std::string_view text = fuzz::as_view(data, size);
  for (auto* parse : {&promql::parse_expr, &promql::parse_selector}) {
    auto e = parse(text);
    if (!e) {
      (void)e.error().to_string();
      continue;
    }
    (void)promql::type_of(**e);
    const std::string printed = promql::to_string(**e);
    auto again = promql::parse_expr(printed);
    FUZZ_CHECK(again.has_value(), "printed expression does not parse", printed,
               again ? std::string() : again.error().to_string());
    FUZZ_CHECK(promql::equal_ignoring_positions(**e, **again),
               "printed expression parses to a different tree", text, printed);
    const std::string reprinted = promql::to_string(**again);
    FUZZ_CHECK(reprinted == printed, "printing is not stable", printed, reprinted);
  }
  return 0;
}
