#include "notifiers/slack.h"

#include "notifiers/http_send.h"
#include "notifiers/slack_payload.h"

namespace tocsin::notifiers {

Result<std::unique_ptr<SlackNotifier>> SlackNotifier::create(const config::SlackConfig& c,
                                                              const NotifierDeps& deps) {
  if (!deps.client) return invalid_argument("slack: no HTTP client");
  if (!deps.templates) return invalid_argument("slack: no templates");
  auto http = config::resolve_http_options(c.http_config);
  if (!http) return tl::unexpected(http.error().with_context("slack"));
  auto token = config::resolve_secret(c.app_token, c.app_token_file, "slack app_token_file");
  if (!token) return tl::unexpected(token.error().with_context("slack"));
  std::string url;
  if (!token->empty()) {
    // A bot token posts through the Web API (chat.postMessage).
    url = c.app_url.empty() ? "https://slack.com/api/chat.postMessage" : c.app_url;
    http->authorization = http::AuthorizationHeader{"Bearer", *token};
  } else {
    auto u = config::resolve_secret(c.api_url, c.api_url_file, "slack api_url_file");
    if (!u) return tl::unexpected(u.error().with_context("slack"));
    url = *u;
  }
  if (url.empty()) return invalid_argument("slack: no api_url nor app_token");
  return std::unique_ptr<SlackNotifier>(new SlackNotifier(c, url, *http, deps));
}

void SlackNotifier::notify(const Notification& n, std::function<void(NotifyResult)> done) {
  Renderer r(*deps_.templates, n);
  std::string body = slack_payload(config_, r);
  if (r.failed()) {
    report_template_error(n, integration(), r.error(), deps_.metrics);
    body = slack_fallback_payload(config_, n, r.error());
  }
  http::HttpRequest req;
  req.method = "POST";
  req.url = url_;
  req.headers = {{"Content-Type", "application/json"}};
  req.body = std::move(body);
  req.timeout = request_timeout(config_.timeout);
  http_.apply(req);
  SendOptions opts;
  opts.integration = "slack";
  opts.now = n.now;
  opts.redact = url_;
  opts.check = [](const http::HttpResponse& resp) {
    return check_slack_response(resp.header("content-type"), resp.body);
  };
  send_request(*deps_.client, std::move(req), std::move(opts), deps_.metrics, std::move(done));
}

}  // namespace tocsin::notifiers
