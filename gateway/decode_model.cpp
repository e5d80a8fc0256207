// Field readers for the model structs (gwtape/gateway/model.h).
#include "decode_fields.h"

namespace gwtape::gateway::detail {
namespace {

// {"id": ...} where only the id matters (a presence's user).
struct IdOnly {
  Snowflake id;
};
bool fields(Reader& r, const Key& k, value& v, IdOnly& out) {
  GWTAPE_FIELD("id", id);
  return true;
}

// A presence's client_status, read straight into the presence.
struct ClientStatus {
  Presence* presence;
};
bool fields(Reader& r, const Key& k, value& v, ClientStatus& cs) {
  Presence& out = *cs.presence;
  GWTAPE_FIELD("desktop", client_desktop);
  GWTAPE_FIELD("mobile", client_mobile);
  GWTAPE_FIELD("web", client_web);
  return true;
}

struct MessageReference {
  Snowflake message_id;
};
bool fields(Reader& r, const Key& k, value& v, MessageReference& out) {
  GWTAPE_FIELD("message_id", message_id);
  return true;
}

}  // namespace

bool fields(Reader& r, const Key& k, value& v, User& out) {
  GWTAPE_FIELD("id", id);
  GWTAPE_FIELD("username", username);
  GWTAPE_FIELD("global_name", global_name);
  GWTAPE_FIELD("avatar", avatar);
  GWTAPE_FIELD("discriminator", discriminator);
  GWTAPE_FIELD("bot", bot);
  GWTAPE_FIELD("system", system);
  GWTAPE_FIELD("public_flags", public_flags);
  return true;
}

bool fields(Reader& r, const Key& k, value& v, Role& out) {
  GWTAPE_FIELD("id", id);
  GWTAPE_FIELD("name", name);
  GWTAPE_FIELD("color", color);
  GWTAPE_FIELD("hoist", hoist);
  GWTAPE_FIELD("position", position);
  GWTAPE_FIELD("permissions", permissions);
  GWTAPE_FIELD("managed", managed);
  GWTAPE_FIELD("mentionable", mentionable);
  return true;
}

bool fields(Reader& r, const Key& k, value& v, Member& out) {
  GWTAPE_FIELD("user", user);
  GWTAPE_FIELD("nick", nick);
  GWTAPE_FIELD("avatar", avatar);
  GWTAPE_FIELD("roles", roles);
  GWTAPE_FIELD("joined_at", joined_at);
  GWTAPE_FIELD("premium_since", premium_since);
  GWTAPE_FIELD("deaf", deaf);
  GWTAPE_FIELD("mute", mute);
  GWTAPE_FIELD("pending", pending);
  GWTAPE_FIELD("communication_disabled_until", communication_disabled_until);
  return true;
}

bool fields(Reader& r, const Key& k, value& v, Emoji& out) {
  GWTAPE_FIELD("id", id);
  GWTAPE_FIELD("name", name);
  GWTAPE_FIELD("roles", roles);
  GWTAPE_FIELD("animated", animated);
  GWTAPE_FIELD("managed", managed);
  GWTAPE_FIELD("available", available);
  return true;
}

bool fields(Reader& r, const Key& k, value& v, Sticker& out) {
  GWTAPE_FIELD("id", id);
  GWTAPE_FIELD("name", name);
  GWTAPE_FIELD("tags", tags);
  GWTAPE_FIELD("format_type", format_type);
  return true;
}

bool fields(Reader& r, const Key& k, value& v, PermissionOverwrite& out) {
  GWTAPE_FIELD("id", id);
  GWTAPE_FIELD("type", type);
  GWTAPE_FIELD("allow", allow);
  GWTAPE_FIELD("deny", deny);
  return true;
}

bool fields(Reader& r, const Key& k, value& v, ThreadMetadata& out) {
  GWTAPE_FIELD("archived", archived);
  GWTAPE_FIELD("locked", locked);
  GWTAPE_FIELD("auto_archive_duration", auto_archive_duration);
  GWTAPE_FIELD("archive_timestamp", archive_timestamp);
  return true;
}

bool fields(Reader& r, const Key& k, value& v, Channel& out) {
  GWTAPE_FIELD("id", id);
  GWTAPE_FIELD("type", type);
  GWTAPE_FIELD("guild_id", guild_id);
  GWTAPE_FIELD("name", name);
  GWTAPE_FIELD("topic", topic);
  GWTAPE_FIELD("position", position);
  GWTAPE_FIELD("nsfw", nsfw);
  GWTAPE_FIELD("parent_id", parent_id);
  GWTAPE_FIELD("owner_id", owner_id);
  GWTAPE_FIELD("last_message_id", last_message_id);
  GWTAPE_FIELD("rate_limit_per_user", rate_limit_per_user);
  GWTAPE_FIELD("bitrate", bitrate);
  GWTAPE_FIELD("user_limit", user_limit);
  GWTAPE_FIELD("permission_overwrites", permission_overwrites);
  GWTAPE_FIELD("recipients", recipients);
  GWTAPE_FIELD("thread_metadata", thread_metadata);
  GWTAPE_FIELD("message_count", message_count);
  GWTAPE_FIELD("member_count", member_count);
  GWTAPE_FIELD("last_pin_timestamp", last_pin_timestamp);
  return true;
}

bool fields(Reader& r, const Key& k, value& v, Activity& out) {
  GWTAPE_FIELD("name", name);
  GWTAPE_FIELD("type", type);
  GWTAPE_FIELD("state", state);
  GWTAPE_FIELD("url", url);
  return true;
}

bool fields(Reader& r, const Key& k, value& v, Presence& out) {
  if (k == "user") {
    IdOnly user;
    if (!r.read_object(v, user)) return false;
    out.user_id = user.id;
    return true;
  }
  GWTAPE_FIELD("guild_id", guild_id);
  GWTAPE_FIELD("status", status);
  GWTAPE_FIELD("activities", activities);
  if (k == "client_status") {
    ClientStatus cs{&out};
    return r.read_object(v, cs);
  }
  return true;
}

bool fields(Reader& r, const Key& k, value& v, VoiceState& out) {
  GWTAPE_FIELD("guild_id", guild_id);
  GWTAPE_FIELD("channel_id", channel_id);
  GWTAPE_FIELD("user_id", user_id);
  GWTAPE_FIELD("member", member);
  GWTAPE_FIELD("session_id", session_id);
  GWTAPE_FIELD("deaf", deaf);
  GWTAPE_FIELD("mute", mute);
  GWTAPE_FIELD("self_deaf", self_deaf);
  GWTAPE_FIELD("self_mute", self_mute);
  GWTAPE_FIELD("self_stream", self_stream);
  GWTAPE_FIELD("self_video", self_video);
  GWTAPE_FIELD("suppress", suppress);
  GWTAPE_FIELD("request_to_speak_timestamp", request_to_speak_timestamp);
  return true;
}

bool fields(Reader& r, const Key& k, value& v, Attachment& out) {
  GWTAPE_FIELD("id", id);
  GWTAPE_FIELD("filename", filename);
  GWTAPE_FIELD("size", size);
  GWTAPE_FIELD("url", url);
  GWTAPE_FIELD("content_type", content_type);
  return true;
}

bool fields(Reader& r, const Key& k, value& v, Reaction& out) {
  GWTAPE_FIELD("count", count);
  GWTAPE_FIELD("me", me);
  GWTAPE_FIELD("emoji", emoji);
  return true;
}

bool fields(Reader& r, const Key& k, value& v, Message& out) {
  GWTAPE_FIELD("id", id);
  GWTAPE_FIELD("channel_id", channel_id);
  GWTAPE_FIELD("guild_id", guild_id);
  GWTAPE_FIELD("author", author);
  GWTAPE_FIELD("member", member);
  GWTAPE_FIELD("content", content);
  GWTAPE_FIELD("timestamp", timestamp);
  GWTAPE_FIELD("edited_timestamp", edited_timestamp);
  GWTAPE_FIELD("tts", tts);
  GWTAPE_FIELD("mention_everyone", mention_everyone);
  GWTAPE_FIELD("mentions", mentions);
  GWTAPE_FIELD("mention_roles", mention_roles);
  GWTAPE_FIELD("attachments", attachments);
  GWTAPE_FIELD("reactions", reactions);
  GWTAPE_FIELD("pinned", pinned);
  GWTAPE_FIELD("webhook_id", webhook_id);
  GWTAPE_FIELD("type", type);
  GWTAPE_FIELD("flags", flags);
  if (k == "nonce") return r.read_string_or_number(v, out.nonce);
  if (k == "embeds") {
    if (Reader::is_null(v)) return true;
    simdjson::ondemand::array embeds;
    std::size_t n = 0;
    if (auto e = v.get_array().get(embeds); e) return r.fail(e, "an array");
    if (auto e = embeds.count_elements().get(n); e) return r.fail(e, "an array");
    out.embeds = static_cast<std::uint32_t>(n);
    return true;
  }
  // gwtape's canonical JSON (gwtape/gateway/json.h) writes the count it keeps of "embeds"
  // under this name, which Discord does not send: read it so that the encoding reads back.
  GWTAPE_FIELD("embeds_count", embeds);
  if (k == "message_reference") {
    MessageReference ref;
    if (!r.read_object(v, ref)) return false;
    out.referenced_message_id = ref.message_id;
    return true;
  }
  return true;
}

bool fields(Reader& r, const Key& k, value& v, UnavailableGuild& out) {
  GWTAPE_FIELD("id", id);
  GWTAPE_FIELD("unavailable", unavailable);
  return true;
}

bool fields(Reader& r, const Key& k, value& v, Guild& out) {
  GWTAPE_FIELD("id", id);
  GWTAPE_FIELD("name", name);
  GWTAPE_FIELD("icon", icon);
  GWTAPE_FIELD("owner_id", owner_id);
  GWTAPE_FIELD("roles", roles);
  GWTAPE_FIELD("emojis", emojis);
  GWTAPE_FIELD("stickers", stickers);
  GWTAPE_FIELD("features", features);
  GWTAPE_FIELD("preferred_locale", preferred_locale);
  GWTAPE_FIELD("premium_tier", premium_tier);
  GWTAPE_FIELD("verification_level", verification_level);
  GWTAPE_FIELD("unavailable", unavailable);
  GWTAPE_FIELD("joined_at", joined_at);
  GWTAPE_FIELD("large", large);
  GWTAPE_FIELD("member_count", member_count);
  GWTAPE_FIELD("channels", channels);
  GWTAPE_FIELD("threads", threads);
  GWTAPE_FIELD("members", members);
  GWTAPE_FIELD("presences", presences);
  GWTAPE_FIELD("voice_states", voice_states);
  return true;
}

bool fields(Reader& r, const Key& k, value& v, ThreadMember& out) {
  GWTAPE_FIELD("id", id);
  GWTAPE_FIELD("user_id", user_id);
  GWTAPE_FIELD("join_timestamp", join_timestamp);
  GWTAPE_FIELD("flags", flags);
  return true;
}

}  // namespace gwtape::gateway::detail
