// What `tocsin eval` prints: the alert timeline (and notifications) as text, JSON or JUnit, and
// the comparison with an expected timeline (--expect).
//
// Times print as RFC 3339 and as an offset from `base` (the series' start, or --from for a
// remote datasource): "+5m". Values print with up to 15 significant digits.
//
// The expected timeline (--expect FILE) is YAML or JSON — the JSON that --format=json prints is
// accepted as it is:
//
//   alerts:
//     - labels: {alertname: HighErrorRate, job: api, severity: page}
//       pending_at: 5m            # RFC 3339, Unix seconds, or an offset from base
//       firing_at: 10m            # absent or null: never fired
//       resolved_at: 35m          # absent or null: still active at the end of the window
//       changes:                  # optional; compared (with values) when any alert has them
//         - {at: 5m, state: pending, value: 0.12}
//
// Alerts compare as a set of canonical lines ("{labels} pending=+5m firing=+10m resolved=+35m",
// values to 6 significant digits); the diff is line-based ("-" expected, "+" got). Pure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/eval/backtest.h"
#include "engine/common/result.h"

namespace tocsin::app::eval {

enum class FailOn { kNone, kPending, kFiring };

// RFC 3339, Unix seconds (a plain number), or a duration from `base` ("0s", "90m", "1h30m").
std::optional<Timestamp> parse_eval_time(std::string_view text, Timestamp base);

std::string format_text(const BacktestResult& r, Timestamp base);
std::string format_json(const BacktestResult& r, Timestamp base);
// `expect_file`/`expect_diff`: the --expect file and its diff ("" = matched), or "" when none.
std::string format_junit(const BacktestResult& r, Timestamp base, FailOn fail_on,
                         const std::string& expect_file, const std::string& expect_diff);

// Whether the --fail-on condition holds (any alert pending or firing / any alert firing).
bool fails(const BacktestResult& r, FailOn fail_on);

struct ExpectedTimeline {
  std::vector<std::string> lines;  // canonical
  bool with_changes = false;
};
// Reads the expected timeline; errors name the file and line.
Result<ExpectedTimeline> load_expected(const std::string& path, Timestamp base);
// The canonical lines of a result.
std::vector<std::string> timeline_lines(const BacktestResult& r, Timestamp base,
                                        bool with_changes);
// "" when equal; else a unified-style diff ("--- expected", "+++ got", then lines).
std::string diff_lines(const std::vector<std::string>& expected,
                       const std::vector<std::string>& got);

}  // namespace tocsin::app::eval
