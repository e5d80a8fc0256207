// The replay benchmark's peer decoder, first half: the scalar and container readers and the
// model structs' fields (bench/nlohmann_read.h; events are in nlohmann_decode.cpp).
#include "nlohmann_read.h"

namespace gwtape::bench::nl {

// ---- scalars and containers (as Reader::read: null keeps the default) -------------------

template <class Int>
void read_int(const json& j, Int& out) {
  if (j.is_null()) return;
  if (j.is_number_unsigned()) {
    const auto u = j.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<Int>::max())) {
      throw BadField("integer out of range");
    }
    out = static_cast<Int>(u);
  } else if (j.is_number_integer()) {
    const auto x = j.get<std::int64_t>();  // negative: unsigned values are the branch above
    if (x < static_cast<std::int64_t>(std::numeric_limits<Int>::min())) {
      throw BadField("integer out of range");
    }
    out = static_cast<Int>(x);
  } else {
    throw BadField("expected an integer");
  }
}

void read(const json& j, bool& out) {
  if (!j.is_null()) out = j.get<bool>();
}
void read(const json& j, std::int32_t& out) { read_int(j, out); }
void read(const json& j, std::int64_t& out) { read_int(j, out); }
void read(const json& j, std::uint32_t& out) { read_int(j, out); }
void read(const json& j, std::uint64_t& out) { read_int(j, out); }

void read(const json& j, double& out) {
  if (j.is_null()) return;
  if (!j.is_number()) throw BadField("expected a number");  // get<double> takes a bool too
  out = j.get<double>();
}

void read(const json& j, std::string& out) {
  if (j.is_null()) {
    out.clear();
  } else {
    j.get_to(out);
  }
}

void read(const json& j, std::optional<std::string>& out) {
  if (j.is_null()) {
    out.reset();
  } else {
    out = j.get<std::string>();
  }
}

void read(const json& j, gw::Snowflake& out) {
  if (j.is_string()) {
    auto parsed = gw::Snowflake::parse(j.get_ref<const std::string&>());
    if (!parsed.ok()) throw BadField(parsed.error().message);
    out = *parsed;
  } else if (j.is_number_unsigned()) {
    out = gw::Snowflake{j.get<std::uint64_t>()};
  } else if (j.is_null()) {
    out = gw::Snowflake{};
  } else {
    throw BadField("expected a snowflake (string or number)");
  }
}

void read(const json& j, gw::Timestamp& out) {
  if (j.is_null()) {
    out = gw::Timestamp{};
    return;
  }
  auto parsed = gw::Timestamp::parse(j.get_ref<const std::string&>());  // throws if no string
  if (!parsed.ok()) throw BadField(parsed.error().message);
  out = *parsed;
}

// The value's JSON text (null is "null"), as Reader::read_raw.
void read_raw(const json& j, std::string& out) { out = j.dump(); }

// A string or a number, kept as text (nonces), as Reader::read_string_or_number.
void read_string_or_number(const json& j, std::optional<std::string>& out) {
  if (j.is_number()) {
    out = j.dump();
  } else {
    read(j, out);
  }
}

// ---- model structs (gateway/decode_model.cpp) -------------------------------------------

// {"id": ...} where only the id matters (a presence's user, message_reference's message_id).
gw::Snowflake id_in(const json& j, const char* object, const char* id) {
  gw::Snowflake out;
  if (auto it = j.find(object); it != j.end() && !it->is_null()) {
    if (!it->is_object()) throw BadField("expected an object");
    field(*it, id, out);
  }
  return out;
}

void fields(const json& j, gw::User& out) {
  field(j, "id", out.id);
  field(j, "username", out.username);
  field(j, "global_name", out.global_name);
  field(j, "avatar", out.avatar);
  field(j, "discriminator", out.discriminator);
  field(j, "bot", out.bot);
  field(j, "system", out.system);
  field(j, "public_flags", out.public_flags);
}

void fields(const json& j, gw::Role& out) {
  field(j, "id", out.id);
  field(j, "name", out.name);
  field(j, "color", out.color);
  field(j, "hoist", out.hoist);
  field(j, "position", out.position);
  field(j, "permissions", out.permissions);
  field(j, "managed", out.managed);
  field(j, "mentionable", out.mentionable);
}

