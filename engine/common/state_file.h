// State files: what survives a restart (alert states, silences, the notification log, the series
// head) is written as snapshot files under the state directory (--storage.path).
//
// The owner serialises on its own thread (e.g. Silences::snapshot()), frames the body with
// frame_state() and hands the string to a blocking worker, which calls write_file_atomic(): write
// a temp file beside the target, fsync it, rename over the target, fsync the directory. A crash
// or a full disk leaves either the old or the new file, never a torn one. Never call the file
// functions on the I/O thread.
//
// Framing: one header line names the file's kind and format version, the body's length and a
// 64-bit FNV-1a checksum of the body, so a truncated or corrupt file is recognised on start-up
// (and skipped with a message) instead of being half-read:
//   tocsin-state <kind> v<version> <length> <checksum, 16 hex digits>\n<body>
// (streamed files write the length zero-padded to 20 digits; readers accept both).
//
// Fault injection (tests/fault): when the environment variable TOCSIN_FAULT_ENOSPC names a file
// and that file exists, write_file_atomic() and append_file_synced() fail as on a full disk: the
// temp file is created, its first write fails with ENOSPC, it is removed, and the target is not
// touched. Creating and removing the named file fills and frees the "disk" while tocsin runs.
// Inert unless the variable is set; it costs one getenv() per write.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "engine/common/result.h"

namespace tocsin {

// The framed file content for `body`.
std::string frame_state(std::string_view kind, int version, std::string_view body);
// The body of a framed state file. kInvalidArgument saying what is wrong: not a state file,
// another kind, a version newer than `max_version`, truncated, or a checksum mismatch. A bare
// JSON body (files written before framing) is accepted as it is.
Result<std::string> unframe_state(std::string_view kind, int max_version, std::string_view text);

// A failed open/write/fsync/rename is kUnavailable naming the call, the file and strerror
// ("write data/alerts.state.tmp: No space left on device").
Status write_file_atomic(const std::string& path, std::string_view data);
// The same for a framed state file whose body is produced piecewise, so that a large body never
// exists in memory whole: produce(sink) calls sink() with the body's pieces in order, once. The
// header goes first with placeholders (its length field zero-padded to a fixed width) and is
// overwritten with the body's length and checksum at the end, before the fsync and rename.
using StateSink = std::function<void(std::string_view)>;
Status write_state_streamed(const std::string& path, std::string_view kind, int version,
                            const std::function<void(const StateSink&)>& produce);
// Appends `data` to the file (created if missing) and fsyncs it: for append-only logs such as the
// dead-letter log, where each record is one line.
Status append_file_synced(const std::string& path, std::string_view data);
// The file's bytes; kNotFound when it does not exist.
Result<std::string> read_state_file(const std::string& path);

}  // namespace tocsin
