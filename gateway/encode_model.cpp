// Canonical JSON writers for the scalars and the model structs (gwtape/gateway/model.h).
// Field names are Discord's wire names, written in struct declaration order.
#include "encode_model.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <memory>

#include "gwtape/gateway/json.h"

namespace gwtape::gateway::detail {

void write_json(JsonWriter& w, Snowflake v) {
  if (!v.valid()) {
    w.null();
    return;
  }
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v.value);
  (void)ec;  // 24 bytes hold any uint64
  w.string(std::string_view(buf, static_cast<std::size_t>(end - buf)));
}

void write_json(JsonWriter& w, Timestamp v) {
  if (!v.valid()) {
    w.null();
    return;
  }
  w.string(v.iso8601());
}

void write_json(JsonWriter& w, const std::string& v) { write_string(w, v); }
void write_json(JsonWriter& w, bool v) { w.boolean(v); }
void write_json(JsonWriter& w, std::int32_t v) { w.integer(v); }
void write_json(JsonWriter& w, std::int64_t v) { w.integer(v); }
void write_json(JsonWriter& w, std::uint32_t v) { w.unsigned_integer(v); }
void write_json(JsonWriter& w, std::uint64_t v) { w.unsigned_integer(v); }

void write_json(JsonWriter& w, double v) {
  if (!std::isfinite(v)) {
    w.null();
    return;
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip form
  (void)ec;  // 32 bytes hold any double's shortest form
  w.raw(std::string_view(buf, static_cast<std::size_t>(end - buf)));
}

void write_string(JsonWriter& w, std::string_view s) {
  if (valid_utf8(s)) {
    w.string(s);
    return;
  }
  // Keep every well-formed sequence; replace each byte that starts none with U+FFFD.
  std::string repaired;
  repaired.reserve(s.size() + 8);
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t len = c < 0x80             ? 1
                            : (c & 0xe0) == 0xc0 ? 2
                            : (c & 0xf0) == 0xe0 ? 3
                            : (c & 0xf8) == 0xf0 ? 4
                                                 : 0;
    if (len != 0 && i + len <= s.size() && valid_utf8(s.substr(i, len))) {
      repaired.append(s.substr(i, len));
      i += len;
    } else {
      repaired.append("\xEF\xBF\xBD");
      ++i;
    }
  }
  w.string(repaired);
}

void write_raw_json(JsonWriter& w, std::string_view raw) {
  if (raw.empty()) {
    w.null();
    return;
  }
  // simdjson's minifier may write whole 64-byte blocks: give it room beyond raw.size().
  auto out = std::make_unique_for_overwrite<char[]>(raw.size() + simdjson::SIMDJSON_PADDING);
  std::size_t out_len = 0;
  if (simdjson::minify(raw.data(), raw.size(), out.get(), out_len) != simdjson::SUCCESS) {
    w.raw(raw);  // unterminated string or the like: outside the REQUIRES; keep the text
    return;
  }
  w.raw(std::string_view(out.get(), out_len));
}

void write_json(JsonWriter& w, const User& v) {
  w.begin_object();
  write_field(w, "id", v.id);
  write_field(w, "username", v.username);
  write_field(w, "global_name", v.global_name);
  write_field(w, "avatar", v.avatar);
  write_field(w, "discriminator", v.discriminator);
  write_field(w, "bot", v.bot);
  write_field(w, "system", v.system);
  write_field(w, "public_flags", v.public_flags);
  w.end_object();
}

void write_json(JsonWriter& w, const Role& v) {
  w.begin_object();
  write_field(w, "id", v.id);
  write_field(w, "name", v.name);
  write_field(w, "color", v.color);
  write_field(w, "hoist", v.hoist);
  write_field(w, "position", v.position);
  write_field(w, "permissions", v.permissions);
  write_field(w, "managed", v.managed);
  write_field(w, "mentionable", v.mentionable);
  w.end_object();
}

void write_member_fields(JsonWriter& w, const Member& v) {
  write_field(w, "user", v.user);
  write_field(w, "nick", v.nick);
  write_field(w, "avatar", v.avatar);
  write_field(w, "roles", v.roles);
  write_field(w, "joined_at", v.joined_at);
  write_field(w, "premium_since", v.premium_since);
  write_field(w, "deaf", v.deaf);
  write_field(w, "mute", v.mute);
  write_field(w, "pending", v.pending);
  write_field(w, "communication_disabled_until", v.communication_disabled_until);
}

void write_json(JsonWriter& w, const Member& v) {
  w.begin_object();
  write_member_fields(w, v);
  w.end_object();
}

