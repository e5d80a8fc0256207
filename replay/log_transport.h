// replay/log_transport.h — one recording of a log as the Transport a replayed Gateway runs on.
//
// The replayer's Gateway is the live driver itself; this is the world it is driven through.
// Each connection the Gateway opens is the recording's next connection; receive() hands over
// that connection's received frames in order, each at its recorded time on the replay's
// RecordedClock (moved forward only: timers that fall between two frames fire at their own time,
// as they did live); then the connection ends as the log says it did:
// - the server closed: kClosed with the recorded code and reason;
// - it was lost: kTransport;
// - the client closed, and the replayed Gateway has not by then: the bot's hand (a request to
//   the Gateway: identify(), reconnect() or, at the end of the log, close()), through
//   `on_client_close`; a close the protocol makes by itself (op 7, op 9, the zombie rule) comes
//   first and is compared with the recorded code instead.
// Sends: identify (op 2) and resume (op 6) are compared with the recorded ones, in order, and
// received frames recorded after a recorded identify or resume wait until the Gateway has sent
// its own (as live, where READY cannot come before the identify). Heartbeats and the bot's own
// commands are timing and choice, not the library's behaviour: the recorded ones are passed
// over, the replay's accepted. During our close, the rest of the connection's frames are handed
// over at once: what live received during its close handshake.
//
// Thread-safety: one thread (the Gateway's loop, which is the replayer's caller). Lifetimes:
// the reader, clock and hooks must outlive the transport.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gwtape/gateway/clock.h"
#include "gwtape/gateway/transport.h"
#include "gwtape/replay/replayer.h"
#include "gwtape/store/frame.h"
#include "gwtape/store/log_reader.h"

namespace gwtape::replay {

// The replay's clock: it moves only forward, to each frame's recorded time (LogTransport sets
// it) and to the timers the Gateway sleeps for. A sleep ends no later than the next recorded
// frame (the horizon): live's backoff or op 9 wait ended before that frame arrived, however
// long the replay's own draw of the jitter would have made it.
class RecordedClock final : public gateway::Clock {
 public:
  std::int64_t now_ns() override { return now_; }
  std::int64_t wall_ns() override { return now_; }
  void sleep_until(std::int64_t deadline_ns) override {
    const std::int64_t to = horizon_ ? std::min(deadline_ns, horizon_()) : deadline_ns;
    if (to > now_) now_ = to;
  }
  void set(std::int64_t ns) { now_ = ns; }
  void set_horizon(std::function<std::int64_t()> horizon) { horizon_ = std::move(horizon); }

 private:
  std::int64_t now_ = 0;
  std::function<std::int64_t()> horizon_;
};

struct LogTransportHooks {
  // The live client closed connection `end.conn` where the replayed one has not: do what the
  // bot did. `last`: no connection follows it in the recording.
  std::function<void(const store::ConnectionEnd& end, bool last)> on_client_close;
  // The recording is over (or the replay was told to stop): the Gateway should stop.
  std::function<void()> on_end;
  // Before each frame is taken (both directions), with the counts so far, this frame included.
  std::function<void(std::int64_t ts_ns, const ReplayStats& so_far)> before_frame;
  // A corrupt frame passed over (skip_bad), with what the store said.
  std::function<void(const std::string& what)> on_skipped;
};

class LogTransport final : public gateway::Transport {
 public:
  LogTransport(std::vector<store::ConnectionEnd> ends, RecordedClock& clock,
               LogTransportHooks hooks, bool skip_bad, std::optional<std::int64_t> until_ts_ns);

  // The recorded time of the next frame not yet taken (INT64_MAX after the last): the
  // clock's horizon.
  std::int64_t next_frame_ns();
  // REQUIRES: before the Gateway connects. The frames to replay, in arrival order, of the log
  // at `path` (named in the reports of damage).
  void set_cursor(std::unique_ptr<store::FrameCursor> cursor, std::string path) {
    cursor_ = std::move(cursor);
    path_ = std::move(path);
  }
  // From here on: no more frames, every connect fails, nothing is compared (until_seq).
  void finish() { finished_ = true; }

