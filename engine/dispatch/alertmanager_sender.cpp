#include "engine/dispatch/alertmanager_sender.h"

#include <algorithm>
#include <utility>

#include <nlohmann/json.hpp>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "engine/common/log.h"
#include "engine/config/http_options.h"

namespace tocsin::dispatch {

namespace {

constexpr std::string_view kAlertsPath = "/api/v2/alerts";

// path_prefix as Prometheus joins it: "" or "/x" (no trailing slash), then /api/v2/alerts.
std::string alerts_path(std::string prefix) {
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  if (!prefix.empty() && prefix.front() != '/') prefix.insert(prefix.begin(), '/');
  return prefix + std::string(kAlertsPath);
}

}  // namespace

std::string alerts_to_json(const std::vector<Alert>& alerts) {
  nlohmann::json out = nlohmann::json::array();
  for (const Alert& a : alerts) {
    nlohmann::json labels = nlohmann::json::object();
    for (const auto& l : a.labels) labels[l.name] = l.value;
    nlohmann::json j = {{"labels", std::move(labels)},
                        {"annotations", nlohmann::json(a.annotations)}};
    if (a.starts_at != 0) j["startsAt"] = format_rfc3339(a.starts_at);
    if (a.ends_at != 0) j["endsAt"] = format_rfc3339(a.ends_at);
    if (!a.generator_url.empty()) j["generatorURL"] = a.generator_url;
    out.push_back(std::move(j));
  }
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<AlertmanagerPlan> prepare_alertmanagers(const config::AlertingConfig& alerting) {
  AlertmanagerPlan plan;
  auto global = scrape::compile(alerting.alert_relabel_configs);
  if (!global) return tl::unexpected(global.error().with_context("alerting"));
  plan.alert_relabel = std::move(*global);
  for (std::size_t i = 0; i < alerting.alertmanagers.size(); ++i) {
    const config::AlertmanagerTarget& t = alerting.alertmanagers[i];
    std::string where = "alerting.alertmanagers[" + std::to_string(i) + "]";
    if (t.api_version != "v2") {
      return invalid_argument(where + ": api_version \"" + t.api_version +
                              "\" is not supported; only v2 is");
    }
    if (t.scheme != "http" && t.scheme != "https") {
      return invalid_argument(where + ": scheme \"" + t.scheme + "\" is not http or https");
    }
    if (!t.file_sd_configs.empty()) {
      log::warn("alertmanagers: file_sd_configs are not supported; using static_configs only",
                {{"entry", where}});
    }
    AlertmanagerSet set;
    auto ar = scrape::compile(t.alert_relabel_configs);
    if (!ar) return tl::unexpected(ar.error().with_context(where));
    set.alert_relabel = std::move(*ar);
    auto tr = scrape::compile(t.relabel_configs);
    if (!tr) return tl::unexpected(tr.error().with_context(where));
    auto http_options = config::resolve_http_options(t.http);
    if (!http_options) return tl::unexpected(http_options.error().with_context(where));

    http::HttpRequest base;
    base.method = "POST";
    base.headers = {{"Content-Type", "application/json"}};
    base.timeout = std::chrono::milliseconds(t.timeout > 0 ? t.timeout : 10 * kSecond);
    http_options->apply(base);

    for (const auto& sc : t.static_configs) {
      for (const auto& address : sc.targets) {
        LabelsBuilder b;
        for (const auto& [k, v] : sc.labels) b.set(k, v);
        b.set("__address__", address);
        b.set("__scheme__", t.scheme);
        b.set("__alerts_path__", alerts_path(t.path_prefix));
        std::optional<Labels> target = scrape::relabel(b.labels(), *tr);
        if (!target) continue;  // dropped by relabel_configs
        std::string addr(target->get("__address__"));
        if (addr.empty()) continue;
        AlertmanagerEndpoint ep;
        ep.url = std::string(target->get("__scheme__")) + "://" + addr +
                 std::string(target->get("__alerts_path__"));
        ep.request = base;
        set.endpoints.push_back(std::move(ep));
      }
    }
    plan.sets.push_back(std::move(set));
  }
  return plan;
}

struct AlertmanagerSender::Am {
  std::string key;  // set index + URL: two entries naming the same URL are two senders
  AlertmanagerEndpoint endpoint;
  std::deque<Alert> queue;
  std::optional<http::RequestId> in_flight;
  bool retired = false;
  prometheus::Counter* sent = nullptr;
  prometheus::Counter* errors = nullptr;
};

AlertmanagerSender::AlertmanagerSender(http::CurlClient& client, prometheus::Registry& registry,
                                       AlertmanagerSenderOptions options)
    : client_(client), options_(std::move(options)) {
  if (options_.max_batch_size == 0) options_.max_batch_size = 1;
  sent_family_ = &prometheus::BuildCounter()
                      .Name("tocsin_notifications_sent_total")
                      .Help("Total number of alerts sent.")
                      .Register(registry);
  errors_family_ = &prometheus::BuildCounter()
                        .Name("tocsin_notifications_errors_total")
                        .Help("Total number of sent alerts affected by errors.")
                        .Register(registry);
  dropped_ = &prometheus::BuildCounter()
                  .Name("tocsin_notifications_dropped_total")
                  .Help("Total number of alerts dropped due to errors when sending to "
                        "Alertmanager.")
                  .Register(registry)
                  .Add({});
  queue_length_ = &prometheus::BuildGauge()
                       .Name("tocsin_notifications_queue_length")
                       .Help("The number of alert notifications in the queue.")
                       .Register(registry)
                       .Add({});
  queue_capacity_ = &prometheus::BuildGauge()
                         .Name("tocsin_notifications_queue_capacity")
                         .Help("The capacity of the alert notifications queue.")
                         .Register(registry)
                         .Add({});
  queue_capacity_->Set(static_cast<double>(options_.queue_capacity));
  discovered_ = &prometheus::BuildGauge()
                     .Name("tocsin_notifications_alertmanagers_discovered")
                     .Help("The number of alertmanagers discovered and active.")
                     .Register(registry)
                     .Add({});
}

AlertmanagerSender::~AlertmanagerSender() {
  for (auto& [key, am] : ams_) {
    if (am->in_flight) client_.cancel(*am->in_flight);
    am->retired = true;
  }
}

Status AlertmanagerSender::apply(const config::AlertingConfig& alerting) {
  auto plan = prepare_alertmanagers(alerting);
  if (!plan) return tl::unexpected(plan.error());
  apply(std::move(*plan));
  return {};
}

void AlertmanagerSender::apply(AlertmanagerPlan plan) {
  std::map<std::string, std::shared_ptr<Am>> next;
  std::vector<SetState> sets;
  for (std::size_t i = 0; i < plan.sets.size(); ++i) {
    SetState s;
    s.alert_relabel = std::move(plan.sets[i].alert_relabel);
    for (auto& ep : plan.sets[i].endpoints) {
      std::string key = std::to_string(i) + " " + ep.url;
      if (next.count(key)) continue;  // the same target twice in one entry
      std::shared_ptr<Am> am;
      if (auto it = ams_.find(key); it != ams_.end()) {
        am = it->second;  // keeps its queue and its request in flight
      } else {
        am = std::make_shared<Am>();
        am->key = key;
      }
      am->endpoint = std::move(ep);
      am->sent = &sent_family_->Add({{"alertmanager", am->endpoint.url}});
      am->errors = &errors_family_->Add({{"alertmanager", am->endpoint.url}});
      next.emplace(key, am);
      s.ams.push_back(am);
    }
    sets.push_back(std::move(s));
  }
  for (auto& [key, am] : ams_) {
    if (next.count(key)) continue;
    if (am->in_flight) client_.cancel(*am->in_flight);
    am->in_flight.reset();
    am->retired = true;
    dropped_->Increment(static_cast<double>(am->queue.size()));
    am->queue.clear();
  }
  ams_ = std::move(next);
  sets_ = std::move(sets);
  alert_relabel_ = std::move(plan.alert_relabel);
  discovered_->Set(static_cast<double>(ams_.size()));
  update_queue_gauge();
  log::info("alertmanagers configured", {{"count", std::to_string(ams_.size())}});
  for (auto& [key, am] : ams_) pump(am);
}

void AlertmanagerSender::send(const std::vector<Alert>& alerts) {
  if (sets_.empty() || alerts.empty()) return;
  std::vector<Alert> relabelled;
  relabelled.reserve(alerts.size());
  for (const Alert& a : alerts) {
    if (alert_relabel_.empty()) {
      relabelled.push_back(a);
      continue;
    }
    auto labels = scrape::relabel(a.labels, alert_relabel_);
    if (!labels || labels->empty()) continue;
    Alert copy = a;
    copy.labels = std::move(*labels);
    relabelled.push_back(std::move(copy));
  }
  for (SetState& s : sets_) {
    if (s.ams.empty()) continue;
    if (s.alert_relabel.empty()) {
      for (auto& am : s.ams) enqueue(*am, relabelled);
    } else {
      std::vector<Alert> mine;
      mine.reserve(relabelled.size());
      for (const Alert& a : relabelled) {
        auto labels = scrape::relabel(a.labels, s.alert_relabel);
        if (!labels || labels->empty()) continue;
        Alert copy = a;
        copy.labels = std::move(*labels);
        mine.push_back(std::move(copy));
      }
      for (auto& am : s.ams) enqueue(*am, mine);
    }
  }
  update_queue_gauge();
  for (SetState& s : sets_) {
    for (auto& am : s.ams) pump(am);
  }
}

void AlertmanagerSender::enqueue(Am& am, const std::vector<Alert>& alerts) {
  const std::size_t cap = options_.queue_capacity;
  std::size_t dropped = 0;
  auto first = alerts.begin();
  if (alerts.size() > cap) {  // only the newest `cap` can stay
    dropped += alerts.size() - cap;
    first = alerts.end() - static_cast<std::ptrdiff_t>(cap);
    dropped += am.queue.size();
    am.queue.clear();
  } else if (am.queue.size() + alerts.size() > cap) {
    std::size_t n = am.queue.size() + alerts.size() - cap;
    am.queue.erase(am.queue.begin(), am.queue.begin() + static_cast<std::ptrdiff_t>(n));
    dropped += n;
  }
  am.queue.insert(am.queue.end(), first, alerts.end());
  if (dropped > 0) {
    dropped_->Increment(static_cast<double>(dropped));
    log::warn("alert notification queue full, dropping alerts",
              {{"alertmanager", am.endpoint.url}, {"num_dropped", std::to_string(dropped)}});
  }
}

void AlertmanagerSender::pump(const std::shared_ptr<Am>& am) {
  if (am->retired || am->in_flight || am->queue.empty()) return;
  std::size_t n = std::min(am->queue.size(), options_.max_batch_size);
  std::vector<Alert> batch(std::make_move_iterator(am->queue.begin()),
                           std::make_move_iterator(am->queue.begin() +
                                                   static_cast<std::ptrdiff_t>(n)));
  am->queue.erase(am->queue.begin(), am->queue.begin() + static_cast<std::ptrdiff_t>(n));
  update_queue_gauge();

  http::HttpRequest req = am->endpoint.request;
  req.url = am->endpoint.url;
  req.body = alerts_to_json(batch);
  req.user_agent = options_.user_agent;
  std::weak_ptr<Am> weak = am;
  am->in_flight = client_.request(std::move(req), [this, weak, n](Result<http::HttpResponse> r) {
    auto am = weak.lock();
    if (!am || am->retired) return;
    am->in_flight.reset();
    std::string err;
    if (!r) {
      err = r.error().message;
    } else if (r->status / 100 != 2) {
      err = "bad response status " + (r->status_text.empty() ? std::to_string(r->status)
                                                               : r->status_text);
    }
    if (err.empty()) {
      am->sent->Increment(static_cast<double>(n));
    } else {
      am->errors->Increment(static_cast<double>(n));
      dropped_->Increment(static_cast<double>(n));
      log::error("error sending alerts", {{"alertmanager", am->endpoint.url},
                                          {"count", std::to_string(n)},
                                          {"err", err}});
    }
    pump(am);
  });
}

std::size_t AlertmanagerSender::queue_length() const {
  std::size_t n = 0;
  for (const auto& [key, am] : ams_) n += am->queue.size();
  return n;
}

std::size_t AlertmanagerSender::in_flight() const {
  std::size_t n = 0;
  for (const auto& [key, am] : ams_) n += am->in_flight ? 1 : 0;
  return n;
}

void AlertmanagerSender::update_queue_gauge() {
  queue_length_->Set(static_cast<double>(queue_length()));
}

}  // namespace tocsin::dispatch
