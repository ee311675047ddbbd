// The recorded series `tocsin eval` evaluates rules against, from files:
//
//  (a) promtool's input_series notation (YAML; recognised by a .yml/.yaml name or a document
//      that is a mapping), the same keys a rule unit test's test group uses:
//
//        interval: 1m                        # step between values (default 1m)
//        start_timestamp: 2024-05-01T00:00:00Z   # RFC 3339 or Unix seconds (default 0)
//        input_series:
//          - series: 'http_requests_total{job="api"}'
//            values: '0+10x30 stale _x5 300+10x10'
//
//  (b) Prometheus text exposition 0.0.4 or OpenMetrics text with a timestamp on every sample
//      (OpenMetrics when the file ends with `# EOF`, or is named *.om / *.openmetrics), e.g.
//      several saved scrapes concatenated. A sample without a timestamp is an error: eval
//      cannot guess when it was scraped.
//
// Several files merge; samples of the same series are sorted by time, and an exact duplicate
// is dropped. Blocking file reads: CLI thread.
#pragma once

#include <string>
#include <vector>

#include "engine/common/result.h"
#include "engine/model/labels.h"
#include "engine/storage/storage.h"

namespace tocsin::app::eval {

struct InputSeries {
  Labels labels;
  std::vector<storage::Sample> samples;  // increasing time; stale markers included
};

struct SeriesSet {
  std::vector<InputSeries> series;  // sorted by labels
  // Span of the samples; both 0 when there is none.
  Timestamp min_t = 0;
  Timestamp max_t = 0;
  bool empty() const { return series.empty(); }
};

// Errors name the file (and its line where known).
Result<SeriesSet> load_series_files(const std::vector<std::string>& paths);

// For tests: parse one file's text. `name` decides the notation as described above.
Status parse_series_text(const std::string& name, const std::string& text,
                         std::vector<InputSeries>& out);

// Sorts, merges series with equal labels, drops duplicates, computes the span.
SeriesSet merge_series(std::vector<InputSeries> in);

}  // namespace tocsin::app::eval
