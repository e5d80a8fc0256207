#include "gwtape/gateway/protocol.h"

#include <string>

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

void Protocol::on_connected(std::int64_t now_ns) {
  (void)now_ns;
  phase_ = Phase::kWaitingHello;
  next_beat_ns_.reset();
  awaiting_ack_ = false;
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

void Protocol::on_heartbeat_sent(std::int64_t now_ns) {
  awaiting_ack_ = true;
  if (interval_ns_ > 0) next_beat_ns_ = now_ns + interval_ns_;
}

Actions Protocol::handle_op(std::string_view frame, std::int64_t now_ns, Random& random,
                            std::size_t capacity) {
  Actions out;
  handle_op(frame, now_ns, random, capacity, out);
  return out;
}

void Protocol::handle_op(std::string_view frame, std::int64_t now_ns, Random& random,
                         std::size_t capacity, Actions& out) {
  out.clear();
  // A dispatch is decoded straight into the action that will deliver it; dropped otherwise.
  bool decoded = false;
  auto env = envelopes_.parse(
      frame, capacity,
      std::get<DeliverEvent>(out.emplace_back(std::in_place_type<DeliverEvent>)).event, decoded);
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
      out.push_back(SendCommand{Command::kHeartbeat});
      return;
    case OpCode::kReconnect:
      out.push_back(
          Reconnect{true, options_.resumable_close_code, "gateway asked to reconnect (op 7)", 0});
      return;
    case OpCode::kInvalidSession:
      out = on_invalid_session(*env, random);
      return;
    case OpCode::kHello:
      out = on_hello(*env, now_ns, random);
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

Actions Protocol::on_hello(const Envelope& env, std::int64_t now_ns, Random& random) {
  const std::size_t room = env.capacity - static_cast<std::size_t>(env.d.data() - env.text.data());
  auto hello = env.d.empty()
                   ? Result<HelloEvent>(make_error(Errc::kMissingField, "HELLO without d"))
                   : decoder_.decode_hello(env.d, room);
  if (!hello.ok()) {
    Actions out = one(ProtocolError{hello.error()});
    out.push_back(Reconnect{true, options_.resumable_close_code, hello.error().message, 0});
    return out;
  }
  interval_ns_ = hello->heartbeat_interval * kMsToNs;
  // First beat after interval * jitter, jitter in [0, 1): spreads reconnecting clients.
  next_beat_ns_ =
      now_ns + static_cast<std::int64_t>(static_cast<double>(interval_ns_) * random.uniform01());
  awaiting_ack_ = false;
  if (!last_ack_ns_) last_ack_ns_ = now_ns;
  if (can_resume(now_ns)) {
    phase_ = Phase::kResuming;
    return one(SendCommand{Command::kResume});
  }
  forget_session();
  phase_ = Phase::kIdentifying;
  return one(SendCommand{Command::kIdentify});
}

Actions Protocol::on_invalid_session(const Envelope& env, Random& random) {
  const bool resumable = env.d == "true";
  if (resumable && !session_id_.empty() && seq_.get()) {
    return one(Reconnect{true, options_.resumable_close_code, "invalid session (resumable)", 0});
  }
  forget_session();
  // Wait 1-5 s before identifying again, as the documentation asks.
  const auto delay =
      1'000 * kMsToNs + static_cast<std::int64_t>(4'000.0 * random.uniform01()) * kMsToNs;
  return one(Reconnect{false, 1000, "invalid session (not resumable)", delay});
}

Actions Protocol::handle_event(const Envelope& env, std::int64_t now_ns) {
  (void)now_ns;
  Actions out;
  out.emplace_back(std::in_place_type<DeliverEvent>);
  dispatch(env, false, out);
  return out;
}

void Protocol::dispatch(const Envelope& env, bool decoded, Actions& out) {
  // out.back() is the DeliverEvent to fill; its event is already decoded when `decoded`.
  std::int64_t s = 0;
  if (env.s) {
    s = *env.s;
    switch (seq_.observe(s)) {
      case Sequence::Order::kDuplicate:
        ++duplicates_;  // replayed by a resume: delivered once already
        out.pop_back();
        return;
      case Sequence::Order::kGap:
        ++gaps_;
        break;
      case Sequence::Order::kNext:
        break;
    }
    seq_.set(s);
  }
  if (decoded) {
    ++one_pass_;
  } else {
    ++two_pass_;
    const std::size_t room =
        env.capacity - static_cast<std::size_t>(env.d.data() - env.text.data());
    auto event = decoder_.decode(env.t, env.d, room);
    if (!event.ok()) {
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
    phase_ = Phase::kActive;
  } else if (deliver.event.type == EventType::kResumed) {
    phase_ = Phase::kActive;
  }
}

Actions Protocol::on_timer(std::int64_t now_ns) {
  if (!next_beat_ns_ || now_ns < *next_beat_ns_) return {};
  if (awaiting_ack_) {
    // No ACK between two beats: a zombie connection. Close non-1000 and resume.
    next_beat_ns_.reset();
    return one(Reconnect{true, options_.resumable_close_code,
                         "no heartbeat ACK since the last beat (zombie connection)", 0});
  }
  return one(SendCommand{Command::kHeartbeat});
}

Actions Protocol::on_closed(std::uint16_t code, std::int64_t now_ns) {
  next_beat_ns_.reset();
  awaiting_ack_ = false;
  const std::string reason =
      "closed: " + std::to_string(code) + " " + std::string(close_code_meaning(code));
  if (is_fatal_close(code)) {
    phase_ = Phase::kFatallyClosed;
    forget_session();
    return one(FatalClose{code, std::string(close_code_meaning(code))});
  }
  phase_ = Phase::kDisconnected;
  if (code == 4007 || code == 4009) {
    forget_session();
    return one(Reconnect{false, 0, reason, 0});
  }
  return one(Reconnect{can_resume(now_ns), 0, reason, 0});
}

}  // namespace gwtape::gateway
