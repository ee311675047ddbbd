#include "engine/rules/alert_state_snapshot.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include "engine/rules/alerting_rule.h"
#include "engine/rules/group.h"

namespace tocsin::rules {

namespace {

using json = nlohmann::json;

// JSON has no NaN or infinities: values go as strings, as Prometheus' API sends sample values.
std::string encode_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

double decode_value(const std::string& s) {
  if (s == "NaN") return std::nan("");
  if (s == "+Inf") return INFINITY;
  if (s == "-Inf") return -INFINITY;
  return std::stod(s);
}

AlertState decode_state(const std::string& s) {
  if (s == "firing") return AlertState::kFiring;
  if (s == "pending") return AlertState::kPending;
  if (s == "inactive") return AlertState::kInactive;
  throw std::invalid_argument("unknown alert state \"" + s + "\"");
}

json encode_alert(const ActiveAlert& a) {
  json labels = json::object();
  for (const auto& l : a.labels) labels[l.name] = l.value;
  return {{"state", std::string(to_string(a.state))},
          {"labels", std::move(labels)},
          {"annotations", a.annotations},
          {"value", encode_value(a.value)},
          {"activeAt", a.active_at},
          {"firedAt", a.fired_at},
          {"resolvedAt", a.resolved_at},
          {"lastSentAt", a.last_sent_at},
          {"validUntil", a.valid_until},
          {"keepFiringSince", a.keep_firing_since}};
}

ActiveAlert decode_alert(const json& j) {
  ActiveAlert a;
  a.state = decode_state(j.at("state").get<std::string>());
  std::vector<Label> labels;
  for (const auto& [k, v] : j.at("labels").items()) labels.push_back({k, v.get<std::string>()});
  a.labels = Labels::from_unsorted(std::move(labels));
  a.annotations = j.at("annotations").get<std::map<std::string, std::string>>();
  a.value = decode_value(j.at("value").get<std::string>());
  a.active_at = j.at("activeAt").get<Timestamp>();
  a.fired_at = j.at("firedAt").get<Timestamp>();
  a.resolved_at = j.at("resolvedAt").get<Timestamp>();
  a.last_sent_at = j.at("lastSentAt").get<Timestamp>();
  a.valid_until = j.at("validUntil").get<Timestamp>();
  a.keep_firing_since = j.at("keepFiringSince").get<Timestamp>();
  return a;
}

}  // namespace

std::string encode_alert_states(const std::vector<std::shared_ptr<const Group>>& groups) {
  json out = json::array();
  for (const auto& g : groups) {
    json rules = json::array();
    for (const auto& r : g->rules()) {
      const auto* ar = dynamic_cast<const AlertingRule*>(r.get());
      if (ar == nullptr) continue;
      std::vector<ActiveAlert> alerts = ar->saved_state();
      if (alerts.empty()) continue;
      json list = json::array();
      for (const auto& a : alerts) list.push_back(encode_alert(a));
      rules.push_back({{"identity", r->identity()}, {"alerts", std::move(list)}});
    }
    if (rules.empty()) continue;
    out.push_back({{"file", g->file()}, {"group", g->name()}, {"rules", std::move(rules)}});
  }
  return out.dump();
}

Result<SavedAlertStates> decode_alert_states(std::string_view body) {
  try {
    json j = json::parse(body);
    SavedAlertStates out;
    for (const auto& g : j) {
      auto& saved = out[g.at("file").get<std::string>() + ";" + g.at("group").get<std::string>()];
      for (const auto& r : g.at("rules")) {
        std::vector<ActiveAlert> alerts;
        for (const auto& a : r.at("alerts")) alerts.push_back(decode_alert(a));
        saved.by_rule[r.at("identity").get<std::string>()].push_back(std::move(alerts));
      }
    }
    return out;
  } catch (const std::exception& e) {
    return invalid_argument(std::string("alert states: ") + e.what());
  }
}

}  // namespace tocsin::rules