void fields(const json& j, gw::Member& out) {
  field(j, "user", out.user);
  field(j, "nick", out.nick);
  field(j, "avatar", out.avatar);
  field(j, "roles", out.roles);
  field(j, "joined_at", out.joined_at);
  field(j, "premium_since", out.premium_since);
  field(j, "deaf", out.deaf);
  field(j, "mute", out.mute);
  field(j, "pending", out.pending);
  field(j, "communication_disabled_until", out.communication_disabled_until);
}

void fields(const json& j, gw::Emoji& out) {
  field(j, "id", out.id);
  field(j, "name", out.name);
  field(j, "roles", out.roles);
  field(j, "animated", out.animated);
  field(j, "managed", out.managed);
  field(j, "available", out.available);
}

void fields(const json& j, gw::Sticker& out) {
  field(j, "id", out.id);
  field(j, "name", out.name);
  field(j, "tags", out.tags);
  field(j, "format_type", out.format_type);
}

void fields(const json& j, gw::PermissionOverwrite& out) {
  field(j, "id", out.id);
  field(j, "type", out.type);
  field(j, "allow", out.allow);
  field(j, "deny", out.deny);
}

void fields(const json& j, gw::ThreadMetadata& out) {
  field(j, "archived", out.archived);
  field(j, "locked", out.locked);
  field(j, "auto_archive_duration", out.auto_archive_duration);
  field(j, "archive_timestamp", out.archive_timestamp);
}

void fields(const json& j, gw::Channel& out) {
  field(j, "id", out.id);
  field(j, "type", out.type);
  field(j, "guild_id", out.guild_id);
  field(j, "name", out.name);
  field(j, "topic", out.topic);
  field(j, "position", out.position);
  field(j, "nsfw", out.nsfw);
  field(j, "parent_id", out.parent_id);
  field(j, "owner_id", out.owner_id);
  field(j, "last_message_id", out.last_message_id);
  field(j, "rate_limit_per_user", out.rate_limit_per_user);
  field(j, "bitrate", out.bitrate);
  field(j, "user_limit", out.user_limit);
  field(j, "permission_overwrites", out.permission_overwrites);
  field(j, "recipients", out.recipients);
  field(j, "thread_metadata", out.thread_metadata);
  field(j, "message_count", out.message_count);
  field(j, "member_count", out.member_count);
  field(j, "last_pin_timestamp", out.last_pin_timestamp);
}

void fields(const json& j, gw::Activity& out) {
  field(j, "name", out.name);
  field(j, "type", out.type);
  field(j, "state", out.state);
  field(j, "url", out.url);
}

void fields(const json& j, gw::Presence& out) {
  out.user_id = id_in(j, "user", "id");
  field(j, "guild_id", out.guild_id);
  field(j, "status", out.status);
  field(j, "activities", out.activities);
  if (auto cs = j.find("client_status"); cs != j.end() && !cs->is_null()) {
    if (!cs->is_object()) throw BadField("expected an object");
    field(*cs, "desktop", out.client_desktop);
    field(*cs, "mobile", out.client_mobile);
    field(*cs, "web", out.client_web);
  }
}

void fields(const json& j, gw::VoiceState& out) {
  field(j, "guild_id", out.guild_id);
  field(j, "channel_id", out.channel_id);
  field(j, "user_id", out.user_id);
  field(j, "member", out.member);
  field(j, "session_id", out.session_id);
  field(j, "deaf", out.deaf);
  field(j, "mute", out.mute);
  field(j, "self_deaf", out.self_deaf);
  field(j, "self_mute", out.self_mute);
  field(j, "self_stream", out.self_stream);
  field(j, "self_video", out.self_video);
  field(j, "suppress", out.suppress);
  field(j, "request_to_speak_timestamp", out.request_to_speak_timestamp);
}

