// gwtape/store/log_writer.h — appends frames to a log on its own thread.
//
// `LogWriter` owns one read-write SQLite connection and one thread. `append` only moves the
// frame into a bounded queue; the writer thread extracts the envelope fields, writes the frame
// in batched transactions and seals frames into compressed blocks (docs/SCHEMA.md). When the
// queue is full `append` waits (back-pressure, counted in `stats()`); a frame is never dropped.
//
// Durability (WriterOptions::durability):
//   kInterval (default)  a commit at least every `commit_interval` (200 ms), each synced to
//                        disk: a power cut loses at most that much; a process crash after
//                        `flush()` returned loses nothing.
//   kFull                every frame in its own synced commit, and `append` returns only
//                        once its frame is committed: nothing whose append returned is lost,
//                        by a crash or a power cut (slow: one fsync per frame).
//   kNoSync              commits every `commit_interval` without fsync: a process crash after
//                        `flush()` loses nothing, a power cut may lose more (for tests, imports).
//
// Errors: the first SQLite or zstd failure (disk full, I/O error) stops the writer: the open
// transaction is rolled back, so the log keeps a prefix of what was appended (everything up to
// the last successful commit), and every later call returns that error. The log stays valid.
//
// Thread-safety: every method may be called from any thread; frames are stored in the order
// their `append` calls returned. One LogWriter per file at a time.
// Lifetimes: the destructor closes the writer (as `close()`, ignoring its status).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "gwtape/store/errors.h"
#include "gwtape/store/frame.h"

namespace gwtape::store {

enum class Durability { kInterval, kFull, kNoSync };

struct WriterOptions {
  Durability durability = Durability::kInterval;
  std::chrono::milliseconds commit_interval{200};
  std::size_t queue_frames = 65536;      // back-pressure beyond this many queued frames
  std::size_t queue_bytes = 64 << 20;    // ... or this many queued bytes of text
  int block_frames = 512;                // frames sealed together into one block
  std::size_t block_bytes = 512 << 10;   // or fewer, once they hold this much text
  int zstd_level = 1;                    // block compression level (docs/PERFORMANCE.md)
  std::size_t dict_bytes = 64 << 10;     // trained dictionary size; 0: no dictionary
  std::size_t dict_train_frames = 4096;  // frames sampled before training one
  // Once the dictionary is trained, the blocks sealed before it (without one) are compressed
  // again with it and their rows rewritten (same frames, same text: readers' caches stay valid).
  bool reseal_early_blocks = true;
  // When > 0: a new dictionary is trained on the last dict_train_frames frames every this many
  // frames, as the session drifts; later blocks use the newest.
  std::size_t dict_retrain_frames = 0;
  // For tests: the name of a registered sqlite3_vfs to write through (fault injection).
  std::string vfs;
};

struct WriterStats {
  std::uint64_t frames_appended = 0;   // accepted by append()
  std::uint64_t frames_committed = 0;  // in a committed transaction
  std::uint64_t bytes_appended = 0;    // frame text accepted
  std::uint64_t blocks_sealed = 0;
  std::uint64_t dictionaries = 0;  // trained by this writer
  std::uint64_t commits = 0;
  std::uint64_t backpressure_waits = 0;  // append() calls that waited for room
  std::uint64_t backpressure_ns = 0;     // total time they waited
  std::size_t queue_high_water = 0;      // most frames ever queued
};

class LogWriter {
 public:
  // Opens `path` for appending, creating a new log when no file exists there. An existing
  // file is first checked read-only and refused unless it is a gwtape log of this version
  // (kNotALog, kVersion, kCorrupt): a file that is not a log is never modified.
  static Result<std::unique_ptr<LogWriter>> open(const std::string& path,
                                                 const WriterOptions& options = {});

  ~LogWriter();
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  // Adds a `recordings` row; frames of the run are then appended with its id.
  Result<std::int64_t> begin_recording(const RecordingInfo& info);
  // Same, with the row's id chosen by the caller (for importers that keep a log's ids).
  // REQUIRES: id >= 1 and no recording has it; otherwise the insert fails, which stops the
  // writer like any other SQLite error.
  Result<std::int64_t> begin_recording(std::int64_t id, const RecordingInfo& info);

  // Queues one frame, waiting while the queue is full. REQUIRES: frame.recording_id was
  // returned by begin_recording, or names an existing recording not yet ended.
  Status append(Frame frame);

  // Returns once every frame appended before the call is committed (and synced, unless
  // kNoSync), or with the writer's error.
  Status flush();

  // Records how a connection of an open recording ended (the `connections` table), in order
  // with the frames appended before it, without waiting for a commit; a second call for the
  // same connection replaces the first. Errors: kInvalidArgument (no such open recording),
  // the writer's error.
  Status connection_ended(ConnectionEnd end);

  // Flushes and records the end of a run (and the live state digest, when known).
  Status end_recording(std::int64_t recording_id, std::int64_t ended_at_ns,
                       std::optional<std::string> state_digest);

  WriterStats stats() const;

  // The writer's first error, or ok, without waiting: lets a caller stop as soon as the writer
  // thread failed (a commit on a full disk), not only at its next append.
  Status status() const;

  // Seals the frames not yet in a block, commits, checkpoints and closes the file. Later calls
  // return kClosed. Returns the writer's first error, if it had one.
  Status close();

  struct Impl;  // public only so the implementation's files can share it

 private:
  explicit LogWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace gwtape::store
