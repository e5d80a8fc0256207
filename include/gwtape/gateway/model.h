// gwtape/gateway/model.h — the Discord objects a cache or a bot reads, as plain values.
//
// Each type holds the fields a cache needs, not every field Discord sends: unknown fields are
// skipped by the decoders, missing and null ones leave the default (0, empty, nullopt), so a
// payload from a newer API version still decodes. Ids are Snowflakes, instants Timestamps.
// `std::optional` marks fields whose absence means "unchanged" in a partial update (for
// example a member's nick on GUILD_MEMBER_UPDATE) or where null differs from empty.
//
// Thread-safety: plain values. Lifetimes: every string is owned; nothing points into a frame.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gwtape/gateway/snowflake.h"

namespace gwtape::gateway {

struct User {
  Snowflake id;
  std::string username;
  std::optional<std::string> global_name;
  std::optional<std::string> avatar;
  std::string discriminator;
  bool bot = false;
  bool system = false;
  std::uint64_t public_flags = 0;
};

struct Role {
  Snowflake id;
  std::string name;
  std::uint32_t color = 0;
  bool hoist = false;
  std::int32_t position = 0;
  std::string permissions;  // a decimal bit set, kept as text: it outgrows 64 bits
  bool managed = false;
  bool mentionable = false;
};

struct Member {
  std::optional<User> user;  // absent in MESSAGE_CREATE's member
  std::optional<std::string> nick;
  std::optional<std::string> avatar;
  std::vector<Snowflake> roles;
  Timestamp joined_at;
  Timestamp premium_since;
  bool deaf = false;
  bool mute = false;
  bool pending = false;
  Timestamp communication_disabled_until;
};

struct Emoji {
  Snowflake id;  // 0 for a unicode emoji
  std::string name;
  std::vector<Snowflake> roles;
  bool animated = false;
  bool managed = false;
  bool available = true;
};

struct Sticker {
  Snowflake id;
  std::string name;
  std::string tags;
  std::int32_t format_type = 0;
};

struct PermissionOverwrite {
  Snowflake id;
  std::int32_t type = 0;  // 0 role, 1 member
  std::string allow;
  std::string deny;
};

struct ThreadMetadata {
  bool archived = false;
  bool locked = false;
  std::int32_t auto_archive_duration = 0;
  Timestamp archive_timestamp;
};

// A guild channel, a DM, or a thread (threads are channels with a parent and metadata).
struct Channel {
  Snowflake id;
  std::int32_t type = 0;
  Snowflake guild_id;
  std::optional<std::string> name;
  std::optional<std::string> topic;
  std::int32_t position = 0;
  bool nsfw = false;
  Snowflake parent_id;
  Snowflake owner_id;
  Snowflake last_message_id;
  std::int32_t rate_limit_per_user = 0;
  std::int32_t bitrate = 0;
  std::int32_t user_limit = 0;
  std::vector<PermissionOverwrite> permission_overwrites;
  std::vector<User> recipients;  // DMs
  std::optional<ThreadMetadata> thread_metadata;
  std::int32_t message_count = 0;
  std::int32_t member_count = 0;
  Timestamp last_pin_timestamp;
};

struct Activity {
  std::string name;
  std::int32_t type = 0;
  std::optional<std::string> state;
  std::optional<std::string> url;
};

struct Presence {
  Snowflake user_id;  // from "user": {"id": ...}
  Snowflake guild_id;
  std::string status;  // online, idle, dnd, offline
  std::vector<Activity> activities;
  std::optional<std::string> client_desktop;
  std::optional<std::string> client_mobile;
  std::optional<std::string> client_web;
};

struct VoiceState {
  Snowflake guild_id;
  Snowflake channel_id;  // 0: left voice
  Snowflake user_id;
  std::optional<Member> member;
  std::string session_id;
  bool deaf = false;
  bool mute = false;
  bool self_deaf = false;
  bool self_mute = false;
  bool self_stream = false;
  bool self_video = false;
  bool suppress = false;
  Timestamp request_to_speak_timestamp;
};

struct Attachment {
  Snowflake id;
  std::string filename;
  std::uint64_t size = 0;
  std::string url;
  std::optional<std::string> content_type;
};

struct Reaction {
  std::uint32_t count = 0;
  bool me = false;
  Emoji emoji;
};

struct Message {
  Snowflake id;
  Snowflake channel_id;
  Snowflake guild_id;  // 0 in DMs
  User author;
  std::optional<Member> member;
  std::string content;
  Timestamp timestamp;
  Timestamp edited_timestamp;
  bool tts = false;
  bool mention_everyone = false;
  std::vector<User> mentions;
  std::vector<Snowflake> mention_roles;
  std::vector<Attachment> attachments;
  std::uint32_t embeds = 0;  // how many; embeds are not modelled (JSON: "embeds_count")
  std::vector<Reaction> reactions;
  std::optional<std::string> nonce;  // a string or an integer on the wire; kept as text
  bool pinned = false;
  Snowflake webhook_id;
  std::int32_t type = 0;
  std::uint64_t flags = 0;
  Snowflake referenced_message_id;  // message_reference.message_id
};

struct UnavailableGuild {
  Snowflake id;
  bool unavailable = false;
};

struct Guild {
  Snowflake id;
  std::string name;
  std::optional<std::string> icon;
  Snowflake owner_id;
  std::vector<Role> roles;
  std::vector<Emoji> emojis;
  std::vector<Sticker> stickers;
  std::vector<std::string> features;
  std::string preferred_locale;
  std::uint64_t premium_tier = 0;
  std::uint64_t verification_level = 0;
  bool unavailable = false;
  // GUILD_CREATE only:
  Timestamp joined_at;
  bool large = false;
  std::uint64_t member_count = 0;
  std::vector<Channel> channels;
  std::vector<Channel> threads;
  std::vector<Member> members;
  std::vector<Presence> presences;
  std::vector<VoiceState> voice_states;
};

}  // namespace gwtape::gateway
