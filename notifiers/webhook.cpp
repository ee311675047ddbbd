#include "notifiers/webhook.h"

#include "notifiers/http_send.h"
#include "notifiers/webhook_payload.h"

namespace tocsin::notifiers {

Result<std::unique_ptr<WebhookNotifier>> WebhookNotifier::create(const config::WebhookConfig& c,
                                                                  const NotifierDeps& deps) {
  if (!deps.client) return invalid_argument("webhook: no HTTP client");
  auto url = config::resolve_secret(c.url, c.url_file, "webhook url_file");
  if (!url) return tl::unexpected(url.error().with_context("webhook"));
  if (url->empty()) return invalid_argument("webhook: no url");
  auto http = config::resolve_http_options(c.http_config);
  if (!http) return tl::unexpected(http.error().with_context("webhook"));
  return std::unique_ptr<WebhookNotifier>(new WebhookNotifier(c, *url, *http, deps));
}

void WebhookNotifier::notify(const Notification& n, std::function<void(NotifyResult)> done) {
  http::HttpRequest req;
  req.method = "POST";
  req.url = url_;
  req.headers = {{"Content-Type", "application/json"}};
  req.body = webhook_payload(n, config_.max_alerts);
  req.timeout = request_timeout(config_.timeout);
  http_.apply(req);
  // The URL may carry credentials: errors name the response, never the URL.
  send_request(*deps_.client, std::move(req), {"webhook", n.now, nullptr, nullptr, url_},
               deps_.metrics, std::move(done));
}

}  // namespace tocsin::notifiers
