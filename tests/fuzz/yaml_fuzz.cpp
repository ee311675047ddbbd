// Fuzz target: the block YAML reader (parser/yaml/block_reader.h) against yaml-cpp.
// Invariant (block_reader.h): whatever the block reader accepts, yaml-cpp reads to the same tree,
// types, text and positions alike; yaml::load gives that tree whichever reader built it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "parser/yaml/block_reader.h"
#include "parser/yaml/load.h"
#include "tests/fuzz/fuzz_check.h"

using namespace tocsin;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 16384) return -1;
  const std::string text(fuzz::as_view(data, size));
  std::optional<yaml::Node> fast = yaml::read_block_subset(text);
  if (!fast) return 0;
  auto ref = yaml::load_with_yaml_cpp(text);
  FUZZ_CHECK(ref.has_value(), "yaml-cpp rejects what the block reader accepted", text,
             ref ? std::string() : ref.error().message);
  FUZZ_CHECK(*fast == *ref, "the block reader and yaml-cpp read different trees",
             yaml::debug_string(*fast), yaml::debug_string(*ref));
  return 0;
}
