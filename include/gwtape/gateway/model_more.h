// gwtape/gateway/model_more.h — the Discord objects of the less frequent events: scheduled
// events, stage instances, soundboard sounds, auto-moderation, integrations, entitlements,
// subscriptions, application command permissions and channel info.
//
// The same rules as gwtape/gateway/model.h (which this extends; events.h includes both): each
// type holds the fields a bot reads, unknown fields are skipped, missing and null ones leave the
// default. Free-form or deeply nested objects (a rule's trigger_metadata, an action's metadata,
// a scheduled event's recurrence_rule) are kept as their raw JSON text ("null" when null, ""
// when absent).
//
// Thread-safety: plain values. Lifetimes: every string is owned; nothing points into a frame.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gwtape/gateway/model.h"
#include "gwtape/gateway/snowflake.h"

namespace gwtape::gateway {

// A guild's scheduled event (GUILD_SCHEDULED_EVENT_*, GUILD_CREATE `guild_scheduled_events`).
struct GuildScheduledEvent {
  Snowflake id;
  Snowflake guild_id;
  Snowflake channel_id;  // 0 for an external event
  Snowflake creator_id;
  std::string name;
  std::optional<std::string> description;
  Timestamp scheduled_start_time;
  Timestamp scheduled_end_time;
  std::int32_t privacy_level = 0;  // 2 guild only
  std::int32_t status = 0;         // 1 scheduled, 2 active, 3 completed, 4 canceled
  std::int32_t entity_type = 0;    // 1 stage instance, 2 voice, 3 external
  Snowflake entity_id;
  std::optional<std::string> location;  // entity_metadata.location (external events)
  std::optional<User> creator;
  std::int32_t user_count = 0;  // sent only on request; the cache follows USER_ADD/REMOVE
  std::optional<std::string> image;
  std::string recurrence_rule;  // raw JSON
};

// A live stage (STAGE_INSTANCE_*, GUILD_CREATE `stage_instances`).
struct StageInstance {
  Snowflake id;
  Snowflake guild_id;
  Snowflake channel_id;
  std::string topic;
  std::int32_t privacy_level = 0;
  bool discoverable_disabled = false;
  Snowflake guild_scheduled_event_id;
};

// A soundboard sound: a guild's (GUILD_SOUNDBOARD_SOUND_*, GUILD_CREATE `soundboard_sounds`,
// SOUNDBOARD_SOUNDS) or a default one (guild_id 0).
struct SoundboardSound {
  std::string name;
  Snowflake sound_id;
  double volume = 0;  // 0 to 1
  Snowflake emoji_id;
  std::optional<std::string> emoji_name;
  Snowflake guild_id;
  bool available = false;
  std::optional<User> user;  // who uploaded it
};

struct AutoModerationAction {
  std::int32_t type = 0;  // 1 block message, 2 send alert, 3 timeout, 4 block interaction
  std::string metadata;   // raw JSON
};

struct AutoModerationRule {
  Snowflake id;
  Snowflake guild_id;
  std::string name;
  Snowflake creator_id;
  std::int32_t event_type = 0;
  std::int32_t trigger_type = 0;
  std::string trigger_metadata;  // raw JSON: keyword_filter, regex_patterns, presets, ...
  std::vector<AutoModerationAction> actions;
  bool enabled = false;
  std::vector<Snowflake> exempt_roles;
  std::vector<Snowflake> exempt_channels;
};

// A guild's integration (INTEGRATION_CREATE / UPDATE add the guild_id).
struct Integration {
  Snowflake id;
  std::string name;
  std::string type;  // twitch, youtube, discord, guild_subscription
  bool enabled = false;
  bool syncing = false;
  Snowflake role_id;
  bool enable_emoticons = false;
  std::int32_t expire_behavior = 0;
  std::int32_t expire_grace_period = 0;
  std::optional<User> user;
  std::string account_id;  // account.id: not always a snowflake (a YouTube channel id)
  std::string account_name;
  Timestamp synced_at;
  std::int32_t subscriber_count = 0;
  bool revoked = false;
  Snowflake application_id;  // application.id, for Discord (bot) integrations
  std::vector<std::string> scopes;
};

struct Entitlement {
  Snowflake id;
  Snowflake sku_id;
  Snowflake application_id;
  Snowflake user_id;
  std::int32_t type = 0;
  bool deleted = false;
  Timestamp starts_at;
  Timestamp ends_at;
  Snowflake guild_id;
  bool consumed = false;
};

struct Subscription {
  Snowflake id;
  Snowflake user_id;
  std::vector<Snowflake> sku_ids;
  std::vector<Snowflake> entitlement_ids;
  std::vector<Snowflake> renewal_sku_ids;  // empty when null
  Timestamp current_period_start;
  Timestamp current_period_end;
  std::int32_t status = 0;  // 0 active, 1 ending, 2 inactive
  Timestamp canceled_at;
  std::optional<std::string> country;
};

struct ApplicationCommandPermission {
  Snowflake id;  // a role, a user or a channel (guild_id: @everyone; guild_id - 1: all channels)
  std::int32_t type = 0;  // 1 role, 2 user, 3 channel
  bool permission = false;
};

// One channel of a CHANNEL_INFO reply (op 43).
struct ChannelInfo {
  Snowflake id;
  std::optional<std::string> status;
  std::int64_t voice_start_time = 0;  // Unix seconds; 0 when null
};

}  // namespace gwtape::gateway
