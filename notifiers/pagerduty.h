// PagerdutyNotifier: one Events API v2 event per notification (pagerduty_payload.h) to `url`
// (global pagerduty_url by default), routing_key or routing_key_file (read when built; the key
// may be a template). PagerDuty answers 202 Accepted; any 2xx is ok, 5xx and 429 are
// retryable, a 400 is permanent and its error list is put in the message. When a template
// fails, the plain fallback event is sent with the same dedup key. Events API v1
// (service_key) is not implemented. Built on the config path; notify() on the I/O thread.
#pragma once

#include <memory>

#include "engine/config/config.h"
#include "notifiers/deps.h"
#include "engine/config/http_options.h"
#include "notifiers/notifier.h"

namespace tocsin::notifiers {

class PagerdutyNotifier final : public Notifier {
 public:
  static Result<std::unique_ptr<PagerdutyNotifier>> create(const config::PagerdutyConfig& c,
                                                            const NotifierDeps& deps);

  std::string_view integration() const override { return "pagerduty"; }
  bool send_resolved() const override { return config_.send_resolved; }
  void notify(const Notification& n, std::function<void(NotifyResult)> done) override;

 private:
  PagerdutyNotifier(config::PagerdutyConfig c, std::string routing_key, config::HttpOptions http,
                    NotifierDeps deps)
      : config_(std::move(c)), routing_key_(std::move(routing_key)), http_(std::move(http)),
        deps_(std::move(deps)) {}

  config::PagerdutyConfig config_;
  std::string routing_key_;  // as configured (may be a template)
  config::HttpOptions http_;
  NotifierDeps deps_;
};

// The error details PagerDuty gives with a 400: "<message>: <errors joined by ','>".
std::string pagerduty_error_details(int status, std::string_view body);

}  // namespace tocsin::notifiers
