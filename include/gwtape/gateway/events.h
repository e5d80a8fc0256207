// gwtape/gateway/events.h — the dispatch (op 0) events of API v10 and their registry.
//
// One list drives everything: `GWTAPE_TYPED_EVENTS` names each event that decodes into its
// own struct, `GWTAPE_RAW_EVENTS` each documented event kept as raw JSON. From them come the
// `EventType` enum, the name table (`event_name`, `event_type`), the `EventPayload` variant
// and the decoder dispatch (`decode_event`) — the seed's EventCreator. Adding an event is one
// line here (plus its struct, here or in events_more.h, and its field table in
// gateway/model_fields.h).
//
// Any name not in the lists (Discord adds events without notice) decodes to a `RawEvent`
// with `EventType::kUnknown` and the name kept: never an error, never dropped.
//
// Thread-safety: the tables are immutable; decode_event is reentrant (it takes its parser).
// Lifetimes: an Event owns all of its data; nothing points into the frame.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gwtape/common/padded.h"
#include "gwtape/gateway/errors.h"
#include "gwtape/gateway/events_more.h"
#include "gwtape/gateway/model.h"
#include "gwtape/gateway/model_more.h"

namespace gwtape::gateway {

// ---- Event structs (the seed's names, v10 fields; the rarer ones are in events_more.h) ----

struct ReadyEvent {
  std::int32_t v = 0;
  User user;
  std::vector<UnavailableGuild> guilds;
  std::vector<Channel> private_channels;
  std::string session_id;
  std::string resume_gateway_url;
  std::optional<std::array<std::int32_t, 2>> shard;
  Snowflake application_id;
};
struct ResumedEvent {};
struct RateLimitedEvent {
  std::int32_t opcode = 0;
  double retry_after = 0;
  std::string meta;  // raw JSON
};

struct ChannelCreateEvent : Channel {};
struct ChannelUpdateEvent : Channel {};
struct ChannelDeleteEvent : Channel {};
struct ChannelPinsUpdateEvent {
  Snowflake guild_id;
  Snowflake channel_id;
  Timestamp last_pin_timestamp;
};

struct ThreadMember {
  Snowflake id;  // the thread
  Snowflake user_id;
  Timestamp join_timestamp;
  std::uint64_t flags = 0;
};
struct ThreadCreateEvent : Channel {
  bool newly_created = false;
};
struct ThreadUpdateEvent : Channel {};
struct ThreadDeleteEvent : Channel {};
struct ThreadListSyncEvent {
  Snowflake guild_id;
  std::vector<Snowflake> channel_ids;
  std::vector<Channel> threads;
  std::vector<ThreadMember> members;
};
struct ThreadMemberUpdateEvent : ThreadMember {
  Snowflake guild_id;
};
struct ThreadMembersUpdateEvent {
  Snowflake id;
  Snowflake guild_id;
  std::int32_t member_count = 0;
  std::vector<ThreadMember> added_members;
  std::vector<Snowflake> removed_member_ids;
};

// The guild's scheduled events, stage instances and soundboard sounds are GUILD_CREATE's own, not
// the Guild's: a cached Guild (and the state digest) stays as it was before they were modelled.
struct GuildCreateEvent : Guild {
  std::vector<GuildScheduledEvent> guild_scheduled_events;
  std::vector<StageInstance> stage_instances;
  std::vector<SoundboardSound> soundboard_sounds;
};
struct GuildUpdateEvent : Guild {};
struct GuildDeleteEvent : UnavailableGuild {};
struct GuildBanAddEvent {
  Snowflake guild_id;
  User user;
};
struct GuildBanRemoveEvent : GuildBanAddEvent {};
struct GuildEmojisUpdateEvent {
  Snowflake guild_id;
  std::vector<Emoji> emojis;
};
struct GuildStickersUpdateEvent {
  Snowflake guild_id;
  std::vector<Sticker> stickers;
};
struct GuildIntegrationsUpdateEvent {
  Snowflake guild_id;
};
struct GuildMemberAddEvent : Member {
  Snowflake guild_id;
};
struct GuildMemberRemoveEvent {
  Snowflake guild_id;
  User user;
};
struct GuildMemberUpdateEvent : Member {
  Snowflake guild_id;
};
struct GuildMembersChunkEvent {
  Snowflake guild_id;
  std::vector<Member> members;
  std::int32_t chunk_index = 0;
  std::int32_t chunk_count = 0;
  std::vector<Snowflake> not_found;
  std::vector<Presence> presences;
  std::optional<std::string> nonce;
};
struct GuildRoleCreateEvent {
  Snowflake guild_id;
  Role role;
};
struct GuildRoleUpdateEvent : GuildRoleCreateEvent {};
struct GuildRoleDeleteEvent {
  Snowflake guild_id;
  Snowflake role_id;
};

struct MessageCreateEvent : Message {};
struct MessageUpdateEvent : Message {};
struct MessageDeleteEvent {
  Snowflake id;
  Snowflake channel_id;
  Snowflake guild_id;
};
struct MessageDeleteBulkEvent {
  std::vector<Snowflake> ids;
  Snowflake channel_id;
  Snowflake guild_id;
};
struct MessageReactionAddEvent {
  Snowflake user_id;
  Snowflake channel_id;
  Snowflake message_id;
  Snowflake guild_id;
  std::optional<Member> member;
  Emoji emoji;
  Snowflake message_author_id;
  bool burst = false;
  std::int32_t type = 0;
};
struct MessageReactionRemoveEvent : MessageReactionAddEvent {};
struct MessageReactionRemoveAllEvent {
  Snowflake channel_id;
  Snowflake message_id;
  Snowflake guild_id;
};
struct MessageReactionRemoveEmojiEvent : MessageReactionRemoveAllEvent {
  Emoji emoji;
};

struct PresenceUpdateEvent : Presence {};
struct TypingStartEvent {
  Snowflake channel_id;
  Snowflake guild_id;
  Snowflake user_id;
  std::int64_t timestamp = 0;  // Unix seconds
  std::optional<Member> member;
};
struct UserUpdateEvent : User {};
struct VoiceStateUpdateEvent : VoiceState {};
struct VoiceServerUpdateEvent {
  std::string token;
  Snowflake guild_id;
  std::optional<std::string> endpoint;
};
struct WebhooksUpdateEvent {
  Snowflake guild_id;
  Snowflake channel_id;
};
struct InteractionCreateEvent {
  Snowflake id;
  Snowflake application_id;
  std::int32_t type = 0;
  Snowflake guild_id;
  Snowflake channel_id;
  std::optional<Member> member;
  std::optional<User> user;
  std::string token;
  std::int32_t version = 0;
  std::string data;  // raw JSON of "data" (command options, component values)
  std::string locale;
  std::optional<std::string> guild_locale;
};
struct InviteCreateEvent {
  Snowflake channel_id;
  std::string code;
  Timestamp created_at;
  Snowflake guild_id;
  std::optional<User> inviter;
  std::int32_t max_age = 0;
  std::int32_t max_uses = 0;
  bool temporary = false;
  std::int32_t uses = 0;
};
struct InviteDeleteEvent {
  Snowflake channel_id;
  Snowflake guild_id;
  std::string code;
};

// op 10's payload (not a dispatch; the seed's HelloEvent).
struct HelloEvent {
  std::int64_t heartbeat_interval = 0;  // milliseconds
};

// An event kept as raw JSON: documented but not modelled, or unknown.
struct RawEvent {
  std::string d;
};

// ---- The registry ----------------------------------------------------------------------

// X(Enumerator, "NAME", Struct)
#define GWTAPE_TYPED_EVENTS(X)                                                                     \
  X(kReady, "READY", ReadyEvent)                                                                   \
  X(kResumed, "RESUMED", ResumedEvent)                                                             \
  X(kRateLimited, "RATE_LIMITED", RateLimitedEvent)                                                \
  X(kChannelCreate, "CHANNEL_CREATE", ChannelCreateEvent)                                          \
  X(kChannelUpdate, "CHANNEL_UPDATE", ChannelUpdateEvent)                                          \
  X(kChannelDelete, "CHANNEL_DELETE", ChannelDeleteEvent)                                          \
  X(kChannelPinsUpdate, "CHANNEL_PINS_UPDATE", ChannelPinsUpdateEvent)                             \
  X(kThreadCreate, "THREAD_CREATE", ThreadCreateEvent)                                             \
  X(kThreadUpdate, "THREAD_UPDATE", ThreadUpdateEvent)                                             \
  X(kThreadDelete, "THREAD_DELETE", ThreadDeleteEvent)                                             \
  X(kThreadListSync, "THREAD_LIST_SYNC", ThreadListSyncEvent)                                      \
  X(kThreadMemberUpdate, "THREAD_MEMBER_UPDATE", ThreadMemberUpdateEvent)                          \
  X(kThreadMembersUpdate, "THREAD_MEMBERS_UPDATE", ThreadMembersUpdateEvent)                       \
  X(kGuildCreate, "GUILD_CREATE", GuildCreateEvent)                                                \
  X(kGuildUpdate, "GUILD_UPDATE", GuildUpdateEvent)                                                \
  X(kGuildDelete, "GUILD_DELETE", GuildDeleteEvent)                                                \
  X(kGuildBanAdd, "GUILD_BAN_ADD", GuildBanAddEvent)                                               \
  X(kGuildBanRemove, "GUILD_BAN_REMOVE", GuildBanRemoveEvent)                                      \
  X(kGuildEmojisUpdate, "GUILD_EMOJIS_UPDATE", GuildEmojisUpdateEvent)                             \
  X(kGuildStickersUpdate, "GUILD_STICKERS_UPDATE", GuildStickersUpdateEvent)                       \
  X(kGuildIntegrationsUpdate, "GUILD_INTEGRATIONS_UPDATE", GuildIntegrationsUpdateEvent)           \
  X(kGuildMemberAdd, "GUILD_MEMBER_ADD", GuildMemberAddEvent)                                      \
  X(kGuildMemberRemove, "GUILD_MEMBER_REMOVE", GuildMemberRemoveEvent)                             \
  X(kGuildMemberUpdate, "GUILD_MEMBER_UPDATE", GuildMemberUpdateEvent)                             \
  X(kGuildMembersChunk, "GUILD_MEMBERS_CHUNK", GuildMembersChunkEvent)                             \
  X(kGuildRoleCreate, "GUILD_ROLE_CREATE", GuildRoleCreateEvent)                                   \
  X(kGuildRoleUpdate, "GUILD_ROLE_UPDATE", GuildRoleUpdateEvent)                                   \
  X(kGuildRoleDelete, "GUILD_ROLE_DELETE", GuildRoleDeleteEvent)                                   \
  X(kMessageCreate, "MESSAGE_CREATE", MessageCreateEvent)                                          \
  X(kMessageUpdate, "MESSAGE_UPDATE", MessageUpdateEvent)                                          \
  X(kMessageDelete, "MESSAGE_DELETE", MessageDeleteEvent)                                          \
  X(kMessageDeleteBulk, "MESSAGE_DELETE_BULK", MessageDeleteBulkEvent)                             \
  X(kMessageReactionAdd, "MESSAGE_REACTION_ADD", MessageReactionAddEvent)                          \
  X(kMessageReactionRemove, "MESSAGE_REACTION_REMOVE", MessageReactionRemoveEvent)                 \
  X(kMessageReactionRemoveAll, "MESSAGE_REACTION_REMOVE_ALL", MessageReactionRemoveAllEvent)       \
  X(kMessageReactionRemoveEmoji, "MESSAGE_REACTION_REMOVE_EMOJI", MessageReactionRemoveEmojiEvent) \
  X(kPresenceUpdate, "PRESENCE_UPDATE", PresenceUpdateEvent)                                       \
  X(kTypingStart, "TYPING_START", TypingStartEvent)                                                \
  X(kUserUpdate, "USER_UPDATE", UserUpdateEvent)                                                   \
  X(kVoiceStateUpdate, "VOICE_STATE_UPDATE", VoiceStateUpdateEvent)                                \
  X(kVoiceServerUpdate, "VOICE_SERVER_UPDATE", VoiceServerUpdateEvent)                             \
  X(kWebhooksUpdate, "WEBHOOKS_UPDATE", WebhooksUpdateEvent)                                       \
  X(kInteractionCreate, "INTERACTION_CREATE", InteractionCreateEvent)                              \
  X(kInviteCreate, "INVITE_CREATE", InviteCreateEvent)                                             \
  X(kInviteDelete, "INVITE_DELETE", InviteDeleteEvent)                                             \
  X(kApplicationCommandPermissionsUpdate, "APPLICATION_COMMAND_PERMISSIONS_UPDATE",                \
    ApplicationCommandPermissionsUpdateEvent)                                                      \
  X(kAutoModerationRuleCreate, "AUTO_MODERATION_RULE_CREATE", AutoModerationRuleCreateEvent)       \
  X(kAutoModerationRuleUpdate, "AUTO_MODERATION_RULE_UPDATE", AutoModerationRuleUpdateEvent)       \
  X(kAutoModerationRuleDelete, "AUTO_MODERATION_RULE_DELETE", AutoModerationRuleDeleteEvent)       \
  X(kAutoModerationActionExecution, "AUTO_MODERATION_ACTION_EXECUTION",                            \
    AutoModerationActionExecutionEvent)                                                            \
  X(kChannelInfo, "CHANNEL_INFO", ChannelInfoEvent)                                                \
  X(kEntitlementCreate, "ENTITLEMENT_CREATE", EntitlementCreateEvent)                              \
  X(kEntitlementUpdate, "ENTITLEMENT_UPDATE", EntitlementUpdateEvent)                              \
  X(kEntitlementDelete, "ENTITLEMENT_DELETE", EntitlementDeleteEvent)                              \
  X(kGuildAuditLogEntryCreate, "GUILD_AUDIT_LOG_ENTRY_CREATE", GuildAuditLogEntryCreateEvent)      \
  X(kGuildScheduledEventCreate, "GUILD_SCHEDULED_EVENT_CREATE", GuildScheduledEventCreateEvent)    \
  X(kGuildScheduledEventUpdate, "GUILD_SCHEDULED_EVENT_UPDATE", GuildScheduledEventUpdateEvent)    \
  X(kGuildScheduledEventDelete, "GUILD_SCHEDULED_EVENT_DELETE", GuildScheduledEventDeleteEvent)    \
  X(kGuildScheduledEventUserAdd, "GUILD_SCHEDULED_EVENT_USER_ADD",                                 \
    GuildScheduledEventUserAddEvent)                                                               \
  X(kGuildScheduledEventUserRemove, "GUILD_SCHEDULED_EVENT_USER_REMOVE",                           \
    GuildScheduledEventUserRemoveEvent)                                                            \
  X(kGuildSoundboardSoundCreate, "GUILD_SOUNDBOARD_SOUND_CREATE", GuildSoundboardSoundCreateEvent) \
  X(kGuildSoundboardSoundUpdate, "GUILD_SOUNDBOARD_SOUND_UPDATE", GuildSoundboardSoundUpdateEvent) \
  X(kGuildSoundboardSoundDelete, "GUILD_SOUNDBOARD_SOUND_DELETE", GuildSoundboardSoundDeleteEvent) \
  X(kGuildSoundboardSoundsUpdate, "GUILD_SOUNDBOARD_SOUNDS_UPDATE",                                \
    GuildSoundboardSoundsUpdateEvent)                                                              \
  X(kSoundboardSounds, "SOUNDBOARD_SOUNDS", SoundboardSoundsEvent)                                 \
  X(kIntegrationCreate, "INTEGRATION_CREATE", IntegrationCreateEvent)                              \
  X(kIntegrationUpdate, "INTEGRATION_UPDATE", IntegrationUpdateEvent)                              \
  X(kIntegrationDelete, "INTEGRATION_DELETE", IntegrationDeleteEvent)                              \
  X(kMessagePollVoteAdd, "MESSAGE_POLL_VOTE_ADD", MessagePollVoteAddEvent)                         \
  X(kMessagePollVoteRemove, "MESSAGE_POLL_VOTE_REMOVE", MessagePollVoteRemoveEvent)                \
  X(kStageInstanceCreate, "STAGE_INSTANCE_CREATE", StageInstanceCreateEvent)                       \
  X(kStageInstanceUpdate, "STAGE_INSTANCE_UPDATE", StageInstanceUpdateEvent)                       \
  X(kStageInstanceDelete, "STAGE_INSTANCE_DELETE", StageInstanceDeleteEvent)                       \
  X(kSubscriptionCreate, "SUBSCRIPTION_CREATE", SubscriptionCreateEvent)                           \
  X(kSubscriptionUpdate, "SUBSCRIPTION_UPDATE", SubscriptionUpdateEvent)                           \
  X(kSubscriptionDelete, "SUBSCRIPTION_DELETE", SubscriptionDeleteEvent)                           \
  X(kVoiceChannelEffectSend, "VOICE_CHANNEL_EFFECT_SEND", VoiceChannelEffectSendEvent)             \
  X(kVoiceChannelStartTimeUpdate, "VOICE_CHANNEL_START_TIME_UPDATE",                               \
    VoiceChannelStartTimeUpdateEvent)                                                              \
  X(kVoiceChannelStatusUpdate, "VOICE_CHANNEL_STATUS_UPDATE", VoiceChannelStatusUpdateEvent)

// X(Enumerator, "NAME"): events delivered as RawEvent. Both are user-account events (the
// arikawa seed's): Discord's bot documentation does not describe them, so there is nothing to
// model them from. Every event the documentation describes is typed above.
#define GWTAPE_RAW_EVENTS(X)                     \
  X(kUserSettingsUpdate, "USER_SETTINGS_UPDATE") \
  X(kUserGuildSettingsUpdate, "USER_GUILD_SETTINGS_UPDATE")

enum class EventType : std::uint16_t {
  kUnknown = 0,
#define GWTAPE_X(e, n, ...) e,
  GWTAPE_TYPED_EVENTS(GWTAPE_X) GWTAPE_RAW_EVENTS(GWTAPE_X)
#undef GWTAPE_X
      kCount
};

#define GWTAPE_X(e, n, T) , T
using EventPayload = std::variant<RawEvent GWTAPE_TYPED_EVENTS(GWTAPE_X)>;
#undef GWTAPE_X

struct Event {
  EventType type = EventType::kUnknown;
  std::string unknown_name;  // set only for EventType::kUnknown
  EventPayload payload;

