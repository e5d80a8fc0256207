// gwtape/stream/jetstream.h — a connection to a NATS JetStream cluster (libnats), the stream
// gwtape writes to, publishing with acknowledgement (a window of messages in flight at once),
// and an ordered reader.
//
// `JetStream::connect` takes a list of server URLs and returns at once even when none answers:
// libnats keeps trying them (and reconnects after a loss) in the background, and an operation
// that needs a server fails with kUnreachable until one answers. `ensure_stream` creates the
// stream (subjects `<NAME>.>`, file storage, N replicas) when it is missing and refuses one of
// another shape. `publish_window` sends up to kPublishWindow messages without waiting between
// them, then waits for their acknowledgements (each message stored on a quorum of its
// replicas) and says how many of the first ones were acknowledged; a republish of the same
// message id inside the stream's duplicate window is acknowledged without being stored twice.
//
// Order: a window's messages reach the stream in the order sent, but when one of them fails
// (a leader election, no responder for a moment) a later one of the same window may already
// be stored; retried from the failed one on, the failed message then lands up to
// kPublishWindow - 1 places after a message that followed it. A reader orders a recording's
// messages by their sequence number (docs/SCHEMA.md); `gwtape import` does.
//
// Thread-safety: one JetStream may be used from one thread at a time (the Publisher gives it a
// thread of its own). Lifetimes: a StreamReader must not outlive the JetStream it came from.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "gwtape/stream/errors.h"
#include "gwtape/stream/message.h"

namespace gwtape::stream {

struct JetStreamOptions {
  std::vector<std::string> urls;  // nats://HOST:PORT, at least one
  std::string stream = "GWTAPE";
  int replicas = 1;  // for a stream created here (1..5)
  // How long one publish waits for its acknowledgement, and a connection attempt per server.
  std::chrono::milliseconds ack_wait{2000};
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds reconnect_wait{200};
};

// Splits "nats://a:1,nats://b:2" (or "a:1,b:2") into URLs; kInvalidArgument names the bad part.
[[nodiscard]] Result<std::vector<std::string>> parse_urls(std::string_view list);

// One message read back, with its place in the stream.
struct StreamMessage {
  std::string subject;
  Headers headers;
  std::string data;
  std::uint64_t stream_seq = 0;
  // How many messages of the reader's filter were still to come after this one when the
  // server sent it: 0 on the last one.
  std::uint64_t pending = 0;
};

class StreamReader;

// Most messages one publish_window sends before waiting for acknowledgements; also the farthest
// a recording's message can land after one that followed it (see Order above).
inline constexpr std::size_t kPublishWindow = 256;

// What publish_window did: the first `acknowledged` messages are stored (in order); when that
// is fewer than all, `failure` says why the next one was not (kUnreachable: worth retrying).
struct WindowResult {
  std::size_t acknowledged = 0;
  Status failure;
};

class JetStream {
 public:
  // Errors: kInvalidArgument (no URL, a bad stream name). Never waits for a server.
  static Result<std::unique_ptr<JetStream>> connect(const JetStreamOptions& options);
  ~JetStream();
  JetStream(const JetStream&) = delete;
  JetStream& operator=(const JetStream&) = delete;

  // True while a server of the list is connected.
  bool connected() const;
  // Finds the stream, or creates it. kStream when it exists with subjects that do not take
  // `<NAME>.>`, or when the cluster cannot create it (fewer servers than replicas...).
  Status ensure_stream();
  // Publishes with the message id and waits for the acknowledgement. kUnreachable for what a
  // retry may cure (no server, no answer, a leader election).
  Status publish(const Message& message);
  // Publishes *messages[0..n), n = min(size, kPublishWindow), each with its message id,
  // without waiting between them, then waits up to ack_wait for all their acknowledgements.
  // Messages after the first failure may be stored too: retry from `acknowledged` on, with
  // the same ids. The messages are only read during the call.
  WindowResult publish_window(std::span<const Message* const> messages);

  // The number of messages of the stream matching `filter` at or after `since_ns` (0: all),
  // read in stream order. kStream when there is no such stream.
  Result<std::unique_ptr<StreamReader>> read(const std::string& filter, std::int64_t since_ns);

  const JetStreamOptions& options() const;
  std::string servers() const;  // the URL list, for messages

  struct Impl;

 private:
  explicit JetStream(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class StreamReader {
 public:
  ~StreamReader();
  StreamReader(const StreamReader&) = delete;
  StreamReader& operator=(const StreamReader&) = delete;
  // How many messages the reader had to deliver when it was created, as the consumer's first
  // report said (a hint: read until a message's `pending` is 0).
  std::uint64_t total() const;
  // The next message, waiting at most `timeout` (kTimeout, kUnreachable).
  Result<StreamMessage> next(std::chrono::milliseconds timeout);

  struct Impl;
  explicit StreamReader(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace gwtape::stream
