#include "engine/scrape/targets_api.h"

#include <nlohmann/json.hpp>

namespace tocsin::scrape {

namespace {

nlohmann::json labels_json(const Labels& l) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& x : l) j[x.name] = x.value;
  return j;
}

}  // namespace

std::string targets_json(const ScrapeManager& manager, std::string_view state,
                         std::string_view scrape_pool) {
  const bool any = state.empty() || state == "any";
  nlohmann::json data;
  data["activeTargets"] = nlohmann::json::array();
  data["droppedTargets"] = nlohmann::json::array();
  if (any || state == "active") {
    for (const auto& v : manager.active_targets()) {
      if (!scrape_pool.empty() && v.pool != scrape_pool) continue;
      const Target& t = *v.target;
      const ScrapeStatus& s = *v.status;
      nlohmann::json j;
      j["discoveredLabels"] = labels_json(t.discovered);
      j["labels"] = labels_json(t.labels);
      j["scrapePool"] = v.pool;
      j["scrapeUrl"] = t.scrape_url;
      j["globalUrl"] = t.scrape_url;
      j["lastError"] = s.last_error;
      j["lastScrape"] = s.last_scrape == 0 ? "0001-01-01T00:00:00Z" : format_rfc3339(s.last_scrape);
      j["lastScrapeDuration"] = s.last_duration_seconds;
      j["health"] = std::string(to_string(s.health));
      j["scrapeInterval"] = format_duration(t.interval);
      j["scrapeTimeout"] = format_duration(t.timeout);
      data["activeTargets"].push_back(std::move(j));
    }
  }
  if (any || state == "dropped") {
    for (const auto& v : manager.dropped_targets()) {
      if (!scrape_pool.empty() && v.pool != scrape_pool) continue;
      data["droppedTargets"].push_back({{"discoveredLabels", labels_json(*v.discovered)}});
    }
  }
  nlohmann::json counts = nlohmann::json::object();
  for (const auto& [pool, n] : manager.dropped_target_counts()) counts[pool] = n;
  data["droppedTargetCounts"] = std::move(counts);
  // Errors quote what a target sent; a byte that is not UTF-8 must not fail the whole answer.
  return nlohmann::json{{"status", "success"}, {"data", std::move(data)}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void register_targets_api(http::Router& router, const ScrapeManager& manager) {
  router.add("GET", "/api/v1/targets", [&manager](const http::Request& req) {
    return http::Response::json(200, targets_json(manager, req.param("state"),
                                                  req.param("scrapePool")));
  });
}

}  // namespace tocsin::scrape