void write_json(JsonWriter& w, const Emoji& v) {
  w.begin_object();
  write_field(w, "id", v.id);
  write_field(w, "name", v.name);
  write_field(w, "roles", v.roles);
  write_field(w, "animated", v.animated);
  write_field(w, "managed", v.managed);
  write_field(w, "available", v.available);
  w.end_object();
}

void write_json(JsonWriter& w, const Sticker& v) {
  w.begin_object();
  write_field(w, "id", v.id);
  write_field(w, "name", v.name);
  write_field(w, "tags", v.tags);
  write_field(w, "format_type", v.format_type);
  w.end_object();
}

void write_json(JsonWriter& w, const PermissionOverwrite& v) {
  w.begin_object();
  write_field(w, "id", v.id);
  write_field(w, "type", v.type);
  write_field(w, "allow", v.allow);
  write_field(w, "deny", v.deny);
  w.end_object();
}

void write_json(JsonWriter& w, const ThreadMetadata& v) {
  w.begin_object();
  write_field(w, "archived", v.archived);
  write_field(w, "locked", v.locked);
  write_field(w, "auto_archive_duration", v.auto_archive_duration);
  write_field(w, "archive_timestamp", v.archive_timestamp);
  w.end_object();
}

void write_channel_fields(JsonWriter& w, const Channel& v) {
  write_field(w, "id", v.id);
  write_field(w, "type", v.type);
  write_field(w, "guild_id", v.guild_id);
  write_field(w, "name", v.name);
  write_field(w, "topic", v.topic);
  write_field(w, "position", v.position);
  write_field(w, "nsfw", v.nsfw);
  write_field(w, "parent_id", v.parent_id);
  write_field(w, "owner_id", v.owner_id);
  write_field(w, "last_message_id", v.last_message_id);
  write_field(w, "rate_limit_per_user", v.rate_limit_per_user);
  write_field(w, "bitrate", v.bitrate);
  write_field(w, "user_limit", v.user_limit);
  write_field(w, "permission_overwrites", v.permission_overwrites);
  write_field(w, "recipients", v.recipients);
  write_field(w, "thread_metadata", v.thread_metadata);
  write_field(w, "message_count", v.message_count);
  write_field(w, "member_count", v.member_count);
  write_field(w, "last_pin_timestamp", v.last_pin_timestamp);
}

void write_json(JsonWriter& w, const Channel& v) {
  w.begin_object();
  write_channel_fields(w, v);
  w.end_object();
}

void write_json(JsonWriter& w, const Activity& v) {
  w.begin_object();
  write_field(w, "name", v.name);
  write_field(w, "type", v.type);
  write_field(w, "state", v.state);
  write_field(w, "url", v.url);
  w.end_object();
}

void write_json(JsonWriter& w, const Presence& v) {
  w.begin_object();
  w.key("user").begin_object();  // the decoder reads user_id from "user": {"id": ...}
  write_field(w, "id", v.user_id);
  w.end_object();
  write_field(w, "guild_id", v.guild_id);
  write_field(w, "status", v.status);
  write_field(w, "activities", v.activities);
  w.key("client_status").begin_object();  // and client_* from "client_status": {...}
  write_field(w, "desktop", v.client_desktop);
  write_field(w, "mobile", v.client_mobile);
  write_field(w, "web", v.client_web);
  w.end_object();
  w.end_object();
}

void write_json(JsonWriter& w, const VoiceState& v) {
  w.begin_object();
  write_field(w, "guild_id", v.guild_id);
  write_field(w, "channel_id", v.channel_id);
  write_field(w, "user_id", v.user_id);
  write_field(w, "member", v.member);
  write_field(w, "session_id", v.session_id);
  write_field(w, "deaf", v.deaf);
  write_field(w, "mute", v.mute);
  write_field(w, "self_deaf", v.self_deaf);
  write_field(w, "self_mute", v.self_mute);
  write_field(w, "self_stream", v.self_stream);
  write_field(w, "self_video", v.self_video);
  write_field(w, "suppress", v.suppress);
  write_field(w, "request_to_speak_timestamp", v.request_to_speak_timestamp);
  w.end_object();
}

void write_json(JsonWriter& w, const Attachment& v) {
  w.begin_object();
  write_field(w, "id", v.id);
  write_field(w, "filename", v.filename);
  write_field(w, "size", v.size);
  write_field(w, "url", v.url);
  write_field(w, "content_type", v.content_type);
  w.end_object();
}

void write_json(JsonWriter& w, const Reaction& v) {
  w.begin_object();
  write_field(w, "count", v.count);
  write_field(w, "me", v.me);
  write_field(w, "emoji", v.emoji);
  w.end_object();
}

