#include "gwtape/recorder/recorder.h"

#include "log_spill.h"

namespace gwtape::recorder {

Recorder::Recorder(store::LogWriter& writer, std::int64_t recording_id, RecorderOptions options)
    : Recorder(&writer, recording_id, std::move(options)) {}

Recorder::Recorder(store::LogWriter* writer, std::int64_t recording_id, RecorderOptions options)
    : writer_(writer),
      recording_id_(recording_id),
      mask_(std::move(options.token)),
      rules_(std::move(options.rules)) {}

void Recorder::on_frame(const gateway::FrameRecord& frame) {
  store::Frame out;
  out.recording_id = recording_id_;
  out.conn = frame.conn;
  out.ts_ns = frame.wall_ns;
  out.direction = frame.direction;
  masked_ += static_cast<std::uint64_t>(mask_.append_masked(frame.text, out.text));
  if (!rules_.empty() && frame.direction == gateway::Direction::kRecv) {
    redacted_ += static_cast<std::uint64_t>(redact(out.text, rules_));
  }
  ++frames_;
  (frame.direction == gateway::Direction::kSend ? sent_ : received_)++;
  bytes_ += out.text.size();
  // The same bytes to the log and the stream, the log first (it is the spill source). Both
  // only queue: the writer's and the publisher's threads do the work.
  std::optional<stream::Message> message;
  if (publisher_) message = stream::encode_frame(stream_key_, ++stream_seq_, out);
  if (writer_) {
    if (auto st = writer_->append(std::move(out)); !st.ok()) {
      keep_first_error("frame " + std::to_string(frames_.load()) + ": " + st.error().message);
    }
  }
  if (message) {
    if (auto st = publisher_->append(std::move(*message)); !st.ok()) {
      keep_first_error("frame " + std::to_string(frames_.load()) + ": NATS: " + st.error().message,
                       Errc::kStream);
    }
  }
}

void Recorder::publish_to(stream::Publisher& publisher, stream::RecordingKey key,
                          const std::string& log_path) {
  publisher_ = &publisher;
  stream_key_ = std::move(key);
  if (writer_ && !log_path.empty()) {
    spill_ = std::make_shared<LogSpill>(*writer_, log_path, stream_key_);
    publisher.spill_to(stream_key_.recording, spill_);
  }
}

void Recorder::publish_end(std::int64_t ended_at_ns,
                           const std::optional<std::string>& state_digest) {
  if (!publisher_) return;
  if (auto st = publisher_->append(
          stream::encode_end(stream_key_, ++stream_seq_, ended_at_ns, state_digest));
      !st.ok()) {
    keep_first_error("the recording's end: NATS: " + st.error().message, Errc::kStream);
  }
}

void Recorder::keep_first_error(const std::string& what, Errc code) {
  std::lock_guard lock(mu_);
  if (status_.ok()) status_ = make_error(code, "recorder: " + what);
}

void Recorder::on_connection_end(const gateway::ConnectionEndRecord& end) {
  store::ConnectionEnd out;
  out.recording_id = recording_id_;
  out.conn = end.conn;
  out.ts_ns = end.wall_ns;
  out.closed_by = end.closed_by;
  if (end.code) out.code = *end.code;
  out.reason.assign(end.reason);
  masked_ += static_cast<std::uint64_t>(mask_.apply(out.reason));
  std::optional<stream::Message> message;
  if (publisher_) {
    message = stream::encode_connection_end(stream_key_, ++stream_seq_, out);
    if (spill_) spill_->connection_end(stream_seq_, out);
  }
  if (writer_) {
    if (auto st = writer_->connection_ended(std::move(out)); !st.ok()) {
      keep_first_error("the end of connection " + std::to_string(end.conn) + ": " +
                       st.error().message);
    }
  }
  if (message) {
    if (auto st = publisher_->append(std::move(*message)); !st.ok()) {
      keep_first_error(
          "the end of connection " + std::to_string(end.conn) + ": NATS: " + st.error().message,
          Errc::kStream);
    }
  }
}

void Recorder::attach(gateway::Gateway& gateway) {
  gateway.on_frame([this](const gateway::FrameRecord& f) { on_frame(f); });
  gateway.on_connection_end(
      [this](const gateway::ConnectionEndRecord& e) { on_connection_end(e); });
}

RecorderStats Recorder::stats() const {
  return {frames_.load(), received_.load(), sent_.load(),
          bytes_.load(),  masked_.load(),   redacted_.load()};
}

Status Recorder::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

}  // namespace gwtape::recorder
