// Head snapshots: the series head written to --storage.path every minute and at shutdown, and
// read back at start-up, so that after a restart (or a kill -9) rules see the recent past again:
// rate() has its window, and an alert on scraped data does not resolve because the head is empty.
//
// Format (the body of a framed state file, kind "head", engine/common/state_file.h): per series,
// the label count and each name and value (length-prefixed), the sample count, the first
// timestamp and then timestamp deltas (zig-zag varints), and the values as raw 8-byte IEEE 754
// (stale markers keep their NaN bit pattern). Samples written after the last snapshot are lost
// on a crash; nothing else is.
//
// encode_head() reads the Head through for_each_series (shared lock per batch); decode_head()
// appends through an Appender, committing every `batch` samples (whole series at a time). Any thread but the I/O thread.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "engine/common/result.h"
#include "engine/storage/head.h"

namespace tocsin::storage {

inline constexpr std::string_view kHeadSnapshotKind = "head";
inline constexpr int kHeadSnapshotVersion = 1;

struct HeadSnapshotStats {
  std::size_t series = 0;
  std::size_t samples = 0;
};

// The samples at or after `mint` of every series, handed to `sink` one series at a time (the
// snapshot is streamed to its file and never held whole: write_state_streamed).
void encode_head(const Head& head, Timestamp mint,
                 const std::function<void(std::string_view)>& sink,
                 HeadSnapshotStats* stats = nullptr);
// The same, as one string (tests, small heads).
std::string encode_head(const Head& head, Timestamp mint, HeadSnapshotStats* stats = nullptr);
// Appends the snapshot's samples; a truncated or malformed body is an error after what was
// whole has been appended (samples the head rejects, e.g. out of order, are skipped).
Result<HeadSnapshotStats> decode_head(std::string_view body, Head& head, std::size_t batch = 65536);

}  // namespace tocsin::storage
