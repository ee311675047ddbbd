// Go-compatible JSON encoding for notification payloads.
//
// Receivers are written against Alertmanager's bytes: Go's encoding/json escapes '<', '>' and
// '&' as \u003c \u003e \u0026, U+2028/U+2029 as \u2028/\u2029, replaces invalid UTF-8 with
// U+FFFD, and json.Encoder.Encode ends the document with '\n'. nlohmann::json does none of that,
// so payloads are built as nlohmann::ordered_json (fields in Go's struct order) and printed here.
// Pure; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace tocsin::notifiers {

// Appends `s` as a Go JSON string literal (with quotes).
void append_go_json_string(std::string& out, std::string_view s);

// Compact encoding as Go's json.Encoder.Encode writes it, with the trailing newline.
std::string go_json_encode(const nlohmann::ordered_json& v);

}  // namespace tocsin::notifiers

namespace tocsin::notifiers {

// A time as Go's time.Time marshals to JSON (RFC 3339 with nanoseconds, trailing zeros
// trimmed): "2024-01-02T03:04:05.12Z". 0 is Go's zero time, "0001-01-01T00:00:00Z".
std::string go_json_time(std::int64_t ms);
void append_go_json_time(std::string& out, std::int64_t ms);  // same, appended

}  // namespace tocsin::notifiers
