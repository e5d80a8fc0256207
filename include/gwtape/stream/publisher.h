// gwtape/stream/publisher.h — publishes a recording's messages to JetStream on its own thread,
// in order, each acknowledged before the next, through a bounded local spool.
//
// `append` only moves the message into the spool (never waits on the network), so the
// gateway's loop is not held up by JetStream. The publisher's thread creates the stream if it
// is missing, then publishes the spool's head and drops it only once JetStream acknowledged
// it; a failure (the cluster unreachable, a leader election) is retried with the same message
// id, so the stream holds every message once, in the order appended. While JetStream does not
// acknowledge, the spool grows; past `spool_bytes` `append` refuses the message with
// kSpoolFull and the publisher keeps that error: a message is never dropped silently.
// A refusal that retrying cannot cure (a stream of another shape) stops the publisher too.
//
// Thread-safety: every method may be called from any thread. Lifetimes: the destructor stops
// the thread without waiting for the spool (call close() to drain it first).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

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

struct PublisherStats {
  std::uint64_t appended = 0;      // accepted by append()
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

  // Queues a message; kSpoolFull when the spool is full, or the publisher's first error.
  Status append(Message message);
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
