// Fuzz target: the YAML loaders — tocsin's configuration (Prometheus' and Alertmanager's keys,
// one document holding both, strict decoding) and Prometheus rule files (groups, PromQL exprs
// mapped to file positions, alerting-rule templates) — from an in-memory string.
// Invariant (load.h): a loaded configuration prints to YAML that loads again and prints the
// same — checked when nothing was masked as "<secret>" (a masked secret is not a valid value).
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/config/load.h"
#include "engine/rules/rule_file.h"
#include "tests/fuzz/fuzz_check.h"

using namespace tocsin;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 16384) return -1;
  const std::string_view text = fuzz::as_view(data, size);

  // A virtual file in a directory that does not exist: relative *_file and TLS paths resolve
  // there and fail to read instead of reaching real files.
  auto cfg = config::load_config_from_string(text, "/nonexistent-fuzz-dir/tocsin.yml");
  if (cfg) {
    const std::string printed = config::print_config(*cfg);
    (void)config::print_alertmanager_config(*cfg);
    if (printed.find("<secret>") == std::string::npos) {
      auto again = config::load_config_from_string(printed, "/nonexistent-fuzz-dir/printed.yml");
      FUZZ_CHECK(again.has_value(), "printed configuration does not load", printed,
                 again ? std::string() : config::to_error(again.error()).message);
      const std::string reprinted = config::print_config(*again);
      FUZZ_CHECK(reprinted == printed, "printed configuration loads differently", printed,
                 reprinted);
    }
  } else {
    for (const auto& e : cfg.error()) (void)e.to_string();
  }

  auto rf = rules::parse_rule_file(text, "fuzz.rules.yml");
  if (!rf) {
    for (const auto& e : rf.error()) (void)e.to_string();
  }
  return 0;
}
