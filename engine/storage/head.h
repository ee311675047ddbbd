// Head: tocsin's in-memory TSDB. It implements Querier and hands out Appenders.
//
// Layout: every label name and value is interned once in a symbol table; a series' labels are
// (name id, value id) pairs in one shared paged arena (no per-series Labels or vector). A series
// (MemSeries, 72 bytes) holds its open XorChunk inline plus an exact-size array of frozen
// chunks (~120 samples each). Series are found by label hash in an open-addressing table of
// series ids (4 bytes a slot). The inverted index maps (name, value) → sorted series ids, so
// selecting intersects and merges postings lists instead of scanning series. Ids are assigned
// in increasing order, so postings stay sorted by appending. Measured overhead (labels, index,
// chunk headers and malloc slack, excluding encoded sample bytes) is ~250 bytes per series with
// 4 labels and 240 samples; see tests/engine/storage/head_memory_test.cpp.
//
// Validity: a sample older than its series' last sample is rejected (out of order), as is a
// different value at the same timestamp (duplicate); both are counted in stats(). The same
// value at the same timestamp is silently ignored (a re-sent sample). Stale markers are stored.
//
// References: an Appender hands out series references (the series id + 1) for appending without
// labels; the scrape cache keeps one per series. A reference to a series removed by retention
// still names its labels, and appending to it creates the series again.
//
// Retention: truncate(mint) drops chunks entirely older than mint, and series left without
// samples. Symbols are kept (they are few compared to samples), as are a removed series' 8
// label-arena slots and its null entry in the id table (series ids are never reused).
//
// Threads: one std::shared_mutex guards everything. select() and stats() take it shared and
// copy the selected samples out, so the returned Series never alias Head memory; commit(),
// truncate() and clear() take it exclusive. A scrape thread appending while a rule thread
// evaluates therefore never sees a half-applied scrape. The Head must outlive its Appenders.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/storage/chunk.h"
#include "engine/storage/storage.h"

namespace tocsin::storage {

struct HeadOptions {
  // Samples per chunk before a new one is cut (Prometheus uses 120).
  std::uint16_t samples_per_chunk = 120;
};

struct HeadStats {
  std::uint64_t num_series = 0;
  std::uint64_t num_samples = 0;
  std::uint64_t num_chunks = 0;
  std::uint64_t chunk_bytes = 0;          // encoded sample bytes (sizes, not capacities)
  // Chunks (capacity) + series + index + symbols, each allocation counted as glibc malloc
  // holds it (header and 16-byte rounding included).
  std::uint64_t approx_memory_bytes = 0;
  std::uint64_t out_of_order_rejected = 0;
  std::uint64_t duplicate_rejected = 0;
};

class Head final : public Querier {
 public:
  explicit Head(HeadOptions options = {});
  ~Head() override;
  Head(const Head&) = delete;
  Head& operator=(const Head&) = delete;

  std::unique_ptr<Appender> appender();

  std::vector<Series> select(std::span<const Matcher> matchers, Timestamp mint,
                             Timestamp maxt) const override;

  // Drops chunks whose samples are all older than mint, then series with no samples left.
  void truncate(Timestamp mint);
  // Removes all data (promqltest `clear`).
  void clear();
  HeadStats stats() const;

  // Visits every series that has samples at or after `mint`, with those samples, in batches:
  // the shared lock is held while a batch (up to 1024 series) is copied, never while `fn` runs.
  // For snapshots (head_snapshot.h).
  void for_each_series(
      Timestamp mint,
      const std::function<void(const Labels&, std::span<const Sample>)>& fn) const;

 private:
  friend class HeadAppender;
  struct MemSeries;
  struct PendingSample {
    Labels labels;       // when added by labels
    std::uint32_t id;    // when added by reference (kByLabels otherwise)
    Timestamp t;
    double v;
  };
  static constexpr std::uint32_t kByLabels = 0xffffffffu;
  // Where a removed series' labels are in label_syms_, so that a reference to it can create it
  // again (live series have theirs in MemSeries).
  struct IdLabels {
    std::uint32_t syms = 0;
    std::uint16_t num_labels = 0;
  };

  // The id of the series with `labels`, created if new: the appender's ref(). Takes mu_.
  std::uint32_t series_id(const Labels& labels);
  // The labels of series id `id` (live or removed); empty when unknown. REQUIRES: mu_ held.
  Labels labels_of_id(std::uint32_t id) const;
  Labels labels_of_ref(SeriesRef ref) const;  // takes mu_ shared

  // Applies one scrape; returns counts of rejected samples.
  Status apply(std::vector<PendingSample>& samples);
  MemSeries* get_or_create(const Labels& labels);  // REQUIRES: mu_ held exclusive
  std::uint32_t id_of(const Labels& labels);       // get_or_create's id. REQUIRES: exclusive
  // The id of an existing series with `labels`, or kByLabels. REQUIRES: mu_ held.
  std::uint32_t find_id(const Labels& labels, std::uint32_t hash) const;
  std::uint32_t intern(std::string_view s);        // REQUIRES: mu_ held exclusive
  // Symbol id of `s`, or UINT32_MAX when unknown. REQUIRES: mu_ held.
  std::uint32_t lookup(std::string_view s) const;
  // Series ids selected by the matchers. REQUIRES: mu_ held.
  std::vector<std::uint32_t> postings_for(std::span<const Matcher> matchers) const;
  Labels labels_of(const MemSeries& s) const;  // REQUIRES: mu_ held
  bool same_labels(const MemSeries& s, const Labels& l) const;  // REQUIRES: mu_ held
  // Series-id hash table (open addressing, linear probing). REQUIRES: mu_ held exclusive.
  void table_insert(std::uint32_t id, std::uint32_t hash);
  void table_erase(std::uint32_t id, std::uint32_t hash);
  void table_rehash(size_t slots);
  void remove_series(std::uint32_t id);  // REQUIRES: mu_ held exclusive

  const HeadOptions options_;
  mutable std::shared_mutex mu_;
  std::deque<std::string> symbols_;  // deque: stable addresses for the string_view keys
  std::unordered_map<std::string_view, std::uint32_t> symbol_ids_;
  std::deque<std::uint32_t> label_syms_;  // name, value, ... per series, sorted by name
  std::vector<std::unique_ptr<MemSeries>> series_;  // by id; null once garbage collected
  std::unordered_map<std::uint32_t, IdLabels> removed_labels_;  // by id, removed series only
  std::vector<std::uint32_t> table_;  // series ids by label hash; kEmptySlot / kDeletedSlot
  size_t table_used_ = 0;
  size_t table_deleted_ = 0;
  size_t num_series_ = 0;
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> postings_;  // (name,value) → ids
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> values_;    // name → values
  std::uint64_t out_of_order_ = 0;
  std::uint64_t duplicates_ = 0;
};

}  // namespace tocsin::storage
