#include "engine/api/postable_silence.h"

#include <string>

#include <nlohmann/json.hpp>

namespace tocsin::api {
namespace {

using json = nlohmann::json;

// strfmt.DateTime; Go's zero time (year 1) and "" mean unset.
Result<Timestamp> parse_time(const json& j, const char* field) {
  if (!j.contains(field) || j[field].is_null()) return 0;
  if (!j[field].is_string()) return invalid_argument(std::string(field) + " must be a string");
  const std::string s = j[field].get<std::string>();
  if (s.empty() || s.rfind("0001-01-01", 0) == 0) return 0;
  auto t = parse_rfc3339(s);
  if (!t) return invalid_argument(std::string(field) + ": \"" + s + "\" is not an RFC 3339 time");
  return *t;
}

Result<dispatch::Silence> parse_postable_silence(const json& j) {
  if (!j.is_object()) return invalid_argument("silence must be an object");
  dispatch::Silence s;
  if (j.contains("id") && j["id"].is_string()) s.id = j["id"].get<std::string>();
  for (const char* field : {"matchers", "startsAt", "endsAt", "createdBy", "comment"}) {
    if (!j.contains(field)) return invalid_argument(std::string(field) + " in body is required");
  }
  if (!j["matchers"].is_array()) return invalid_argument("matchers must be an array");
  for (const auto& m : j["matchers"]) {
    if (!m.is_object() || !m.contains("name") || !m.contains("value") || !m.contains("isRegex") ||
        !m["name"].is_string() || !m["value"].is_string() || !m["isRegex"].is_boolean()) {
      return invalid_argument("matcher needs name, value and isRegex");
    }
    const bool regex = m["isRegex"].get<bool>();
    const bool equal = !m.contains("isEqual") || !m["isEqual"].is_boolean() || m["isEqual"].get<bool>();
    auto type = regex ? (equal ? matchers::MatchType::kRegex : matchers::MatchType::kNotRegex)
                      : (equal ? matchers::MatchType::kEqual : matchers::MatchType::kNotEqual);
    auto made = matchers::Matcher::make(type, m["name"].get<std::string>(),
                                        m["value"].get<std::string>());
    if (!made) return tl::unexpected(made.error());
    s.matchers.push_back(std::move(*made));
  }
  auto st = parse_time(j, "startsAt");
  if (!st) return tl::unexpected(st.error());
  auto en = parse_time(j, "endsAt");
  if (!en) return tl::unexpected(en.error());
  s.starts_at = *st;
  s.ends_at = *en;
  if (!j["createdBy"].is_string() || !j["comment"].is_string()) {
    return invalid_argument("createdBy and comment must be strings");
  }
  s.created_by = j["createdBy"].get<std::string>();
  s.comment = j["comment"].get<std::string>();
  return s;
}

}  // namespace

Result<dispatch::Silence> decode_postable_silence(std::string_view body) {
  json j;
  try {
    j = json::parse(body);
  } catch (const json::exception& e) {
    return invalid_argument(std::string("failed to parse request body: ") + e.what());
  }
  return parse_postable_silence(j);
}

}  // namespace tocsin::api
