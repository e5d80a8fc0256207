// gwtape/stream/publisher.h — publishes a recording's messages to JetStream on its own thread,
// in order, up to a window of them in flight at once, through a bounded local spool.
//
// `append` only moves the message into the spool (never waits on the network), so the
// gateway's loop is not held up by JetStream. The publisher's thread creates the stream if it
// is missing, then publishes the spool's head, up to kPublishWindow messages at once
// (JetStream::publish_window), and drops each only once JetStream acknowledged it and every
// message before it; a failure (the cluster unreachable, a leader election) is retried from
// the first message not acknowledged, with the same message ids, so the stream holds every
// message once, in the order appended except where a retry moved one (at most
// kPublishWindow - 1 places: jetstream.h, "Order"). While JetStream does not
// acknowledge, the spool grows; past `spool_bytes` `append` refuses the message with
// kSpoolFull and the publisher keeps that error: a message is never dropped silently.
// A refusal that retrying cannot cure (a stream of another shape) stops the publisher too.
//
// A recording whose frames are also kept elsewhere (the SQLite log, `record --out`) can have a
// `SpillSource` (spill_to): past `spool_bytes` its frames and connection ends are then not
// held, only their sequence numbers (one range per recording), and the publisher's thread
// reads them back from the source when their turn comes, in order. An outage is then bounded
// by the log's disk, not by memory; its start and end messages are always held.
//
// Thread-safety: every method may be called from any thread. Lifetimes: the destructor stops
// the thread without waiting for the spool (call close() to drain it first).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gwtape/stream/errors.h"
#include "gwtape/stream/jetstream.h"
#include "gwtape/stream/message.h"

namespace gwtape::stream {

struct PublisherOptions {
  JetStreamOptions jetstream;
  std::size_t spool_bytes = std::size_t{256} << 20;  // payload + headers held at most
  std::chrono::milliseconds retry_wait{100};         // first wait after a failure, doubling
  std::chrono::milliseconds max_retry_wait{1000};
};

// Where a recording's frames and connection ends are read back from when the spool is full.
class SpillSource {
 public:
  virtual ~SpillSource() = default;
  // The recording's messages `from`..`to` (sequence numbers, inclusive), in order, exactly as
  // encode_frame / encode_connection_end made them when they were appended; at least one, and
  // no more than about `max_bytes` of payload. Called on the publisher's thread, only for
  // messages already appended. An error stops the publisher with it.
  virtual Result<std::vector<Message>> read(std::uint64_t from, std::uint64_t to,
                                            std::size_t max_bytes) = 0;
};

struct PublisherStats {
  std::uint64_t appended = 0;      // accepted by append()
  std::uint64_t spilled = 0;       // of those, left to the spill source (not held)
  std::uint64_t acknowledged = 0;  // acknowledged by JetStream
  std::uint64_t retries = 0;       // publishes tried again after a failure
  std::size_t spooled = 0;         // messages waiting now
  std::size_t spooled_bytes = 0;
  std::size_t spool_high_water = 0;  // most messages ever waiting
  bool reachable = false;            // the last publish (or stream check) succeeded
  std::string last_failure;          // the last publish failure, for the user
};

class Publisher {
 public:
  // Connects (without waiting for a server) and starts the thread. kInvalidArgument for bad
  // options.
  static Result<std::unique_ptr<Publisher>> start(const PublisherOptions& options);
  ~Publisher();
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  // Queues a message; kSpoolFull when the spool is full (and the message cannot be left to
  // its recording's spill source), or the publisher's first error.
  Status append(Message message);
  // Past the spool's bound, `recording`'s frames and connection ends are left to `source`.
  // REQUIRES: before that recording's first frame is appended. The publisher keeps `source`
  // until it is destroyed.
  void spill_to(std::int64_t recording, std::shared_ptr<SpillSource> source);
  // Waits until every message appended before the call is acknowledged, or `timeout` passes
  // (kTimeout, saying how many are left), or the publisher stopped (its error).
  Status flush(std::chrono::milliseconds timeout);
  // The publisher's first error (spool full, a refusal), or ok; never waits.
  Status status() const;
  PublisherStats stats() const;
  // flush(timeout), then stops the thread. Later appends return kClosed.
  Status close(std::chrono::milliseconds timeout);

  struct Impl;

 private:
  explicit Publisher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace gwtape::stream
