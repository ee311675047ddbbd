// Dispatch micro-benchmarks: routing 100k alerts through a 200-route tree (Route::match), and
// inhibition checks against 10k firing source alerts (Inhibitor::mutes). Items are alerts
// routed or checked per second.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "engine/config/load.h"
#include "engine/dispatch/inhibitor.h"
#include "engine/dispatch/route.h"

namespace {

using namespace tocsin;

constexpr int kTeams = 20;
constexpr int kAlerts = 100'000;

// root → 20 team routes (team="tN") → 9 children each (severity, alertname regexes, a
// `continue` route, a negative matcher): 1 + 20 + 180 = 201 routes.
std::string route_yaml() {
  std::string y = "route:\n  receiver: default\n  group_by: [alertname]\n  routes:\n";
  for (int t = 0; t < kTeams; ++t) {
    const std::string team = "t" + std::to_string(t);
    y += "    - matchers: ['team=\"" + team + "\"']\n      receiver: " + team + "\n      routes:\n";
    y += "        - matchers: ['severity=\"critical\"', 'env=\"prod\"']\n          receiver: " +
         team + "-page\n          continue: true\n";
    y += "        - matchers: ['severity=\"critical\"']\n          receiver: " + team + "-page\n";
    y += "        - matchers: ['alertname=~\"Disk.*|Filesystem.*\"']\n          receiver: " + team +
         "-storage\n";
    y += "        - matchers: ['alertname=~\".*Latency.*\"', 'env!=\"dev\"']\n          receiver: " +
         team + "-latency\n";
    y += "        - matchers: ['service=~\"db-.*\"']\n          receiver: " + team + "-db\n";
    y += "        - matchers: ['severity=\"info\"']\n          receiver: " + team + "-info\n";
    y += "        - matchers: ['env=\"staging\"']\n          receiver: " + team + "-staging\n";
    y += "        - matchers: ['alertname=\"Watchdog\"']\n          receiver: " + team + "\n";
    y += "        - matchers: ['service!~\"web-.*\"', 'severity=\"warning\"']\n          receiver: " +
         team + "-warn\n";
  }
  y += "receivers:\n  - name: default\n";
  for (int t = 0; t < kTeams; ++t) {
    const std::string team = "t" + std::to_string(t);
    for (const char* s : {"", "-page", "-storage", "-latency", "-db", "-info", "-staging", "-warn"})
      y += "  - name: " + team + s + "\n";
  }
  return y;
}

std::vector<Labels> make_alerts(int n) {
  const char* names[] = {"DiskFull", "HighLatency", "HighErrorRatio", "Watchdog",
                         "FilesystemReadOnly", "TargetDown", "QueueBacklog", "ApiLatencyHigh"};
  const char* sev[] = {"critical", "warning", "info", "warning"};
  const char* env[] = {"prod", "staging", "dev", "prod", "prod"};
  const char* svc[] = {"web-frontend", "db-main", "api", "worker", "db-replica", "web-admin"};
  std::vector<Labels> out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) {
    out.push_back(Labels{{"alertname", names[i % 8]},
                         {"env", env[i % 5]},
                         {"instance", "host-" + std::to_string(i) + ":9100"},
                         {"service", svc[i % 6]},
                         {"severity", sev[(i / 8) % 4]},
                         {"team", "t" + std::to_string((i / 3) % (kTeams + 2))}});  // 2 unrouted
  }
  return out;
}

void BM_Route100kAlerts200Routes(benchmark::State& state) {
  auto cfg = config::load_config_from_string(route_yaml(), "bench.yml");
  if (!cfg) {
    state.SkipWithError(config::to_error(cfg.error()).message.c_str());
    return;
  }
  auto root = dispatch::Route::build(cfg->route);
  if (!root) {
    state.SkipWithError(root.error().message.c_str());
    return;
  }
  int routes = 0;
  (*root)->walk([&](const dispatch::Route&) { ++routes; });
  auto alerts = make_alerts(kAlerts);
  std::size_t matched = 0;
  for (auto _ : state) {
    matched = 0;
    for (const auto& a : alerts) matched += (*root)->match(a).size();
    benchmark::DoNotOptimize(matched);
  }
  state.SetItemsProcessed(state.iterations() * kAlerts);
  state.counters["routes"] = routes;
  state.counters["matches_per_alert"] = static_cast<double>(matched) / kAlerts;
}
BENCHMARK(BM_Route100kAlerts200Routes)->Unit(benchmark::kMillisecond);

// 10k firing critical alerts as sources; targets are warning alerts, half of them with a
// critical twin (same alertname and instance) and so inhibited.
void BM_Inhibit10kSources(benchmark::State& state) {
  auto cfg = config::load_config_from_string(
      "route:\n  receiver: r\nreceivers:\n  - name: r\ninhibit_rules:\n"
      "  - source_matchers: ['severity=\"critical\"']\n"
      "    target_matchers: ['severity=\"warning\"']\n"
      "    equal: [alertname, instance]\n"
      "  - source_matchers: ['alertname=\"NodeDown\"']\n"
      "    target_matchers: ['alertname!=\"NodeDown\"']\n"
      "    equal: [instance]\n",
      "bench.yml");
  if (!cfg) {
    state.SkipWithError(config::to_error(cfg.error()).message.c_str());
    return;
  }
  dispatch::Inhibitor inh(cfg->inhibit_rules);
  constexpr int kSources = 10'000;
  constexpr int kTargets = 10'000;
  const Timestamp now = 1'700'000'000'000;
  for (int i = 0; i < kSources; ++i) {
    Labels l{{"alertname", "Alert" + std::to_string(i % 10)},
             {"instance", "host-" + std::to_string(i)},
             {"severity", "critical"}};
    inh.observe(l, l.fingerprint(), now + 3'600'000);
  }
  std::vector<Labels> targets;
  for (int i = 0; i < kTargets; ++i) {
    targets.push_back(Labels{{"alertname", "Alert" + std::to_string((i * 2) % 10)},
                             {"instance", "host-" + std::to_string(i * 2)},
                             {"severity", "warning"}});
  }
  std::size_t muted = 0;
  for (auto _ : state) {
    muted = 0;
    for (const auto& t : targets) muted += inh.mutes(t, now).empty() ? 0 : 1;
    benchmark::DoNotOptimize(muted);
  }
  state.SetItemsProcessed(state.iterations() * kTargets);
  state.counters["sources"] = static_cast<double>(inh.indexed_sources());
  state.counters["muted_fraction"] = static_cast<double>(muted) / kTargets;
}
BENCHMARK(BM_Inhibit10kSources)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
