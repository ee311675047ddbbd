// Fuzz target: the Alertmanager v2 API's request-body decoders, POST /api/v2/alerts
// (decode_postable_alerts, a one-pass decoder) and POST /api/v2/silences
// (decode_postable_silence).
// Invariants: decode_postable_alerts accepts exactly the bodies nlohmann::json::parse accepts
// (postable_alerts.h), and an accepted alert's labels are sorted by name without duplicates
// (duplicate keys: the last one wins).
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/api/postable_alerts.h"
#include "engine/api/postable_silence.h"
#include "tests/fuzz/fuzz_check.h"

using namespace tocsin;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 16384) return -1;
  const std::string_view body = fuzz::as_view(data, size);

  auto alerts = api::decode_postable_alerts(body);
  const bool is_json = nlohmann::json::accept(body);
  if (!is_json) {
    FUZZ_CHECK(!alerts.has_value(), "decode_postable_alerts accepted a body that is not JSON",
               body, "");
  } else if (alerts) {
    for (const Alert& a : alerts->alerts) {
      const Label* prev = nullptr;
      for (const Label& l : a.labels) {
        FUZZ_CHECK(prev == nullptr || prev->name < l.name, "alert labels not strictly sorted",
                   body, l.name);
        prev = &l;
      }
      (void)a.fingerprint();
    }
  }

  auto silence = api::decode_postable_silence(body);
  FUZZ_CHECK(is_json || !silence.has_value(), "decode_postable_silence accepted non-JSON", body,
             "");
  if (silence) {
    for (const auto& m : silence->matchers) (void)m.to_string();
  }
  return 0;
}
