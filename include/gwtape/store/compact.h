// gwtape/store/compact.h — re-packing a finished log's frame text for cold storage.
//
// `compact` rewrites every block and pending frame of a log as fewer, larger blocks (a few MiB
// of text each), compressed at a high zstd level with long-distance matching (optionally with
// one dictionary trained over the whole log), and marks the log as schema version 2
// (docs/SCHEMA.md, "Compacted logs"). Frame rows, recordings, connections, indexes and the
// `events` view are untouched; only `blocks`, `pending` and `dicts` change. It runs in place as
// one SQLite transaction in rollback-journal mode, then VACUUM (another one): a crash or
// SIGKILL at any moment leaves the old log or the new one, and the next open rolls a hot
// journal back.
//
// A log a writer has open (a recording in progress) is refused with kBusy: compaction switches
// the log out of WAL mode, which SQLite allows only to a connection that has the file alone.
//
// Thread-safety: a free function; it opens its own connection. Lifetimes: none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "gwtape/store/errors.h"

namespace gwtape::store {

struct CompactOptions {
  int level = 19;                        // zstd level, 1..22
  std::size_t block_bytes = 4u << 20;    // frame text per block (a bigger frame sits alone)
  std::size_t dict_bytes = 0;            // 0: none (measured smaller, docs/PERFORMANCE.md)
  std::size_t sample_bytes = 32u << 20;  // frame text sampled (evenly) to train it
  bool vacuum = true;                    // give the freed pages back to the file system
};

struct CompactReport {
  std::int64_t frames = 0;
  std::int64_t blocks_before = 0, pending_before = 0, dicts_before = 0;
  std::int64_t blocks_after = 0;
  std::int64_t stored_before = 0;  // bytes of block, pending and dictionary data
  std::int64_t stored_after = 0;
  std::int64_t file_before = 0, file_after = 0;  // the file's size
};

// Errors: those of opening a log (kIo, kNotALog, kVersion, kCorrupt), kBusy when another
// connection has the log open for writing, kInvalidArgument for options out of range, kFull.
// On an error the log is left as it was.
Result<CompactReport> compact(const std::string& path, const CompactOptions& options = {});

}  // namespace gwtape::store
