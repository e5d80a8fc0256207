// gateway/model_fields.h — private: the field table of every model struct and typed event.
//
// One list per struct (see field_table.h for the descriptors). The order of a list is the
// canonical writer's order, which the state digest covers: append new fields at the end of
// their struct's list, or every recorded digest changes. Adding an event is its line in the
// registry (gwtape/gateway/events.h), its struct, and its list here.
#pragma once

#include "field_table.h"
#include "gwtape/gateway/events.h"
#include "gwtape/gateway/model.h"
#include "gwtape/gateway/model_more.h"

namespace gwtape::gateway::detail {

// ---- model structs (gwtape/gateway/model.h) --------------------------------------------

GWTAPE_FIELDS(User, GWTAPE_F(id), GWTAPE_F(username), GWTAPE_F(global_name), GWTAPE_F(avatar),
              GWTAPE_F(discriminator), GWTAPE_F(bot), GWTAPE_F(system), GWTAPE_F(public_flags));
GWTAPE_FIELDS(Role, GWTAPE_F(id), GWTAPE_F(name), GWTAPE_F(color), GWTAPE_F(hoist),
              GWTAPE_F(position), GWTAPE_F(permissions), GWTAPE_F(managed), GWTAPE_F(mentionable));
GWTAPE_FIELDS(Member, GWTAPE_F(user), GWTAPE_F(nick), GWTAPE_F(avatar), GWTAPE_F(roles),
              GWTAPE_F(joined_at), GWTAPE_F(premium_since), GWTAPE_F(deaf), GWTAPE_F(mute),
              GWTAPE_F(pending), GWTAPE_F(communication_disabled_until));
GWTAPE_FIELDS(Emoji, GWTAPE_F(id), GWTAPE_F(name), GWTAPE_F(roles), GWTAPE_F(animated),
              GWTAPE_F(managed), GWTAPE_F(available));
GWTAPE_FIELDS(Sticker, GWTAPE_F(id), GWTAPE_F(name), GWTAPE_F(tags), GWTAPE_F(format_type));
GWTAPE_FIELDS(PermissionOverwrite, GWTAPE_F(id), GWTAPE_F(type), GWTAPE_F(allow), GWTAPE_F(deny));
GWTAPE_FIELDS(ThreadMetadata, GWTAPE_F(archived), GWTAPE_F(locked), GWTAPE_F(auto_archive_duration),
              GWTAPE_F(archive_timestamp));
GWTAPE_FIELDS(Channel, GWTAPE_F(id), GWTAPE_F(type), GWTAPE_F(guild_id), GWTAPE_F(name),
              GWTAPE_F(topic), GWTAPE_F(position), GWTAPE_F(nsfw), GWTAPE_F(parent_id),
              GWTAPE_F(owner_id), GWTAPE_F(last_message_id), GWTAPE_F(rate_limit_per_user),
              GWTAPE_F(bitrate), GWTAPE_F(user_limit), GWTAPE_F(permission_overwrites),
              GWTAPE_F(recipients), GWTAPE_F(thread_metadata), GWTAPE_F(message_count),
              GWTAPE_F(member_count), GWTAPE_F(last_pin_timestamp));
GWTAPE_FIELDS(Activity, GWTAPE_F(name), GWTAPE_F(type), GWTAPE_F(state), GWTAPE_F(url));
GWTAPE_FIELDS(Presence, Nested<"user", Field<"id", &T::user_id>>, GWTAPE_F(guild_id),
              GWTAPE_F(status), GWTAPE_F(activities),
              Nested<"client_status", Field<"desktop", &T::client_desktop>,
                     Field<"mobile", &T::client_mobile>, Field<"web", &T::client_web>>);
GWTAPE_FIELDS(VoiceState, GWTAPE_F(guild_id), GWTAPE_F(channel_id), GWTAPE_F(user_id),
              GWTAPE_F(member), GWTAPE_F(session_id), GWTAPE_F(deaf), GWTAPE_F(mute),
              GWTAPE_F(self_deaf), GWTAPE_F(self_mute), GWTAPE_F(self_stream), GWTAPE_F(self_video),
              GWTAPE_F(suppress), GWTAPE_F(request_to_speak_timestamp));
GWTAPE_FIELDS(Attachment, GWTAPE_F(id), GWTAPE_F(filename), GWTAPE_F(size), GWTAPE_F(url),
              GWTAPE_F(content_type));
GWTAPE_FIELDS(Reaction, GWTAPE_F(count), GWTAPE_F(me), GWTAPE_F(emoji));
GWTAPE_FIELDS(Message, GWTAPE_F(id), GWTAPE_F(channel_id), GWTAPE_F(guild_id), GWTAPE_F(author),
              GWTAPE_F(member), GWTAPE_F(content), GWTAPE_F(timestamp), GWTAPE_F(edited_timestamp),
              GWTAPE_F(tts), GWTAPE_F(mention_everyone), GWTAPE_F(mentions),
              GWTAPE_F(mention_roles), GWTAPE_F(attachments),
              // Embeds are not modelled: their count is kept, written as "embeds_count".
              Counted<"embeds", "embeds_count", &T::embeds>, GWTAPE_F(reactions),
              TextOrNumber<"nonce", &T::nonce>, GWTAPE_F(pinned), GWTAPE_F(webhook_id),
              GWTAPE_F(type), GWTAPE_F(flags),
              Nested<"message_reference", Field<"message_id", &T::referenced_message_id>>);
GWTAPE_FIELDS(UnavailableGuild, GWTAPE_F(id), GWTAPE_F(unavailable));
GWTAPE_FIELDS(Guild, GWTAPE_F(id), GWTAPE_F(name), GWTAPE_F(icon), GWTAPE_F(owner_id),
              GWTAPE_F(roles), GWTAPE_F(emojis), GWTAPE_F(stickers), GWTAPE_F(features),
              GWTAPE_F(preferred_locale), GWTAPE_F(premium_tier), GWTAPE_F(verification_level),
              GWTAPE_F(unavailable), GWTAPE_F(joined_at), GWTAPE_F(large), GWTAPE_F(member_count),
              GWTAPE_F(channels), GWTAPE_F(threads), GWTAPE_F(members), GWTAPE_F(presences),
              GWTAPE_F(voice_states));
GWTAPE_FIELDS(ThreadMember, GWTAPE_F(id), GWTAPE_F(user_id), GWTAPE_F(join_timestamp),
              GWTAPE_F(flags));

// ---- model structs (gwtape/gateway/model_more.h) ---------------------------------------

GWTAPE_FIELDS(GuildScheduledEvent, GWTAPE_F(id), GWTAPE_F(guild_id), GWTAPE_F(channel_id),
              GWTAPE_F(creator_id), GWTAPE_F(name), GWTAPE_F(description),
              GWTAPE_F(scheduled_start_time), GWTAPE_F(scheduled_end_time), GWTAPE_F(privacy_level),
              GWTAPE_F(status), GWTAPE_F(entity_type), GWTAPE_F(entity_id),
              Nested<"entity_metadata", Field<"location", &T::location>>, GWTAPE_F(creator),
              GWTAPE_F(user_count), GWTAPE_F(image), Raw<"recurrence_rule", &T::recurrence_rule>);
GWTAPE_FIELDS(StageInstance, GWTAPE_F(id), GWTAPE_F(guild_id), GWTAPE_F(channel_id),
              GWTAPE_F(topic), GWTAPE_F(privacy_level), GWTAPE_F(discoverable_disabled),
              GWTAPE_F(guild_scheduled_event_id));
GWTAPE_FIELDS(SoundboardSound, GWTAPE_F(name), GWTAPE_F(sound_id), GWTAPE_F(volume),
              GWTAPE_F(emoji_id), GWTAPE_F(emoji_name), GWTAPE_F(guild_id), GWTAPE_F(available),
              GWTAPE_F(user));
GWTAPE_FIELDS(AutoModerationAction, GWTAPE_F(type), Raw<"metadata", &T::metadata>);
GWTAPE_FIELDS(AutoModerationRule, GWTAPE_F(id), GWTAPE_F(guild_id), GWTAPE_F(name),
              GWTAPE_F(creator_id), GWTAPE_F(event_type), GWTAPE_F(trigger_type),
              Raw<"trigger_metadata", &T::trigger_metadata>, GWTAPE_F(actions), GWTAPE_F(enabled),
              GWTAPE_F(exempt_roles), GWTAPE_F(exempt_channels));
GWTAPE_FIELDS(Integration, GWTAPE_F(id), GWTAPE_F(name), GWTAPE_F(type), GWTAPE_F(enabled),
              GWTAPE_F(syncing), GWTAPE_F(role_id), GWTAPE_F(enable_emoticons),
              GWTAPE_F(expire_behavior), GWTAPE_F(expire_grace_period), GWTAPE_F(user),
              Nested<"account", Field<"id", &T::account_id>, Field<"name", &T::account_name>>,
              GWTAPE_F(synced_at), GWTAPE_F(subscriber_count), GWTAPE_F(revoked),
              Nested<"application", Field<"id", &T::application_id>>, GWTAPE_F(scopes));
GWTAPE_FIELDS(Entitlement, GWTAPE_F(id), GWTAPE_F(sku_id), GWTAPE_F(application_id),
              GWTAPE_F(user_id), GWTAPE_F(type), GWTAPE_F(deleted), GWTAPE_F(starts_at),
              GWTAPE_F(ends_at), GWTAPE_F(guild_id), GWTAPE_F(consumed));
GWTAPE_FIELDS(Subscription, GWTAPE_F(id), GWTAPE_F(user_id), GWTAPE_F(sku_ids),
              GWTAPE_F(entitlement_ids), GWTAPE_F(renewal_sku_ids), GWTAPE_F(current_period_start),
              GWTAPE_F(current_period_end), GWTAPE_F(status), GWTAPE_F(canceled_at),
              GWTAPE_F(country));
GWTAPE_FIELDS(ApplicationCommandPermission, GWTAPE_F(id), GWTAPE_F(type), GWTAPE_F(permission));
GWTAPE_FIELDS(ChannelInfo, GWTAPE_F(id), GWTAPE_F(status), GWTAPE_F(voice_start_time));

// ---- events (gwtape/gateway/events.h) --------------------------------------------------

GWTAPE_FIELDS(HelloEvent, GWTAPE_F(heartbeat_interval));
GWTAPE_FIELDS(ReadyEvent, GWTAPE_F(v), GWTAPE_F(user), GWTAPE_F(guilds), GWTAPE_F(private_channels),
              GWTAPE_F(session_id), GWTAPE_F(resume_gateway_url), GWTAPE_F(shard),
              Nested<"application", Field<"id", &T::application_id>>);
GWTAPE_FIELDS(ResumedEvent);
GWTAPE_FIELDS(RateLimitedEvent, GWTAPE_F(opcode), GWTAPE_F(retry_after), Raw<"meta", &T::meta>);
GWTAPE_FIELDS_AS(ChannelCreateEvent, Channel);
GWTAPE_FIELDS_AS(ChannelUpdateEvent, Channel);
GWTAPE_FIELDS_AS(ChannelDeleteEvent, Channel);
GWTAPE_FIELDS(ChannelPinsUpdateEvent, GWTAPE_F(guild_id), GWTAPE_F(channel_id),
              GWTAPE_F(last_pin_timestamp));
GWTAPE_FIELDS(ThreadCreateEvent, Base<Channel>, GWTAPE_F(newly_created));
GWTAPE_FIELDS_AS(ThreadUpdateEvent, Channel);
GWTAPE_FIELDS_AS(ThreadDeleteEvent, Channel);
GWTAPE_FIELDS(ThreadListSyncEvent, GWTAPE_F(guild_id), GWTAPE_F(channel_ids), GWTAPE_F(threads),
              GWTAPE_F(members));
GWTAPE_FIELDS(ThreadMemberUpdateEvent, Base<ThreadMember>, GWTAPE_F(guild_id));
GWTAPE_FIELDS(ThreadMembersUpdateEvent, GWTAPE_F(id), GWTAPE_F(guild_id), GWTAPE_F(member_count),
              GWTAPE_F(added_members), GWTAPE_F(removed_member_ids));
// GUILD_CREATE's own arrays come after the Guild's fields (a Guild writes as it always did).
GWTAPE_FIELDS(GuildCreateEvent, Base<Guild>, GWTAPE_F(guild_scheduled_events),
              GWTAPE_F(stage_instances), GWTAPE_F(soundboard_sounds));
GWTAPE_FIELDS_AS(GuildUpdateEvent, Guild);
GWTAPE_FIELDS_AS(GuildDeleteEvent, UnavailableGuild);
GWTAPE_FIELDS(GuildBanAddEvent, GWTAPE_F(guild_id), GWTAPE_F(user));
GWTAPE_FIELDS_AS(GuildBanRemoveEvent, GuildBanAddEvent);
GWTAPE_FIELDS(GuildEmojisUpdateEvent, GWTAPE_F(guild_id), GWTAPE_F(emojis));
GWTAPE_FIELDS(GuildStickersUpdateEvent, GWTAPE_F(guild_id), GWTAPE_F(stickers));
GWTAPE_FIELDS(GuildIntegrationsUpdateEvent, GWTAPE_F(guild_id));
GWTAPE_FIELDS(GuildMemberAddEvent, Base<Member>, GWTAPE_F(guild_id));
GWTAPE_FIELDS(GuildMemberRemoveEvent, GWTAPE_F(guild_id), GWTAPE_F(user));
GWTAPE_FIELDS(GuildMemberUpdateEvent, Base<Member>, GWTAPE_F(guild_id));
GWTAPE_FIELDS(GuildMembersChunkEvent, GWTAPE_F(guild_id), GWTAPE_F(members), GWTAPE_F(chunk_index),
              GWTAPE_F(chunk_count), GWTAPE_F(not_found), GWTAPE_F(presences),
              TextOrNumber<"nonce", &T::nonce>);
GWTAPE_FIELDS(GuildRoleCreateEvent, GWTAPE_F(guild_id), GWTAPE_F(role));
GWTAPE_FIELDS_AS(GuildRoleUpdateEvent, GuildRoleCreateEvent);
GWTAPE_FIELDS(GuildRoleDeleteEvent, GWTAPE_F(guild_id), GWTAPE_F(role_id));
GWTAPE_FIELDS_AS(MessageCreateEvent, Message);
GWTAPE_FIELDS_AS(MessageUpdateEvent, Message);
GWTAPE_FIELDS(MessageDeleteEvent, GWTAPE_F(id), GWTAPE_F(channel_id), GWTAPE_F(guild_id));
GWTAPE_FIELDS(MessageDeleteBulkEvent, GWTAPE_F(ids), GWTAPE_F(channel_id), GWTAPE_F(guild_id));
GWTAPE_FIELDS(MessageReactionAddEvent, GWTAPE_F(user_id), GWTAPE_F(channel_id),
              GWTAPE_F(message_id), GWTAPE_F(guild_id), GWTAPE_F(member), GWTAPE_F(emoji),
              GWTAPE_F(message_author_id), GWTAPE_F(burst), GWTAPE_F(type));
GWTAPE_FIELDS_AS(MessageReactionRemoveEvent, MessageReactionAddEvent);
GWTAPE_FIELDS(MessageReactionRemoveAllEvent, GWTAPE_F(channel_id), GWTAPE_F(message_id),
              GWTAPE_F(guild_id));
GWTAPE_FIELDS(MessageReactionRemoveEmojiEvent, Base<MessageReactionRemoveAllEvent>,
              GWTAPE_F(emoji));
GWTAPE_FIELDS_AS(PresenceUpdateEvent, Presence);
GWTAPE_FIELDS(TypingStartEvent, GWTAPE_F(channel_id), GWTAPE_F(guild_id), GWTAPE_F(user_id),
              GWTAPE_F(timestamp), GWTAPE_F(member));
GWTAPE_FIELDS_AS(UserUpdateEvent, User);
GWTAPE_FIELDS_AS(VoiceStateUpdateEvent, VoiceState);
GWTAPE_FIELDS(VoiceServerUpdateEvent, GWTAPE_F(token), GWTAPE_F(guild_id), GWTAPE_F(endpoint));
GWTAPE_FIELDS(WebhooksUpdateEvent, GWTAPE_F(guild_id), GWTAPE_F(channel_id));
GWTAPE_FIELDS(InteractionCreateEvent, GWTAPE_F(id), GWTAPE_F(application_id), GWTAPE_F(type),
              GWTAPE_F(guild_id), GWTAPE_F(channel_id), GWTAPE_F(member), GWTAPE_F(user),
              GWTAPE_F(token), GWTAPE_F(version), Raw<"data", &T::data>, GWTAPE_F(locale),
              GWTAPE_F(guild_locale));
GWTAPE_FIELDS(InviteCreateEvent, GWTAPE_F(channel_id), GWTAPE_F(code), GWTAPE_F(created_at),
              GWTAPE_F(guild_id), GWTAPE_F(inviter), GWTAPE_F(max_age), GWTAPE_F(max_uses),
              GWTAPE_F(temporary), GWTAPE_F(uses));
GWTAPE_FIELDS(InviteDeleteEvent, GWTAPE_F(channel_id), GWTAPE_F(guild_id), GWTAPE_F(code));

// ---- events (gwtape/gateway/events_more.h) ---------------------------------------------

GWTAPE_FIELDS(ApplicationCommandPermissionsUpdateEvent, GWTAPE_F(id), GWTAPE_F(application_id),
              GWTAPE_F(guild_id), GWTAPE_F(permissions));
GWTAPE_FIELDS_AS(AutoModerationRuleCreateEvent, AutoModerationRule);
GWTAPE_FIELDS_AS(AutoModerationRuleUpdateEvent, AutoModerationRule);
GWTAPE_FIELDS_AS(AutoModerationRuleDeleteEvent, AutoModerationRule);
GWTAPE_FIELDS(AutoModerationActionExecutionEvent, GWTAPE_F(guild_id), GWTAPE_F(action),
              GWTAPE_F(rule_id), GWTAPE_F(rule_trigger_type), GWTAPE_F(user_id),
              GWTAPE_F(channel_id), GWTAPE_F(message_id), GWTAPE_F(alert_system_message_id),
              GWTAPE_F(content), GWTAPE_F(matched_keyword), GWTAPE_F(matched_content));
GWTAPE_FIELDS(ChannelInfoEvent, GWTAPE_F(guild_id), GWTAPE_F(channels));
GWTAPE_FIELDS_AS(EntitlementCreateEvent, Entitlement);
GWTAPE_FIELDS_AS(EntitlementUpdateEvent, Entitlement);
GWTAPE_FIELDS_AS(EntitlementDeleteEvent, Entitlement);
GWTAPE_FIELDS(GuildAuditLogEntryCreateEvent, GWTAPE_F(id), GWTAPE_F(guild_id), GWTAPE_F(target_id),
              GWTAPE_F(user_id), GWTAPE_F(action_type), Raw<"changes", &T::changes>,
              Raw<"options", &T::options>, GWTAPE_F(reason));
GWTAPE_FIELDS_AS(GuildScheduledEventCreateEvent, GuildScheduledEvent);
GWTAPE_FIELDS_AS(GuildScheduledEventUpdateEvent, GuildScheduledEvent);
GWTAPE_FIELDS_AS(GuildScheduledEventDeleteEvent, GuildScheduledEvent);
GWTAPE_FIELDS(GuildScheduledEventUserAddEvent, GWTAPE_F(guild_scheduled_event_id),
              GWTAPE_F(user_id), GWTAPE_F(guild_id));
GWTAPE_FIELDS_AS(GuildScheduledEventUserRemoveEvent, GuildScheduledEventUserAddEvent);
GWTAPE_FIELDS_AS(GuildSoundboardSoundCreateEvent, SoundboardSound);
GWTAPE_FIELDS_AS(GuildSoundboardSoundUpdateEvent, SoundboardSound);
GWTAPE_FIELDS(GuildSoundboardSoundDeleteEvent, GWTAPE_F(sound_id), GWTAPE_F(guild_id));
GWTAPE_FIELDS(GuildSoundboardSoundsUpdateEvent, GWTAPE_F(soundboard_sounds), GWTAPE_F(guild_id));
GWTAPE_FIELDS_AS(SoundboardSoundsEvent, GuildSoundboardSoundsUpdateEvent);
GWTAPE_FIELDS(IntegrationCreateEvent, Base<Integration>, GWTAPE_F(guild_id));
GWTAPE_FIELDS_AS(IntegrationUpdateEvent, IntegrationCreateEvent);
GWTAPE_FIELDS(IntegrationDeleteEvent, GWTAPE_F(id), GWTAPE_F(guild_id), GWTAPE_F(application_id));
GWTAPE_FIELDS(MessagePollVoteAddEvent, GWTAPE_F(user_id), GWTAPE_F(channel_id),
              GWTAPE_F(message_id), GWTAPE_F(guild_id), GWTAPE_F(answer_id));
GWTAPE_FIELDS_AS(MessagePollVoteRemoveEvent, MessagePollVoteAddEvent);
GWTAPE_FIELDS_AS(StageInstanceCreateEvent, StageInstance);
GWTAPE_FIELDS_AS(StageInstanceUpdateEvent, StageInstance);
GWTAPE_FIELDS_AS(StageInstanceDeleteEvent, StageInstance);
GWTAPE_FIELDS_AS(SubscriptionCreateEvent, Subscription);
GWTAPE_FIELDS_AS(SubscriptionUpdateEvent, Subscription);
GWTAPE_FIELDS_AS(SubscriptionDeleteEvent, Subscription);
GWTAPE_FIELDS(VoiceChannelEffectSendEvent, GWTAPE_F(channel_id), GWTAPE_F(guild_id),
              GWTAPE_F(user_id), GWTAPE_F(emoji), GWTAPE_F(animation_type), GWTAPE_F(animation_id),
              GWTAPE_F(sound_id), GWTAPE_F(sound_volume));
GWTAPE_FIELDS(VoiceChannelStartTimeUpdateEvent, GWTAPE_F(id), GWTAPE_F(guild_id),
              GWTAPE_F(voice_start_time));
GWTAPE_FIELDS(VoiceChannelStatusUpdateEvent, GWTAPE_F(id), GWTAPE_F(guild_id), GWTAPE_F(status));

// Every typed event has a table of its own (a derived event never writes as its base by
// accident: the writer and the decoder take a table of exactly the struct's type).
#define GWTAPE_X(e, n, T) static_assert(HasFields<T>, #T " has no field table");
GWTAPE_TYPED_EVENTS(GWTAPE_X)
#undef GWTAPE_X

}  // namespace gwtape::gateway::detail
