// Notifier: the seam between dispatch and the integrations (webhook, Slack, email, PagerDuty,
// log). Alertmanager's notify.Notifier.
//
// When an aggregation group flushes, dispatch builds one Notification per integration of the
// receiver and calls notify(). The integration renders its templates, sends (asynchronously, on
// the shared libcurl-multi client on the I/O thread — never blocking), and calls `done` exactly
// once with the outcome: ok, a retryable failure (Error code kUnavailable / kDeadlineExceeded,
// optionally with a Retry-After hint), or a permanent failure (any other code). Retrying,
// backoff and the notification log are dispatch's business, not the integration's.
//
// Thread contract: notify() is called on the I/O thread; `done` is invoked on the I/O thread.
// `n` is valid only during the notify() call: an integration renders (or copies) what it sends
// before returning, and must not keep a reference to n for later.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/common/result.h"
#include "engine/common/time.h"
#include "engine/model/alert.h"
#include "engine/model/labels.h"

namespace tocsin::notifiers {

struct Notification {
  std::string receiver;           // receiver name
  std::string integration;        // "webhook", "slack", "email", "pagerduty", "log"
  int integration_index = 0;      // position among the receiver's integrations of that kind
  std::string group_key;          // Alertmanager's group key: route key + "{" + group labels + "}"
  Labels group_labels;
  std::vector<Alert> alerts;      // firing and resolved together, in Alertmanager's flush order
  std::string external_url;
  Timestamp now = 0;              // the flush time
};

struct NotifyResult {
  Status status;                       // ok, or why not
  std::optional<Duration> retry_after;  // from a 429/503 Retry-After header
  static NotifyResult ok() { return {}; }
};

class Notifier {
 public:
  virtual ~Notifier() = default;
  // Name of the integration kind ("webhook", ...), for metrics and logs.
  virtual std::string_view integration() const = 0;
  // Whether resolved alerts are sent (send_resolved).
  virtual bool send_resolved() const = 0;
  virtual void notify(const Notification& n, std::function<void(NotifyResult)> done) = 0;
};

}  // namespace tocsin::notifiers
