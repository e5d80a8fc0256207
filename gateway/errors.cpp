#include "gwtape/gateway/errors.h"

#include "gwtape/gateway/opcode.h"

namespace gwtape::gateway {

std::string_view errc_name(Errc code) {
  switch (code) {
    case Errc::kParse:
      return "parse error";
    case Errc::kType:
      return "wrong JSON type";
    case Errc::kMissingField:
      return "missing field";
    case Errc::kOutOfRange:
      return "number out of range";
    case Errc::kTooLarge:
      return "too large";
    case Errc::kMissingForResume:
      return "missing session ID or sequence for resuming";
    case Errc::kMaxTries:
      return "max tries reached";
    case Errc::kDead:
      return "no heartbeat replied";
    case Errc::kInvalidSession:
      return "invalid session";
    case Errc::kFatalClose:
      return "gateway closed the session for good";
    case Errc::kTransport:
      return "transport error";
    case Errc::kTimeout:
      return "timed out";
    case Errc::kClosed:
      return "closed";
    case Errc::kInvalidArgument:
      return "invalid argument";
    case Errc::kInterrupted:
      return "interrupted";
    case Errc::kRateLimited:
      return "rate limited";
  }
  return "unknown error";
}

std::string_view opcode_name(OpCode op) {
  switch (op) {
    case OpCode::kDispatch:
      return "DISPATCH";
    case OpCode::kHeartbeat:
      return "HEARTBEAT";
    case OpCode::kIdentify:
      return "IDENTIFY";
    case OpCode::kPresenceUpdate:
      return "PRESENCE_UPDATE";
    case OpCode::kVoiceStateUpdate:
      return "VOICE_STATE_UPDATE";
    case OpCode::kResume:
      return "RESUME";
    case OpCode::kReconnect:
      return "RECONNECT";
    case OpCode::kRequestGuildMembers:
      return "REQUEST_GUILD_MEMBERS";
    case OpCode::kInvalidSession:
      return "INVALID_SESSION";
    case OpCode::kHello:
      return "HELLO";
    case OpCode::kHeartbeatAck:
      return "HEARTBEAT_ACK";
    case OpCode::kGuildSubscribe:
      return "GUILD_SUBSCRIBE";
    case OpCode::kRequestSoundboardSounds:
      return "REQUEST_SOUNDBOARD_SOUNDS";
    case OpCode::kRequestChannelInfo:
      return "REQUEST_CHANNEL_INFO";
  }
  return "UNKNOWN";
}

bool is_known(OpCode op) { return opcode_name(op) != "UNKNOWN"; }

}  // namespace gwtape::gateway
