// recorder/log_spill.h — a recording's frames read back from its log for the JetStream
// publisher, when its spool is full (stream::SpillSource; `record --out ... --nats ...`).
//
// The recorder appends each frame to the log before it hands it to the publisher, and tells
// this source each connection end's sequence number; sequence number n (from 1) is then the
// recording's (n - ends before n)-th frame in the log, or that connection end. read() flushes
// the writer (everything appended is committed), opens the log read-only and re-encodes the
// frames exactly as the recorder encoded them; reads go forward, so it keeps its place in the
// log between calls and only a read that goes back starts again from the recording's first
// frame.
//
// Thread-safety: connection_end() from the gateway's thread, read() from the publisher's; they
// share a mutex. Lifetimes: the writer must outlive the source (the publisher holds the source
// by shared_ptr, so it may outlive the Recorder).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "gwtape/store/log_writer.h"
#include "gwtape/stream/publisher.h"

namespace gwtape::recorder {

class LogSpill final : public stream::SpillSource {
 public:
  LogSpill(store::LogWriter& writer, std::string path, stream::RecordingKey key)
      : writer_(writer), path_(std::move(path)), key_(std::move(key)) {}

  // The connection end published with sequence number `seq`.
  void connection_end(std::uint64_t seq, store::ConnectionEnd end);

  stream::Result<std::vector<stream::Message>> read(std::uint64_t from, std::uint64_t to,
                                                    std::size_t max_bytes) override;

 private:
  // The frame ordinal (0-based) of sequence number `seq`, which is not a connection end.
  std::uint64_t ordinal(std::uint64_t seq) const;  // REQUIRES: mu_ held

  store::LogWriter& writer_;
  const std::string path_;
  const stream::RecordingKey key_;
  mutable std::mutex mu_;
  std::map<std::uint64_t, store::ConnectionEnd> ends_;  // by sequence number
  // Where the last read stopped: the next frame's ordinal, and an id at or before it.
  std::uint64_t next_ordinal_ = 0;
  std::int64_t next_id_ = 1;
};

}  // namespace gwtape::recorder
