#include "log_transport.h"

#include <algorithm>

namespace gwtape::replay {
namespace {

using GErrc = gateway::Errc;

// The replayed Gateway's own frames come from our encoder, which always writes op first.
int op_of_sent(std::string_view text) {
  if (text.starts_with(R"({"op":1,)")) return 1;
  if (text.starts_with(R"({"op":2,)")) return 2;
  if (text.starts_with(R"({"op":6,)")) return 6;
  return -1;
}

}  // namespace

LogTransport::LogTransport(std::vector<store::ConnectionEnd> ends, RecordedClock& clock,
                           LogTransportHooks hooks, bool skip_bad,
                           std::optional<std::int64_t> until_ts_ns)
    : ends_(std::move(ends)),
      clock_(clock),
      hooks_(std::move(hooks)),
      skip_bad_(skip_bad),
      until_ts_ns_(until_ts_ns) {}

const store::StoredFrame* LogTransport::peek() {
  while (!peeked_ && !at_end_ && !finished_) {
    auto more = cursor_->next();
    if (!more.ok()) {
      const bool corrupt = more.error().code == store::Errc::kCorrupt;
      if (!skip_bad_ || !corrupt) {
        log_error_ = more.error();
        stop();
        break;
      }
      ++stats_.bad_frames;
      if (hooks_.on_skipped) hooks_.on_skipped(more.error().message);
      continue;
    }
    if (!*more) {
      at_end_ = true;
      break;
    }
    const store::StoredFrame& f = cursor_->frame();
    if (until_ts_ns_ && f.ts_ns > *until_ts_ns_) {
      at_end_ = true;
      break;
    }
    if (auto bad = out_of_order(f)) {
      if (!skip_bad_) {
        log_error_ = make_error(store::Errc::kCorrupt, std::move(*bad));
        stop();
        break;
      }
      ++stats_.bad_frames;
      if (hooks_.on_skipped) hooks_.on_skipped(*bad);
      continue;
    }
    peeked_ = true;
    ++stats_.frames;
    stats_.frame_bytes += f.text.size();
    if (hooks_.before_frame) hooks_.before_frame(f.ts_ns, stats_);
  }
  return peeked_ && !finished_ ? &cursor_->frame() : nullptr;
}

void LogTransport::take() { peeked_ = false; }

std::optional<std::string> LogTransport::out_of_order(const store::StoredFrame& f) {
  std::optional<std::string> bad;
  if (last_read_) bad = store::order_break(last_read_->first, last_read_->second, f.conn, f.ts_ns);
  // The next frame is compared with this one even when it is passed over: one damaged row is
  // one report.
  last_read_ = {f.conn, f.ts_ns};
  if (bad) *bad = path_ + ": corrupt log: frame " + std::to_string(f.id) + ": " + *bad;
  return bad;
}

std::int64_t LogTransport::next_frame_ns() {
  const store::StoredFrame* f = peek();
  return f != nullptr ? f->ts_ns : INT64_MAX;
}

void LogTransport::stop() {
  finished_ = true;
  if (hooks_.on_end) hooks_.on_end();
}

const store::ConnectionEnd* LogTransport::end_of(std::uint32_t conn) const {
  for (const auto& e : ends_)
    if (e.conn == conn) return &e;
  return nullptr;
}

void LogTransport::move_to(std::int64_t ts_ns) {
  // Only forward: a replay late on a held send hands the frames before it over at its time.
  if (ts_ns > clock_.now_ns()) clock_.set(ts_ns);
}

gateway::Error LogTransport::timed_out(std::int64_t deadline_ns) {
  move_to(deadline_ns);
  return make_error(GErrc::kTimeout, "replay: nothing recorded before the deadline");
}

void LogTransport::skip_rest_of_connection() {
  std::uint64_t left = 0;
  std::int64_t first_id = 0;
  for (const store::StoredFrame* f = peek(); f != nullptr && f->conn == conn_; f = peek()) {
    if (f->direction == store::Direction::kRecv) {
      if (left++ == 0) first_id = f->id;
    }
    take();
  }
  if (left > 0) {
    divergences_.push_back(
        {first_id,
         std::to_string(left) + " more frames received on connection " + std::to_string(conn_),
         "(the replay dropped the connection before them)"});
  }
  for (const std::string& sent : produced_) {
    divergences_.push_back({first_id, "(nothing: live sent no identify or resume here)", sent});
  }
  produced_.clear();
}

gateway::Status LogTransport::connect(const std::string& url, const gateway::ConnectOptions&) {
  (void)url;
  if (conn_ != 0) skip_rest_of_connection();
  const store::StoredFrame* f = peek();
  if (f == nullptr) {
    if (!finished_) stop();
    return make_error(GErrc::kClosed, "replay: the recording has no more connections");
  }
  if (conn_ != 0 && end_of(conn_) == nullptr) end_unknown_ = true;
  conn_ = f->conn;
  // The connection opened just before its first recorded frame (a connect takes the time the
  // log shows between the last connection's end and this one's first frame).
  move_to(f->ts_ns);
  open_ = true;
  closing_ = false;
  close_code_ = 0;
  asked_bot_ = false;
  beats_owed_ = 0;
  peer_.reset();
  ++stats_.connections;
  return {};
}

gateway::Result<gateway::TransportMessage> LogTransport::receive(std::int64_t timeout_ns) {
  if (!open_) return make_error(GErrc::kClosed, "replay: not connected");
  const std::int64_t deadline = clock_.now_ns() + std::max<std::int64_t>(timeout_ns, 0);
  for (;;) {
    const store::StoredFrame* f = peek();
    if (finished_) return make_error(GErrc::kClosed, "replay: stopped");
    if (f == nullptr || f->conn != conn_) return end_of_connection(deadline);
    if (f->direction == store::Direction::kSend) {
      const int op = f->op.value_or(-1);
      if (closing_ || (op != 1 && op != 2 && op != 6)) {
        take();  // the bot's own commands: its choice, not the library's behaviour
        continue;
      }
      if (op == 1) {
        if (beats_owed_ == 0) return timed_out(deadline);  // held until the replay beats
        --beats_owed_;
        take();
        continue;
      }
      if (produced_.empty()) return timed_out(deadline);  // held until it identifies/resumes
      compare_send(*f);
      take();
      continue;
    }
    // During our close the rest of the connection is what live received in its handshake:
    // handed over at once, and without moving the clock past the close's own deadline.
    if (!closing_) {
      if (f->ts_ns > deadline) return timed_out(deadline);
      move_to(f->ts_ns);
    }
    ++stats_.received;
    gateway::TransportMessage message;
    message.data.reserve(f->text.size() + store::kTextPadding);
    message.data.assign(f->text);
    current_id_ = f->id;
    take();
    return message;
  }
}

gateway::Result<gateway::TransportMessage> LogTransport::end_of_connection(
    std::int64_t deadline_ns) {
  const store::StoredFrame* next = peek();
  const bool last = next == nullptr;
  if (closing_) {
    open_ = false;
    peer_ = gateway::CloseStatus{close_code_, ""};  // the peer's answer to our close
    return make_error(GErrc::kClosed, "replay: closed");
  }
  const store::ConnectionEnd* end = end_of(conn_);
  if (end == nullptr) {
    if (last) {
      stop();  // the recording ends here (a recorder that was killed, or an old log)
      return make_error(GErrc::kInterrupted, "replay: end of the recording");
    }
    open_ = false;
    return make_error(GErrc::kTransport, "replay: connection " + std::to_string(conn_) +
                                             " ended; the log does not say how");
  }
  if (end->ts_ns > deadline_ns) return timed_out(deadline_ns);
  move_to(end->ts_ns);
  switch (end->closed_by) {
    case store::ClosedBy::kServer:
      open_ = false;
      peer_ = gateway::CloseStatus{static_cast<std::uint16_t>(end->code.value_or(0)), end->reason};
      return make_error(GErrc::kClosed, "closed by the gateway: " + end->reason);
    case store::ClosedBy::kLost:
      open_ = false;
      return make_error(GErrc::kTransport, "connection lost: " + end->reason);
    case store::ClosedBy::kClient:
      if (end->code == 1009) {
        // Live refused a message above its cap here (unread, so not in the log): the replay's
        // Gateway meets the same refusal and decides as live did.
        open_ = false;
        return make_error(GErrc::kTooLarge, "replay: " + end->reason);
      }
      break;
  }
  // Live closed here and the replay has not decided to: it was the bot (identify(),
  // reconnect(), close()) or a timer of live's that the replay's comes right after.
  if (!asked_bot_) {
    asked_bot_ = true;
    if (hooks_.on_client_close) hooks_.on_client_close(*end, last);
  }
  return make_error(GErrc::kInterrupted, "replay: the client closed here");
}

void LogTransport::compare_send(const store::StoredFrame& recorded) {
  std::string sent = std::move(produced_.front());
  produced_.pop_front();
  if (sent == recorded.text) return;
  // A log that does not say how the previous connection ended cannot tell a resume the
  // replay makes from an identify live made for a reason it did not record (4007, 4009,
  // identify()): not a divergence. (A READY then starts the new session's sequence anew.)
  if (end_unknown_ && op_of_sent(sent) != recorded.op.value_or(-1)) return;
  divergences_.push_back({recorded.id, recorded.text, std::move(sent)});
}

gateway::Status LogTransport::send_text(std::string_view text) {
  if (!open_ || finished_) return {};
  const int op = op_of_sent(text);
  if (op == 1) {
    ++beats_owed_;
  } else if (op == 2 || op == 6) {
    produced_.emplace_back(text);
  }
  return {};
}

gateway::Status LogTransport::send_close(std::uint16_t code, std::string_view reason) {
  (void)reason;
  if (!open_ || closing_ || finished_) return {};
  closing_ = true;
  close_code_ = code;
  const store::ConnectionEnd* end = end_of(conn_);
  if (end != nullptr && end->closed_by == store::ClosedBy::kClient && end->code &&
      *end->code != code) {
    const store::StoredFrame* next = peek();
    divergences_.push_back({next != nullptr ? next->id : current_id_,
                            "close " + std::to_string(*end->code) + " (" + end->reason + ")",
                            "close " + std::to_string(code)});
  }
  return {};
}

gateway::Status LogTransport::close(std::uint16_t code, std::string_view reason,
                                    std::int64_t timeout_ns) {
  (void)timeout_ns;
  gateway::Status st = send_close(code, reason);
  disconnect();
  return st;
}

void LogTransport::disconnect() { open_ = false; }

}  // namespace gwtape::replay
