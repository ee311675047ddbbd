// SlackNotifier: one message per notification (slack_payload.h), either to an incoming webhook
// (api_url / api_url_file) or to chat.postMessage with a bot token (app_token / app_token_file
// → "Authorization: Bearer <token>", app_url). A 2xx answer must also pass Slack's own check
// ("ok" text, or JSON with "ok": true). When a template fails, the plain fallback message goes
// to the same place and the failure is logged and counted. Built on the config path; notify()
// on the I/O thread.
#pragma once

#include <memory>

#include "engine/config/config.h"
#include "notifiers/deps.h"
#include "engine/config/http_options.h"
#include "notifiers/notifier.h"

namespace tocsin::notifiers {

class SlackNotifier final : public Notifier {
 public:
  static Result<std::unique_ptr<SlackNotifier>> create(const config::SlackConfig& c,
                                                        const NotifierDeps& deps);

  std::string_view integration() const override { return "slack"; }
  bool send_resolved() const override { return config_.send_resolved; }
  void notify(const Notification& n, std::function<void(NotifyResult)> done) override;

 private:
  SlackNotifier(config::SlackConfig c, std::string url, config::HttpOptions http, NotifierDeps deps)
      : config_(std::move(c)), url_(std::move(url)), http_(std::move(http)), deps_(std::move(deps)) {}

  config::SlackConfig config_;
  std::string url_;
  config::HttpOptions http_;
  NotifierDeps deps_;
};

}  // namespace tocsin::notifiers
