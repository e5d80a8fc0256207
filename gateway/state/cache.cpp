// state::Cache: event dispatch through the reducer table, lookups and counts. The reducers are
// in reduce_*.cpp, the canonical dump and digest in canonical.cpp.
#include "gwtape/gateway/state/cache.h"

#include <algorithm>
#include <type_traits>
#include <utility>
#include <variant>

#include "cache_state.h"
#include "reducers.h"

namespace gwtape::gateway::state {
namespace {

constexpr std::size_t kTypes = static_cast<std::size_t>(EventType::kCount);

// reduces(type), from the registry: a typed event is reduced when its struct has a Reducer.
#define GWTAPE_X_TYPED(e, n, T) Reducer<T>::kHandled,
#define GWTAPE_X_RAW(e, n) false,
constexpr std::array<bool, kTypes> kReduces = {false,  // kUnknown
                                               GWTAPE_TYPED_EVENTS(GWTAPE_X_TYPED)
                                                   GWTAPE_RAW_EVENTS(GWTAPE_X_RAW)};
#undef GWTAPE_X_TYPED
#undef GWTAPE_X_RAW

void count(CacheStats& stats, EventType type) {
  ++stats.events;
  const auto i = static_cast<std::size_t>(type);
  if (i < kTypes) ++stats.by_type[i];
}

template <class T>
const T* lookup(const std::unordered_map<Snowflake, T>& map, Snowflake id) {
  auto it = map.find(id);
  return it == map.end() ? nullptr : &it->second;
}

// The object `id` in the map `Field` of guild `guild_id` (CachedGuild::roles, ::members...);
// null when either is unknown.
template <auto Field>
auto in_guild(const CacheState& s, Snowflake guild_id, Snowflake id) {
  const CachedGuild* g = lookup(s.guilds, guild_id);
  return g ? lookup(g->*Field, id) : nullptr;
}

}  // namespace

Cache::Cache(CacheOptions options) : s_(std::make_unique<CacheState>()) { s_->options = options; }
Cache::~Cache() = default;
Cache::Cache(Cache&&) noexcept = default;
Cache& Cache::operator=(Cache&&) noexcept = default;

void Cache::apply(Event&& event) {
  CacheState& s = *s_;
  count(s.stats, event.type);
  std::visit(
      [&s](auto& payload) {
        using T = std::decay_t<decltype(payload)>;
        if constexpr (Reducer<T>::kHandled) {
          ++s.stats.applied;
          Reducer<T>::apply(s, std::move(payload));
        } else {
          ++s.stats.ignored;
        }
      },
      event.payload);
}

void Cache::apply(const Event& event) {
  CacheState& s = *s_;
  count(s.stats, event.type);
  std::visit(
      [&s](const auto& payload) {
        using T = std::decay_t<decltype(payload)>;
        if constexpr (Reducer<T>::kHandled) {
          ++s.stats.applied;
          T copy = payload;
          Reducer<T>::apply(s, std::move(copy));
        } else {
          ++s.stats.ignored;
        }
      },
      event.payload);
}

void Cache::clear() { s_->clear(); }

bool Cache::reduces(EventType type) {
  const auto i = static_cast<std::size_t>(type);
  return i < kTypes && kReduces[i];
}

const CacheOptions& Cache::options() const { return s_->options; }
const CacheStats& Cache::stats() const { return s_->stats; }

CacheCounts Cache::counts() const {
  CacheCounts c;
  c.guilds = s_->guilds.size();
  for (const auto& [id, g] : s_->guilds) {
    if (g.guild.unavailable) ++c.unavailable_guilds;
    c.channels += g.channel_ids.size();
    c.threads += g.thread_ids.size();
    c.roles += g.roles.size();
    c.members += g.members.size();
    c.presences += g.presences.size();
    c.voice_states += g.voice_states.size();
    c.emojis += g.guild.emojis.size();
    c.stickers += g.guild.stickers.size();
    c.scheduled_events += g.scheduled_events.size();
    c.stage_instances += g.stage_instances.size();
    c.soundboard_sounds += g.soundboard_sounds.size();
  }
  c.private_channels = s_->private_ids.size();
  for (const auto& [id, log] : s_->messages) c.messages += log.size();
  c.thread_memberships = s_->thread_members.size();
  return c;
}

const User* Cache::current_user() const { return s_->user ? &*s_->user : nullptr; }

const CachedGuild* Cache::guild(Snowflake id) const { return lookup(s_->guilds, id); }

const Channel* Cache::channel(Snowflake id) const { return lookup(s_->channels, id); }

const Role* Cache::role(Snowflake guild_id, Snowflake role_id) const {
  return in_guild<&CachedGuild::roles>(*s_, guild_id, role_id);
}

const Member* Cache::member(Snowflake guild_id, Snowflake user_id) const {
  return in_guild<&CachedGuild::members>(*s_, guild_id, user_id);
}

const Presence* Cache::presence(Snowflake guild_id, Snowflake user_id) const {
  return in_guild<&CachedGuild::presences>(*s_, guild_id, user_id);
}

const VoiceState* Cache::voice_state(Snowflake guild_id, Snowflake user_id) const {
  return in_guild<&CachedGuild::voice_states>(*s_, guild_id, user_id);
}

const GuildScheduledEvent* Cache::scheduled_event(Snowflake guild_id, Snowflake event_id) const {
  return in_guild<&CachedGuild::scheduled_events>(*s_, guild_id, event_id);
}

const StageInstance* Cache::stage_instance(Snowflake guild_id, Snowflake stage_id) const {
  return in_guild<&CachedGuild::stage_instances>(*s_, guild_id, stage_id);
}

const SoundboardSound* Cache::soundboard_sound(Snowflake guild_id, Snowflake sound_id) const {
  return in_guild<&CachedGuild::soundboard_sounds>(*s_, guild_id, sound_id);
}

const ThreadMember* Cache::thread_member(Snowflake thread_id) const {
  return lookup(s_->thread_members, thread_id);
}

const Message* Cache::message(Snowflake channel_id, Snowflake message_id) const {
  const MessageLog* log = lookup(s_->messages, channel_id);
  return log ? log->find(message_id) : nullptr;
}

std::vector<const Message*> Cache::messages(Snowflake channel_id) const {
  std::vector<const Message*> out;
  if (const MessageLog* log = lookup(s_->messages, channel_id)) {
    out.reserve(log->size());
    for (std::size_t i = 0; i < log->size(); ++i) out.push_back(&log->at(i));
  }
  return out;
}

std::vector<Snowflake> Cache::guild_ids() const {
  std::vector<Snowflake> ids;
  ids.reserve(s_->guilds.size());
  for (const auto& [id, g] : s_->guilds) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<Snowflake> Cache::private_channel_ids() const {
  std::vector<Snowflake> ids(s_->private_ids.begin(), s_->private_ids.end());
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace gwtape::gateway::state
