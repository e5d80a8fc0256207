// gwtape/gateway/events_more.h — the event structs of the less frequent dispatches: scheduled
// events, stage instances, soundboard, auto-moderation, audit log, integrations, polls,
// entitlements, subscriptions, application command permissions and voice channel effects.
//
// Part of gwtape/gateway/events.h, which includes it before its registry: include that one.
// The registry lines of these structs are in events.h; their objects in model_more.h.
//
// Thread-safety: plain values. Lifetimes: an event owns all of its data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gwtape/gateway/model.h"
#include "gwtape/gateway/model_more.h"

namespace gwtape::gateway {

struct ApplicationCommandPermissionsUpdateEvent {
  Snowflake id;  // the command, or the application for its default permissions
  Snowflake application_id;
  Snowflake guild_id;
  std::vector<ApplicationCommandPermission> permissions;
};

struct AutoModerationRuleCreateEvent : AutoModerationRule {};
struct AutoModerationRuleUpdateEvent : AutoModerationRule {};
struct AutoModerationRuleDeleteEvent : AutoModerationRule {};
struct AutoModerationActionExecutionEvent {
  Snowflake guild_id;
  AutoModerationAction action;
  Snowflake rule_id;
  std::int32_t rule_trigger_type = 0;
  Snowflake user_id;
  Snowflake channel_id;
  Snowflake message_id;
  Snowflake alert_system_message_id;
  std::string content;  // empty without the MESSAGE_CONTENT intent
  std::optional<std::string> matched_keyword;
  std::optional<std::string> matched_content;
};

// The reply to op 43 (Request Channel Info).
struct ChannelInfoEvent {
  Snowflake guild_id;
  std::vector<ChannelInfo> channels;
};

struct EntitlementCreateEvent : Entitlement {};
struct EntitlementUpdateEvent : Entitlement {};
struct EntitlementDeleteEvent : Entitlement {};

// An audit log entry, with its guild.
struct GuildAuditLogEntryCreateEvent {
  Snowflake id;
  Snowflake guild_id;
  std::optional<std::string> target_id;  // a string in Discord's table, not always an id
  Snowflake user_id;
  std::int32_t action_type = 0;
  std::string changes;  // raw JSON: [{key, old_value, new_value}, ...]
  std::string options;  // raw JSON
  std::optional<std::string> reason;
};

struct GuildScheduledEventCreateEvent : GuildScheduledEvent {};
struct GuildScheduledEventUpdateEvent : GuildScheduledEvent {};
struct GuildScheduledEventDeleteEvent : GuildScheduledEvent {};
struct GuildScheduledEventUserAddEvent {
  Snowflake guild_scheduled_event_id;
  Snowflake user_id;
  Snowflake guild_id;
};
struct GuildScheduledEventUserRemoveEvent : GuildScheduledEventUserAddEvent {};

struct GuildSoundboardSoundCreateEvent : SoundboardSound {};
struct GuildSoundboardSoundUpdateEvent : SoundboardSound {};
struct GuildSoundboardSoundDeleteEvent {
  Snowflake sound_id;
  Snowflake guild_id;
};
// All of a guild's sounds: after a change (GUILD_SOUNDBOARD_SOUNDS_UPDATE) or in reply to op 31
// (SOUNDBOARD_SOUNDS).
struct GuildSoundboardSoundsUpdateEvent {
  std::vector<SoundboardSound> soundboard_sounds;
  Snowflake guild_id;
};
struct SoundboardSoundsEvent : GuildSoundboardSoundsUpdateEvent {};

struct IntegrationCreateEvent : Integration {
  Snowflake guild_id;
};
struct IntegrationUpdateEvent : IntegrationCreateEvent {};
struct IntegrationDeleteEvent {
  Snowflake id;
  Snowflake guild_id;
  Snowflake application_id;
};

struct MessagePollVoteAddEvent {
  Snowflake user_id;
  Snowflake channel_id;
  Snowflake message_id;
  Snowflake guild_id;
  std::int32_t answer_id = 0;
};
struct MessagePollVoteRemoveEvent : MessagePollVoteAddEvent {};

struct StageInstanceCreateEvent : StageInstance {};
struct StageInstanceUpdateEvent : StageInstance {};
struct StageInstanceDeleteEvent : StageInstance {};

struct SubscriptionCreateEvent : Subscription {};
struct SubscriptionUpdateEvent : Subscription {};
struct SubscriptionDeleteEvent : Subscription {};

// An emoji reaction or a soundboard sound sent in a voice channel.
struct VoiceChannelEffectSendEvent {
  Snowflake channel_id;
  Snowflake guild_id;
  Snowflake user_id;
  std::optional<Emoji> emoji;
  std::int32_t animation_type = 0;
  std::int64_t animation_id = 0;
  Snowflake sound_id;  // a snowflake, or a small integer for a default sound
  double sound_volume = 0;
};
struct VoiceChannelStartTimeUpdateEvent {
  Snowflake id;  // the channel
  Snowflake guild_id;
  std::int64_t voice_start_time = 0;  // Unix seconds; 0 when null
};
struct VoiceChannelStatusUpdateEvent {
  Snowflake id;  // the channel
  Snowflake guild_id;
  std::optional<std::string> status;
};

}  // namespace gwtape::gateway
