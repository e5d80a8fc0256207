// gateway/state/reducers.h — private: the reducer table of state::Cache.
//
// `Reducer<T>` has `apply(CacheState&, T&&)` for each event struct the cache reduces; for any
// other T it has kHandled = false and the cache counts the event as ignored. The table is keyed
// by the exact event type, never by a base: GuildBanRemoveEvent derives from GuildBanAddEvent,
// MessageReactionRemoveEvent from MessageReactionAddEvent, and a derived event must never run
// its base's reducer. Cache::reduces() is built from this table and the event registry.
//
// Thread-safety: reducers touch only the state they are given. Lifetimes: they take the event
// by rvalue and move what they keep.
#pragma once

#include "cache_state.h"
#include "gwtape/gateway/events.h"

namespace gwtape::gateway::state {

template <class T>
struct Reducer {
  static constexpr bool kHandled = false;
};

#define GWTAPE_REDUCER(T)                     \
  template <>                                 \
  struct Reducer<T> {                         \
    static constexpr bool kHandled = true;    \
    static void apply(CacheState& s, T&& ev); \
  };

// Session (reduce_guild.cpp)
GWTAPE_REDUCER(ReadyEvent)
GWTAPE_REDUCER(ResumedEvent)
GWTAPE_REDUCER(UserUpdateEvent)
// Guilds, roles, emojis, stickers (reduce_guild.cpp)
GWTAPE_REDUCER(GuildCreateEvent)
GWTAPE_REDUCER(GuildUpdateEvent)
GWTAPE_REDUCER(GuildDeleteEvent)
GWTAPE_REDUCER(GuildRoleCreateEvent)
GWTAPE_REDUCER(GuildRoleUpdateEvent)
GWTAPE_REDUCER(GuildRoleDeleteEvent)
GWTAPE_REDUCER(GuildEmojisUpdateEvent)
GWTAPE_REDUCER(GuildStickersUpdateEvent)
// Scheduled events, stage instances, soundboard sounds (reduce_guild_more.cpp)
GWTAPE_REDUCER(GuildScheduledEventCreateEvent)
GWTAPE_REDUCER(GuildScheduledEventUpdateEvent)
GWTAPE_REDUCER(GuildScheduledEventDeleteEvent)
GWTAPE_REDUCER(GuildScheduledEventUserAddEvent)
GWTAPE_REDUCER(GuildScheduledEventUserRemoveEvent)
GWTAPE_REDUCER(StageInstanceCreateEvent)
GWTAPE_REDUCER(StageInstanceUpdateEvent)
GWTAPE_REDUCER(StageInstanceDeleteEvent)
GWTAPE_REDUCER(GuildSoundboardSoundCreateEvent)
GWTAPE_REDUCER(GuildSoundboardSoundUpdateEvent)
GWTAPE_REDUCER(GuildSoundboardSoundDeleteEvent)
GWTAPE_REDUCER(GuildSoundboardSoundsUpdateEvent)
GWTAPE_REDUCER(SoundboardSoundsEvent)
// Members, presences, voice states, typing (reduce_member.cpp)
GWTAPE_REDUCER(GuildMemberAddEvent)
GWTAPE_REDUCER(GuildMemberUpdateEvent)
GWTAPE_REDUCER(GuildMemberRemoveEvent)
GWTAPE_REDUCER(GuildMembersChunkEvent)
GWTAPE_REDUCER(PresenceUpdateEvent)
GWTAPE_REDUCER(VoiceStateUpdateEvent)
GWTAPE_REDUCER(TypingStartEvent)
// Channels and threads (reduce_channel.cpp)
GWTAPE_REDUCER(ChannelCreateEvent)
GWTAPE_REDUCER(ChannelUpdateEvent)
GWTAPE_REDUCER(ChannelDeleteEvent)
GWTAPE_REDUCER(ChannelPinsUpdateEvent)
GWTAPE_REDUCER(ThreadCreateEvent)
GWTAPE_REDUCER(ThreadUpdateEvent)
GWTAPE_REDUCER(ThreadDeleteEvent)
GWTAPE_REDUCER(ThreadListSyncEvent)
GWTAPE_REDUCER(ThreadMemberUpdateEvent)
GWTAPE_REDUCER(ThreadMembersUpdateEvent)
// Messages and reactions (reduce_message.cpp)
GWTAPE_REDUCER(MessageCreateEvent)
GWTAPE_REDUCER(MessageUpdateEvent)
GWTAPE_REDUCER(MessageDeleteEvent)
GWTAPE_REDUCER(MessageDeleteBulkEvent)
GWTAPE_REDUCER(MessageReactionAddEvent)
GWTAPE_REDUCER(MessageReactionRemoveEvent)
GWTAPE_REDUCER(MessageReactionRemoveAllEvent)
GWTAPE_REDUCER(MessageReactionRemoveEmojiEvent)

#undef GWTAPE_REDUCER

}  // namespace gwtape::gateway::state
