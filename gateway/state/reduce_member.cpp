// Reducers for members, presences, voice states and typing. docs/STATE.md describes each.
#include <utility>

#include "reducers.h"

namespace gwtape::gateway::state {

void Reducer<GuildMemberAddEvent>::apply(CacheState& s, GuildMemberAddEvent&& ev) {
  CachedGuild* g = s.find_guild(ev.guild_id);
  if (g == nullptr) return;
  Member& m = ev;
  if (!m.user || !m.user->id.valid()) {
    ++s.stats.unknown_member;
    return;
  }
  const Snowflake uid = m.user->id;
  g->members.insert_or_assign(uid, std::move(m));
  ++g->guild.member_count;  // a join; Discord's count, not the cache's
}

void Reducer<GuildMemberUpdateEvent>::apply(CacheState& s, GuildMemberUpdateEvent&& ev) {
  CachedGuild* g = s.find_guild(ev.guild_id);
  if (g == nullptr) return;
  s.upsert_member(*g, std::move(static_cast<Member&>(ev)));
}

void Reducer<GuildMemberRemoveEvent>::apply(CacheState& s, GuildMemberRemoveEvent&& ev) {
  CachedGuild* g = s.find_guild(ev.guild_id);
  if (g == nullptr) return;
  if (g->members.erase(ev.user.id) == 0) ++s.stats.unknown_member;
  g->presences.erase(ev.user.id);  // no update will ever come for it
  if (g->guild.member_count > 0) --g->guild.member_count;
}

void Reducer<GuildMembersChunkEvent>::apply(CacheState& s, GuildMembersChunkEvent&& ev) {
  CachedGuild* g = s.find_guild(ev.guild_id);
  if (g == nullptr) return;
  g->members.reserve(g->members.size() + ev.members.size());
  for (Member& m : ev.members) {
    if (!m.user || !m.user->id.valid()) {
      ++s.stats.unknown_member;
      continue;
    }
    const Snowflake uid = m.user->id;
    g->members.insert_or_assign(uid, std::move(m));
  }
  for (Presence& p : ev.presences) s.put_presence(*g, std::move(p));
}

void Reducer<PresenceUpdateEvent>::apply(CacheState& s, PresenceUpdateEvent&& ev) {
  CachedGuild* g = s.find_guild(ev.guild_id);
  if (g == nullptr) return;
  s.put_presence(*g, std::move(static_cast<Presence&>(ev)));
}

void Reducer<VoiceStateUpdateEvent>::apply(CacheState& s, VoiceStateUpdateEvent&& ev) {
  if (!ev.guild_id.valid()) return;  // a DM call: not cached
  CachedGuild* g = s.find_guild(ev.guild_id);
  if (g == nullptr) return;
  s.put_voice_state(*g, std::move(static_cast<VoiceState&>(ev)));
}

void Reducer<TypingStartEvent>::apply(CacheState& s, TypingStartEvent&& ev) {
  // Typing itself is not state; the member it carries is.
  if (!ev.guild_id.valid() || !ev.member) return;
  CachedGuild* g = s.find_guild(ev.guild_id);
  if (g == nullptr) return;
  s.upsert_member(*g, std::move(*ev.member));
}

}  // namespace gwtape::gateway::state
