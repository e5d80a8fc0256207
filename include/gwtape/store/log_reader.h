// gwtape/store/log_reader.h — reads a log: recordings, one frame by id, frames in order.
//
// `LogReader` opens the file with SQLITE_OPEN_READONLY after checking it is a gwtape log of
// this version, so nothing done through it can modify the log; a writer may append at the same
// time (WAL), and each cursor sees the log as it was when it started. Frames come back byte for
// byte as they were appended; a cursor decompresses each block once.
//
// Thread-safety: a LogReader and its cursors are not thread-safe; use one reader per thread
// (a cursor with FrameQuery::read_ahead runs a thread of its own, privately).
// Lifetimes: a FrameCursor borrows its LogReader, which must outlive it; `frame()` is valid
// until the next `next()`.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gwtape/store/errors.h"
#include "gwtape/store/frame.h"

namespace gwtape::store {

class LogReader;

// Which frames a cursor visits, in id (arrival) order.
struct FrameQuery {
  std::optional<std::int64_t> recording_id;  // only this recording's frames
  std::int64_t from_id = 1;                  // the first id to visit
  // Start at the first dispatch of the recording whose sequence is >= this (after from_id).
  std::optional<std::int64_t> from_seq;
  // False: leave StoredFrame::t, guild_id and channel_id empty, saving three lookups a frame
  // (the replayer needs only op and s).
  bool names = true;
  // True: a thread of the cursor's own reads and decompresses ahead, on a connection of its
  // own, while the caller works on the frames (about a third of a replay's time is reading).
  // The frames, the errors and their order are the same; it costs a copy of each frame, so
  // it pays with two cores or more. The cursor starts its snapshot when frames() returns.
  bool read_ahead = false;
};

class FrameCursor {
 public:
  ~FrameCursor();
  FrameCursor(const FrameCursor&) = delete;
  FrameCursor& operator=(const FrameCursor&) = delete;

  // Moves to the next frame; false at the end. Errors: kCorrupt naming the frame (and block);
  // after a corrupt frame, another next() goes on with the frame after it. Other errors end
  // the scan.
  Result<bool> next();
  // REQUIRES: the last next() returned true.
  const StoredFrame& frame() const;

  struct Impl;

 private:
  friend class LogReader;
  explicit FrameCursor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class LogReader {
 public:
  // Errors: kIo (missing, unreadable), kNotALog, kVersion, kCorrupt (e.g. truncated).
  static Result<std::unique_ptr<LogReader>> open(const std::string& path);

  ~LogReader();
  LogReader(const LogReader&) = delete;
  LogReader& operator=(const LogReader&) = delete;

  Result<std::vector<Recording>> recordings();
  // One frame by id: decompresses at most one block. Errors: kNotFound, kCorrupt.
  Result<StoredFrame> get(std::int64_t id);
  // Frames in id order. REQUIRES: the reader outlives the cursor.
  Result<std::unique_ptr<FrameCursor>> frames(const FrameQuery& query = {});
  // How each connection of the recording (or of every recording) ended, by recording and
  // connection; empty for a log written before the `connections` table existed.
  Result<std::vector<ConnectionEnd>> connection_ends(
      std::optional<std::int64_t> recording_id = std::nullopt);
  // How many frames `frames(query)` visits, from the row table alone (nothing is
  // decompressed; `from_seq` is ignored). For progress displays.
  Result<std::int64_t> count(const FrameQuery& query = {});

  const std::string& path() const;

  struct Impl;

 private:
  explicit LogReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace gwtape::store
