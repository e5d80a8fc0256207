// gwtape/gateway/state/cache.h — the state a bot knows, rebuilt from gateway events alone.
//
// A `Cache` is a reducer over typed events (gwtape/gateway/events.h): `apply(event)` updates
// the current user, the guilds (unavailable ones included), their channels, threads, roles,
// members, emojis, stickers, presences, voice states, scheduled events, stage instances and
// soundboard sounds, the private channels, the current user's thread memberships and the last
// N messages of every channel (with edits, deletes and reactions). It knows nothing of the network,
// the log or the clock: the live Gateway and the Replayer feed it the same events, so the same
// events give the same state. docs/STATE.md says how each event reduces, and what is kept or
// dropped.
//
// Each event type has its own reducer (gateway/state/reducers.h lists them); an event type the
// cache does not reduce (INTERACTION_CREATE, INVITE_*, every raw or unknown event) is a counted
// no-op. An event about a guild, channel, message or member the cache does not hold never
// fails: it is counted in `CacheStats` and, where the event carries enough to stand alone (a
// message, a member of a known guild), applied anyway.
//
// A new READY (a re-identify) replaces everything the old session knew; RESUMED keeps it.
//
// `dump_json()` writes the whole cache as one canonical JSON document: every collection sorted
// by id, each object in the canonical field order of gwtape/gateway/json.h, so that two caches
// holding the same content write the same bytes whatever order they learnt it in. The sections
// of scheduled events, stage instances and soundboard sounds are written only when the cache
// holds any, so a cache without them dumps (and digests) as it did before they were cached.
// `digest_hex()` is the SHA-256 of exactly those bytes.
//
// Cost: every reducer is O(1) expected in the size of the cache (hash maps by Snowflake), and at
// most O(N) in the messages kept per channel; GUILD_CREATE is linear in its own payload, a
// guild's removal and a role's deletion in that guild's size. Sorting happens only when
// dumping or digesting.
//
// Thread-safety: not synchronized; one owner applies events, and const methods may run
// concurrently with each other but not with apply/clear. Lifetimes: the cache owns everything
// it holds; a pointer a lookup returns stays valid until the next apply() or clear(). A
// moved-from Cache may only be destroyed or assigned to.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "gwtape/gateway/events.h"
#include "gwtape/gateway/model.h"
#include "gwtape/gateway/model_more.h"
#include "gwtape/gateway/snowflake.h"

namespace gwtape::gateway::state {

struct CacheOptions {
  // The last N messages of each channel are kept (by id: the N newest). 0 keeps none.
  std::size_t messages_per_channel = 100;
};

// What apply() has seen; history, not content (clear() and READY leave it alone, the digest
// does not cover it). events == applied + ignored.
struct CacheStats {
  std::uint64_t events = 0;   // apply() calls
  std::uint64_t applied = 0;  // events of a type the cache reduces
  std::uint64_t ignored = 0;  // events of a type it does not reduce (raw, unknown, ...)
  // References to things the cache does not hold (one event may count several).
  std::uint64_t unknown_guild = 0;
  std::uint64_t unknown_channel = 0;
  std::uint64_t unknown_message = 0;
  std::uint64_t unknown_member = 0;
  std::uint64_t unknown_role = 0;
  std::uint64_t messages_evicted = 0;  // pushed out of a channel's last-N window
  std::uint64_t readys = 0;
  std::uint64_t resumes = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(EventType::kCount)> by_type{};
};

// How much the cache holds (for summaries). channels excludes threads and private channels;
// roles, members, presences, voice_states, emojis and stickers are summed over guilds.
struct CacheCounts {
  std::size_t guilds = 0;  // unavailable ones included
  std::size_t unavailable_guilds = 0;
  std::size_t channels = 0;
  std::size_t threads = 0;
  std::size_t private_channels = 0;
  std::size_t roles = 0;
  std::size_t members = 0;
  std::size_t messages = 0;
  std::size_t presences = 0;
  std::size_t voice_states = 0;
  std::size_t emojis = 0;
  std::size_t stickers = 0;
  std::size_t thread_memberships = 0;  // the current user's
  std::size_t scheduled_events = 0;
  std::size_t stage_instances = 0;
  std::size_t soundboard_sounds = 0;
};

// A guild as the cache holds it. `guild` keeps the guild's own fields and its emojis,
// stickers and features; its roles, channels, threads, members, presences and voice_states
// vectors are always empty: those live in the maps below (channels and threads by id in the
// cache, see Cache::channel()).
struct CachedGuild {
  Guild guild;
  std::unordered_map<Snowflake, Role> roles;               // by role id
  std::unordered_map<Snowflake, Member> members;           // by user id
  std::unordered_map<Snowflake, Presence> presences;       // by user id
  std::unordered_map<Snowflake, VoiceState> voice_states;  // by user id; member never set
  std::unordered_set<Snowflake> channel_ids;               // guild channels (not threads)
  std::unordered_set<Snowflake> thread_ids;
  std::unordered_map<Snowflake, GuildScheduledEvent> scheduled_events;  // by id
  std::unordered_map<Snowflake, StageInstance> stage_instances;         // by id
  std::unordered_map<Snowflake, SoundboardSound> soundboard_sounds;     // by sound id
};

struct CacheState;  // the containers, private to gateway/state/

class Cache {
 public:
  explicit Cache(CacheOptions options = {});
  ~Cache();
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;
  Cache(Cache&&) noexcept;
  Cache& operator=(Cache&&) noexcept;

  // Reduces one event. The rvalue form moves the event's strings and vectors into the cache
  // (the fast path of a replay); the const form copies what it keeps.
  void apply(const Event& event);
  void apply(Event&& event);

  // Forgets all content (not the stats), as a READY does before it applies.
  void clear();

  // True when apply() has a reducer for events of this type.
  static bool reduces(EventType type);

  const CacheOptions& options() const;
  const CacheStats& stats() const;
  CacheCounts counts() const;

  // Lookups; nullptr when absent.
  const User* current_user() const;
  const CachedGuild* guild(Snowflake id) const;
  // A guild channel, a thread or a private channel.
  const Channel* channel(Snowflake id) const;
  const Role* role(Snowflake guild_id, Snowflake role_id) const;
  const Member* member(Snowflake guild_id, Snowflake user_id) const;
  const Presence* presence(Snowflake guild_id, Snowflake user_id) const;
  const VoiceState* voice_state(Snowflake guild_id, Snowflake user_id) const;
  const GuildScheduledEvent* scheduled_event(Snowflake guild_id, Snowflake event_id) const;
  const StageInstance* stage_instance(Snowflake guild_id, Snowflake stage_id) const;
  const SoundboardSound* soundboard_sound(Snowflake guild_id, Snowflake sound_id) const;
  // The current user's membership of a thread.
  const ThreadMember* thread_member(Snowflake thread_id) const;
  const Message* message(Snowflake channel_id, Snowflake message_id) const;
  // A channel's kept messages, oldest (smallest id) first; empty when none.
  std::vector<const Message*> messages(Snowflake channel_id) const;
  // Sorted ids of the guilds and of the private channels.
  std::vector<Snowflake> guild_ids() const;
  std::vector<Snowflake> private_channel_ids() const;

  // The whole cache as one canonical JSON document (layout in docs/STATE.md).
  std::string dump_json() const;
  // SHA-256 of dump_json()'s bytes as 64 lowercase hex digits, computed without holding the
  // whole dump in memory. Empty only if OpenSSL cannot allocate a digest context.
  std::string digest_hex() const;

 private:
  std::unique_ptr<CacheState> s_;
};

}  // namespace gwtape::gateway::state
