// gwtape/gateway/protocol.h — the v10 gateway rules as a state machine without I/O.
//
// `Protocol` is the seed's HandleOP / HandleEvent, and owns every rule of a session, its timers
// included (twilight's shard is the model): it is told what happened — a connection opened, a
// frame arrived, a timer fired, the connection ended — together with the time, and answers with
// what to do: frames to send (already encoded), a reconnect and how, an event to deliver, a fatal
// end. `next_deadline_ns()` says when it next needs waking; its driver polls `on_timer` at or
// after that time, before every read, so a flood of frames never delays a heartbeat.
//
// The rules held here: HELLO's interval and the first beat's jitter; a server op 1 answered at
// once; the zombie rule (no ACK between two of our beats: terminate and resume); a HELLO that
// never comes; identify or resume, the identify slot of the (shared) IdentifyLimiter; the 120 /
// 60 s send limit, with heartbeats, identify and resume never held back and the bot's own
// commands waiting for a slot; READY / RESUMED, sequence numbers and duplicates of a resume;
// op 7, op 9 and every close code.
//
// It never reads a clock, a random device or a socket: those are the driver's, injected. The
// live Gateway and the Replayer run this same object through the same `Gateway` driver, which
// is what makes a replay take the very path the live session took.
//
// Thread-safety: not thread-safe; one owner (the gateway's loop). Lifetimes: Actions own their
// data; a Protocol holds no references to its inputs after a call returns (the identify limiter
// is shared ownership).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gwtape/gateway/clock.h"
#include "gwtape/gateway/commands.h"
#include "gwtape/gateway/envelope.h"
#include "gwtape/gateway/errors.h"
#include "gwtape/gateway/events.h"
#include "gwtape/gateway/limits.h"

namespace gwtape::gateway {

// The last dispatch sequence number seen on the session (the seed's Sequence).
class Sequence {
 public:
  enum class Order { kNext, kDuplicate, kGap };
  std::optional<std::int64_t> get() const { return last_; }
  // Where s stands against the last one: a resume replays events we may already have.
  Order observe(std::int64_t s) const;
  void set(std::int64_t s) { last_ = s; }
  void reset() { last_.reset(); }

 private:
  std::optional<std::int64_t> last_;
};

// Explicit phases (twilight's habit): what the connection is doing now.
enum class Phase {
  kDisconnected,   // no connection; waiting to (re)connect
  kWaitingHello,   // connected, HELLO not yet received
  kIdentifying,    // identify due or sent, READY not yet received
  kResuming,       // resume sent, RESUMED not yet received
  kActive,         // READY or RESUMED received
  kFatallyClosed,  // closed with 4004 or 4010-4014, or no session fits the cap: no retry
};
std::string_view phase_name(Phase phase);

// What a frame to send is, for the driver's bookkeeping and the replay's comparison.
enum class Command { kHeartbeat, kIdentify, kResume, kUser };

// Send this frame now (it is already encoded and counted against the send limit). Identify
// and resume carry the token: their text is `sealed` (secret.h), `text` is empty.
struct SendCommand {
  Command command;
  std::string text;
  Secret sealed;
  std::string_view frame() const { return sealed.empty() ? std::string_view(text) : sealed.view(); }
};
// Close the connection (when one is open) with `close_code` — at once when `terminate`, else
// waiting for the peer's close — wait `delay_ns`, connect again and then resume (`resume`) or
// identify from scratch at the original URL. close_code 0: the connection is already gone.
struct Reconnect {
  bool resume = true;
  std::uint16_t close_code = 4000;
  std::string reason;
  std::int64_t delay_ns = 0;
  bool terminate = false;
};
// The session ended for good: the server closed with a fatal code (kFatalClose), or the client
// closed with `code` because nothing it could do would help (`errc` says what; `meaning` why).
struct FatalClose {
  std::uint16_t code = 0;
  std::string meaning;
  Errc errc = Errc::kFatalClose;
};
struct DeliverEvent {
  std::int64_t seq = 0;
  Event event;
};
// A frame or a dispatch that could not be understood: reported, never fatal by itself.
struct ProtocolError {
  Error error;
};
using Action = std::variant<SendCommand, Reconnect, FatalClose, DeliverEvent, ProtocolError>;
using Actions = std::vector<Action>;

struct ProtocolOptions {
  // After this long without an ACK, a reconnect identifies instead of resuming.
  std::int64_t resume_window_ns = 15LL * 60 * 1'000'000'000;
  // Close code we use to end a connection while keeping the session resumable.
  std::uint16_t resumable_close_code = 4000;
  // A connection whose HELLO has not come after this long is given up (and resumed).
  std::int64_t hello_timeout_ns = 30'000'000'000;
};

class Protocol {
 public:
  // `identify` is what op 2 sends (and op 6 takes its token from); `limiter` paces identifies
  // (shared by the shards of a process; nullptr: a private one).
  explicit Protocol(ProtocolOptions options = {}, IdentifyData identify = {},
                    std::shared_ptr<IdentifyLimiter> limiter = nullptr);

  // A transport connection is open; HELLO is expected within hello_timeout_ns.
  void on_connected(std::int64_t now_ns);

  // handle_op: one received frame's text. Parses the envelope and applies the opcode's rule;
  // dispatches go through handle_event. A frame with room after it (a std::string's spare
  // capacity, padded.h) is parsed in place, any other from one copy.
  Actions handle_op(PaddedView frame, std::int64_t now_ns, Random& random);
  // The same, into `out`: cleared first, its capacity kept from frame to frame (the receive
  // loops' form: no allocation for the actions of a dispatch).
  void handle_op(PaddedView frame, std::int64_t now_ns, Random& random, Actions& out);
  // handle_event: a dispatch (op 0) whose envelope is already parsed.
  Actions handle_event(const Envelope& env, std::int64_t now_ns);

