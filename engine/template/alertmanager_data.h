// The data Alertmanager's notification templates see (Go's template.Data), as template Values.
//
// Fill a NotificationData (plain structs) and call to_value(); the result has the Go field and
// method names templates use: .Receiver .Status .Alerts (.Firing .Resolved) .GroupLabels
// .CommonLabels .CommonAnnotations .ExternalURL; each alert has .Status .Labels .Annotations
// .StartsAt .EndsAt .GeneratorURL .Fingerprint; label sets are template.KV values with
// .SortedPairs .Names .Values .Remove, which print as "a=b, c=d" with alertname first.
// make_notification_data() derives status and the common labels/annotations the way
// Alertmanager's Template.Data() does. All functions are pure; any thread.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/common/time.h"
#include "engine/model/labels.h"
#include "engine/template/value.h"

namespace tocsin::tmpl {

using KvMap = std::map<std::string, std::string, std::less<>>;

struct NotificationAlert {
  std::string status;  // "firing" or "resolved"
  KvMap labels;
  KvMap annotations;
  Timestamp starts_at = 0;  // 0: Go's zero time (0001-01-01 00:00:00 +0000 UTC)
  Timestamp ends_at = 0;
  std::string generator_url;
  std::string fingerprint;  // 16 hex digits
};

struct NotificationData {
  std::string receiver;
  std::string status;  // "firing" when any alert fires, else "resolved"
  std::vector<NotificationAlert> alerts;
  KvMap group_labels;
  KvMap common_labels;
  KvMap common_annotations;
  std::string external_url;
};

KvMap to_kv(const Labels& labels);
// Go's regexp.QuoteMeta: template.Data's Receiver is the receiver name quoted this way.
std::string quote_meta(std::string_view s);

// A template.KV value (map[string]string with methods).
Value make_kv(KvMap kv);
// A template.Alerts value.
Value make_alerts(const std::vector<NotificationAlert>& alerts);
// The *template.Data value for a notification.
Value to_value(const NotificationData& data);

// Builds the data as Alertmanager does: receiver regex-quoted (regexp.QuoteMeta), status firing
// if any alert is firing, common labels/annotations = pairs shared by every alert.
NotificationData make_notification_data(std::string_view receiver, KvMap group_labels,
                                        std::vector<NotificationAlert> alerts,
                                        std::string external_url);

}  // namespace tocsin::tmpl