void fields(const json& j, gw::Attachment& out) {
  field(j, "id", out.id);
  field(j, "filename", out.filename);
  field(j, "size", out.size);
  field(j, "url", out.url);
  field(j, "content_type", out.content_type);
}

void fields(const json& j, gw::Reaction& out) {
  field(j, "count", out.count);
  field(j, "me", out.me);
  field(j, "emoji", out.emoji);
}

void fields(const json& j, gw::Message& out) {
  field(j, "id", out.id);
  field(j, "channel_id", out.channel_id);
  field(j, "guild_id", out.guild_id);
  field(j, "author", out.author);
  field(j, "member", out.member);
  field(j, "content", out.content);
  field(j, "timestamp", out.timestamp);
  field(j, "edited_timestamp", out.edited_timestamp);
  field(j, "tts", out.tts);
  field(j, "mention_everyone", out.mention_everyone);
  field(j, "mentions", out.mentions);
  field(j, "mention_roles", out.mention_roles);
  field(j, "attachments", out.attachments);
  field(j, "reactions", out.reactions);
  field(j, "pinned", out.pinned);
  field(j, "webhook_id", out.webhook_id);
  field(j, "type", out.type);
  field(j, "flags", out.flags);
  if (auto it = j.find("nonce"); it != j.end()) read_string_or_number(*it, out.nonce);
  if (auto it = j.find("embeds"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) throw BadField("expected an array");
    out.embeds = static_cast<std::uint32_t>(it->size());
  }
  field(j, "embeds_count", out.embeds);  // gwtape's canonical JSON (see decode_model.cpp)
  out.referenced_message_id = id_in(j, "message_reference", "message_id");
}

void fields(const json& j, gw::UnavailableGuild& out) {
  field(j, "id", out.id);
  field(j, "unavailable", out.unavailable);
}

void fields(const json& j, gw::Guild& out) {
  field(j, "id", out.id);
  field(j, "name", out.name);
  field(j, "icon", out.icon);
  field(j, "owner_id", out.owner_id);
  field(j, "roles", out.roles);
  field(j, "emojis", out.emojis);
  field(j, "stickers", out.stickers);
  field(j, "features", out.features);
  field(j, "preferred_locale", out.preferred_locale);
  field(j, "premium_tier", out.premium_tier);
  field(j, "verification_level", out.verification_level);
  field(j, "unavailable", out.unavailable);
  field(j, "joined_at", out.joined_at);
  field(j, "large", out.large);
  field(j, "member_count", out.member_count);
  field(j, "channels", out.channels);
  field(j, "threads", out.threads);
  field(j, "members", out.members);
  field(j, "presences", out.presences);
  field(j, "voice_states", out.voice_states);
}

void fields(const json& j, gw::ThreadMember& out) {
  field(j, "id", out.id);
  field(j, "user_id", out.user_id);
  field(j, "join_timestamp", out.join_timestamp);
  field(j, "flags", out.flags);
}

// ---- model structs of gwtape/gateway/model_more.h -----------------------------------------

// An object's keys read into the struct around it (a Nested<> field), if the object is there.
template <class Read>
void nested(const json& j, const char* object, Read&& read_fields) {
  if (auto it = j.find(object); it != j.end() && !it->is_null()) {
    if (!it->is_object()) throw BadField("expected an object");
    read_fields(*it);
  }
}

void fields(const json& j, gw::GuildScheduledEvent& out) {
  field(j, "id", out.id);
  field(j, "guild_id", out.guild_id);
  field(j, "channel_id", out.channel_id);
  field(j, "creator_id", out.creator_id);
  field(j, "name", out.name);
  field(j, "description", out.description);
  field(j, "scheduled_start_time", out.scheduled_start_time);
  field(j, "scheduled_end_time", out.scheduled_end_time);
  field(j, "privacy_level", out.privacy_level);
  field(j, "status", out.status);
  field(j, "entity_type", out.entity_type);
  field(j, "entity_id", out.entity_id);
  nested(j, "entity_metadata", [&](const json& m) { field(m, "location", out.location); });
  field(j, "creator", out.creator);
  field(j, "user_count", out.user_count);
  field(j, "image", out.image);
  if (auto it = j.find("recurrence_rule"); it != j.end()) read_raw(*it, out.recurrence_rule);
}

