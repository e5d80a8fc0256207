// gwtape/gateway/gateway.h — a gateway session driver (the seed's Gateway), API v10.
//
// A Gateway moves bytes and time, and nothing else: it connects a `Transport`, hands every
// received frame, every timer and every connection end to its `Protocol` (which holds every
// v10 rule: identify or resume, heartbeats and the zombie rule, op 7 / op 9, close codes, send
// and identify limits), and carries out what the protocol answers: frames to send, closes,
// reconnects, events to deliver. The protocol's timers are polled before every read, so a
// flood of frames never delays a heartbeat. Every frame received or sent is offered to the
// frame observer before it is parsed or sent — the recorder's tap — so a frame that fails to
// parse is still seen (then reported through on_error).
//
// The same driver runs live (CurlTransport, SystemClock) and in replay (the replayer's log
// transport, the recorded clock): a replay is this code, not a copy of it.
//
// Reconnecting: a failed connect or a connection that never reached READY / RESUMED is
// retried with capped, jittered exponential backoff, forever by default (`max_retries` sets a
// limit); a resume whose `resume_gateway_url` cannot be reached goes to the original URL.
//
// Usage: construct with options, a transport (make_curl_transport()), a clock and a random
// source; set handlers; then `run()` on a thread of your own, or `start()` for a background
// thread; `close()` from any thread ends it (close 1000, wait for the peer, join).
//
// Thread-safety: handlers and the observers are called on the loop thread, one at a time, in
// order; a slow handler delays delivery, never a heartbeat: while events wait for the handler
// the loop goes on reading frames and keeping time (see `max_pending_events`). `send`,
// `update_status`, `update_voice_state`, `request_guild_members`, `guild_subscribe`, `reconnect`,
// `identify`, `heartbeat` and `close` may be called from any thread, handlers included (they queue
// work for the loop; close() from the loop thread does not join). Set handlers before start().
// Lifetimes: the transport is owned; the clock, the random source and the identify limiter must
// outlive the Gateway.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "gwtape/gateway/clock.h"
#include "gwtape/gateway/commands.h"
#include "gwtape/gateway/compression.h"
#include "gwtape/gateway/limits.h"
#include "gwtape/gateway/protocol.h"
#include "gwtape/gateway/transport.h"

namespace gwtape::gateway {

inline constexpr int kApiVersion = 10;

enum class Direction : std::uint8_t { kRecv = 0, kSend = 1 };

// One frame as it crossed the wire (after transport decompression for received ones).
struct FrameRecord {
  Direction direction;
  std::uint32_t conn;     // 1 for the first connection, +1 on every reconnect
  std::int64_t wall_ns;   // clock's wall time when it arrived or left
  std::string_view text;  // valid during the callback only
};

// Who ended a connection, as the client saw it.
enum class ClosedBy : std::uint8_t {
  kServer,  // the server's close frame came first
  kClient,  // we sent the first close frame (resume, identify anew, close())
  kLost,    // no close frame: the connection broke, or a send failed
};

// How one connection ended: offered once per connection, on the loop thread, before the
// reconnect (or the end of run()). What the recorder keeps so that a replay can take the
// decision the live client took.
struct ConnectionEndRecord {
  std::uint32_t conn;
  std::int64_t wall_ns;
  ClosedBy closed_by;
  std::optional<std::uint16_t> code;  // the close frame's code (none when lost or codeless)
  std::string_view reason;            // its reason, or what broke; valid during the callback
};

struct GatewayOptions {
  std::string url;  // "wss://gateway.discord.gg" (from /gateway/bot); query added here
  Compression compress = Compression::kNone;
  IdentifyData identify;   // token, intents (required), properties, shard, presence...
  ConnectOptions connect;  // WSTimeout (also the longest wait for HELLO), CA file, message cap
  // WSRetries: connections in a row that fail or never reach READY / RESUMED before run() gives
  // up with kMaxTries. nullopt (the default): never give up, until close().
  std::optional<unsigned> max_retries;
  // Between such connections: min(initial * 2^n, max), times a jitter in [0.5, 1).
  std::int64_t backoff_initial_ns = 1'000'000'000;
  std::int64_t backoff_max_ns = 10'000'000'000;
  std::int64_t close_timeout_ns = 5'000'000'000;  // how long a close waits for the peer's
  // Read-ahead: events decoded but not yet handed to the handler. While some wait, the loop
  // first reads everything that has already arrived, then gives the handler a slice of a few
  // ms (never past a timer), so the protocol sees a heartbeat ACK behind a burst soon and
  // a slow handler never makes the shard look like a zombie. At this many the loop reads
  // only as fast as the handler takes events (the socket's buffers, then the server, hold
  // the rest; a handler slower than the traffic for that long does, in the end, delay ACKs).
  // 0: deliver each event before the next read (the replayer's choice: in virtual time a
  // handler takes no time).
  std::size_t max_pending_events = 8192;
  ProtocolOptions protocol;
};

class Gateway {
 public:
  // The event may be moved from: it is the handler's (a handler taking const& is fine too).
  using EventHandler = std::function<void(DeliverEvent&)>;
  using FrameObserver = std::function<void(const FrameRecord&)>;
  using ErrorHandler = std::function<void(const Error&)>;
  using ConnectionEndObserver = std::function<void(const ConnectionEndRecord&)>;

