// Reducers for channels, private channels, threads and the current user's thread memberships.
// docs/STATE.md describes each.
#include <algorithm>
#include <unordered_set>
#include <utility>
#include <vector>

#include "reducers.h"

namespace gwtape::gateway::state {
namespace {

// CHANNEL_CREATE/UPDATE and THREAD_CREATE/UPDATE: a whole channel object replaces the cached
// one, except last_message_id, which never goes back (MESSAGE_CREATE moves it forward, and an
// update may carry an older one).
void put_channel(CacheState& s, Channel&& c, bool is_update) {
  if (!c.id.valid()) return;
  auto have = s.channels.find(c.id);
  if (have != s.channels.end()) {
    c.last_message_id = std::max(c.last_message_id, have->second.last_message_id);
  } else if (is_update) {
    ++s.stats.unknown_channel;  // still stored: the object is whole
  }
  if (is_private_type(c.type)) {
    s.put_private_channel(std::move(c));
    return;
  }
  CachedGuild* g = s.find_guild(c.guild_id);
  if (g == nullptr) return;
  s.put_guild_channel(*g, std::move(c));
}

void remove_channel_event(CacheState& s, Snowflake id) {
  auto it = s.channels.find(id);
  if (it == s.channels.end()) {
    ++s.stats.unknown_channel;
    s.messages.erase(id);  // messages kept for a channel never known
    return;
  }
  // A deleted channel takes its threads with it (no THREAD_DELETE is promised for them).
  std::vector<Snowflake> threads;
  if (auto g = s.guilds.find(it->second.guild_id); g != s.guilds.end()) {
    for (Snowflake tid : g->second.thread_ids) {
      auto t = s.channels.find(tid);
      if (t != s.channels.end() && t->second.parent_id == id) threads.push_back(tid);
    }
  }
  for (Snowflake tid : threads) s.remove_channel(tid);
  s.remove_channel(id);
}

}  // namespace

void Reducer<ChannelCreateEvent>::apply(CacheState& s, ChannelCreateEvent&& ev) {
  put_channel(s, std::move(ev), false);
}

void Reducer<ChannelUpdateEvent>::apply(CacheState& s, ChannelUpdateEvent&& ev) {
  put_channel(s, std::move(ev), true);
}

void Reducer<ChannelDeleteEvent>::apply(CacheState& s, ChannelDeleteEvent&& ev) {
  remove_channel_event(s, ev.id);
}

void Reducer<ChannelPinsUpdateEvent>::apply(CacheState& s, ChannelPinsUpdateEvent&& ev) {
  Channel* c = s.find_channel(ev.channel_id);
  if (c == nullptr) return;
  c->last_pin_timestamp = ev.last_pin_timestamp;  // null: the last pin was removed
}

void Reducer<ThreadCreateEvent>::apply(CacheState& s, ThreadCreateEvent&& ev) {
  put_channel(s, std::move(static_cast<Channel&>(ev)), false);
}

void Reducer<ThreadUpdateEvent>::apply(CacheState& s, ThreadUpdateEvent&& ev) {
  put_channel(s, std::move(ev), true);
}

void Reducer<ThreadDeleteEvent>::apply(CacheState& s, ThreadDeleteEvent&& ev) {
  remove_channel_event(s, ev.id);
}

void Reducer<ThreadListSyncEvent>::apply(CacheState& s, ThreadListSyncEvent&& ev) {
  CachedGuild* g = s.find_guild(ev.guild_id);
  if (g == nullptr) return;
  // The active threads of the synced parents (of the whole guild when channel_ids is empty)
  // are exactly `threads`: the cached threads there are dropped first (their kept messages
  // stay, as they are not deleted), then the list is stored.
  const std::unordered_set<Snowflake> parents(ev.channel_ids.begin(), ev.channel_ids.end());
  std::vector<Snowflake> dropped;
  for (Snowflake tid : g->thread_ids) {
    auto t = s.channels.find(tid);
    if (parents.empty() || (t != s.channels.end() && parents.contains(t->second.parent_id))) {
      dropped.push_back(tid);
    }
  }
  for (Snowflake tid : dropped) {
    g->thread_ids.erase(tid);
    s.channels.erase(tid);
    s.thread_members.erase(tid);
  }
  for (Channel& t : ev.threads) s.put_guild_channel(*g, std::move(t));
  for (ThreadMember& m : ev.members) {
    if (g->thread_ids.contains(m.id)) s.thread_members.insert_or_assign(m.id, std::move(m));
  }
}

void Reducer<ThreadMemberUpdateEvent>::apply(CacheState& s, ThreadMemberUpdateEvent&& ev) {
  if (s.find_channel(ev.id) == nullptr) return;
  const Snowflake id = ev.id;
  s.thread_members.insert_or_assign(id, std::move(static_cast<ThreadMember&>(ev)));
}

void Reducer<ThreadMembersUpdateEvent>::apply(CacheState& s, ThreadMembersUpdateEvent&& ev) {
  Channel* thread = s.find_channel(ev.id);
  if (thread == nullptr) return;
  thread->member_count = ev.member_count;
  // Only the current user's membership is kept; other members are counted, not stored.
  for (ThreadMember& m : ev.added_members) {
    if (s.is_current_user(m.user_id)) s.thread_members.insert_or_assign(ev.id, std::move(m));
  }
  for (Snowflake uid : ev.removed_member_ids) {
    if (s.is_current_user(uid)) s.thread_members.erase(ev.id);
  }
}

}  // namespace gwtape::gateway::state
