// The storage seam: scrapes write through an Appender, PromQL reads through a Querier, and
// neither knows the other (Prometheus' storage/interface.go, cut down to what tocsin needs).
//
// Samples are float64 at int64 ms timestamps. A stale marker is the NaN with bit pattern
// kStaleNaN: it is stored like any sample and readers treat it as "series ended here".
//
// Threads: an Appender belongs to one thread (one scrape loop). Querier::select may be called
// from any thread; implementations document their locking.
#pragma once

#include <bit>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "engine/common/result.h"
#include "engine/common/time.h"
#include "engine/model/labels.h"
#include "engine/model/point.h"
#include "engine/storage/matcher.h"

namespace tocsin::storage {

// Prometheus' value.StaleNaN.
inline constexpr std::uint64_t kStaleNaN = 0x7ff0000000000002ULL;
inline double stale_nan() { return std::bit_cast<double>(kStaleNaN); }
inline bool is_stale_nan(double v) { return std::bit_cast<std::uint64_t>(v) == kStaleNaN; }

using Sample = tocsin::Point;

// Forward iteration over one series' samples, in increasing time order.
class SampleIterator {
 public:
  virtual ~SampleIterator() = default;
  // Advances; false when exhausted. t()/v() are valid after next() returned true.
  virtual bool next() = 0;
  virtual Timestamp t() const = 0;
  virtual double v() const = 0;
  // How many samples remain (an upper bound is fine), for reserving; 0 when unknown.
  virtual size_t size_hint() const { return 0; }
  // Moves every remaining sample out (the iterator is exhausted afterwards). An iterator that
  // holds its samples in a vector hands that vector over without copying.
  virtual std::vector<Sample> take_all() {
    std::vector<Sample> out;
    out.reserve(size_hint());
    while (next()) out.push_back({t(), v()});
    return out;
  }
};

// One selected series: its labels and its samples within the selected [mint, maxt].
struct Series {
  Labels labels;
  std::unique_ptr<SampleIterator> samples;
};

// A read view. select() returns the matching series in no particular order (as Prometheus'
// Select without its sort hint: PromQL evaluation needs none, and callers that show series
// sort them), each with the samples whose timestamps lie in the closed interval [mint, maxt]
// (callers narrow further).
class Querier {
 public:
  virtual ~Querier() = default;
  virtual std::vector<Series> select(std::span<const Matcher> matchers, Timestamp mint,
                                     Timestamp maxt) const = 0;
};

// Buffers the samples of one scrape. commit() applies them atomically with respect to
// readers; rollback() drops them. The Appender is single-use after commit()/rollback().
// A handle to one series of a storage, for appending without its labels (the scrape cache keeps
// one per exposed series instead of a label set). 0 is no series. A reference stays valid for
// the storage's life: a series removed by retention is created again from it when appended to.
using SeriesRef = std::uint64_t;

class Appender {
 public:
  virtual ~Appender() = default;
  virtual void add(const Labels& labels, Timestamp t, double v) = 0;
  // The reference of the series with `labels` (created if new), for add_ref(); 0 when this
  // storage has no references (then keep the labels and use add()).
  virtual SeriesRef ref(const Labels& labels) { (void)labels; return 0; }
  // add() for the series `ref` (from ref() of an appender of the same storage; never 0).
  virtual void add_ref(SeriesRef ref, Timestamp t, double v) { (void)ref; (void)t; (void)v; }
  // The labels of the series `ref`; empty when unknown.
  virtual Labels labels_of(SeriesRef ref) const { (void)ref; return {}; }
  // Applies every valid sample. Samples older than their series' last sample, or a different
  // value at the same timestamp, are rejected and counted; then the result is
  // kInvalidArgument naming the counts (the valid samples are still applied).
  virtual Status commit() = 0;
  virtual void rollback() = 0;
};

}  // namespace tocsin::storage
