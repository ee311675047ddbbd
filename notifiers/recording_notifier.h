// RecordingNotifier: an integration that renders what the real one would send and records it
// instead of sending — for `tocsin eval --config` (the notifications a backtest would have
// sent) and for notification tests in rule unit tests.
//
// make_recording_integrations() mirrors make_integrations() (factory.h): one Integration per
// configured entry, same names, order, indexes and send_resolved, so dispatch groups, dedups and
// logs exactly as with the real integrations. Each notify() renders with the integration's own
// payload code (slack_payload, pagerduty_payload, webhook_payload, the email headers and text,
// the log integration's text) and reports a RecordedNotification to the recorder, then succeeds.
// No secret file is read and nothing leaves the process: URLs and keys are not needed.
//
// Fields recorded per integration (Recorded::fields, in this order; empty ones left out):
//   webhook    —                          payload: the JSON body
//   slack      title, text                payload: the JSON body
//   email      subject, text              payload: the HTML part
//   pagerduty  description, severity      payload: the JSON event (routing key "<secret>")
//   log        text
// A template that fails to render is recorded as the real integration would send it (its
// fallback message) with template_error set.
//
// Threads: as Notifier (the dispatcher's thread); the recorder is called inside notify().
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "engine/common/result.h"
#include "engine/config/config.h"
#include "notifiers/deps.h"
#include "notifiers/factory.h"
#include "notifiers/notifier.h"

namespace tocsin::notifiers {

struct RecordedNotification {
  Timestamp at = 0;  // the flush time
  std::string receiver;
  std::string integration;  // "slack", ...
  int integration_index = 0;
  std::string group_key;
  Labels group_labels;
  std::string status;  // "firing" or "resolved" (Alertmanager's .Status)
  std::vector<Alert> firing;
  std::vector<Alert> resolved;
  std::vector<std::pair<std::string, std::string>> fields;  // rendered, see above
  std::string payload;
  std::string template_error;  // "" unless a template failed (the fallback was recorded)
};

using NotificationRecorder = std::function<void(RecordedNotification)>;

// The record of one notification as `integration` renders it. `send_resolved` is unused here;
// exposed so tests can render without dispatch.
RecordedNotification render_for_record(const config::Receiver& receiver,
                                       std::string_view integration, int index,
                                       const Notification& n, const TemplateSetPtr& templates);

// Requires deps.templates; deps.client is not used.
Result<std::vector<Integration>> make_recording_integrations(const config::Receiver& receiver,
                                                             const NotifierDeps& deps,
                                                             NotificationRecorder recorder);

}  // namespace tocsin::notifiers
