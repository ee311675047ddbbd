// The Prometheus HTTP API's query responses (/api/v1/query) → promql values.
//
//   {"status":"success","data":{"resultType":"vector","result":[{"metric":{...},
//    "value":[1700000000.5,"1"]}]}}  →  Vector{Sample{labels, 1, 1700000000500}}
//
// scalar, string, vector and matrix are understood; sample values are the API's strings ("NaN",
// "+Inf" included), times are float seconds. A response with "status":"error" (or not JSON) is an
// Error carrying the API's errorType and error. Pure; any thread.
#pragma once

#include <string_view>

#include "engine/common/result.h"
#include "engine/promql/value.h"

namespace tocsin::remote {

// `http_status` decides the error code when the body is not an API answer: 5xx and 429 are
// kUnavailable (retryable), other statuses kInvalidArgument.
Result<promql::Value> parse_query_response(std::string_view body, long http_status);

}  // namespace tocsin::remote
