// gwtape/gateway/opcode.h — gateway opcodes of API v10.
//
// `OpCode` names every documented v10 opcode plus 14 (guild subscriptions, undocumented, sent
// by the seed). It is an `enum class` over uint8_t so that any value that arrives, known or
// not, is carried as is: an unknown opcode is never rejected by the parser.
//
// Thread-safety: plain values. Lifetimes: `opcode_name` returns static strings.
#pragma once

#include <cstdint>
#include <string_view>

namespace gwtape::gateway {

enum class OpCode : std::uint8_t {
  kDispatch = 0,                  // recv
  kHeartbeat = 1,                 // both ways
  kIdentify = 2,                  // send
  kPresenceUpdate = 3,            // send
  kVoiceStateUpdate = 4,          // send
  kResume = 6,                    // send
  kReconnect = 7,                 // recv
  kRequestGuildMembers = 8,       // send
  kInvalidSession = 9,            // recv
  kHello = 10,                    // recv
  kHeartbeatAck = 11,             // recv
  kGuildSubscribe = 14,           // send; undocumented, from the seed
  kRequestSoundboardSounds = 31,  // send
  kRequestChannelInfo = 43,       // send; answered by a CHANNEL_INFO dispatch
};

// "DISPATCH", "HEARTBEAT", ...; "UNKNOWN" for a value not listed above.
std::string_view opcode_name(OpCode op);

// True for the values listed in OpCode.
bool is_known(OpCode op);

}  // namespace gwtape::gateway
