// Reducers for a guild's scheduled events, stage instances and soundboard sounds. docs/STATE.md
// describes each. GUILD_CREATE's arrays of them are taken in reduce_guild.cpp.
#include <utility>

#include "reducers.h"

namespace gwtape::gateway::state {
namespace {

// A whole list of the guild's sounds replaces the cached set.
void replace_sounds(CacheState& s, Snowflake guild_id, std::vector<SoundboardSound>&& sounds) {
  CachedGuild* g = s.find_guild(guild_id);
  if (g == nullptr) return;
  g->soundboard_sounds.clear();
  for (SoundboardSound& sound : sounds) s.put_soundboard_sound(*g, std::move(sound));
}

// USER_ADD (+1) and USER_REMOVE (-1, never below 0) of a cached scheduled event.
void add_user(CacheState& s, const GuildScheduledEventUserAddEvent& ev, std::int32_t delta) {
  CachedGuild* g = s.find_guild(ev.guild_id);
  if (g == nullptr) return;
  auto it = g->scheduled_events.find(ev.guild_scheduled_event_id);
  if (it == g->scheduled_events.end()) return;
  std::int32_t& count = it->second.user_count;
  count = count + delta < 0 ? 0 : count + delta;
}

}  // namespace

// ---- scheduled events ----------------------------------------------------------------------

void Reducer<GuildScheduledEventCreateEvent>::apply(CacheState& s,
                                                    GuildScheduledEventCreateEvent&& ev) {
  if (CachedGuild* g = s.find_guild(ev.guild_id)) s.put_scheduled_event(*g, std::move(ev));
}

void Reducer<GuildScheduledEventUpdateEvent>::apply(CacheState& s,
                                                    GuildScheduledEventUpdateEvent&& ev) {
  if (CachedGuild* g = s.find_guild(ev.guild_id)) s.put_scheduled_event(*g, std::move(ev));
}

void Reducer<GuildScheduledEventDeleteEvent>::apply(CacheState& s,
                                                    GuildScheduledEventDeleteEvent&& ev) {
  if (CachedGuild* g = s.find_guild(ev.guild_id)) g->scheduled_events.erase(ev.id);
}

void Reducer<GuildScheduledEventUserAddEvent>::apply(CacheState& s,
                                                     GuildScheduledEventUserAddEvent&& ev) {
  add_user(s, ev, +1);
}

void Reducer<GuildScheduledEventUserRemoveEvent>::apply(CacheState& s,
                                                        GuildScheduledEventUserRemoveEvent&& ev) {
  add_user(s, ev, -1);
}

// ---- stage instances -----------------------------------------------------------------------

void Reducer<StageInstanceCreateEvent>::apply(CacheState& s, StageInstanceCreateEvent&& ev) {
  if (CachedGuild* g = s.find_guild(ev.guild_id)) s.put_stage_instance(*g, std::move(ev));
}

void Reducer<StageInstanceUpdateEvent>::apply(CacheState& s, StageInstanceUpdateEvent&& ev) {
  if (CachedGuild* g = s.find_guild(ev.guild_id)) s.put_stage_instance(*g, std::move(ev));
}

void Reducer<StageInstanceDeleteEvent>::apply(CacheState& s, StageInstanceDeleteEvent&& ev) {
  if (CachedGuild* g = s.find_guild(ev.guild_id)) g->stage_instances.erase(ev.id);
}

// ---- soundboard sounds ---------------------------------------------------------------------

void Reducer<GuildSoundboardSoundCreateEvent>::apply(CacheState& s,
                                                     GuildSoundboardSoundCreateEvent&& ev) {
  if (CachedGuild* g = s.find_guild(ev.guild_id)) s.put_soundboard_sound(*g, std::move(ev));
}

void Reducer<GuildSoundboardSoundUpdateEvent>::apply(CacheState& s,
                                                     GuildSoundboardSoundUpdateEvent&& ev) {
  if (CachedGuild* g = s.find_guild(ev.guild_id)) s.put_soundboard_sound(*g, std::move(ev));
}

void Reducer<GuildSoundboardSoundDeleteEvent>::apply(CacheState& s,
                                                     GuildSoundboardSoundDeleteEvent&& ev) {
  if (CachedGuild* g = s.find_guild(ev.guild_id)) g->soundboard_sounds.erase(ev.sound_id);
}

void Reducer<GuildSoundboardSoundsUpdateEvent>::apply(CacheState& s,
                                                      GuildSoundboardSoundsUpdateEvent&& ev) {
  replace_sounds(s, ev.guild_id, std::move(ev.soundboard_sounds));
}

void Reducer<SoundboardSoundsEvent>::apply(CacheState& s, SoundboardSoundsEvent&& ev) {
  replace_sounds(s, ev.guild_id, std::move(ev.soundboard_sounds));
}

}  // namespace gwtape::gateway::state
