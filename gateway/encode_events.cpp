// Canonical JSON writers for the dispatch event structs (gwtape/gateway/events.h), and for an
// Event's payload. Field names are Discord's wire names, in struct declaration order: a
// derived event writes its base's fields first, then its own.
#include <variant>

#include "encode_model.h"

namespace gwtape::gateway::detail {

// Events that are a model struct with nothing added write exactly as their base.
#define GWTAPE_WRITE_AS(T, Base) \
  void write_json(JsonWriter& w, const T& v) { write_json(w, static_cast<const Base&>(v)); }
GWTAPE_WRITE_AS(ChannelCreateEvent, Channel)
GWTAPE_WRITE_AS(ChannelUpdateEvent, Channel)
GWTAPE_WRITE_AS(ChannelDeleteEvent, Channel)
GWTAPE_WRITE_AS(ThreadUpdateEvent, Channel)
GWTAPE_WRITE_AS(ThreadDeleteEvent, Channel)
GWTAPE_WRITE_AS(GuildCreateEvent, Guild)
GWTAPE_WRITE_AS(GuildUpdateEvent, Guild)
GWTAPE_WRITE_AS(GuildDeleteEvent, UnavailableGuild)
GWTAPE_WRITE_AS(GuildBanRemoveEvent, GuildBanAddEvent)
GWTAPE_WRITE_AS(GuildRoleUpdateEvent, GuildRoleCreateEvent)
GWTAPE_WRITE_AS(MessageCreateEvent, Message)
GWTAPE_WRITE_AS(MessageUpdateEvent, Message)
GWTAPE_WRITE_AS(MessageReactionRemoveEvent, MessageReactionAddEvent)
GWTAPE_WRITE_AS(PresenceUpdateEvent, Presence)
GWTAPE_WRITE_AS(UserUpdateEvent, User)
GWTAPE_WRITE_AS(VoiceStateUpdateEvent, VoiceState)
#undef GWTAPE_WRITE_AS

void write_json(JsonWriter& w, const ThreadCreateEvent& v) {
  w.begin_object();
  write_channel_fields(w, v);
  write_field(w, "newly_created", v.newly_created);
  w.end_object();
}

void write_json(JsonWriter& w, const ReadyEvent& v) {
  w.begin_object();
  write_field(w, "v", v.v);
  write_field(w, "user", v.user);
  write_field(w, "guilds", v.guilds);
  write_field(w, "private_channels", v.private_channels);
  write_field(w, "session_id", v.session_id);
  write_field(w, "resume_gateway_url", v.resume_gateway_url);
  write_field(w, "shard", v.shard);
  w.key("application").begin_object();  // as the decoder reads application_id
  write_field(w, "id", v.application_id);
  w.end_object();
  w.end_object();
}

void write_json(JsonWriter& w, const ResumedEvent&) { w.begin_object().end_object(); }

void write_json(JsonWriter& w, const RateLimitedEvent& v) {
  w.begin_object();
  write_field(w, "opcode", v.opcode);
  write_field(w, "retry_after", v.retry_after);
  w.key("meta");
  write_raw_json(w, v.meta);
  w.end_object();
}

void write_json(JsonWriter& w, const ChannelPinsUpdateEvent& v) {
  w.begin_object();
  write_field(w, "guild_id", v.guild_id);
  write_field(w, "channel_id", v.channel_id);
  write_field(w, "last_pin_timestamp", v.last_pin_timestamp);
  w.end_object();
}

void write_json(JsonWriter& w, const ThreadListSyncEvent& v) {
  w.begin_object();
  write_field(w, "guild_id", v.guild_id);
  write_field(w, "channel_ids", v.channel_ids);
  write_field(w, "threads", v.threads);
  write_field(w, "members", v.members);
  w.end_object();
}

void write_json(JsonWriter& w, const ThreadMemberUpdateEvent& v) {
  w.begin_object();
  write_field(w, "id", v.id);
  write_field(w, "user_id", v.user_id);
  write_field(w, "join_timestamp", v.join_timestamp);
  write_field(w, "flags", v.flags);
  write_field(w, "guild_id", v.guild_id);
  w.end_object();
}

void write_json(JsonWriter& w, const ThreadMembersUpdateEvent& v) {
  w.begin_object();
  write_field(w, "id", v.id);
  write_field(w, "guild_id", v.guild_id);
  write_field(w, "member_count", v.member_count);
  write_field(w, "added_members", v.added_members);
  write_field(w, "removed_member_ids", v.removed_member_ids);
  w.end_object();
}

void write_json(JsonWriter& w, const GuildBanAddEvent& v) {
  w.begin_object();
  write_field(w, "guild_id", v.guild_id);
  write_field(w, "user", v.user);
  w.end_object();
}

void write_json(JsonWriter& w, const GuildEmojisUpdateEvent& v) {
  w.begin_object();
  write_field(w, "guild_id", v.guild_id);
  write_field(w, "emojis", v.emojis);
  w.end_object();
}

void write_json(JsonWriter& w, const GuildStickersUpdateEvent& v) {
  w.begin_object();
  write_field(w, "guild_id", v.guild_id);
  write_field(w, "stickers", v.stickers);
  w.end_object();
}

void write_json(JsonWriter& w, const GuildIntegrationsUpdateEvent& v) {
  w.begin_object();
  write_field(w, "guild_id", v.guild_id);
  w.end_object();
}

void write_json(JsonWriter& w, const GuildMemberAddEvent& v) {
  w.begin_object();
  write_member_fields(w, v);
  write_field(w, "guild_id", v.guild_id);
  w.end_object();
}

void write_json(JsonWriter& w, const GuildMemberUpdateEvent& v) {
  w.begin_object();
  write_member_fields(w, v);
  write_field(w, "guild_id", v.guild_id);
  w.end_object();
}

void write_json(JsonWriter& w, const GuildMemberRemoveEvent& v) {
  w.begin_object();
  write_field(w, "guild_id", v.guild_id);
  write_field(w, "user", v.user);
  w.end_object();
}

void write_json(JsonWriter& w, const GuildMembersChunkEvent& v) {
  w.begin_object();
  write_field(w, "guild_id", v.guild_id);
  write_field(w, "members", v.members);
  write_field(w, "chunk_index", v.chunk_index);
  write_field(w, "chunk_count", v.chunk_count);
  write_field(w, "not_found", v.not_found);
  write_field(w, "presences", v.presences);
  write_field(w, "nonce", v.nonce);
  w.end_object();
}

void write_json(JsonWriter& w, const GuildRoleCreateEvent& v) {
  w.begin_object();
  write_field(w, "guild_id", v.guild_id);
  write_field(w, "role", v.role);
  w.end_object();
}

void write_json(JsonWriter& w, const GuildRoleDeleteEvent& v) {
  w.begin_object();
  write_field(w, "guild_id", v.guild_id);
  write_field(w, "role_id", v.role_id);
  w.end_object();
}

void write_json(JsonWriter& w, const MessageDeleteEvent& v) {
  w.begin_object();
  write_field(w, "id", v.id);
  write_field(w, "channel_id", v.channel_id);
  write_field(w, "guild_id", v.guild_id);
  w.end_object();
}

void write_json(JsonWriter& w, const MessageDeleteBulkEvent& v) {
  w.begin_object();
  write_field(w, "ids", v.ids);
  write_field(w, "channel_id", v.channel_id);
  write_field(w, "guild_id", v.guild_id);
  w.end_object();
}

void write_json(JsonWriter& w, const MessageReactionAddEvent& v) {
  w.begin_object();
  write_field(w, "user_id", v.user_id);
  write_field(w, "channel_id", v.channel_id);
  write_field(w, "message_id", v.message_id);
  write_field(w, "guild_id", v.guild_id);
  write_field(w, "member", v.member);
  write_field(w, "emoji", v.emoji);
  write_field(w, "message_author_id", v.message_author_id);
  write_field(w, "burst", v.burst);
  write_field(w, "type", v.type);
  w.end_object();
}

void write_json(JsonWriter& w, const MessageReactionRemoveAllEvent& v) {
  w.begin_object();
  write_field(w, "channel_id", v.channel_id);
  write_field(w, "message_id", v.message_id);
  write_field(w, "guild_id", v.guild_id);
  w.end_object();
}

void write_json(JsonWriter& w, const MessageReactionRemoveEmojiEvent& v) {
  w.begin_object();
  write_field(w, "channel_id", v.channel_id);
  write_field(w, "message_id", v.message_id);
  write_field(w, "guild_id", v.guild_id);
  write_field(w, "emoji", v.emoji);
  w.end_object();
}

void write_json(JsonWriter& w, const TypingStartEvent& v) {
  w.begin_object();
  write_field(w, "channel_id", v.channel_id);
  write_field(w, "guild_id", v.guild_id);
  write_field(w, "user_id", v.user_id);
  write_field(w, "timestamp", v.timestamp);
  write_field(w, "member", v.member);
  w.end_object();
}

void write_json(JsonWriter& w, const VoiceServerUpdateEvent& v) {
  w.begin_object();
  write_field(w, "token", v.token);
  write_field(w, "guild_id", v.guild_id);
  write_field(w, "endpoint", v.endpoint);
  w.end_object();
}

void write_json(JsonWriter& w, const WebhooksUpdateEvent& v) {
  w.begin_object();
  write_field(w, "guild_id", v.guild_id);
  write_field(w, "channel_id", v.channel_id);
  w.end_object();
}

void write_json(JsonWriter& w, const InteractionCreateEvent& v) {
  w.begin_object();
  write_field(w, "id", v.id);
  write_field(w, "application_id", v.application_id);
  write_field(w, "type", v.type);
  write_field(w, "guild_id", v.guild_id);
  write_field(w, "channel_id", v.channel_id);
  write_field(w, "member", v.member);
  write_field(w, "user", v.user);
  write_field(w, "token", v.token);
  write_field(w, "version", v.version);
  w.key("data");
  write_raw_json(w, v.data);
  write_field(w, "locale", v.locale);
  write_field(w, "guild_locale", v.guild_locale);
  w.end_object();
}

void write_json(JsonWriter& w, const InviteCreateEvent& v) {
  w.begin_object();
  write_field(w, "channel_id", v.channel_id);
  write_field(w, "code", v.code);
  write_field(w, "created_at", v.created_at);
  write_field(w, "guild_id", v.guild_id);
  write_field(w, "inviter", v.inviter);
  write_field(w, "max_age", v.max_age);
  write_field(w, "max_uses", v.max_uses);
  write_field(w, "temporary", v.temporary);
  write_field(w, "uses", v.uses);
  w.end_object();
}

void write_json(JsonWriter& w, const InviteDeleteEvent& v) {
  w.begin_object();
  write_field(w, "channel_id", v.channel_id);
  write_field(w, "guild_id", v.guild_id);
  write_field(w, "code", v.code);
  w.end_object();
}

void write_json(JsonWriter& w, const HelloEvent& v) {
  w.begin_object();
  write_field(w, "heartbeat_interval", v.heartbeat_interval);
  w.end_object();
}

void write_json(JsonWriter& w, const RawEvent& v) { w.raw(v.d.empty() ? "null" : v.d); }

void write_json(JsonWriter& w, const Event& v) {
  std::visit([&w](const auto& payload) { write_json(w, payload); }, v.payload);
}

}  // namespace gwtape::gateway::detail
