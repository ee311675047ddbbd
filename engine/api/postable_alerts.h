// PostableAlerts: the body of POST /api/v2/alerts (a JSON array of Alertmanager's postableAlert)
// decoded in one pass straight into Alerts, without building a JSON document.
//
// Each element is checked as Alertmanager's API checks it, in the same order: an object, with a
// `labels` object of strings, `annotations` null or an object of strings, `startsAt`/`endsAt`
// null, absent or RFC 3339 strings (Go's zero time and "" mean unset); `generatorURL` is kept
// when it is a string. A bad element is reported as "alert <index>: <why>" and the others are
// still returned, so the caller accepts the valid alerts of a batch. Duplicate keys: the last
// one wins, as in a JSON document. Unknown keys are skipped (their values still must be JSON).
//
// A body that is not JSON fails as a whole with nlohmann::json's message (the decoder accepts
// exactly what nlohmann::json::parse accepts, including a leading UTF-8 BOM); a JSON body that
// is not an array fails as a whole too. Pure functions; the result owns everything.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/common/result.h"
#include "engine/model/alert.h"

namespace tocsin::api {

struct PostableAlerts {
  std::vector<Alert> alerts;  // the well-formed elements, in body order
  std::string errors;         // "alert <i>: <why>" per rejected element, "; "-joined
};

// kInvalidArgument "failed to parse request body: ..." or "request body must be an array of
// alerts" when nothing of the body can be accepted.
Result<PostableAlerts> decode_postable_alerts(std::string_view body);

}  // namespace tocsin::api
