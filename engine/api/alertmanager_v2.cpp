#include "engine/api/alertmanager_v2.h"

#include <algorithm>
#include <optional>

#include <nlohmann/json.hpp>
#include <re2/re2.h>

#include "engine/api/postable_alerts.h"
#include "engine/api/postable_silence.h"
#include "engine/config/load.h"
#include "parser/matchers/parse.h"

namespace tocsin::api {
namespace {

using json = nlohmann::json;
using dispatch::AlertStatus;

constexpr std::string_view kPrefix = "/api/v2";

// Go's zero time.Time, as Alertmanager prints an unset endsAt.
constexpr const char* kZeroTime = "0001-01-01T00:00:00.000Z";

std::string format_time(Timestamp t) { return t == 0 ? kZeroTime : format_rfc3339(t); }

http::Response error(int status, const std::string& message) {
  return http::Response::json(status, json(message).dump());
}

json labels_json(const Labels& l) {
  json o = json::object();
  for (const Label& x : l) o[x.name] = x.value;
  return o;
}

json alert_json(const AlertStatus& s) {
  const Alert& a = s.alert;
  json receivers = json::array();
  for (const auto& r : s.receivers) receivers.push_back({{"name", r}});
  json annotations = json::object();
  for (const auto& [k, v] : a.annotations) annotations[k] = v;
  json j = {{"annotations", annotations},
            {"endsAt", format_time(a.ends_at)},
            {"fingerprint", fingerprint_hex(a.fingerprint())},
            {"receivers", receivers},
            {"startsAt", format_time(a.starts_at)},
            {"status",
             {{"inhibitedBy", s.inhibited_by},
              {"silencedBy", s.silenced_by},
              {"state", s.suppressed() ? "suppressed" : "active"}}},
            {"updatedAt", format_time(a.updated_at)},
            {"labels", labels_json(a.labels)}};
  if (!a.generator_url.empty()) j["generatorURL"] = a.generator_url;
  return j;
}

json silence_json(const dispatch::Silence& s, Timestamp now) {
  json ms = json::array();
  for (const auto& m : s.matchers) {
    const bool regex = m.type() == matchers::MatchType::kRegex ||
                       m.type() == matchers::MatchType::kNotRegex;
    const bool equal = m.type() == matchers::MatchType::kEqual ||
                       m.type() == matchers::MatchType::kRegex;
    ms.push_back({{"name", m.name()}, {"value", m.value()}, {"isRegex", regex}, {"isEqual", equal}});
  }
  return {{"id", s.id},
          {"status", {{"state", std::string(to_string(dispatch::silence_state(s, now)))}}},
          {"updatedAt", format_time(s.updated_at)},
          {"matchers", ms},
          {"startsAt", format_time(s.starts_at)},
          {"endsAt", format_time(s.ends_at)},
          {"createdBy", s.created_by},
          {"comment", s.comment}};
}

// Boolean query parameters default to true.
Result<bool> bool_param(const http::Request& req, std::string_view name) {
  if (!req.has_param(name)) return true;
  auto v = req.param(name);
  if (v == "true" || v == "1") return true;
  if (v == "false" || v == "0") return false;
  return invalid_argument(std::string(name) + ": \"" + std::string(v) + "\" is not a boolean");
}

Result<std::vector<matchers::Matcher>> filter_param(const http::Request& req) {
  std::vector<matchers::Matcher> out;
  for (const auto& f : req.params_named("filter")) {
    auto m = matchers::parse_matcher(f);
    if (!m) return invalid_argument("bad matcher format: " + f + ": " + m.error().message);
    out.push_back(std::move(*m));
  }
  return out;
}

struct AlertFilter {
  bool active = true, silenced = true, inhibited = true, unprocessed = true;
  std::vector<matchers::Matcher> matchers;
  std::optional<std::string> receiver;  // anchored regex

  static Result<AlertFilter> from(const http::Request& req) {
    AlertFilter f;
    for (auto [name, field] : {std::pair{"active", &f.active}, {"silenced", &f.silenced},
                               {"inhibited", &f.inhibited}, {"unprocessed", &f.unprocessed}}) {
      auto b = bool_param(req, name);
      if (!b) return tl::unexpected(b.error());
      *field = *b;
    }
    auto ms = filter_param(req);
    if (!ms) return tl::unexpected(ms.error());
    f.matchers = std::move(*ms);
    if (req.has_param("receiver")) {
      f.receiver = "^(?:" + std::string(req.param("receiver")) + ")$";
      RE2 re(*f.receiver);
      if (!re.ok()) return invalid_argument("failed to parse receiver param: " + re.error());
    }
    return f;
  }

