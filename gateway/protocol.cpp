#include "gwtape/gateway/protocol.h"

#include <simdjson.h>

#include <algorithm>
#include <string>
#include <type_traits>

namespace gwtape::gateway {
namespace {

constexpr std::int64_t kMsToNs = 1'000'000;

Actions one(Action a) {
  Actions out;
  out.push_back(std::move(a));
  return out;
}

}  // namespace

Sequence::Order Sequence::observe(std::int64_t s) const {
  if (!last_) return Order::kNext;
  if (s <= *last_) return Order::kDuplicate;
  return s == *last_ + 1 ? Order::kNext : Order::kGap;
}

std::string_view phase_name(Phase phase) {
  switch (phase) {
    case Phase::kDisconnected:
      return "disconnected";
    case Phase::kWaitingHello:
      return "waiting for HELLO";
    case Phase::kIdentifying:
      return "identifying";
    case Phase::kResuming:
      return "resuming";
    case Phase::kActive:
      return "active";
    case Phase::kFatallyClosed:
      return "fatally closed";
  }
  return "unknown";
}

std::string_view Protocol::close_code_meaning(std::uint16_t code) {
  switch (code) {
    case 0:
      return "connection lost without a close frame";
    case 1000:
      return "normal closure";
    case 1001:
      return "going away";
    case 4000:
      return "unknown error";
    case 4001:
      return "unknown opcode sent";
    case 4002:
      return "decode error (payload invalid or over 4096 bytes)";
    case 4003:
      return "not authenticated (sent a payload before identifying)";
    case 4004:
      return "authentication failed (the token is invalid)";
    case 4005:
      return "already authenticated";
    case 4007:
      return "invalid seq on resume";
    case 4008:
      return "rate limited (sent payloads too fast)";
    case 4009:
      return "session timed out";
    case 4010:
      return "invalid shard";
    case 4011:
      return "sharding required (too many guilds for one connection)";
    case 4012:
      return "invalid API version";
    case 4013:
      return "invalid intents";
    case 4014:
      return "disallowed intents (privileged intents not enabled for this bot)";
    default:
      return "unrecognised close code";
  }
}

bool Protocol::is_fatal_close(std::uint16_t code) {
  return code == 4004 || (code >= 4010 && code <= 4014);
}

Protocol::Protocol(ProtocolOptions options, IdentifyData identify,
                   std::shared_ptr<IdentifyLimiter> limiter)
    : options_(options),
      identify_(std::move(identify)),
      limiter_(limiter ? std::move(limiter) : std::make_shared<IdentifyLimiter>()) {}

void Protocol::on_connected(std::int64_t now_ns) {
  phase_ = Phase::kWaitingHello;
  // Each connection has its own HELLO: until it comes there is no interval, so no beat (not
  // even one asked for) and the HELLO deadline applies, on every connection.
  interval_ns_ = 0;
  next_beat_ns_.reset();
  identify_at_ns_.reset();
  hello_deadline_ns_ = now_ns + options_.hello_timeout_ns;
  awaiting_ack_ = false;
  send_limiter_.reset();
  send_limiter_.set_reserve(SendLimiter::reserve_for_interval(0));
}

bool Protocol::can_resume(std::int64_t now_ns) const {
  return !session_id_.empty() && seq_.get().has_value() &&
         (!last_ack_ns_ || now_ns - *last_ack_ns_ < options_.resume_window_ns);
}

void Protocol::forget_session() {
  session_id_.clear();
  resume_url_.clear();
  seq_.reset();
}

void Protocol::give_up_session() {
  forget_session();
  if (phase_ == Phase::kResuming) phase_ = Phase::kIdentifying;
}

void Protocol::on_client_close(std::uint16_t code) {
  if (code == 1000 || code == 1001) give_up_session();
}

std::optional<std::int64_t> Protocol::next_deadline_ns() const {
  std::optional<std::int64_t> at;
  auto earliest = [&at](std::optional<std::int64_t> t) {
    if (t && (!at || *t < *at)) at = t;
  };
  earliest(next_beat_ns_);
  earliest(hello_deadline_ns_);
  earliest(identify_at_ns_);
  if (phase_ == Phase::kActive && !outbox_.empty()) {
    // The send slot of the first queued command; next_slot never looks back in time.
    earliest(send_limiter_.next_slot(at.value_or(0), false));
  }
  return at;
}

template <class Text>
void Protocol::send(Command command, Result<Text> frame, std::int64_t now_ns, Actions& out) {
  if (!frame.ok()) {
    out.push_back(ProtocolError{frame.error()});
    return;
  }
  send_limiter_.record(now_ns);
  SendCommand cmd{command, {}, {}};
  if constexpr (std::is_same_v<Text, Secret>) {
    cmd.sealed = std::move(*frame);
  } else {
    cmd.text = std::move(*frame);
  }
  out.push_back(std::move(cmd));
}

void Protocol::send_heartbeat(std::int64_t now_ns, Actions& out) {
  // Never held back by the send limit: the reserve is sized for every beat of a window, and
  // a beat refused would lose the connection (Discord closes a silent one). A beat answering
  // the server's op 1 (or asked for by the bot) leaves the schedule as it is.
  send(Command::kHeartbeat, encode_heartbeat(seq_.get()), now_ns, out);
  if (interval_ns_ > 0) awaiting_ack_ = true;
}

void Protocol::send_identify(std::int64_t now_ns, Actions& out) {
  identify_at_ns_.reset();
  limiter_->spend(now_ns);
  send(Command::kIdentify, encode_sealed(identify_), now_ns, out);
}

Actions Protocol::on_unreadable(const Error& error) {
  Actions out = one(ProtocolError{error});
  out.push_back(Reconnect{true, options_.resumable_close_code, error.message, 0});
  return out;
}

Actions Protocol::heartbeat_now(std::int64_t now_ns) {
  Actions out;
  if (interval_ns_ > 0) send_heartbeat(now_ns, out);
  return out;
}

Actions Protocol::handle_op(PaddedView frame, std::int64_t now_ns, Random& random) {
  Actions out;
  handle_op(frame, now_ns, random, out);
  return out;
}

void Protocol::handle_op(PaddedView frame, std::int64_t now_ns, Random& random, Actions& out) {
  out.clear();
  // A dispatch is decoded straight into the action that will deliver it; dropped otherwise.
  bool decoded = false;
  auto env = envelopes_.parse(
      frame, std::get<DeliverEvent>(out.emplace_back(std::in_place_type<DeliverEvent>)).event,
      decoded);
  if (!env.ok() || env->op != OpCode::kDispatch) out.pop_back();
  if (!env.ok()) {
    // The frame was already offered to the tap (recorded); the connection is not trusted.
    out.push_back(ProtocolError{env.error()});
    out.push_back(Reconnect{true, options_.resumable_close_code,
                            "unreadable frame from the gateway: " + env.error().message, 0});
    return;
  }
  switch (env->op) {
    case OpCode::kDispatch:
      dispatch(*env, decoded, out);  // decoded in the envelope's pass when t came first
      return;
    case OpCode::kHeartbeat:
      send_heartbeat(now_ns, out);  // answered at once, whatever the schedule
      return;
    case OpCode::kReconnect:
      out.push_back(
          Reconnect{true, options_.resumable_close_code, "gateway asked to reconnect (op 7)", 0});
      return;
    case OpCode::kInvalidSession:
      on_invalid_session(*env, random, out);
      return;
    case OpCode::kHello:
      on_hello(*env, now_ns, random, out);
      return;
    case OpCode::kHeartbeatAck:
      awaiting_ack_ = false;
      last_ack_ns_ = now_ns;
      return;
    default:
      // Opcodes a client never receives, or new ones: carried (recorded), not acted on.
      return;
  }
}

void Protocol::on_hello(const Envelope& env, std::int64_t now_ns, Random& random, Actions& out) {
  auto hello = env.d.empty()
                   ? Result<HelloEvent>(make_error(Errc::kMissingField, "HELLO without d"))
                   : decoder_.decode_hello(env.padded_d());
  if (hello.ok() && hello->heartbeat_interval <= 0) {
    hello = make_error(Errc::kOutOfRange, "HELLO with heartbeat_interval " +
                                              std::to_string(hello->heartbeat_interval));
  }
  if (!hello.ok()) {
    out.push_back(ProtocolError{hello.error()});
    out.push_back(Reconnect{true, options_.resumable_close_code, hello.error().message, 0});
    return;
  }
  hello_deadline_ns_.reset();
  interval_ns_ = hello->heartbeat_interval * kMsToNs;
  send_limiter_.set_reserve(SendLimiter::reserve_for_interval(interval_ns_));
  // First beat after interval * jitter, jitter in [0, 1): spreads reconnecting clients.
  next_beat_ns_ =
      now_ns + static_cast<std::int64_t>(static_cast<double>(interval_ns_) * random.uniform01());
  awaiting_ack_ = false;
  if (!last_ack_ns_) last_ack_ns_ = now_ns;
  if (can_resume(now_ns)) {
    phase_ = Phase::kResuming;
    send(Command::kResume,
         encode_sealed(ResumeData{identify_.token, session_id_, seq_.get().value_or(0)}), now_ns,
         out);
    return;
  }
  forget_session();
  phase_ = Phase::kIdentifying;
  schedule_identify(now_ns, out);
}

void Protocol::schedule_identify(std::int64_t now_ns, Actions& out) {
  const int shard = identify_.shard ? (*identify_.shard)[0] : 0;
  // Beats go on while an identify waits, for its shard's turn or for its slot (on_timer).
  if (const std::int64_t turn = limiter_->turn(shard, now_ns); turn > now_ns) {
    identify_at_ns_ = turn;
    identify_awaits_turn_ = true;
    return;
  }
  identify_awaits_turn_ = false;
  const std::int64_t at = limiter_->acquire(shard, now_ns);
  if (at > now_ns) {
    identify_at_ns_ = at;
    return;
  }
  send_identify(now_ns, out);
}

void Protocol::on_invalid_session(const Envelope& env, Random& random, Actions& out) {
  const bool resumable = env.d == "true";
  if (resumable && !session_id_.empty() && seq_.get()) {
    out.push_back(Reconnect{true, options_.resumable_close_code, "invalid session (resumable)", 0});
    return;
  }
  forget_session();
  // Wait 1-5 s before identifying again, as the documentation asks.
  const auto delay =
      1'000 * kMsToNs + static_cast<std::int64_t>(4'000.0 * random.uniform01()) * kMsToNs;
  out.push_back(Reconnect{false, 1000, "invalid session (not resumable)", delay});
}

