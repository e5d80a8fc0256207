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
// The loop's state lives behind a pointer (pimpl): this header is the interface, nothing else.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "gwtape/common/wire.h"
#include "gwtape/gateway/clock.h"
#include "gwtape/gateway/commands.h"
#include "gwtape/gateway/compression.h"
#include "gwtape/gateway/limits.h"
#include "gwtape/gateway/protocol.h"
#include "gwtape/gateway/transport.h"

namespace gwtape::gateway {

inline constexpr int kApiVersion = 10;

using gwtape::Direction;  // gwtape/common/wire.h

// One frame as it crossed the wire (after transport decompression for received ones).
struct FrameRecord {
  Direction direction;
  std::uint32_t conn;     // 1 for the first connection, +1 on every reconnect
  std::int64_t wall_ns;   // clock's wall time when it arrived or left
  std::string_view text;  // valid during the callback only
};

using gwtape::ClosedBy;  // who ended a connection (gwtape/common/wire.h)

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

  void on_event(EventHandler handler);
  // A handler for one typed event (events.h), called with the event, or with the event and its
  // sequence number:
  //   gateway.on<MessageCreateEvent>([](const MessageCreateEvent& m) { ... });
  // Any number per type, called in the order they were added, before on_event's handler
  // (which may move the event). Set before start().
  template <class T, class F>
  void on(F&& handler);
  void on_frame(FrameObserver observer);
  void on_connection_end(ConnectionEndObserver observer);
  void on_error(ErrorHandler handler);  // WSError
  void on_fatal(ErrorHandler handler);  // WSFatal

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
  void resume();
  // Close and identify anew: the session is given up (a new READY replaces it).
  void identify();
  // Send a heartbeat now, as if the server had asked for one (op 1).
  void heartbeat();

  // Snapshots, safe from any thread.
  Phase phase() const;
  std::uint32_t connections() const;
  // The protocol's state. Loop thread only (handlers, observers), or after run() returned.
  const Protocol& protocol() const;

  // Appends ?v=10&encoding=json[&compress=...] to a gateway URL.
  static std::string connect_url(std::string_view base, Compression compress);

 private:
  class Loop;  // gateway/gateway_loop.h
  using TypedHandler = std::function<void(const DeliverEvent&)>;
  void add_typed(std::size_t index, TypedHandler handler);

  std::unique_ptr<Loop> loop_;
};

// ---- template definitions ---------------------------------------------------------------

namespace detail {
// The index of T among a variant's alternatives; the size of the variant when absent.
template <class T, class V>
struct AlternativeIndex;
template <class T, class... Ts>
struct AlternativeIndex<T, std::variant<Ts...>> {
  static constexpr std::size_t value = [] {
    constexpr bool same[] = {std::is_same_v<T, Ts>...};
    std::size_t i = 0;
    while (i < sizeof...(Ts) && !same[i]) ++i;
    return i;
  }();
};
}  // namespace detail

template <class T, class F>
void Gateway::on(F&& handler) {
  constexpr std::size_t index = detail::AlternativeIndex<T, EventPayload>::value;
  static_assert(index < std::variant_size_v<EventPayload>,
                "on<T>: T is not an event type of the registry (events.h)");
  if constexpr (std::is_invocable_v<F&, const T&, std::int64_t>) {
    add_typed(index, [h = std::forward<F>(handler)](const DeliverEvent& e) mutable {
      h(*std::get_if<T>(&e.event.payload), e.seq);
    });
  } else {
    static_assert(std::is_invocable_v<F&, const T&>,
                  "on<T>: the handler takes (const T&) or (const T&, std::int64_t seq)");
    add_typed(index, [h = std::forward<F>(handler)](const DeliverEvent& e) mutable {
      h(*std::get_if<T>(&e.event.payload));
    });
  }
}

}  // namespace gwtape::gateway
