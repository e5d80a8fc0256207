// gwtape/recorder/recorder.h — ties a live Gateway to a LogWriter.
//
// `Recorder::on_frame` is the Gateway's frame tap: every frame received and sent, in order,
// with its wall-clock time and connection number, is copied, stripped of the token and of
// what the redaction rules name, and appended to the log. It runs before the gateway parses
// the frame, so a frame the decoder rejects is still recorded. The caller's path (the
// gateway's loop) only copies and enqueues: the writer's thread compresses and commits.
// With a stream::Publisher (`--nats`), the same bytes are also queued for JetStream, each with
// the next sequence number of the recording (its message id); the publisher's thread sends
// them (the log's append first: with the log as the publisher's spill source, a frame is in
// the log before the publisher may read it back). Either the writer or the publisher may be
// absent, not both.
//
// Thread-safety: on_frame is called from the gateway's loop thread; stats() and status() may
// be called from any thread. Lifetimes: the writer must outlive the Recorder; attach() binds
// the Recorder to a Gateway, which must not deliver frames after the Recorder is destroyed.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "gwtape/gateway/gateway.h"
#include "gwtape/recorder/redact.h"
#include "gwtape/store/log_writer.h"
#include "gwtape/stream/message.h"
#include "gwtape/stream/publisher.h"

namespace gwtape::recorder {

struct RecorderOptions {
  gateway::Secret token;             // masked wherever it appears (op 2 and op 6 carry it)
  std::vector<RedactionRule> rules;  // --redact
};

struct RecorderStats {
  std::uint64_t frames = 0;
  std::uint64_t received = 0;
  std::uint64_t sent = 0;
  std::uint64_t bytes = 0;
  std::uint64_t tokens_masked = 0;
  std::uint64_t values_redacted = 0;
};

class Recorder {
 public:
  Recorder(store::LogWriter& writer, std::int64_t recording_id, RecorderOptions options);
  // No log: frames go only to the publisher given to publish_to (`record --nats` without --out).
  Recorder(store::LogWriter* writer, std::int64_t recording_id, RecorderOptions options);

  // --nats: also publish every frame and connection end to `publisher`, under `key`.
  // REQUIRES: called before attach(); the publisher outlives the Recorder. Sequence 0 is the
  // recording's start (stream::encode_begin), which the caller publishes; the Recorder
  // numbers its messages from 1. With a writer and `log_path` (the writer's file), the log is
  // the publisher's spill source for this recording: past the spool's bound its frames are
  // read back from there (stream::SpillSource), so an outage does not need memory; the
  // writer must then outlive the publisher too.
  void publish_to(stream::Publisher& publisher, stream::RecordingKey key,
                  const std::string& log_path = {});

  void on_frame(const gateway::FrameRecord& frame);
  // The gateway's connection-end observer: one `connections` row per connection.
  void on_connection_end(const gateway::ConnectionEndRecord& end);
  void attach(gateway::Gateway& gateway);
  // With a publisher: queues the recording's end (after every frame and connection end).
  void publish_end(std::int64_t ended_at_ns, const std::optional<std::string>& state_digest);

  RecorderStats stats() const;
  // The first append error (the writer stops at its first failure), or ok.
  Status status() const;

 private:
  // status() keeps the first
  void keep_first_error(const std::string& what, Errc code = Errc::kWriter);

  store::LogWriter* writer_;
  stream::Publisher* publisher_ = nullptr;
  stream::RecordingKey stream_key_;
  std::shared_ptr<class LogSpill> spill_;  // with a writer and its path: the spill source
  std::uint64_t stream_seq_ = 0;           // the last sequence number published (gateway's thread)
  std::int64_t recording_id_;
  TokenMask mask_;
  std::vector<RedactionRule> rules_;
  std::atomic<std::uint64_t> frames_{0}, received_{0}, sent_{0}, bytes_{0}, masked_{0},
      redacted_{0};
  mutable std::mutex mu_;
  Status status_;
};

}  // namespace gwtape::recorder