void fields(const json& j, gw::StageInstance& out) {
  field(j, "id", out.id);
  field(j, "guild_id", out.guild_id);
  field(j, "channel_id", out.channel_id);
  field(j, "topic", out.topic);
  field(j, "privacy_level", out.privacy_level);
  field(j, "discoverable_disabled", out.discoverable_disabled);
  field(j, "guild_scheduled_event_id", out.guild_scheduled_event_id);
}

void fields(const json& j, gw::SoundboardSound& out) {
  field(j, "name", out.name);
  field(j, "sound_id", out.sound_id);
  field(j, "volume", out.volume);
  field(j, "emoji_id", out.emoji_id);
  field(j, "emoji_name", out.emoji_name);
  field(j, "guild_id", out.guild_id);
  field(j, "available", out.available);
  field(j, "user", out.user);
}

void fields(const json& j, gw::AutoModerationAction& out) {
  field(j, "type", out.type);
  if (auto it = j.find("metadata"); it != j.end()) read_raw(*it, out.metadata);
}

void fields(const json& j, gw::AutoModerationRule& out) {
  field(j, "id", out.id);
  field(j, "guild_id", out.guild_id);
  field(j, "name", out.name);
  field(j, "creator_id", out.creator_id);
  field(j, "event_type", out.event_type);
  field(j, "trigger_type", out.trigger_type);
  if (auto it = j.find("trigger_metadata"); it != j.end()) read_raw(*it, out.trigger_metadata);
  field(j, "actions", out.actions);
  field(j, "enabled", out.enabled);
  field(j, "exempt_roles", out.exempt_roles);
  field(j, "exempt_channels", out.exempt_channels);
}

void fields(const json& j, gw::Integration& out) {
  field(j, "id", out.id);
  field(j, "name", out.name);
  field(j, "type", out.type);
  field(j, "enabled", out.enabled);
  field(j, "syncing", out.syncing);
  field(j, "role_id", out.role_id);
  field(j, "enable_emoticons", out.enable_emoticons);
  field(j, "expire_behavior", out.expire_behavior);
  field(j, "expire_grace_period", out.expire_grace_period);
  field(j, "user", out.user);
  nested(j, "account", [&](const json& a) {
    field(a, "id", out.account_id);
    field(a, "name", out.account_name);
  });
  field(j, "synced_at", out.synced_at);
  field(j, "subscriber_count", out.subscriber_count);
  field(j, "revoked", out.revoked);
  out.application_id = id_in(j, "application", "id");
  field(j, "scopes", out.scopes);
}

void fields(const json& j, gw::Entitlement& out) {
  field(j, "id", out.id);
  field(j, "sku_id", out.sku_id);
  field(j, "application_id", out.application_id);
  field(j, "user_id", out.user_id);
  field(j, "type", out.type);
  field(j, "deleted", out.deleted);
  field(j, "starts_at", out.starts_at);
  field(j, "ends_at", out.ends_at);
  field(j, "guild_id", out.guild_id);
  field(j, "consumed", out.consumed);
}

void fields(const json& j, gw::Subscription& out) {
  field(j, "id", out.id);
  field(j, "user_id", out.user_id);
  field(j, "sku_ids", out.sku_ids);
  field(j, "entitlement_ids", out.entitlement_ids);
  field(j, "renewal_sku_ids", out.renewal_sku_ids);
  field(j, "current_period_start", out.current_period_start);
  field(j, "current_period_end", out.current_period_end);
  field(j, "status", out.status);
  field(j, "canceled_at", out.canceled_at);
  field(j, "country", out.country);
}

void fields(const json& j, gw::ApplicationCommandPermission& out) {
  field(j, "id", out.id);
  field(j, "type", out.type);
  field(j, "permission", out.permission);
}

void fields(const json& j, gw::ChannelInfo& out) {
  field(j, "id", out.id);
  field(j, "status", out.status);
  field(j, "voice_start_time", out.voice_start_time);
}

}  // namespace gwtape::bench::nl
