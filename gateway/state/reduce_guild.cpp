// Reducers for the session (READY, RESUMED, USER_UPDATE) and for guilds, their roles, emojis
// and stickers. docs/STATE.md describes each.
#include <algorithm>
#include <utility>

#include "reducers.h"

namespace gwtape::gateway::state {
// ---- session -----------------------------------------------------------------------------

void Reducer<ReadyEvent>::apply(CacheState& s, ReadyEvent&& ev) {
  s.clear();  // a new session: what the old one knew is gone
  ++s.stats.readys;
  s.user = std::move(ev.user);
  for (const UnavailableGuild& stub : ev.guilds) {
    if (!stub.id.valid()) continue;
    CachedGuild& g = s.guilds[stub.id];
    g.guild.id = stub.id;
    g.guild.unavailable = stub.unavailable;
  }
  for (Channel& c : ev.private_channels) s.put_private_channel(std::move(c));
}

void Reducer<ResumedEvent>::apply(CacheState& s, ResumedEvent&&) { ++s.stats.resumes; }

void Reducer<UserUpdateEvent>::apply(CacheState& s, UserUpdateEvent&& ev) {
  s.user = std::move(static_cast<User&>(ev));
}

// ---- guilds ------------------------------------------------------------------------------

void Reducer<GuildCreateEvent>::apply(CacheState& s, GuildCreateEvent&& ev) {
  if (!ev.id.valid()) return;
  auto [it, inserted] = s.guilds.try_emplace(ev.id);
  CachedGuild& g = it->second;
  if (ev.unavailable) {  // an outage stub: keep what is known, mark it
    g.guild.id = ev.id;
    g.guild.unavailable = true;
    return;
  }
  if (!inserted) {
    // A full GUILD_CREATE replaces what the cache knew of the guild; the kept messages of
    // its channels stay (GUILD_CREATE carries none), the memberships of its threads go.
    for (Snowflake id : g.thread_ids) s.thread_members.erase(id);
    for (Snowflake id : g.channel_ids) s.channels.erase(id);
    for (Snowflake id : g.thread_ids) s.channels.erase(id);
    g = CachedGuild{};
  }
  Guild& wire = ev;
  std::vector<Role> roles = std::move(wire.roles);
  std::vector<Channel> channels = std::move(wire.channels);
  std::vector<Channel> threads = std::move(wire.threads);
  std::vector<Member> members = std::move(wire.members);
  std::vector<Presence> presences = std::move(wire.presences);
  std::vector<VoiceState> voice_states = std::move(wire.voice_states);
  g.guild = std::move(wire);
  g.guild.roles.clear();
  g.guild.channels.clear();
  g.guild.threads.clear();
  g.guild.members.clear();
  g.guild.presences.clear();
  g.guild.voice_states.clear();

  g.roles.reserve(roles.size());
  for (Role& r : roles) {
    if (r.id.valid()) g.roles.insert_or_assign(r.id, std::move(r));
  }
  for (Channel& c : channels) s.put_guild_channel(g, std::move(c));
  for (Channel& c : threads) s.put_guild_channel(g, std::move(c));
  g.members.reserve(members.size());
  for (Member& m : members) {
    if (!m.user || !m.user->id.valid()) {
      ++s.stats.unknown_member;
      continue;
    }
    const Snowflake uid = m.user->id;
    g.members.insert_or_assign(uid, std::move(m));
  }
  for (Presence& p : presences) s.put_presence(g, std::move(p));
  for (VoiceState& vs : voice_states) s.put_voice_state(g, std::move(vs));
  // GUILD_CREATE's own arrays (not the Guild's: see GuildCreateEvent).
  for (GuildScheduledEvent& e : ev.guild_scheduled_events) s.put_scheduled_event(g, std::move(e));
  for (StageInstance& st : ev.stage_instances) s.put_stage_instance(g, std::move(st));
  for (SoundboardSound& snd : ev.soundboard_sounds) s.put_soundboard_sound(g, std::move(snd));
}

void Reducer<GuildUpdateEvent>::apply(CacheState& s, GuildUpdateEvent&& ev) {
  CachedGuild* g = s.find_guild(ev.id);
  if (g == nullptr) return;
  // GUILD_UPDATE carries the guild's own fields, not GUILD_CREATE's extras (joined_at, large,
  // member_count, channels, members...): those stay. Roles, emojis and stickers come as whole
  // lists; an empty one is taken as absent (a guild always has @everyone).
  Guild& have = g->guild;
  have.name = std::move(ev.name);
  have.icon = std::move(ev.icon);
  have.owner_id = ev.owner_id;
  have.features = std::move(ev.features);
  have.preferred_locale = std::move(ev.preferred_locale);
  have.premium_tier = ev.premium_tier;
  have.verification_level = ev.verification_level;
  if (!ev.emojis.empty()) have.emojis = std::move(ev.emojis);
  if (!ev.stickers.empty()) have.stickers = std::move(ev.stickers);
  if (!ev.roles.empty()) {
    g->roles.clear();
    for (Role& r : ev.roles) {
      if (r.id.valid()) g->roles.insert_or_assign(r.id, std::move(r));
    }
  }
}

void Reducer<GuildDeleteEvent>::apply(CacheState& s, GuildDeleteEvent&& ev) {
  if (!ev.id.valid()) return;
  if (ev.unavailable) {  // an outage: the bot is still in the guild; keep it, marked
    auto [it, inserted] = s.guilds.try_emplace(ev.id);
    if (inserted) ++s.stats.unknown_guild;
    it->second.guild.id = ev.id;
    it->second.guild.unavailable = true;
    return;
  }
  if (!s.guilds.contains(ev.id)) {
    ++s.stats.unknown_guild;
    return;
  }
  s.remove_guild(ev.id);  // left, kicked or banned: the guild and everything under it go
}

// ---- roles, emojis, stickers -------------------------------------------------------------

void Reducer<GuildRoleCreateEvent>::apply(CacheState& s, GuildRoleCreateEvent&& ev) {
  CachedGuild* g = s.find_guild(ev.guild_id);
  if (g == nullptr || !ev.role.id.valid()) return;
  g->roles.insert_or_assign(ev.role.id, std::move(ev.role));
}

void Reducer<GuildRoleUpdateEvent>::apply(CacheState& s, GuildRoleUpdateEvent&& ev) {
  CachedGuild* g = s.find_guild(ev.guild_id);
  if (g == nullptr || !ev.role.id.valid()) return;
  if (!g->roles.contains(ev.role.id)) ++s.stats.unknown_role;  // still stored: it is whole
  g->roles.insert_or_assign(ev.role.id, std::move(ev.role));
}

void Reducer<GuildRoleDeleteEvent>::apply(CacheState& s, GuildRoleDeleteEvent&& ev) {
  CachedGuild* g = s.find_guild(ev.guild_id);
  if (g == nullptr) return;
  if (g->roles.erase(ev.role_id) == 0) ++s.stats.unknown_role;
  // The gateway sends no member updates for a deleted role: drop it from every member.
  for (auto& [uid, member] : g->members) std::erase(member.roles, ev.role_id);
}

void Reducer<GuildEmojisUpdateEvent>::apply(CacheState& s, GuildEmojisUpdateEvent&& ev) {
  CachedGuild* g = s.find_guild(ev.guild_id);
  if (g == nullptr) return;
  g->guild.emojis = std::move(ev.emojis);
}

void Reducer<GuildStickersUpdateEvent>::apply(CacheState& s, GuildStickersUpdateEvent&& ev) {
  CachedGuild* g = s.find_guild(ev.guild_id);
  if (g == nullptr) return;
  g->guild.stickers = std::move(ev.stickers);
}

}  // namespace gwtape::gateway::state