  std::string_view name() const;
  template <class T>
  const T* as() const {
    return std::get_if<T>(&payload);
  }
};

// "MESSAGE_CREATE" for kMessageCreate; "" for kUnknown.
std::string_view event_name(EventType type);
// kUnknown for a name not in the lists.
EventType event_type(std::string_view name);
// True when the event has its own struct (not RawEvent).
bool is_typed(EventType type);

class DecodeContext;  // simdjson parser state, private to gateway/

// Decodes `d` (raw JSON text of a dispatch's "d") of the event called `name`: in place when it
// has kJsonPadding of room after it (padded.h; Envelope::padded_d() keeps the frame's), else
// from one copy. Errors: kParse / kType with the event name and the field path.
class EventDecoder {
 public:
  EventDecoder();
  ~EventDecoder();
  EventDecoder(const EventDecoder&) = delete;
  EventDecoder& operator=(const EventDecoder&) = delete;
  EventDecoder(EventDecoder&&) noexcept;
  EventDecoder& operator=(EventDecoder&&) noexcept;

  Result<Event> decode(std::string_view name, PaddedView d);
  // op 10's d. Errors: kMissingField without a positive heartbeat_interval.
  Result<HelloEvent> decode_hello(PaddedView d);

 private:
  std::unique_ptr<DecodeContext> ctx_;
};

}  // namespace gwtape::gateway
