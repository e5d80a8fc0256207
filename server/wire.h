// server/wire.h — private: what the loopback gateway reads from clients and writes to them.
//
// Pure functions: the query string of the upgrade request, the identify and resume payloads
// (checked the way Discord checks them, each failure mapped to its close code), and the JSON
// text of the server's own messages.
//
// Thread-safety: pure functions. Lifetimes: results own their data.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "gwtape/gateway/compression.h"

namespace gwtape::server::detail {

// Why the server closes a connection: a close code and Discord's reason text.
struct Rejection {
  std::uint16_t code = 0;
  std::string reason;
};
Rejection rejection(std::uint16_t code);  // with Discord's reason text for the code

struct GatewayQuery {
  int version = 10;
  gateway::Compression compression = gateway::Compression::kNone;
};
// "/?v=10&encoding=json&compress=zstd-stream" (any path). v absent or not 9/10: 4012;
// encoding neither absent nor json, compress unknown: 4002.
std::variant<GatewayQuery, Rejection> parse_gateway_query(std::string_view target);

struct IdentifyRequest {
  std::string token;
  std::uint64_t intents = 0;
  std::optional<std::array<std::int64_t, 2>> shard;  // [id, count]
};
struct IdentifyRules {
  std::string_view token;
  bool any_token = false;  // any non-empty token is accepted
  bool allow_privileged = false;
  int min_shards = 0;
};
// The checks of LoopbackGateway's header, in its order (4002, 4004, 4013, 4014, 4010, 4011).
std::variant<IdentifyRequest, Rejection> check_identify(std::string_view d,
                                                        const IdentifyRules& rules);

struct ResumeRequest {
  std::string token;
  std::string session_id;
  std::int64_t seq = 0;
};
// Shape only (4002 for a d that is not {token: string, session_id: string, seq: integer}).
std::variant<ResumeRequest, Rejection> parse_resume(std::string_view d);

// op 1's d: an integer, or nullopt for null or anything else.
std::optional<std::int64_t> parse_heartbeat_seq(std::string_view d);

// s as a JSON string literal, quotes included, escaped.
std::string json_string(std::string_view s);

// The shard a guild belongs to: (id >> 22) % count.
std::int64_t shard_of(std::uint64_t guild_id, std::int64_t count);

}  // namespace gwtape::server::detail