  // `limiter` may be shared by the shards of a process; nullptr: a private one.
  Gateway(GatewayOptions options, std::unique_ptr<Transport> transport, Clock& clock,
          Random& random, std::shared_ptr<IdentifyLimiter> limiter = nullptr);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  void on_event(EventHandler handler) { on_event_ = std::move(handler); }
  void on_frame(FrameObserver observer) { on_frame_ = std::move(observer); }
  void on_connection_end(ConnectionEndObserver observer) { on_end_ = std::move(observer); }
  void on_error(ErrorHandler handler) { on_error_ = std::move(handler); }  // WSError
  void on_fatal(ErrorHandler handler) { on_fatal_ = std::move(handler); }  // WSFatal

  // Runs the connection on this thread until close() or a fatal error. Returns ok after
  // close(); kFatalClose with the code and its meaning; kTooLarge when no session fits
  // max_message_bytes (Protocol::on_too_large); kMaxTries after `max_retries` failed
  // connections in a row; kInvalidArgument for options that cannot work (no token, no intents).
  Status run();
  // run() on a background thread (the seed's Start).
  void start();
  // start(), then waits until the session is up (READY or RESUMED) — the seed's Open.
  // Errors: what run() ended with, or kTimeout (the loop keeps trying; close() stops it).
  Status open(std::int64_t timeout_ns = 30'000'000'000);
  // Ends the session: close 1000 (the session is not resumable), wait for the peer, stop the
  // loop and join it. Thread-safe; idempotent. Returns what run() returned (from the loop
  // thread itself, or while run() runs on a caller's thread: asks the loop to stop and returns
  // at once).
  Status close();
  // Wait for the background loop to end by itself (fatal close, max tries).
  Status wait();

  // Queued for the loop thread; sent in order within the send rate limit.
  Status send(OpCode op, std::string_view d_json);
  Status update_status(const UpdatePresenceData& data);
  Status update_voice_state(const UpdateVoiceStateData& data);
  Status request_guild_members(const RequestGuildMembersData& data);
  Status guild_subscribe(const GuildSubscribeData& data);
  // Close with a resumable code and resume (the seed's Reconnect).
  void reconnect();
  // The same, named for what follows: a resume on the next connection.
  void resume() { reconnect(); }
  // Close and identify anew: the session is given up (a new READY replaces it).
  void identify();
  // Send a heartbeat now, as if the server had asked for one (op 1).
  void heartbeat();

  // Snapshots, safe from any thread.
  Phase phase() const { return phase_.load(); }
  std::uint32_t connections() const { return conn_.load(); }
  // The protocol's state. Loop thread only (handlers, observers), or after run() returned.
  const Protocol& protocol() const { return protocol_; }

  // Appends ?v=10&encoding=json[&compress=...] to a gateway URL.
  static std::string connect_url(std::string_view base, Compression compress);

 private:
  enum class Outcome { kContinue, kNextConnection, kStop, kFatal };
  Outcome run_connection(Status& result);
  // Carries out the protocol's answer; kContinue while the connection goes on.
  Outcome execute(Actions& actions, Status& result);
  // Our side of a close: a close frame, then what the peer still sends is recorded and its
  // events delivered (no sends, no decisions) until its close frame or the timeout.
  void close_connection(std::uint16_t code, std::string_view reason);
  // A close frame if it goes out at once, and the socket dropped: a zombie is not waited for.
  void terminate_connection(std::uint16_t code, std::string_view reason);
  // A received message through the connection's decompressor; nullptr while a zlib-stream
  // message is still incomplete; an error for corrupt compressed data.
  Result<std::string*> inflate(TransportMessage& message);
  Status send_frame(std::string_view text);
  // A send failed: the connection is gone, the protocol decides how to come back.
  Outcome lost_on_send(const Error& error, Status& result);
  Status queue(Result<std::string> frame);
  void report(const Error& error);
  // A message above the cap ended the connection (closed with 1009, unread): its end, and what
  // the protocol does next (Protocol::on_too_large).
  Actions refused_too_large(const Error& error);
  // Offers the connection's end to on_end_, once per connection (the first cause wins).
  void connection_ended(ClosedBy by, std::uint16_t code, std::string_view reason);
  // Waits `delay_ns` on the clock; close() cuts it short.
  void pause(std::int64_t delay_ns);
  std::int64_t backoff_ns(unsigned attempt);
  void set_phase(Phase p);
  std::int64_t stamp(std::int64_t now_ns) const { return now_ns + wall_offset_ns_; }

  GatewayOptions options_;
  std::unique_ptr<Transport> transport_;
  Clock& clock_;
  Random& random_;
  Protocol protocol_;
  std::unique_ptr<StreamDecompressor> decompressor_;
  std::string inflated_;

  EventHandler on_event_;
  FrameObserver on_frame_;
  ErrorHandler on_error_;
  ErrorHandler on_fatal_;
  ConnectionEndObserver on_end_;

  std::mutex mu_;  // guards outbox_, result_, ended_; cv_ waits on phase_ and ended_
  std::condition_variable cv_;
  std::deque<std::string> outbox_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> reconnect_requested_{false};
  std::atomic<bool> identify_requested_{false};
  std::atomic<bool> heartbeat_requested_{false};
  std::atomic<bool> outbox_waiting_{false};
  std::atomic<Phase> phase_{Phase::kDisconnected};
  std::atomic<std::uint32_t> conn_{0};
  std::thread thread_;
  Status result_;
  bool ended_ = false;  // run() returned (guarded by mu_)
  // Loop-thread state.
  // Frame and connection-end times are the loop's monotonic clock moved to the wall clock's
  // epoch once per run(): the recorded timeline is the one the protocol's timers ran on, so a
  // replay of it fires them at the same moments.
  std::int64_t wall_offset_ns_ = 0;
  bool end_reported_ = false;          // connection_ended() ran for this connection
  std::int64_t pending_delay_ns_ = 0;  // wait asked by the protocol before reconnecting
  bool reached_active_ = false;        // this connection got READY or RESUMED
  Actions actions_;                    // reused from frame to frame
  std::deque<DeliverEvent> pending_;   // read ahead, not yet handed to on_event_
  // Queues `event` for the handler (with max_pending_events 0: hands it over at once).
  void deliver(DeliverEvent& event);
  // Hands pending events over, oldest first: at least one, then more until `until_ns`.
  void deliver_pending(std::int64_t until_ns);
};

}  // namespace gwtape::gateway