  bool receiver_matches(const std::string& name) const {
    return !receiver || RE2::FullMatch(name, *receiver);
  }

  bool keep(const AlertStatus& s) const {
    if (!active && !s.suppressed()) return false;
    if (!silenced && !s.silenced_by.empty()) return false;
    if (!inhibited && !s.inhibited_by.empty()) return false;
    return matchers::matches(matchers, s.alert.labels);
  }
};

// Active first (by endsAt), then pending (by startsAt), then expired (latest end first).
void sort_silences(std::vector<dispatch::Silence>& sils, Timestamp now) {
  auto rank = [](dispatch::SilenceState s) {
    return s == dispatch::SilenceState::kActive ? 0 : s == dispatch::SilenceState::kPending ? 1 : 2;
  };
  std::stable_sort(sils.begin(), sils.end(), [&](const auto& a, const auto& b) {
    auto sa = dispatch::silence_state(a, now), sb = dispatch::silence_state(b, now);
    if (sa != sb) return rank(sa) < rank(sb);
    switch (sa) {
      case dispatch::SilenceState::kActive: return a.ends_at < b.ends_at;
      case dispatch::SilenceState::kPending: return a.starts_at < b.starts_at;
      case dispatch::SilenceState::kExpired: return a.ends_at > b.ends_at;
    }
    return false;
  });
}

// A silence matches a filter when each filter matcher matches the value of a silence matcher
// with the same name (CheckSilenceMatchesFilterLabels).
bool silence_matches_filter(const dispatch::Silence& s, const std::vector<matchers::Matcher>& f) {
  for (const auto& m : f) {
    auto it = std::find_if(s.matchers.begin(), s.matchers.end(),
                           [&](const matchers::Matcher& sm) { return sm.name() == m.name(); });
    if (it == s.matchers.end() || !m.matches(it->value())) return false;
  }
  return true;
}

std::string id_from_path(const http::Request& req) {
  const std::string prefix = std::string(kPrefix) + "/silence/";
  return req.path.size() > prefix.size() ? req.path.substr(prefix.size()) : "";
}

}  // namespace

AlertmanagerApiV2::AlertmanagerApiV2(dispatch::Dispatcher& dispatcher,
                                     dispatch::Silences& silences, const Clock& clock,
                                     VersionInfo version, Timestamp started)
    : dispatcher_(dispatcher),
      silences_(silences),
      clock_(clock),
      version_(std::move(version)),
      started_(started) {}

void AlertmanagerApiV2::register_routes(http::Router& router) {
  const std::string p(kPrefix);
  router.add("GET", p + "/alerts", [this](const http::Request& r) { return get_alerts(r); });
  router.add("POST", p + "/alerts", [this](const http::Request& r) { return post_alerts(r); });
  router.add("GET", p + "/alerts/groups",
             [this](const http::Request& r) { return get_alert_groups(r); });
  router.add("GET", p + "/silences", [this](const http::Request& r) { return get_silences(r); });
  router.add("POST", p + "/silences", [this](const http::Request& r) { return post_silences(r); });
  router.add("GET", p + "/silence/*", [this](const http::Request& r) { return get_silence(r); });
  router.add("DELETE", p + "/silence/*",
             [this](const http::Request& r) { return delete_silence(r); });
  router.add("GET", p + "/status", [this](const http::Request& r) { return get_status(r); });
  router.add("GET", p + "/receivers", [this](const http::Request& r) { return get_receivers(r); });
}

http::Response AlertmanagerApiV2::get_alerts(const http::Request& req) const {
  auto filter = AlertFilter::from(req);
  if (!filter) return error(400, filter.error().message);
  const Timestamp now = clock_.now();
  std::vector<AlertStatus> kept;
  for (auto& s : dispatcher_.alerts(now)) {
    if (!filter->keep(s)) continue;
    if (filter->receiver && std::none_of(s.receivers.begin(), s.receivers.end(),
                                         [&](const auto& r) { return filter->receiver_matches(r); })) {
      continue;
    }
    kept.push_back(std::move(s));
  }
  std::sort(kept.begin(), kept.end(), [](const AlertStatus& a, const AlertStatus& b) {
    return fingerprint_hex(a.alert.fingerprint()) < fingerprint_hex(b.alert.fingerprint());
  });
  json out = json::array();
  for (const auto& s : kept) out.push_back(alert_json(s));
  return http::Response::json(200, out.dump());
}

http::Response AlertmanagerApiV2::post_alerts(const http::Request& req) {
  auto body = decode_postable_alerts(req.body);
  if (!body) return error(400, body.error().message);
  std::string errors = std::move(body->errors);
  auto st = dispatcher_.put_alerts(std::move(body->alerts), clock_.now());
  if (!st) errors += (errors.empty() ? "" : "; ") + st.error().message;
  if (!errors.empty()) {
    const bool full = !st && st.error().code == ErrorCode::kResourceExhausted;
    return error(full ? 429 : 400, errors);
  }
  return http::Response::json(200, "");
}

http::Response AlertmanagerApiV2::get_alert_groups(const http::Request& req) const {
  auto filter = AlertFilter::from(req);
  if (!filter) return error(400, filter.error().message);
  json out = json::array();
  auto groups = dispatcher_.groups(clock_.now());
  // alertGroups sort: by labels, then receiver.
  std::stable_sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) {
    if (a.labels == b.labels) return a.receiver < b.receiver;
    return dispatch::labels_before(a.labels, b.labels);
  });
  for (const auto& g : groups) {
    if (!filter->receiver_matches(g.receiver)) continue;
    json alerts = json::array();
    for (const auto& s : g.alerts) {
      if (filter->keep(s)) alerts.push_back(alert_json(s));
    }
    if (alerts.empty()) continue;
    out.push_back({{"labels", labels_json(g.labels)},
                   {"receiver", {{"name", g.receiver}}},
                   {"alerts", alerts}});
  }
  return http::Response::json(200, out.dump());
}

