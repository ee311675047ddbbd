// Fuzz target: the exposition parsers (Prometheus text 0.0.4 and OpenMetrics 1.0), driven the
// way the scrape loop drives them (every accessor of every entry), plus parse_samples.
// Invariant: the pull parser and parse_samples agree on the number of samples.
#include <cstddef>
#include <cstdint>
#include <string>

#include "parser/exposition/parser.h"
#include "tests/fuzz/fuzz_check.h"

using namespace tocsin;
using exposition::Entry;

namespace {

void drive(std::string_view body, exposition::Format format, exposition::ParserOptions options) {
  exposition::Parser p(body, format, options);
  std::string buf;
  for (int guard = 0;; ++guard) {
    FUZZ_CHECK(guard <= static_cast<int>(body.size()) + 1, "parser does not advance", body, "");
    auto e = p.next();
    if (!e) {
      (void)p.line();
      // A failed parser keeps failing.
      FUZZ_CHECK(!p.next().has_value(), "next() after an error succeeded", body, "");
      break;
    }
    if (*e == Entry::kEnd) {
      auto again = p.next();
      FUZZ_CHECK(again && *again == Entry::kEnd, "next() after kEnd did not repeat it", body, "");
      break;
    }
    switch (*e) {
      case Entry::kSeries: {
        (void)p.series();
        (void)p.metric_name(buf);
        for (std::size_t i = 0; i < p.raw_labels().size(); ++i) {
          (void)p.label_name(i, buf);
          (void)p.label_value(i, buf);
        }
        Labels l = p.labels();
        (void)l.fingerprint();
        (void)p.value();
        (void)p.timestamp();
        break;
      }
      case Entry::kHelp:
        (void)p.help(buf);
        break;
      default:
        (void)p.meta_name();
        (void)p.unit();
        (void)p.comment();
        break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 16384) return -1;
  const std::string_view body = fuzz::as_view(data, size);
  for (auto format : {exposition::Format::kPrometheusText, exposition::Format::kOpenMetrics}) {
    drive(body, format, {});
    drive(body, format, {.skip_created_series = false, .normalize_le_and_quantile = false});
  }
  return 0;
}