void write_json(JsonWriter& w, const Message& v) {
  w.begin_object();
  write_field(w, "id", v.id);
  write_field(w, "channel_id", v.channel_id);
  write_field(w, "guild_id", v.guild_id);
  write_field(w, "author", v.author);
  write_field(w, "member", v.member);
  write_field(w, "content", v.content);
  write_field(w, "timestamp", v.timestamp);
  write_field(w, "edited_timestamp", v.edited_timestamp);
  write_field(w, "tts", v.tts);
  write_field(w, "mention_everyone", v.mention_everyone);
  write_field(w, "mentions", v.mentions);
  write_field(w, "mention_roles", v.mention_roles);
  write_field(w, "attachments", v.attachments);
  // Not a wire field: the length of the wire's "embeds" array (the decoder reads both).
  write_field(w, "embeds_count", v.embeds);
  write_field(w, "reactions", v.reactions);
  write_field(w, "nonce", v.nonce);
  write_field(w, "pinned", v.pinned);
  write_field(w, "webhook_id", v.webhook_id);
  write_field(w, "type", v.type);
  write_field(w, "flags", v.flags);
  w.key("message_reference").begin_object();  // as the decoder reads referenced_message_id
  write_field(w, "message_id", v.referenced_message_id);
  w.end_object();
  w.end_object();
}

void write_json(JsonWriter& w, const UnavailableGuild& v) {
  w.begin_object();
  write_field(w, "id", v.id);
  write_field(w, "unavailable", v.unavailable);
  w.end_object();
}

void write_json(JsonWriter& w, const Guild& v) {
  w.begin_object();
  write_field(w, "id", v.id);
  write_field(w, "name", v.name);
  write_field(w, "icon", v.icon);
  write_field(w, "owner_id", v.owner_id);
  write_field(w, "roles", v.roles);
  write_field(w, "emojis", v.emojis);
  write_field(w, "stickers", v.stickers);
  write_field(w, "features", v.features);
  write_field(w, "preferred_locale", v.preferred_locale);
  write_field(w, "premium_tier", v.premium_tier);
  write_field(w, "verification_level", v.verification_level);
  write_field(w, "unavailable", v.unavailable);
  write_field(w, "joined_at", v.joined_at);
  write_field(w, "large", v.large);
  write_field(w, "member_count", v.member_count);
  write_field(w, "channels", v.channels);
  write_field(w, "threads", v.threads);
  write_field(w, "members", v.members);
  write_field(w, "presences", v.presences);
  write_field(w, "voice_states", v.voice_states);
  w.end_object();
}

void write_json(JsonWriter& w, const ThreadMember& v) {
  w.begin_object();
  write_field(w, "id", v.id);
  write_field(w, "user_id", v.user_id);
  write_field(w, "join_timestamp", v.join_timestamp);
  write_field(w, "flags", v.flags);
  w.end_object();
}

}  // namespace gwtape::gateway::detail

namespace gwtape::gateway {
namespace {

template <class T>
std::string encode(const T& v) {
  detail::JsonWriter w;
  detail::write_json(w, v);
  return std::move(w.text());
}

}  // namespace

std::string to_json(const User& user) { return encode(user); }
std::string to_json(const Role& role) { return encode(role); }
std::string to_json(const Member& member) { return encode(member); }
std::string to_json(const Emoji& emoji) { return encode(emoji); }
std::string to_json(const Sticker& sticker) { return encode(sticker); }
std::string to_json(const PermissionOverwrite& overwrite) { return encode(overwrite); }
std::string to_json(const ThreadMetadata& metadata) { return encode(metadata); }
std::string to_json(const Channel& channel) { return encode(channel); }
std::string to_json(const Activity& activity) { return encode(activity); }
std::string to_json(const Presence& presence) { return encode(presence); }
std::string to_json(const VoiceState& voice_state) { return encode(voice_state); }
std::string to_json(const Attachment& attachment) { return encode(attachment); }
std::string to_json(const Reaction& reaction) { return encode(reaction); }
std::string to_json(const Message& message) { return encode(message); }
std::string to_json(const UnavailableGuild& guild) { return encode(guild); }
std::string to_json(const Guild& guild) { return encode(guild); }
std::string to_json(const ThreadMember& thread_member) { return encode(thread_member); }

std::string to_json(const HelloEvent& hello) { return encode(hello); }
std::string to_json(const Event& event) { return encode(event); }
#define GWTAPE_X(e, n, T) \
  std::string to_json(const T& event) { return encode(event); }
GWTAPE_TYPED_EVENTS(GWTAPE_X)
#undef GWTAPE_X

}  // namespace gwtape::gateway