Actions Protocol::handle_event(const Envelope& env, std::int64_t now_ns) {
  (void)now_ns;
  Actions out;
  out.emplace_back(std::in_place_type<DeliverEvent>);
  dispatch(env, false, out);
  return out;
}

void Protocol::session_fields_of_ready(const Envelope& env) {
  // The typed decode failed on some other field: the session must not be lost for it (a READY
  // without its session would make every reconnect identify). A DOM parse of d, once a session.
  simdjson::dom::parser parser;
  simdjson::dom::element d;
  if (parser.parse(env.d.data(), env.d.size()).get(d) != simdjson::SUCCESS) return;
  std::string_view text;
  if (d["session_id"].get(text) == simdjson::SUCCESS) session_id_.assign(text);
  if (d["resume_gateway_url"].get(text) == simdjson::SUCCESS) resume_url_.assign(text);
}

void Protocol::dispatch(const Envelope& env, bool decoded, Actions& out) {
  // out.back() is the DeliverEvent to fill; its event is already decoded when `decoded`.
  // READY starts a new session, whose sequence starts anew; RESUMED ends a resume whatever
  // its s: both are handled before duplicates are dropped.
  const bool is_ready = env.t == "READY";
  const bool is_resumed = env.t == "RESUMED";
  if (is_ready) {
    seq_.reset();
    too_large_at_.reset();  // a new session: its first message above the cap is resumed
    too_large_without_session_ = 0;
  }
  std::int64_t s = 0;
  if (env.s) {
    s = *env.s;
    switch (seq_.observe(s)) {
      case Sequence::Order::kDuplicate:
        if (is_resumed) break;
        ++duplicates_;  // replayed by a resume: delivered once already
        out.pop_back();
        return;
      case Sequence::Order::kGap:
        ++gaps_;
        break;
      case Sequence::Order::kNext:
        break;
    }
    if (!seq_.get() || s > *seq_.get()) seq_.set(s);
  }
  if (is_ready || is_resumed) {
    phase_ = Phase::kActive;
    hello_deadline_ns_.reset();
  }
  if (decoded) {
    ++one_pass_;
  } else {
    ++two_pass_;
    auto event = decoder_.decode(env.t, env.padded_d());
    if (!event.ok()) {
      if (is_ready) session_fields_of_ready(env);
      out.pop_back();
      out.push_back(ProtocolError{event.error()});
      // Still delivered, raw: a bot may want what we could not type.
      Event raw;
      raw.type = EventType::kUnknown;
      raw.unknown_name.assign(env.t);
      raw.payload.emplace<RawEvent>(RawEvent{std::string(env.d)});
      out.push_back(DeliverEvent{s, std::move(raw)});
      return;
    }
    std::get<DeliverEvent>(out.back()).event = std::move(*event);
  }
  DeliverEvent& deliver = std::get<DeliverEvent>(out.back());
  deliver.seq = s;
  if (const auto* ready = deliver.event.as<ReadyEvent>()) {
    session_id_ = ready->session_id;
    resume_url_ = ready->resume_gateway_url;
  }
}

