// The replay benchmark's peer decoder (bench/nlohmann_decode.h): nlohmann::json, D++'s way.
//
// One `read(json, T&)` per scalar and container, mirroring gateway/json_read.h's Reader, and
// one `fields(json, T&)` per struct, reading the keys of the matching fields() overload in
// gateway/decode_model.cpp or gateway/decode_events.cpp with `find`. A wrong type throws
// (nlohmann's own type_error, or BadField for the checks nlohmann does not make); the frame's
// event then fails as a whole, as in EventDecoder.
#include "nlohmann_decode.h"

#include <string>
#include <string_view>

#include "nlohmann_read.h"

namespace gwtape::bench {
namespace nl {

// ---- event structs (gateway/decode_events.cpp) ------------------------------------------
// Events that derive from a model struct with nothing added (ChannelCreateEvent, ...) are
// read by the base's fields() through the derived-to-base conversion, as there.

void fields(const json&, gw::ResumedEvent&) {}

void fields(const json& j, gw::ReadyEvent& out) {
  field(j, "v", out.v);
  field(j, "user", out.user);
  field(j, "guilds", out.guilds);
  field(j, "private_channels", out.private_channels);
  field(j, "session_id", out.session_id);
  field(j, "resume_gateway_url", out.resume_gateway_url);
  field(j, "shard", out.shard);
  gw::UnavailableGuild app;  // {"id": ..., "flags": ...}: only the id is kept
  field(j, "application", app);
  out.application_id = app.id;
}

void fields(const json& j, gw::RateLimitedEvent& out) {
  field(j, "opcode", out.opcode);
  field(j, "retry_after", out.retry_after);
  if (auto it = j.find("meta"); it != j.end()) read_raw(*it, out.meta);
}

void fields(const json& j, gw::ChannelPinsUpdateEvent& out) {
  field(j, "guild_id", out.guild_id);
  field(j, "channel_id", out.channel_id);
  field(j, "last_pin_timestamp", out.last_pin_timestamp);
}

void fields(const json& j, gw::ThreadCreateEvent& out) {
  field(j, "newly_created", out.newly_created);
  fields(j, static_cast<gw::Channel&>(out));
}

void fields(const json& j, gw::ThreadListSyncEvent& out) {
  field(j, "guild_id", out.guild_id);
  field(j, "channel_ids", out.channel_ids);
  field(j, "threads", out.threads);
  field(j, "members", out.members);
}

void fields(const json& j, gw::ThreadMemberUpdateEvent& out) {
  field(j, "guild_id", out.guild_id);
  fields(j, static_cast<gw::ThreadMember&>(out));
}

void fields(const json& j, gw::ThreadMembersUpdateEvent& out) {
  field(j, "id", out.id);
  field(j, "guild_id", out.guild_id);
  field(j, "member_count", out.member_count);
  field(j, "added_members", out.added_members);
  field(j, "removed_member_ids", out.removed_member_ids);
}

void fields(const json& j, gw::GuildBanAddEvent& out) {
  field(j, "guild_id", out.guild_id);
  field(j, "user", out.user);
}

void fields(const json& j, gw::GuildEmojisUpdateEvent& out) {
  field(j, "guild_id", out.guild_id);
  field(j, "emojis", out.emojis);
}

void fields(const json& j, gw::GuildStickersUpdateEvent& out) {
  field(j, "guild_id", out.guild_id);
  field(j, "stickers", out.stickers);
}

void fields(const json& j, gw::GuildIntegrationsUpdateEvent& out) {
  field(j, "guild_id", out.guild_id);
}

void fields(const json& j, gw::GuildMemberAddEvent& out) {
  field(j, "guild_id", out.guild_id);
  fields(j, static_cast<gw::Member&>(out));
}

void fields(const json& j, gw::GuildMemberRemoveEvent& out) {
  field(j, "guild_id", out.guild_id);
  field(j, "user", out.user);
}

void fields(const json& j, gw::GuildMemberUpdateEvent& out) {
  field(j, "guild_id", out.guild_id);
  fields(j, static_cast<gw::Member&>(out));
}

void fields(const json& j, gw::GuildMembersChunkEvent& out) {
  field(j, "guild_id", out.guild_id);
  field(j, "members", out.members);
  field(j, "chunk_index", out.chunk_index);
  field(j, "chunk_count", out.chunk_count);
  field(j, "not_found", out.not_found);
  field(j, "presences", out.presences);
  if (auto it = j.find("nonce"); it != j.end()) read_string_or_number(*it, out.nonce);
}

void fields(const json& j, gw::GuildRoleCreateEvent& out) {
  field(j, "guild_id", out.guild_id);
  field(j, "role", out.role);
}

void fields(const json& j, gw::GuildRoleDeleteEvent& out) {
  field(j, "guild_id", out.guild_id);
  field(j, "role_id", out.role_id);
}

void fields(const json& j, gw::MessageDeleteEvent& out) {
  field(j, "id", out.id);
  field(j, "channel_id", out.channel_id);
  field(j, "guild_id", out.guild_id);
}

void fields(const json& j, gw::MessageDeleteBulkEvent& out) {
  field(j, "ids", out.ids);
  field(j, "channel_id", out.channel_id);
  field(j, "guild_id", out.guild_id);
}

void fields(const json& j, gw::MessageReactionAddEvent& out) {
  field(j, "user_id", out.user_id);
  field(j, "channel_id", out.channel_id);
  field(j, "message_id", out.message_id);
  field(j, "guild_id", out.guild_id);
  field(j, "member", out.member);
  field(j, "emoji", out.emoji);
  field(j, "message_author_id", out.message_author_id);
  field(j, "burst", out.burst);
  field(j, "type", out.type);
}

void fields(const json& j, gw::MessageReactionRemoveAllEvent& out) {
  field(j, "channel_id", out.channel_id);
  field(j, "message_id", out.message_id);
  field(j, "guild_id", out.guild_id);
}

void fields(const json& j, gw::MessageReactionRemoveEmojiEvent& out) {
  field(j, "emoji", out.emoji);
  fields(j, static_cast<gw::MessageReactionRemoveAllEvent&>(out));
}

void fields(const json& j, gw::TypingStartEvent& out) {
  field(j, "channel_id", out.channel_id);
  field(j, "guild_id", out.guild_id);
  field(j, "user_id", out.user_id);
  field(j, "timestamp", out.timestamp);
  field(j, "member", out.member);
}

void fields(const json& j, gw::VoiceServerUpdateEvent& out) {
  field(j, "token", out.token);
  field(j, "guild_id", out.guild_id);
  field(j, "endpoint", out.endpoint);
}

void fields(const json& j, gw::WebhooksUpdateEvent& out) {
  field(j, "guild_id", out.guild_id);
  field(j, "channel_id", out.channel_id);
}

void fields(const json& j, gw::InteractionCreateEvent& out) {
  field(j, "id", out.id);
  field(j, "application_id", out.application_id);
  field(j, "type", out.type);
  field(j, "guild_id", out.guild_id);
  field(j, "channel_id", out.channel_id);
  field(j, "member", out.member);
  field(j, "user", out.user);
  field(j, "token", out.token);
  field(j, "version", out.version);
  field(j, "locale", out.locale);
  field(j, "guild_locale", out.guild_locale);
  if (auto it = j.find("data"); it != j.end()) read_raw(*it, out.data);
}

void fields(const json& j, gw::InviteCreateEvent& out) {
  field(j, "channel_id", out.channel_id);
  field(j, "code", out.code);
  field(j, "created_at", out.created_at);
  field(j, "guild_id", out.guild_id);
  field(j, "inviter", out.inviter);
  field(j, "max_age", out.max_age);
  field(j, "max_uses", out.max_uses);
  field(j, "temporary", out.temporary);
  field(j, "uses", out.uses);
}

void fields(const json& j, gw::InviteDeleteEvent& out) {
  field(j, "channel_id", out.channel_id);
  field(j, "guild_id", out.guild_id);
  field(j, "code", out.code);
}

// ---- events of gwtape/gateway/events_more.h (their model structs: nlohmann_model.cpp) ------

void fields(const json& j, gw::GuildCreateEvent& out) {
  fields(j, static_cast<gw::Guild&>(out));
  field(j, "guild_scheduled_events", out.guild_scheduled_events);
  field(j, "stage_instances", out.stage_instances);
  field(j, "soundboard_sounds", out.soundboard_sounds);
}

void fields(const json& j, gw::ApplicationCommandPermissionsUpdateEvent& out) {
  field(j, "id", out.id);
  field(j, "application_id", out.application_id);
  field(j, "guild_id", out.guild_id);
  field(j, "permissions", out.permissions);
}

void fields(const json& j, gw::AutoModerationActionExecutionEvent& out) {
  field(j, "guild_id", out.guild_id);
  field(j, "action", out.action);
  field(j, "rule_id", out.rule_id);
  field(j, "rule_trigger_type", out.rule_trigger_type);
  field(j, "user_id", out.user_id);
  field(j, "channel_id", out.channel_id);
  field(j, "message_id", out.message_id);
  field(j, "alert_system_message_id", out.alert_system_message_id);
  field(j, "content", out.content);
  field(j, "matched_keyword", out.matched_keyword);
  field(j, "matched_content", out.matched_content);
}

void fields(const json& j, gw::ChannelInfoEvent& out) {
  field(j, "guild_id", out.guild_id);
  field(j, "channels", out.channels);
}

void fields(const json& j, gw::GuildAuditLogEntryCreateEvent& out) {
  field(j, "id", out.id);
  field(j, "guild_id", out.guild_id);
  field(j, "target_id", out.target_id);
  field(j, "user_id", out.user_id);
  field(j, "action_type", out.action_type);
  if (auto it = j.find("changes"); it != j.end()) read_raw(*it, out.changes);
  if (auto it = j.find("options"); it != j.end()) read_raw(*it, out.options);
  field(j, "reason", out.reason);
}

void fields(const json& j, gw::GuildScheduledEventUserAddEvent& out) {
  field(j, "guild_scheduled_event_id", out.guild_scheduled_event_id);
  field(j, "user_id", out.user_id);
  field(j, "guild_id", out.guild_id);
}

void fields(const json& j, gw::GuildSoundboardSoundDeleteEvent& out) {
  field(j, "sound_id", out.sound_id);
  field(j, "guild_id", out.guild_id);
}

void fields(const json& j, gw::GuildSoundboardSoundsUpdateEvent& out) {
  field(j, "soundboard_sounds", out.soundboard_sounds);
  field(j, "guild_id", out.guild_id);
}

void fields(const json& j, gw::IntegrationCreateEvent& out) {
  fields(j, static_cast<gw::Integration&>(out));
  field(j, "guild_id", out.guild_id);
}

void fields(const json& j, gw::IntegrationDeleteEvent& out) {
  field(j, "id", out.id);
  field(j, "guild_id", out.guild_id);
  field(j, "application_id", out.application_id);
}

void fields(const json& j, gw::MessagePollVoteAddEvent& out) {
  field(j, "user_id", out.user_id);
  field(j, "channel_id", out.channel_id);
  field(j, "message_id", out.message_id);
  field(j, "guild_id", out.guild_id);
  field(j, "answer_id", out.answer_id);
}

void fields(const json& j, gw::VoiceChannelEffectSendEvent& out) {
  field(j, "channel_id", out.channel_id);
  field(j, "guild_id", out.guild_id);
  field(j, "user_id", out.user_id);
  field(j, "emoji", out.emoji);
  field(j, "animation_type", out.animation_type);
  field(j, "animation_id", out.animation_id);
  field(j, "sound_id", out.sound_id);
  field(j, "sound_volume", out.sound_volume);
}

void fields(const json& j, gw::VoiceChannelStartTimeUpdateEvent& out) {
  field(j, "id", out.id);
  field(j, "guild_id", out.guild_id);
  field(j, "voice_start_time", out.voice_start_time);
}

void fields(const json& j, gw::VoiceChannelStatusUpdateEvent& out) {
  field(j, "id", out.id);
  field(j, "guild_id", out.guild_id);
  field(j, "status", out.status);
}

}  // namespace nl
namespace {

using nl::BadField;
using nl::fields;
using nl::json;
namespace gw = gwtape::gateway;

// ---- the registry's dispatch ------------------------------------------------------------

// Makes the payload a T and reads d (an object, or null: T's defaults) into it.
template <class T>
void decode_as(const json& d, gw::EventPayload& payload) {
  T& out = payload.emplace<T>();
  if (!d.is_null()) fields(d, out);
}

void decode_typed(gw::EventType type, const json& d, gw::EventPayload& payload) {
  switch (type) {
#define GWTAPE_X(e, n, T) \
  case gw::EventType::e:  \
    return decode_as<gw::T>(d, payload);
    GWTAPE_TYPED_EVENTS(GWTAPE_X)
#undef GWTAPE_X
    default:
      throw BadField("not a typed event");
  }
}

}  // namespace

bool decode_frame_nlohmann(std::string_view frame, gw::Event& out) {
  const json root = json::parse(frame, nullptr, /*allow_exceptions=*/false);
  if (!root.is_object()) return false;  // not JSON (discarded), or not an object

  // The envelope, checked as EnvelopeParser checks it: a frame it rejects delivers nothing.
  const auto op = root.find("op");
  if (op == root.end() || !op->is_number_unsigned() || op->get<std::uint64_t>() > 255) {
    return false;
  }
  if (const auto s = root.find("s"); s != root.end() && !s->is_null()) {
    if (!s->is_number_unsigned() ||
        s->get<std::uint64_t>() >
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return false;
    }
  }
  std::string_view name;  // null or absent: empty, as Envelope::t
  if (const auto t = root.find("t"); t != root.end() && !t->is_null()) {
    if (!t->is_string()) return false;
    name = t->get_ref<const std::string&>();
  }
  if (op->get<std::uint64_t>() != 0) return false;

  const auto d = root.find("d");
  out = gw::Event{};
  out.type = gw::event_type(name);
  if (out.type == gw::EventType::kUnknown) out.unknown_name.assign(name);
  if (gw::is_typed(out.type)) {
    try {
      if (d == root.end() || !(d->is_object() || d->is_null())) throw BadField("d: an object");
      decode_typed(out.type, *d, out.payload);
      return true;
    } catch (const std::exception&) {
      // What Protocol delivers for a dispatch EventDecoder cannot type: the event, raw.
      out.type = gw::EventType::kUnknown;
      out.unknown_name.assign(name);
    }
  }
  out.payload.emplace<gw::RawEvent>(gw::RawEvent{d == root.end() ? std::string() : d->dump()});
  return true;
}

}  // namespace gwtape::bench