  // Every timer: the heartbeat (or the zombie rule), HELLO's deadline, the identify slot and the
  // bot's queued commands whose send slot has come. Call before every read; cheap when nothing
  // is due.
  Actions on_timer(std::int64_t now_ns);
  // The same, appending to `out`.
  void on_timer(std::int64_t now_ns, Actions& out);
  // The connection ended: a close frame from the peer (code 0 when there was none: a
  // dropped TCP connection, a TLS error).
  Actions on_closed(std::uint16_t code, std::int64_t now_ns);
  // We closed the connection with `code` (the close handshake is over): 1000 and 1001 end the
  // session, so the next connection identifies; any other code keeps it resumable.
  void on_client_close(std::uint16_t code);
  // A message the transport could not turn into a frame (corrupt compressed data): the
  // connection is not trusted; it is closed and the session resumed.
  Actions on_unreadable(const Error& error);
  // A message above ConnectOptions::max_message_bytes ended the connection (the client closed
  // it with 1009, unread). A resume would be sent it again: the first time the session is
  // resumed (it may have been a one-off); when one comes again before any dispatch got
  // through, the session is given up and the next connection identifies (what that session
  // still had to send is lost, and said so). Before any session (HELLO or READY above the cap)
  // a new identify is tried once; a second in a row is a FatalClose: each identify would be
  // sent the same READY, spending the day's identifies. The replay meets the recorded 1009 end
  // here too.
  Actions on_too_large(const Error& error, std::int64_t now_ns);
  // A heartbeat now, as if the server had asked (op 1); nothing before HELLO.
  Actions heartbeat_now(std::int64_t now_ns);
  // A bot command (its whole frame text), sent once the session is up and a send slot is free.
  void queue(std::string frame) { outbox_.push_back(std::move(frame)); }
  std::size_t queued() const { return outbox_.size(); }

  // Forgets the session (id, resume URL, sequence): what 4007, 4009 or op 9 false do. A
  // replay calls it where the log shows that the live client identified instead of resuming
  // for a reason the log does not hold (a close code); resuming becomes identifying.
  void give_up_session();

  // When on_timer wants to run next; nullopt when nothing is scheduled.
  std::optional<std::int64_t> next_deadline_ns() const;
  // Resume (rather than identify) if the connection dropped now.
  bool can_resume(std::int64_t now_ns) const;

  Phase phase() const { return phase_; }
  const Sequence& sequence() const { return seq_; }
  const std::string& session_id() const { return session_id_; }
  const std::string& resume_gateway_url() const { return resume_url_; }
  std::int64_t heartbeat_interval_ns() const { return interval_ns_; }
  const IdentifyData& identify_data() const { return identify_; }
  // Dispatches dropped as duplicates of a resume replay, and gaps seen in s.
  std::uint64_t duplicates() const { return duplicates_; }
  std::uint64_t gaps() const { return gaps_; }
  // Dispatches decoded in the envelope's own pass ("t" before "d"), and those parsed twice.
  std::uint64_t one_pass_decodes() const { return one_pass_; }
  std::uint64_t two_pass_decodes() const { return two_pass_; }

  // What a close code means, and whether it ends the session for good.
  static std::string_view close_code_meaning(std::uint16_t code);
  static bool is_fatal_close(std::uint16_t code);

 private:
  void dispatch(const Envelope& env, bool decoded, Actions& out);
  void on_hello(const Envelope& env, std::int64_t now_ns, Random& random, Actions& out);
  void on_invalid_session(const Envelope& env, Random& random, Actions& out);
  void session_fields_of_ready(const Envelope& env);
  void send_heartbeat(std::int64_t now_ns, Actions& out);
  void schedule_identify(std::int64_t now_ns, Actions& out);
  void send_identify(std::int64_t now_ns, Actions& out);
  // Text: std::string, or Secret for the frames that carry the token (SendCommand::sealed).
  template <class Text>
  void send(Command command, Result<Text> frame, std::int64_t now_ns, Actions& out);
  void forget_session();
  void end_timers();  // a connection ended: no heartbeat, HELLO or identify is due on it

  ProtocolOptions options_;
  IdentifyData identify_;
  std::shared_ptr<IdentifyLimiter> limiter_;
  EnvelopeParser envelopes_;
  EventDecoder decoder_;
  SendLimiter send_limiter_;
  std::deque<std::string> outbox_;
  Phase phase_ = Phase::kDisconnected;
  Sequence seq_;
  // The sequence at the last message above the cap, if any (on_too_large).
  std::optional<std::optional<std::int64_t>> too_large_at_;
  int too_large_without_session_ = 0;  // in a row, since the last READY
  std::string session_id_;
  std::string resume_url_;
  std::int64_t interval_ns_ = 0;
  std::optional<std::int64_t> next_beat_ns_;
  std::optional<std::int64_t> hello_deadline_ns_;
  std::optional<std::int64_t> identify_at_ns_;  // an identify waiting for its limiter slot
  bool identify_awaits_turn_ = false;           // ... or for its shard's turn to take one
  bool awaiting_ack_ = false;
  std::optional<std::int64_t> last_ack_ns_;  // or HELLO's time, before the first ACK
  std::uint64_t duplicates_ = 0;
  std::uint64_t gaps_ = 0;
  std::uint64_t one_pass_ = 0;
  std::uint64_t two_pass_ = 0;
};

}  // namespace gwtape::gateway