Actions Protocol::on_timer(std::int64_t now_ns) {
  Actions out;
  on_timer(now_ns, out);
  return out;
}

void Protocol::on_timer(std::int64_t now_ns, Actions& out) {
  if (hello_deadline_ns_ && now_ns >= *hello_deadline_ns_) {
    hello_deadline_ns_.reset();
    out.push_back(
        Reconnect{true, options_.resumable_close_code, "no HELLO from the gateway", 0, true});
    return;
  }
  if (next_beat_ns_ && now_ns >= *next_beat_ns_) {
    if (awaiting_ack_) {
      // No ACK between two beats: a zombie connection. Terminate it at once (nothing it says
      // can be trusted, and waiting for its close frame could take as long as the write
      // timeout), with a code other than 1000/1001, and resume.
      next_beat_ns_.reset();
      out.push_back(Reconnect{true, options_.resumable_close_code,
                              "no heartbeat ACK since the last beat (zombie connection)", 0, true});
      return;
    }
    send_heartbeat(now_ns, out);
    // The schedule does not drift with the loop's lateness: beats stay interval apart from the
    // first (a replay of the recorded times then fires them where live did). Late by more than
    // an interval (a handler that held the loop), it starts again from now.
    next_beat_ns_ = *next_beat_ns_ + interval_ns_;
    if (*next_beat_ns_ <= now_ns) next_beat_ns_ = now_ns + interval_ns_;
  }
  if (identify_at_ns_ && now_ns >= *identify_at_ns_) {
    if (identify_awaits_turn_) {
      identify_at_ns_.reset();
      schedule_identify(now_ns, out);
    } else {
      send_identify(now_ns, out);
    }
  }
  // The bot's commands: once the session is up, each in its send slot, in order.
  while (phase_ == Phase::kActive && !outbox_.empty() &&
         send_limiter_.next_slot(now_ns, false) <= now_ns) {
    std::string frame = std::move(outbox_.front());
    outbox_.pop_front();
    send_limiter_.record(now_ns);
    out.push_back(SendCommand{Command::kUser, std::move(frame), {}});
  }
}

