// WebhookNotifier: POSTs Alertmanager's version-4 JSON message (webhook_payload.h) to `url`
// (or the URL in `url_file`, read when built) with the receiver's http_config. No templates are
// involved, so there is nothing to fall back from. 2xx is ok; 5xx/429 retryable; other
// statuses permanent. Built on the config path; notify() on the I/O thread.
#pragma once

#include <memory>

#include "engine/config/config.h"
#include "notifiers/deps.h"
#include "engine/config/http_options.h"
#include "notifiers/notifier.h"

namespace tocsin::notifiers {

class WebhookNotifier final : public Notifier {
 public:
  // Reads url_file and the http_config secret files.
  static Result<std::unique_ptr<WebhookNotifier>> create(const config::WebhookConfig& c,
                                                          const NotifierDeps& deps);

  std::string_view integration() const override { return "webhook"; }
  bool send_resolved() const override { return config_.send_resolved; }
  void notify(const Notification& n, std::function<void(NotifyResult)> done) override;

 private:
  WebhookNotifier(config::WebhookConfig c, std::string url, config::HttpOptions http, NotifierDeps deps)
      : config_(std::move(c)), url_(std::move(url)), http_(std::move(http)), deps_(std::move(deps)) {}

  config::WebhookConfig config_;
  std::string url_;
  config::HttpOptions http_;
  NotifierDeps deps_;
};

}  // namespace tocsin::notifiers
