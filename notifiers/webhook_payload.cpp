#include "notifiers/webhook_payload.h"

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/template/alertmanager_data.h"
#include "notifiers/go_json.h"

// Written straight into the body, no JSON document in between (a notification burst renders
// every alert of every group): the bytes are what webhook_payload produced through
// notification_data() and go_json_encode() — same fields, order, escaping and numbers.

namespace tocsin::notifiers {
namespace {

using Pairs = std::vector<std::pair<std::string_view, std::string_view>>;

void append_key(std::string& out, std::string_view key) {
  out += '"';
  out += key;  // field names are plain ASCII
  out += "\":";
}

// A JSON object of sorted (name, value) pairs, as Go prints map[string]string.
template <typename Range>
void append_object(std::string& out, const Range& kv) {
  out += '{';
  bool first = true;
  for (const auto& [k, v] : kv) {
    if (!first) out += ',';
    first = false;
    append_go_json_string(out, k);
    out += ':';
    append_go_json_string(out, v);
  }
  out += '}';
}

void append_labels(std::string& out, const Labels& labels) {  // sorted by name, as Go sorts keys
  out += '{';
  for (std::size_t k = 0; k < labels.size(); ++k) {
    if (k != 0) out += ',';
    append_go_json_string(out, labels[k].name);
    out += ':';
    append_go_json_string(out, labels[k].value);
  }
  out += '}';
}

// Keeps the pairs whose name `value_of` finds with the same value (std::nullopt: absent).
template <typename Lookup>
void intersect(Pairs& kv, Lookup&& value_of) {
  std::erase_if(kv, [&](const auto& p) {
    std::optional<std::string_view> v = value_of(p.first);
    return !v || *v != p.second;
  });
}

}  // namespace

std::string webhook_payload(const Notification& n, std::uint64_t max_alerts) {
  std::size_t count = n.alerts.size();
  if (max_alerts != 0 && count > max_alerts) count = static_cast<std::size_t>(max_alerts);
  const std::uint64_t truncated = n.alerts.size() - count;

  bool any_firing = false;
  Pairs common_labels, common_annotations;
  for (std::size_t i = 0; i < count; ++i) {
    const Alert& a = n.alerts[i];
    any_firing = any_firing || !a.resolved_at(n.now);
    if (i == 0) {
      for (const Label& l : a.labels) common_labels.emplace_back(l.name, l.value);
      for (const auto& [k, v] : a.annotations) common_annotations.emplace_back(k, v);
      continue;
    }
    intersect(common_labels, [&](std::string_view k) -> std::optional<std::string_view> {
      if (!a.labels.has(k)) return std::nullopt;
      return a.labels.get(k);
    });
    intersect(common_annotations, [&](std::string_view k) -> std::optional<std::string_view> {
      auto it = a.annotations.find(std::string(k));
      if (it == a.annotations.end()) return std::nullopt;
      return std::string_view(it->second);
    });
  }

  std::string out;
  out.reserve(256 + count * 320);
  out += '{';
  append_key(out, "receiver");
  append_go_json_string(out, tmpl::quote_meta(n.receiver));
  out += ',';
  append_key(out, "status");
  out += any_firing ? "\"firing\"" : "\"resolved\"";
  out += ',';
  append_key(out, "alerts");
  out += '[';
  for (std::size_t i = 0; i < count; ++i) {
    const Alert& a = n.alerts[i];
    const bool resolved = a.resolved_at(n.now);
    if (i != 0) out += ',';
    out += '{';
    append_key(out, "status");
    out += resolved ? "\"resolved\"" : "\"firing\"";
    out += ',';
    append_key(out, "labels");
    append_labels(out, a.labels);
    out += ',';
    append_key(out, "annotations");
    append_object(out, a.annotations);
    out += ',';
    append_key(out, "startsAt");
    out += '"';
    append_go_json_time(out, a.starts_at);
    out += "\",";
    append_key(out, "endsAt");
    out += '"';
    append_go_json_time(out, resolved ? a.ends_at : 0);  // a firing alert has Go's zero time
    out += "\",";
    append_key(out, "generatorURL");
    append_go_json_string(out, a.generator_url);
    out += ',';
    append_key(out, "fingerprint");
    append_go_json_string(out, fingerprint_hex(a.fingerprint()));
    out += '}';
  }
  out += "],";
  append_key(out, "groupLabels");
  append_labels(out, n.group_labels);
  out += ',';
  append_key(out, "commonLabels");
  append_object(out, common_labels);
  out += ',';
  append_key(out, "commonAnnotations");
  append_object(out, common_annotations);
  out += ',';
  append_key(out, "externalURL");
  append_go_json_string(out, n.external_url);
  out += ',';
  append_key(out, "version");
  out += "\"4\",";
  append_key(out, "groupKey");
  append_go_json_string(out, n.group_key);
  out += ',';
  append_key(out, "truncatedAlerts");
  out += std::to_string(truncated);
  out += "}\n";
  return out;
}

}  // namespace tocsin::notifiers
