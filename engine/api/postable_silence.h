// PostableSilence: the body of POST /api/v2/silences (Alertmanager's postableSilence) decoded
// into a dispatch::Silence.
//
// Checked as Alertmanager's API checks it: an object with `matchers`, `startsAt`, `endsAt`,
// `createdBy` and `comment` present; each matcher an object with string `name` and `value` and
// boolean `isRegex` (`isEqual` optional, true unless it is the boolean false), regexes that RE2
// compiles; times null, "" or Go's zero time (unset) or RFC 3339 strings. An `id` string is
// kept (an update). Whether the silence itself is valid (start before end, end not in the past,
// at least one matcher) is the caller's and Silences::set()'s concern.
//
// Pure function; the result owns everything.
#pragma once

#include <string_view>

#include "engine/common/result.h"
#include "engine/dispatch/silence.h"

namespace tocsin::api {

// kInvalidArgument "failed to parse request body: ..." when the body is not JSON, otherwise
// the first problem found ("matchers in body is required", "matcher needs name, value and
// isRegex", ...).
Result<dispatch::Silence> decode_postable_silence(std::string_view body);

}  // namespace tocsin::api
