#include "notifiers/pagerduty.h"

#include <nlohmann/json.hpp>

#include "notifiers/http_send.h"
#include "notifiers/pagerduty_payload.h"

namespace tocsin::notifiers {

std::string pagerduty_error_details(int status, std::string_view body) {
  if (status != 400) return {};
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return {};
  std::string msg = j.contains("message") && j["message"].is_string() ? j["message"].get<std::string>() : "";
  std::string errors;
  if (j.contains("errors") && j["errors"].is_array()) {
    for (const auto& e : j["errors"]) {
      if (!e.is_string()) continue;
      if (!errors.empty()) errors += ",";
      errors += e.get<std::string>();
    }
  }
  return msg + ": " + errors;
}

Result<std::unique_ptr<PagerdutyNotifier>> PagerdutyNotifier::create(
    const config::PagerdutyConfig& c, const NotifierDeps& deps) {
  if (!deps.client) return invalid_argument("pagerduty: no HTTP client");
  if (!deps.templates) return invalid_argument("pagerduty: no templates");
  auto key = config::resolve_secret(c.routing_key, c.routing_key_file, "pagerduty routing_key_file");
  if (!key) return tl::unexpected(key.error().with_context("pagerduty"));
  if (key->empty()) {
    if (!c.service_key.empty() || !c.service_key_file.empty()) {
      return unimplemented("pagerduty: Events API v1 (service_key) is not supported; use routing_key");
    }
    return invalid_argument("pagerduty: no routing_key");
  }
  auto http = config::resolve_http_options(c.http_config);
  if (!http) return tl::unexpected(http.error().with_context("pagerduty"));
  config::PagerdutyConfig conf = c;
  if (conf.url.empty()) conf.url = "https://events.pagerduty.com/v2/enqueue";
  return std::unique_ptr<PagerdutyNotifier>(new PagerdutyNotifier(conf, *key, *http, deps));
}

void PagerdutyNotifier::notify(const Notification& n, std::function<void(NotifyResult)> done) {
  Renderer keys(*deps_.templates, n);
  std::string routing_key = keys.text(routing_key_, "pagerduty routing_key");
  if (keys.failed() || routing_key.empty()) {
    // Without a routing key there is nowhere to send even a fallback event.
    if (keys.failed()) report_template_error(n, integration(), keys.error(), deps_.metrics);
    NotifyResult res;
    res.status = keys.failed() ? invalid_argument(keys.error().message)
                               : invalid_argument("pagerduty: routing key cannot be empty");
    done(std::move(res));
    return;
  }
  Renderer r(*deps_.templates, n);
  std::string body = pagerduty_payload(config_, routing_key, n, r);
  if (r.failed()) {
    report_template_error(n, integration(), r.error(), deps_.metrics);
    body = pagerduty_fallback_payload(config_, routing_key, n, r.error());
  }
  http::HttpRequest req;
  req.method = "POST";
  req.url = config_.url;
  req.headers = {{"Content-Type", "application/json"}};
  req.body = std::move(body);
  req.timeout = request_timeout(config_.timeout);
  http_.apply(req);
  SendOptions opts;
  opts.integration = "pagerduty";
  opts.now = n.now;
  opts.details = [](const http::HttpResponse& resp) {
    return pagerduty_error_details(static_cast<int>(resp.status), resp.body);
  };
  send_request(*deps_.client, std::move(req), std::move(opts), deps_.metrics, std::move(done));
}

}  // namespace tocsin::notifiers