Actions Protocol::on_too_large(const Error& error, std::int64_t now_ns) {
  Actions out = one(ProtocolError{error});
  if (session_id_.empty() && ++too_large_without_session_ >= 2) {
    end_timers();
    phase_ = Phase::kFatallyClosed;
    out.push_back(FatalClose{1009,
                             "a message above the cap before READY, twice in a row (" +
                                 error.message +
                                 "): every identify would be sent the same; raise the cap "
                                 "(record --max-message-bytes)",
                             Errc::kTooLarge});
    return out;
  }
  const bool again = too_large_at_ && *too_large_at_ == seq_.get() && !session_id_.empty();
  too_large_at_ = seq_.get();
  if (again) {
    const std::string seq = seq_.get() ? std::to_string(*seq_.get()) : "none";
    out.push_back(ProtocolError{make_error(
        Errc::kTooLarge, "gateway: a message above the cap again after sequence " + seq +
                             " on resuming: the session is given up (what it had still to "
                             "send is lost); identifying anew")});
    forget_session();
    too_large_at_.reset();
  }
  // The timers end; a resume if the session is still there.
  for (Action& a : on_closed(0, now_ns)) out.push_back(std::move(a));
  return out;
}

void Protocol::end_timers() {
  next_beat_ns_.reset();
  hello_deadline_ns_.reset();
  identify_at_ns_.reset();
  awaiting_ack_ = false;
}

Actions Protocol::on_closed(std::uint16_t code, std::int64_t now_ns) {
  end_timers();
  const std::string reason =
      "closed: " + std::to_string(code) + " " + std::string(close_code_meaning(code));
  if (is_fatal_close(code)) {
    phase_ = Phase::kFatallyClosed;
    forget_session();
    return one(FatalClose{code, std::string(close_code_meaning(code))});
  }
  phase_ = Phase::kDisconnected;
  // 4007 and 4009 say the session is gone; a server's 1000 or 1001 ends it just as ours does
  // (Discord: such a close invalidates the session), so the next connection identifies.
  if (code == 4007 || code == 4009 || code == 1000 || code == 1001) {
    forget_session();
    return one(Reconnect{false, 0, reason, 0});
  }
  return one(Reconnect{can_resume(now_ns), 0, reason, 0});
}

}  // namespace gwtape::gateway
