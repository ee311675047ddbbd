// routes_batch: `tocsin routes test --file` and `tocsin routes diff` — many alerts at once,
// inhibition included.
//
// A batch of label sets is routed as if every alert of the batch were firing at the same time:
// each alert gets the routes it matches (receiver, group_by, group key, timers) and, through the
// configuration's inhibit_rules, whether another alert of the batch inhibits it (Alertmanager's
// semantics: an alert matching both sides of a rule is not inhibited by sources that also match
// both sides).
//
// The cases file (YAML) is either
//
//   tests:                                  # expectations, for `routes test --file`
//     - name: critical disk pages          # optional
//       labels: {alertname: DiskFull, severity: critical}
//       receivers: [oncall, slack]          # expected, order-insensitive
//     - labels: {alertname: DiskFull, severity: warning}
//       inhibited: true                     # inhibited by another alert of the batch
//     - labels: {alertname: Other}
//       receivers: []                       # same as inhibited: true
//
// or a plain list of label sets (`- {alertname: A, severity: critical}`), for `routes diff`.
// Pure functions of their arguments; any thread may call them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/common/result.h"
#include "engine/config/config.h"
#include "engine/dispatch/routes_test.h"
#include "engine/model/labels.h"

namespace tocsin::dispatch {

struct RouteCase {
  std::string name;   // optional
  std::string where;  // "file:line"
  Labels labels;
  std::optional<std::vector<std::string>> receivers;  // expected; [] = inhibited
  std::optional<bool> inhibited;                      // expected
};

// Parses a cases file (either form above). Errors name file:line:column.
Result<std::vector<RouteCase>> parse_route_cases(std::string_view yaml, std::string_view file);
Result<std::vector<RouteCase>> load_route_cases(const std::string& path);

// Where one alert of a batch goes.
struct RoutedTarget {
  std::string receiver;
  std::string route_id;    // Alertmanager's Route.ID()
  std::string group_by;    // "[alertname, cluster]", "[...]" for group_by: ['...']
  std::string group_key;   // Alertmanager's group key
  std::string timers;      // "group_wait=30s group_interval=5m repeat_interval=4h"
};
struct RoutedAlert {
  Labels labels;
  std::vector<RoutedTarget> targets;  // tree order
  std::vector<Labels> inhibited_by;   // empty: not inhibited
};

// Routes every label set of `batch` through `cfg`, all of them firing together.
Result<std::vector<RoutedAlert>> route_batch(const config::Config& cfg,
                                             const std::vector<Labels>& batch);

// `routes test --file`: one line per case (ok / FAIL with a diff), then "N passed, M failed";
// exit 0 when every case passes, 1 otherwise, 2 when a case gives no expectation.
CliOutput routes_test_cases(const config::Config& cfg, const std::vector<RouteCase>& cases);

// Label sets that exercise every route of both trees and every inhibit rule of both configs:
// for each route node, a label set satisfying the matchers on its path from the root; for each
// inhibit rule, one alert satisfying its source matchers and one its target matchers, sharing
// the values of the `equal` labels and differing in the labels other rules list in `equal`.
// Placeholder values are "routes-diff" (shared) and "routes-diff-source"/"-target". Sorted,
// without duplicates.
std::vector<Labels> derive_label_sets(const config::Config& a, const config::Config& b);

// `routes diff`: for each label set, what changes from `old_cfg` to `new_cfg` (receivers,
// group_by, group key, timers, inhibition). Exit 0 when nothing changes, 1 when something does.
CliOutput routes_diff(const config::Config& old_cfg, const config::Config& new_cfg,
                      const std::vector<Labels>& batch);

}  // namespace tocsin::dispatch
