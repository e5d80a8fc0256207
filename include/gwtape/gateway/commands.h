// gwtape/gateway/commands.h — the payloads a client sends (Identify, Heartbeat, Resume, ...).
//
// Each `encode(...)` returns the whole frame text, {"op":N,"d":{...}}, with JSON escaping of
// every control character, quote and backslash (non-ASCII kept as UTF-8). A frame over
// Discord's limit of 4096 bytes is refused with Errc::kTooLarge before anything is sent (the
// gateway would close with 4002). Strings must be valid UTF-8: invalid bytes give
// Errc::kInvalidArgument naming the field, rather than a frame Discord would reject.
//
// Thread-safety: pure functions. Lifetimes: results own their text.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gwtape/gateway/errors.h"
#include "gwtape/gateway/model.h"
#include "gwtape/gateway/secret.h"

namespace gwtape::gateway {

inline constexpr std::size_t kMaxPayloadBytes = 4096;

// Gateway intents (bit positions from the v10 documentation).
namespace intents {
inline constexpr std::uint64_t kGuilds = 1 << 0;
inline constexpr std::uint64_t kGuildMembers = 1 << 1;  // privileged
inline constexpr std::uint64_t kGuildModeration = 1 << 2;
inline constexpr std::uint64_t kGuildExpressions = 1 << 3;
inline constexpr std::uint64_t kGuildIntegrations = 1 << 4;
inline constexpr std::uint64_t kGuildWebhooks = 1 << 5;
inline constexpr std::uint64_t kGuildInvites = 1 << 6;
inline constexpr std::uint64_t kGuildVoiceStates = 1 << 7;
inline constexpr std::uint64_t kGuildPresences = 1 << 8;  // privileged
inline constexpr std::uint64_t kGuildMessages = 1 << 9;
inline constexpr std::uint64_t kGuildMessageReactions = 1 << 10;
inline constexpr std::uint64_t kGuildMessageTyping = 1 << 11;
inline constexpr std::uint64_t kDirectMessages = 1 << 12;
inline constexpr std::uint64_t kDirectMessageReactions = 1 << 13;
inline constexpr std::uint64_t kDirectMessageTyping = 1 << 14;
inline constexpr std::uint64_t kMessageContent = 1 << 15;  // privileged
inline constexpr std::uint64_t kGuildScheduledEvents = 1 << 16;
inline constexpr std::uint64_t kAutoModerationConfiguration = 1 << 20;
inline constexpr std::uint64_t kAutoModerationExecution = 1 << 21;
inline constexpr std::uint64_t kGuildMessagePolls = 1 << 24;
inline constexpr std::uint64_t kDirectMessagePolls = 1 << 25;
// Every documented bit; Discord closes with 4013 for others.
inline constexpr std::uint64_t kAll = 0x1ffff | (1 << 20) | (1 << 21) | (1 << 24) | (1 << 25);
inline constexpr std::uint64_t kPrivileged = kGuildMembers | kGuildPresences | kMessageContent;
}  // namespace intents

struct IdentifyProperties {
  std::string os = "linux";
  std::string browser = "gwtape";
  std::string device = "gwtape";
};

struct UpdatePresenceData {
  std::optional<std::int64_t> since;  // Unix ms when idle, or null
  std::vector<Activity> activities;
  std::string status = "online";  // online, dnd, idle, invisible, offline
  bool afk = false;
};

struct IdentifyData {
  Secret token;  // kept out of core dumps (secret.h); assign it from any string
  IdentifyProperties properties;
  std::uint64_t intents = 0;  // required since v8
  // (No payload compression: identify says "compress": false; use transport compression.)
  std::int32_t large_threshold = 50;                 // 50-250
  std::optional<std::array<std::int32_t, 2>> shard;  // [shard_id, num_shards]
  std::optional<UpdatePresenceData> presence;
};

struct ResumeData {
  Secret token;
  std::string session_id;
  std::int64_t seq = 0;
};

struct UpdateVoiceStateData {
  Snowflake guild_id;
  std::optional<Snowflake> channel_id;  // nullopt: leave voice
  bool self_mute = false;
  bool self_deaf = false;
};

struct RequestGuildMembersData {
  Snowflake guild_id;
  std::optional<std::string> query;  // with limit; or user_ids
  std::int32_t limit = 0;
  bool presences = false;
  std::vector<Snowflake> user_ids;
  std::optional<std::string> nonce;  // up to 32 bytes
};

struct RequestSoundboardSoundsData {
  std::vector<Snowflake> guild_ids;
};

// Undocumented op 14, sent by the seed.
struct GuildSubscribeData {
  Snowflake guild_id;
  bool typing = false;
  bool activities = false;
};

struct RequestChannelInfoData {
  Snowflake guild_id;
  std::vector<std::string> fields;  // e.g. "status", "voice_start_time"
};

// op 1; d is the last sequence number received, or null before any.
Result<std::string> encode_heartbeat(std::optional<std::int64_t> last_seq);
Result<std::string> encode(const IdentifyData& data);          // op 2
Result<std::string> encode(const UpdatePresenceData& data);    // op 3
Result<std::string> encode(const UpdateVoiceStateData& data);  // op 4
Result<std::string> encode(const ResumeData& data);            // op 6
// Identify and resume as the client sends them: the same bytes as encode(), in a Secret, the
// token never copied to ordinary memory on the way (encode() returns it in a std::string).
Result<Secret> encode_sealed(const IdentifyData& data);
Result<Secret> encode_sealed(const ResumeData& data);
Result<std::string> encode(const RequestGuildMembersData& data);      // op 8
Result<std::string> encode(const GuildSubscribeData& data);           // op 14
Result<std::string> encode(const RequestSoundboardSoundsData& data);  // op 31
Result<std::string> encode(const RequestChannelInfoData& data);       // op 43

// {"op":op,"d":<d_json>} for an opcode without a typed payload; d_json must be valid JSON.
Result<std::string> encode_raw(int op, std::string_view d_json);

}  // namespace gwtape::gateway
