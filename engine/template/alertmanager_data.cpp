#include "engine/template/alertmanager_data.h"

#include "engine/template/function.h"

namespace tocsin::tmpl {
namespace {

constexpr std::string_view kAlertName = "alertname";

// Keys in Alertmanager's SortedPairs order: alertname first, the rest sorted.
std::vector<std::string> sorted_keys(const MapData& m) {
  std::vector<std::string> keys;
  keys.reserve(m.entries.size());
  auto it = m.entries.find(kAlertName);
  if (it != m.entries.end()) keys.emplace_back(kAlertName);
  for (const auto& [k, v] : m.entries) {
    if (k != kAlertName) keys.push_back(k);
  }
  return keys;
}

std::string pairs_string(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string out;
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (i > 0) out += ", ";
    out += pairs[i].first + "=" + pairs[i].second;
  }
  return out;
}

Result<Value> no_args(std::string_view name, std::span<const Value> args) {
  if (!args.empty()) return tl::unexpected(wrong_arg_count(name, 0, args.size()));
  return Value();
}

// template.Pairs: a []Pair with Names() and Values().
class PairsObject final : public Object {
 public:
  explicit PairsObject(std::vector<std::pair<std::string, std::string>> pairs)
      : pairs_(std::move(pairs)) {
    list_.type_name = "template.Pairs";
    for (const auto& [n, v] : pairs_) {
      auto p = std::make_shared<Struct>("template.Pair");
      p->set("Name", n).set("Value", v);
      list_.items.push_back(Value::object(std::move(p)));
    }
  }
  std::string type_name() const override { return "template.Pairs"; }
  bool has_method(std::string_view name) const override {
    return name == "Names" || name == "Values" || name == "String";
  }
  Result<Value> call_method(std::string_view name, std::span<const Value> args) const override {
    if (auto r = no_args(name, args); !r) return r;
    if (name == "String") return Value(pairs_string(pairs_));
    std::vector<std::string> out;
    for (const auto& [n, v] : pairs_) out.push_back(name == "Names" ? n : v);
    return Value::string_list(out);
  }
  const ListData* list() const override { return &list_; }
  std::optional<std::string> string() const override { return pairs_string(pairs_); }

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
  ListData list_;
};

// template.KV: map[string]string with SortedPairs, Names, Values, Remove and String.
class KvObject final : public Object {
 public:
  explicit KvObject(const KvMap& kv) {
    map_.string_values = true;
    map_.type_name = "template.KV";
    for (const auto& [k, v] : kv) map_.entries.emplace(k, Value(v));
  }
  std::string type_name() const override { return "template.KV"; }
  bool has_method(std::string_view name) const override {
    return name == "SortedPairs" || name == "Names" || name == "Values" || name == "Remove" ||
           name == "String";
  }
  Result<Value> call_method(std::string_view name, std::span<const Value> args) const override {
    if (name == "Remove") {
      if (args.size() != 1) return tl::unexpected(wrong_arg_count(name, 1, args.size()));
      auto keys = arg_string_list(args[0]);
      if (!keys) return tl::unexpected(keys.error());
      KvMap rest;
      for (const auto& [k, v] : map_.entries) {
        bool drop = false;
        for (const auto& r : *keys) drop = drop || r == k;
        if (!drop) rest.emplace(k, v.as_string());
      }
      return make_kv(std::move(rest));
    }
    if (auto r = no_args(name, args); !r) return r;
    auto pairs = sorted_pairs();
    if (name == "String") return Value(pairs_string(pairs));
    if (name == "SortedPairs") return Value::object(std::make_shared<PairsObject>(std::move(pairs)));
    std::vector<std::string> out;
    for (const auto& [n, v] : pairs) out.push_back(name == "Names" ? n : v);
    return Value::string_list(out);
  }
  const MapData* map() const override { return &map_; }
  std::optional<std::string> string() const override { return pairs_string(sorted_pairs()); }

 private:
  std::vector<std::pair<std::string, std::string>> sorted_pairs() const {
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const auto& k : sorted_keys(map_)) pairs.emplace_back(k, map_.entries.find(k)->second.as_string());
    return pairs;
  }
  MapData map_;
};

