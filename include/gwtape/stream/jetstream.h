// gwtape/stream/jetstream.h — a connection to a NATS JetStream cluster (libnats), the stream
// gwtape writes to, synchronous publishing with acknowledgement, and an ordered reader.
//
// `JetStream::connect` takes a list of server URLs and returns at once even when none answers:
// libnats keeps trying them (and reconnects after a loss) in the background, and an operation
// that needs a server fails with kUnreachable until one answers. `ensure_stream` creates the
// stream (subjects `<NAME>.>`, file storage, N replicas) when it is missing and refuses one of
// another shape. `publish` returns once JetStream acknowledged the message (stored on a quorum
// of its replicas), or with the error; a republish of the same message id inside the stream's
// duplicate window is acknowledged without being stored twice.
//
// Thread-safety: one JetStream may be used from one thread at a time (the Publisher gives it a
// thread of its own). Lifetimes: a StreamReader must not outlive the JetStream it came from.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
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
  // retry may cure (no server, no answer, a leader election); kStream for a refusal for good.
  Status publish(const Message& message);

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