  gateway::Status connect(const std::string& url, const gateway::ConnectOptions& options) override;
  gateway::Result<gateway::TransportMessage> receive(std::int64_t timeout_ns) override;
  gateway::Status send_text(std::string_view text) override;
  gateway::Status send_close(std::uint16_t code, std::string_view reason) override;
  gateway::Status close(std::uint16_t code, std::string_view reason,
                        std::int64_t timeout_ns) override;
  void disconnect() override;
  std::optional<gateway::CloseStatus> peer_close() const override { return peer_; }
  gateway::TransportStats stats() const override { return {}; }
  void interrupt() override {}

  const std::vector<Divergence>& divergences() const { return divergences_; }
  const ReplayStats& replay_stats() const { return stats_; }
  ReplayStats& replay_stats() { return stats_; }
  // The id of the last received frame handed over (for reports about it).
  std::int64_t current_frame_id() const { return current_id_; }
  // The log's own error that ended the replay (a corrupt frame without skip_bad), if any.
  const std::optional<store::Error>& log_error() const { return log_error_; }

 private:
  // The next frame of the recording, not yet taken (nullptr at its end).
  const store::StoredFrame* peek();
  void take();  // REQUIRES: peek() != nullptr
  const store::ConnectionEnd* end_of(std::uint32_t conn) const;
  gateway::Result<gateway::TransportMessage> end_of_connection(std::int64_t deadline_ns);
  gateway::Error timed_out(std::int64_t deadline_ns);
  void move_to(std::int64_t ts_ns);
  // What live sent at this recorded identify or resume, against what the replay sent.
  void compare_send(const store::StoredFrame& recorded);
  // Frames of the current connection the replay never took (it dropped the connection early).
  void skip_rest_of_connection();
  void stop();
  // What breaks the order a recorder writes (a recording's connections one after another, its
  // times never going back) at frame `f`, a damaged row; nullopt when `f` follows its
  // predecessor.
  std::optional<std::string> out_of_order(const store::StoredFrame& f);

  std::vector<store::ConnectionEnd> ends_;
  RecordedClock& clock_;
  LogTransportHooks hooks_;
  bool skip_bad_;
  std::optional<std::int64_t> until_ts_ns_;
  std::unique_ptr<store::FrameCursor> cursor_;
  std::string path_;
  std::optional<std::pair<std::uint32_t, std::int64_t>> last_read_;  // conn and time
  bool peeked_ = false;  // the cursor holds a frame not yet taken
  bool at_end_ = false;  // the cursor has no more frames
  bool finished_ = false;
  std::uint32_t conn_ = 0;  // the recorded connection being replayed; 0 before the first
  bool open_ = false;
  bool closing_ = false;  // the replay sent its close frame
  std::uint16_t close_code_ = 0;
  bool asked_bot_ = false;       // on_client_close ran for this connection
  bool end_unknown_ = false;     // the previous connection's end is not in the log
  int beats_owed_ = 0;           // heartbeats the replay sent that live's have not yet matched
  std::int64_t current_id_ = 0;  // the last frame handed over
  std::optional<gateway::CloseStatus> peer_;
  std::deque<std::string> produced_;  // identifies and resumes the replay sent, not yet matched
  std::vector<Divergence> divergences_;
  ReplayStats stats_;
  std::optional<store::Error> log_error_;
};

// The replay's random source: always just below 1, so every wait is its longest, and the first
// heartbeat of a connection never comes before live's did. A replayed heartbeat is then never
// early, and recorded frames after a live heartbeat wait for the replayed one: each recorded ACK
// follows the beat it answers, so the zombie rule fires in a replay exactly where it did live.
class LatestRandom final : public gateway::Random {
 public:
  std::uint64_t next_u64() override { return ~std::uint64_t{0}; }
};

}  // namespace gwtape::replay