Value alert_value(const NotificationAlert& a) {
  auto s = std::make_shared<Struct>("template.Alert");
  auto time_of = [](Timestamp t) { return t == 0 ? GoTime{} : GoTime::from_ms(t); };
  s->set("Status", a.status, "status")
      .set("Labels", make_kv(a.labels), "labels")
      .set("Annotations", make_kv(a.annotations), "annotations")
      .set("StartsAt", Value::time(time_of(a.starts_at)), "startsAt")
      .set("EndsAt", Value::time(time_of(a.ends_at)), "endsAt")
      .set("GeneratorURL", a.generator_url, "generatorURL")
      .set("Fingerprint", a.fingerprint, "fingerprint");
  return Value::object(std::move(s));
}

// template.Alerts: []Alert with Firing() and Resolved() (which return plain []Alert).
class AlertsObject final : public Object {
 public:
  explicit AlertsObject(const std::vector<NotificationAlert>& alerts) {
    list_.type_name = "template.Alerts";
    for (const auto& a : alerts) {
      list_.items.push_back(alert_value(a));
      (a.status == "firing" ? firing_ : resolved_).push_back(list_.items.back());
    }
  }
  std::string type_name() const override { return "template.Alerts"; }
  bool has_method(std::string_view name) const override {
    return name == "Firing" || name == "Resolved";
  }
  Result<Value> call_method(std::string_view name, std::span<const Value> args) const override {
    if (auto r = no_args(name, args); !r) return r;
    return Value::list(name == "Firing" ? firing_ : resolved_, "[]template.Alert");
  }
  const ListData* list() const override { return &list_; }

 private:
  ListData list_;
  std::vector<Value> firing_;
  std::vector<Value> resolved_;
};

}  // namespace

std::string quote_meta(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\.+*?()|[]{}^$").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

KvMap to_kv(const Labels& labels) {
  KvMap kv;
  for (const auto& l : labels) kv.emplace(l.name, l.value);
  return kv;
}

Value make_kv(KvMap kv) { return Value::object(std::make_shared<KvObject>(kv)); }

Value make_alerts(const std::vector<NotificationAlert>& alerts) {
  return Value::object(std::make_shared<AlertsObject>(alerts));
}

Value to_value(const NotificationData& d) {
  auto s = std::make_shared<Struct>("*template.Data");
  s->set("Receiver", d.receiver, "receiver")
      .set("Status", d.status, "status")
      .set("Alerts", make_alerts(d.alerts), "alerts")
      .set("GroupLabels", make_kv(d.group_labels), "groupLabels")
      .set("CommonLabels", make_kv(d.common_labels), "commonLabels")
      .set("CommonAnnotations", make_kv(d.common_annotations), "commonAnnotations")
      .set("ExternalURL", d.external_url, "externalURL");
  return Value::object(std::move(s));
}

NotificationData make_notification_data(std::string_view receiver, KvMap group_labels,
                                        std::vector<NotificationAlert> alerts,
                                        std::string external_url) {
  NotificationData d;
  d.receiver = quote_meta(receiver);
  d.status = "resolved";
  for (const auto& a : alerts) {
    if (a.status == "firing") d.status = "firing";
  }
  d.group_labels = std::move(group_labels);
  if (!alerts.empty()) {
    d.common_labels = alerts[0].labels;
    d.common_annotations = alerts[0].annotations;
    for (size_t i = 1; i < alerts.size(); ++i) {
      std::erase_if(d.common_labels, [&](const auto& kv) {
        auto it = alerts[i].labels.find(kv.first);
        return it == alerts[i].labels.end() || it->second != kv.second;
      });
      std::erase_if(d.common_annotations, [&](const auto& kv) {
        auto it = alerts[i].annotations.find(kv.first);
        return it == alerts[i].annotations.end() || it->second != kv.second;
      });
    }
  }
  d.alerts = std::move(alerts);
  d.external_url = std::move(external_url);
  return d;
}

}  // namespace tocsin::tmpl
