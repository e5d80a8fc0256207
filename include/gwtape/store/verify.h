// gwtape/store/verify.h — checking a log, and measuring what it costs.
//
// `verify` reads a whole log (read-only) and reports the first problem it finds, with the
// frame id when there is one: SQLite's integrity_check, every block's and pending frame's zstd
// checksum and length table, frame ids dense and covered by exactly one block or pending row.
// Dispatch sequence numbers that skip or repeat (SequenceTracker) are warnings: they say what
// the gateway sent, which a faithful log keeps, not that the log is damaged. `stats` measures the
// file with SQLite's dbstat: `frame_bytes` (compressed blocks, pending frames and dictionaries)
// plus `meta_bytes` (everything else: frame columns, indexes, lookup tables, schema, free pages) is
// the file size.
//
// Thread-safety: free functions; each opens its own read-only connection.
// Lifetimes: none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gwtape/store/errors.h"

namespace gwtape::store {

// Received dispatch sequence numbers (`s` of op 0) of one recording, read the way the gateway
// library reads them live (gateway::Sequence, Protocol::gaps() and duplicates()): within a
// session `s` goes up by one; a sent identify (op 2) starts a new session; a resume (op 6)
// continues the old one. A number past the next is a gap (the gateway skipped numbers: legal
// on the wire; the library counts them and goes on). A number at or below the last one is a
// repeat: the library drops such an event as a resume's replay of one it already had. The
// recorder logs whatever the gateway sent, so a faithful recording can hold either; neither
// is damage to the log.
class SequenceTracker {
 public:
  enum class Step { kNext, kGap, kRepeat };
  // A sent identify: the next dispatch starts a new numbering.
  void identify() { last_.reset(); }
  // The first dispatch of a session is kNext. A repeat leaves last() as it was (the library
  // drops the event as a replay); anything else makes `s` the last.
  Step dispatch(std::int64_t s);
  std::optional<std::int64_t> last() const { return last_; }

 private:
  std::optional<std::int64_t> last_;
};

struct VerifyProblem {
  std::optional<std::int64_t> frame_id;  // the first frame concerned, when there is one
  std::string message;                   // "log.gwtape: frame 1042: zstd: corrupted block"
};

struct VerifyReport {
  // Warnings kept in `warnings`; seq_gaps and seq_repeats count them all.
  static constexpr std::size_t kMaxWarnings = 20;

  std::int64_t frames = 0;
  std::int64_t blocks = 0;
  std::int64_t pending = 0;  // frames not yet sealed into a block
  std::int64_t recordings = 0;
  std::optional<VerifyProblem> problem;  // the first one; none: the log is sound
  // The first kMaxWarnings sequence gaps and repeats, in frame order, with their frame:
  // "log.gwtape: frame 7: recording 1: dispatch sequence 5 after 1 (3 skipped)".
  std::vector<VerifyProblem> warnings;
  std::int64_t seq_gaps = 0, seq_repeats = 0;
  bool ok() const { return !problem.has_value(); }
};

// Errors are for logs that cannot be read at all (kIo, kNotALog, kVersion, and kCorrupt when
// SQLite cannot open it); anything found inside a readable log is the report's `problem`.
Result<VerifyReport> verify(const std::string& path);

struct TableBytes {
  std::string name;  // table or index
  std::int64_t bytes = 0;
  bool frame_data = false;  // counted in frame_bytes
};

// One recording's share of the frame text and of its compressed storage.
struct RecordingBytes {
  std::int64_t recording_id = 0;
  std::int64_t frames = 0;
  std::int64_t raw_bytes = 0;  // its frame text
  // Compressed payload: its pending frames, plus each block's compressed size shared among
  // the recordings whose frames the block holds, in proportion to their text. Page overhead
  // and dictionaries are not in it (they are in LogStats::frame_bytes).
  std::int64_t stored_bytes = 0;
};

struct LogStats {
  std::int64_t frames = 0;
  std::int64_t blocks = 0;
  std::int64_t dictionaries = 0;
  std::int64_t recordings = 0;
  std::int64_t raw_bytes = 0;    // total frame text
  std::int64_t frame_bytes = 0;  // what storing the text costs
  std::int64_t meta_bytes = 0;   // everything else
  std::int64_t file_bytes = 0;   // frame_bytes + meta_bytes: pages x page size
  std::vector<TableBytes> tables;
  std::vector<RecordingBytes> per_recording;  // by id; recordings without frames included
};

Result<LogStats> stats(const std::string& path);

}  // namespace gwtape::store
