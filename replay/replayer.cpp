#include "gwtape/replay/replayer.h"

#include <thread>

#include "gwtape/gateway/commands.h"
#include "gwtape/store/log_reader.h"

namespace gwtape::replay {
namespace {

// The recorded op of a frame, from the envelope the store extracted at write time.
int op_of(const store::StoredFrame& f) { return f.op.value_or(-1); }

}  // namespace

struct Replayer::Impl {
  std::unique_ptr<store::LogReader> reader;
  store::Recording recording;
  gateway::IdentifyData identify;  // as the live gateway built it, token as the log holds it
  std::vector<store::ConnectionEnd> ends;  // by connection
  const store::ConnectionEnd* end_of(std::uint32_t conn) const {
    for (const auto& e : ends)
      if (e.conn == conn) return &e;
    return nullptr;
  }
};

Replayer::Replayer(std::unique_ptr<Impl> impl, ReplayOptions options)
    : impl_(std::move(impl)), options_(options), cache_(options.cache) {}

Replayer::~Replayer() = default;

const store::Recording& Replayer::recording() const { return impl_->recording; }

Result<std::uint64_t> Replayer::frame_count() {
  store::FrameQuery query;
  query.recording_id = impl_->recording.id;
  auto n = impl_->reader->count(query);
  if (!n.ok()) return make_error(Errc::kLog, n.error().message);
  return static_cast<std::uint64_t>(*n);
}

Result<std::unique_ptr<Replayer>> Replayer::open(const std::string& path, ReplayOptions options) {
  auto reader = store::LogReader::open(path);
  if (!reader.ok()) {
    return make_error(reader.error().code == store::Errc::kCorrupt ? Errc::kCorrupt : Errc::kLog,
                      reader.error().message);
  }
  auto recordings = (*reader)->recordings();
  if (!recordings.ok()) return make_error(Errc::kLog, recordings.error().message);
  auto impl = std::make_unique<Impl>();
  bool found = false;
  for (auto& r : *recordings) {
    if (!options.recording_id || r.id == *options.recording_id) {
      impl->recording = r;
      found = true;
      break;
    }
  }
  if (!found) {
    return make_error(
        Errc::kNotFound,
        path + ": " +
            (options.recording_id ? "no recording " + std::to_string(*options.recording_id)
                                  : std::string("no recording in the log")));
  }
  auto ends = (*reader)->connection_ends(impl->recording.id);
  if (!ends.ok()) return make_error(Errc::kLog, ends.error().message);
  impl->ends = std::move(*ends);
  impl->reader = std::move(*reader);
  // The identify the live gateway sent, rebuilt from the recording row and the defaults.
  const store::RecordingInfo& info = impl->recording.info;
  impl->identify.token = store::kTokenMarker;
  impl->identify.intents = static_cast<std::uint64_t>(info.intents);
  if (info.shard_id && info.shard_count) {
    impl->identify.shard = std::array<std::int32_t, 2>{*info.shard_id, *info.shard_count};
  }
  return std::unique_ptr<Replayer>(new Replayer(std::move(impl), options));
}

void Replayer::execute(gateway::Actions& actions, std::int64_t frame_id) {
  for (gateway::Action& action : actions) {
    if (auto* deliver = std::get_if<gateway::DeliverEvent>(&action)) {
      ++stats_.dispatches;
      if (on_event_) on_event_(*deliver);
      const std::int64_t seq = deliver->seq;
      cache_.apply(std::move(deliver->event));
      if (options_.until_seq && seq >= *options_.until_seq) stop_ = true;
    } else if (auto* send = std::get_if<gateway::SendCommand>(&action)) {
      if (send->command == gateway::Command::kIdentify) {
        auto text = gateway::encode(impl_->identify);
        if (text.ok()) produced_.push_back(std::move(*text));
      } else if (send->command == gateway::Command::kResume) {
        auto text = gateway::encode(gateway::ResumeData{
            impl_->identify.token, protocol_.session_id(), protocol_.sequence().get().value_or(0)});
        if (text.ok()) produced_.push_back(std::move(*text));
      }
      // Heartbeats are timing: not compared.
    } else if (auto* error = std::get_if<gateway::ProtocolError>(&action)) {
      ++stats_.protocol_errors;
      if (on_problem_) on_problem_(frame_id, error->error.message);
    } else if (auto* reconnect = std::get_if<gateway::Reconnect>(&action)) {
      protocol_closed_ = true;
      replay_close_code_ = reconnect->close_code;
    } else if (std::holds_alternative<gateway::FatalClose>(action)) {
      protocol_closed_ = true;
      replay_close_code_ = 0;
    }
    // Reconnect and FatalClose: the log's next connection shows what followed. Live, the
    // gateway handles what still arrives during its close handshake as here: events are
    // delivered, sends are not made (and identify/resume only ever follow a HELLO).
  }
}

void Replayer::compare_send(const store::StoredFrame& frame) {
  const int op = op_of(frame);
  if (op != 2 && op != 6) return;  // heartbeats, and the bot's own commands
  if (produced_.empty()) {
    divergences_.push_back({frame.id, frame.text,
                            "(nothing: the replayed protocol sent no "
                            "identify or resume here)"});
    return;
  }
  if (produced_.front() != frame.text) {
    divergences_.push_back({frame.id, frame.text, produced_.front()});
  }
  produced_.erase(produced_.begin());
}

void Replayer::end_connection(std::uint32_t conn, std::int64_t next_ts_ns, std::int64_t frame_id) {
  const store::ConnectionEnd* end = impl_->end_of(conn);
  end_recorded_ = end != nullptr;
  gateway::Actions closed;
  if (end == nullptr) {
    // Not recorded: a close without a code; the next connection's first send is followed.
    closed = protocol_.on_closed(0, next_ts_ns);
  } else if (end->closed_by == store::ClosedBy::kServer) {
    closed = protocol_.on_closed(static_cast<std::uint16_t>(end->code.value_or(0)), end->ts_ns);
  } else if (end->closed_by == store::ClosedBy::kLost) {
    closed = protocol_.on_closed(0, end->ts_ns);
  } else {
    // The client closed. When the replayed protocol asked for it, the code must be the one
    // live sent; otherwise it came from the bot or a timeout, and is followed.
    if (protocol_closed_ && replay_close_code_ != 0 && end->code &&
        *end->code != replay_close_code_) {
      divergences_.push_back({frame_id,
                              "close " + std::to_string(*end->code) + " (" + end->reason + ")",
                              "close " + std::to_string(replay_close_code_)});
    }
    if (end->code) protocol_.on_client_close(static_cast<std::uint16_t>(*end->code));  // as live
  }
  execute(closed, frame_id);
  protocol_closed_ = false;
}

Status Replayer::run() {
  store::FrameQuery query;
  query.recording_id = impl_->recording.id;
  query.names = false;  // op and s are all the replay reads of a row
  query.read_ahead = options_.read_ahead && std::thread::hardware_concurrency() > 1;
  auto cursor = impl_->reader->frames(query);
  if (!cursor.ok()) return make_error(Errc::kLog, cursor.error().message);
  std::uint32_t conn = 0;
  while (!stop_) {
    auto more = (*cursor)->next();
    if (!more.ok()) {
      if (!options_.skip_bad) return make_error(Errc::kCorrupt, more.error().message);
      ++stats_.bad_frames;
      if (on_problem_) on_problem_(0, more.error().message);
      continue;
    }
    if (!*more) break;
    const store::StoredFrame& f = (*cursor)->frame();
    if (options_.until_ts_ns && f.ts_ns > *options_.until_ts_ns) break;
    ++stats_.frames;
    stats_.frame_bytes += f.text.size();
    if (options_.before_frame) options_.before_frame(f.ts_ns, stats_);
    if (f.conn != conn) {
      if (conn != 0) end_connection(conn, f.ts_ns, f.id);
      conn = f.conn;
      ++stats_.connections;
      protocol_.on_connected(f.ts_ns);
    }
    if (f.direction == store::Direction::kSend) {
      if (!end_recorded_ && op_of(f) == 2 && !produced_.empty() &&
          produced_.front().rfind("{\"op\":6,", 0) == 0) {
        // Live identified where the replay would resume, and the log does not say how the
        // connection ended (a log from before the connections table): the session was given
        // up (4007, 4009, the bot's identify()). Follow the log; not a divergence.
        produced_.front() = *gateway::encode(impl_->identify);
        protocol_.give_up_session();
      }
      compare_send(f);
      continue;
    }
    ++stats_.received;
    // The reader leaves simdjson's padding after the text: parsed where it lies.
    protocol_.handle_op(f.text, f.ts_ns, random_, f.text.capacity(), actions_);
    execute(actions_, f.id);
  }
  return {};
}

}  // namespace gwtape::replay
