// gateway/state/cache_state.h — private: the containers behind state::Cache, and the helpers
// the reducers share.
//
// Channels, threads and private channels share one map by id (a MESSAGE_CREATE finds its
// channel in one lookup, whatever kind it is); a guild keeps the ids of its channels and
// threads so that removing it is linear in its own size. Messages are kept per channel, apart
// from the channels: a message may arrive in a channel the cache does not know (a DM, for a
// bot), and is still kept.
//
// Thread-safety: none; owned by one Cache. Lifetimes: plain values.
#pragma once

#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "gwtape/gateway/state/cache.h"

namespace gwtape::gateway::state {

// One channel's last N messages, sorted by id (oldest first), in a ring of at most N slots
// that grows to N and then recycles the oldest slot: appending a newer message is O(1) and
// allocates nothing once the ring is full; a lookup is O(log N); an out-of-order insert or a
// delete moves at most N/2 messages.
class MessageLog {
 public:
  Snowflake guild_id;  // of the first message kept (0 in DMs): what a guild's removal scans

  // Inserts or replaces by id; keeps the `limit` newest. Returns how many were evicted (an
  // insert older than a full window evicts the message itself). REQUIRES: the same limit on
  // every call.
  std::size_t put(Message&& message, std::size_t limit);
  Message* find(Snowflake id);
  const Message* find(Snowflake id) const;
  bool erase(Snowflake id);

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  // The i-th kept message, oldest first. REQUIRES: i < size().
  const Message& at(std::size_t i) const { return slots_[slot(i)]; }

 private:
  std::size_t slot(std::size_t i) const {
    const std::size_t p = head_ + i;
    return p < slots_.size() ? p : p - slots_.size();
  }
  Message& at(std::size_t i) { return slots_[slot(i)]; }
  std::size_t lower_bound(Snowflake id) const;  // first logical index whose id >= id
  void insert_at(std::size_t pos, Message&& message, std::size_t limit);

  std::vector<Message> slots_;  // a ring once it holds `limit` slots; linear before
  std::size_t head_ = 0;        // slot of the oldest message
  std::size_t size_ = 0;
};

struct CacheState {
  CacheOptions options;
  CacheStats stats;
  std::optional<User> user;
  std::unordered_map<Snowflake, CachedGuild> guilds;
  std::unordered_map<Snowflake, Channel> channels;  // guild channels, threads, private channels
  std::unordered_set<Snowflake> private_ids;
  std::unordered_map<Snowflake, ThreadMember> thread_members;  // the current user's, by thread
  std::unordered_map<Snowflake, MessageLog> messages;          // by channel id

  void clear();

  // The guild, or nullptr after counting it as unknown.
  CachedGuild* find_guild(Snowflake id);
  // The channel (any kind), or nullptr after counting it as unknown.
  Channel* find_channel(Snowflake id);

  bool is_current_user(Snowflake id) const { return user && user->id == id && id.valid(); }

  // Inserts or replaces a guild channel or thread of `g` (guild_id set to g's id).
  void put_guild_channel(CachedGuild& g, Channel&& channel);
  // Removes a channel or thread of any kind, with its messages and thread membership.
  void remove_channel(Snowflake id);
  // Forgets everything under the guild (channels, threads, their messages and memberships,
  // roles, members, presences, voice states); the guild's own fields stay.
  void clear_guild_contents(CachedGuild& g);
  // Removes the guild and everything under it, including messages kept for channels of the
  // guild the cache never knew.
  void remove_guild(Snowflake id);

  // A member as another event carries it (MESSAGE_CREATE, TYPING_START, VOICE_STATE_UPDATE,
  // MESSAGE_REACTION_ADD, GUILD_MEMBER_UPDATE): replaces the cached one, keeping its joined_at
  // when the incoming's is null. A member without a user takes `user` (a message's author);
  // with neither it is not stored (counted as unknown_member).
  void upsert_member(CachedGuild& g, Member&& member, const User* user = nullptr);

  void put_private_channel(Channel&& channel);
  // guild_id set to g's; an "offline" presence removes the cached one.
  void put_presence(CachedGuild& g, Presence&& presence);
  // guild_id set to g's; channel_id 0 removes; a carried member goes to g's members.
  void put_voice_state(CachedGuild& g, VoiceState&& vs);

  // Inserts or replaces by id (a sound by sound_id), guild_id set to g's; no id: dropped. A
  // scheduled event keeps the cached user_count when the incoming one is 0 (Discord sends it
  // only when asked for it; USER_ADD / USER_REMOVE keep it).
  void put_scheduled_event(CachedGuild& g, GuildScheduledEvent&& event);
  void put_stage_instance(CachedGuild& g, StageInstance&& stage);
  void put_soundboard_sound(CachedGuild& g, SoundboardSound&& sound);
};

bool is_thread_type(std::int32_t type);   // 10, 11, 12
bool is_private_type(std::int32_t type);  // 1 (DM), 3 (group DM)

}  // namespace gwtape::gateway::state