http::Response AlertmanagerApiV2::get_silences(const http::Request& req) const {
  auto filter = filter_param(req);
  if (!filter) return error(400, filter.error().message);
  const Timestamp now = clock_.now();
  auto sils = silences_.list();
  std::erase_if(sils, [&](const auto& s) { return !silence_matches_filter(s, *filter); });
  sort_silences(sils, now);
  json out = json::array();
  for (const auto& s : sils) out.push_back(silence_json(s, now));
  return http::Response::json(200, out.dump());
}

http::Response AlertmanagerApiV2::post_silences(const http::Request& req) {
  auto sil = decode_postable_silence(req.body);
  if (!sil) return error(400, sil.error().message);
  const Timestamp now = clock_.now();
  if (sil->starts_at >= sil->ends_at) {
    return error(400, "Failed to create silence: start time must be before end time");
  }
  if (sil->ends_at < now) {
    return error(400, "Failed to create silence: end time can't be in the past");
  }
  auto id = silences_.set(std::move(*sil), now);
  if (!id) return error(id.error().code == ErrorCode::kNotFound ? 404 : 400, id.error().message);
  return http::Response::json(200, json{{"silenceID", *id}}.dump());
}

http::Response AlertmanagerApiV2::get_silence(const http::Request& req) const {
  const dispatch::Silence* s = silences_.get(id_from_path(req));
  if (!s) return error(404, "silence " + id_from_path(req) + " not found");
  return http::Response::json(200, silence_json(*s, clock_.now()).dump());
}

http::Response AlertmanagerApiV2::delete_silence(const http::Request& req) {
  auto st = silences_.expire(id_from_path(req), clock_.now());
  if (!st) {
    return error(st.error().code == ErrorCode::kNotFound ? 404 : 500, st.error().message);
  }
  return http::Response::json(200, "");
}

http::Response AlertmanagerApiV2::get_status(const http::Request&) const {
  json out = {{"cluster", {{"status", "disabled"}, {"peers", json::array()}}},
              {"versionInfo",
               {{"branch", version_.branch},
                {"buildDate", version_.build_date},
                {"buildUser", version_.build_user},
                {"goVersion", version_.go_version},
                {"revision", version_.revision},
                {"version", version_.version}}},
              {"config", {{"original", config::print_alertmanager_config(dispatcher_.config())}}},
              {"uptime", format_rfc3339(started_)}};
  return http::Response::json(200, out.dump());
}

http::Response AlertmanagerApiV2::get_receivers(const http::Request&) const {
  json out = json::array();
  for (const auto& r : dispatcher_.config().receivers) out.push_back({{"name", r.name}});
  return http::Response::json(200, out.dump());
}

}  // namespace tocsin::api
