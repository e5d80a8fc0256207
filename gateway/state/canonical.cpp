// The canonical serialisation of a Cache (dump_json) and its SHA-256 (digest_hex). The layout
// is documented in docs/STATE.md; every object is written by the gateway's canonical JSON
// writers (gateway/encode_model.h), so a cached object reads exactly as it would in an event.
#include <openssl/evp.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "cache_state.h"
#include "gwtape/gateway/json.h"
#include "gwtape/gateway/json_writer.h"

namespace gwtape::gateway::state {
namespace {

using Sink = std::function<void(std::string_view)>;

// Names the layout: a change of layout changes every digest, and says so.
constexpr std::string_view kFormat = "gwtape.state.v1";
// The writer hands its text to the sink at element boundaries once it holds this much.
constexpr std::size_t kFlushBytes = 1 << 16;

template <class V>
std::vector<const V*> sorted_values(const std::unordered_map<Snowflake, V>& map) {
  std::vector<std::pair<Snowflake, const V*>> entries;
  entries.reserve(map.size());
  for (const auto& [id, v] : map) entries.emplace_back(id, &v);
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<const V*> out;
  out.reserve(entries.size());
  for (const auto& e : entries) out.push_back(e.second);
  return out;
}

template <class V>
std::vector<V> sorted_copies(const std::unordered_map<Snowflake, V>& map) {
  std::vector<V> out;
  out.reserve(map.size());
  for (const V* v : sorted_values(map)) out.push_back(*v);
  return out;
}

std::vector<Channel> sorted_channels(const CacheState& s,
                                     const std::unordered_set<Snowflake>& ids) {
  std::vector<Snowflake> sorted(ids.begin(), ids.end());
  std::sort(sorted.begin(), sorted.end());
  std::vector<Channel> out;
  out.reserve(sorted.size());
  for (Snowflake id : sorted) {
    if (auto it = s.channels.find(id); it != s.channels.end()) out.push_back(it->second);
  }
  return out;
}

auto emoji_key(const Emoji& e) { return std::tie(e.id, e.name); }

// The guild as one Guild value, its collections filled in sorted order, so that it is written
// by the model's own writer in the model's own field order.
Guild assemble(const CacheState& s, const CachedGuild& g) {
  Guild out = g.guild;
  out.roles = sorted_copies(g.roles);
  std::sort(out.emojis.begin(), out.emojis.end(),
            [](const Emoji& a, const Emoji& b) { return emoji_key(a) < emoji_key(b); });
  std::sort(out.stickers.begin(), out.stickers.end(),
            [](const Sticker& a, const Sticker& b) { return a.id < b.id; });
  out.channels = sorted_channels(s, g.channel_ids);
  out.threads = sorted_channels(s, g.thread_ids);
  out.members = sorted_copies(g.members);
  out.presences = sorted_copies(g.presences);
  out.voice_states = sorted_copies(g.voice_states);
  return out;
}

bool reaction_less(const Reaction& a, const Reaction& b) {
  return emoji_key(a.emoji) < emoji_key(b.emoji);
}

// A message with its reactions in canonical order (they arrive in any order).
void write_message(JsonWriter& w, const Message& m) {
  if (std::is_sorted(m.reactions.begin(), m.reactions.end(), reaction_less)) {
    write_json(w, m);
    return;
  }
  Message sorted = m;
  std::sort(sorted.reactions.begin(), sorted.reactions.end(), reaction_less);
  write_json(w, sorted);
}

// One of the guilds' collections that came after the v1 layout (scheduled events, stage
// instances, soundboard sounds), as one array under `key`: guilds by id, then by the map's key.
// Not written at all when no guild holds any, so that a cache without them writes the bytes
// (and has the digest) it had before they were cached.
template <class V, class Flush>
void write_guild_section(JsonWriter& w, const CacheState& s, std::string_view key,
                         std::unordered_map<Snowflake, V> CachedGuild::*collection, Flush&& flush) {
  const auto guilds = sorted_values(s.guilds);
  if (std::all_of(guilds.begin(), guilds.end(),
                  [&](const CachedGuild* g) { return (g->*collection).empty(); })) {
    return;
  }
  w.key(key).begin_array();
  for (const CachedGuild* g : guilds) {
    for (const V* v : sorted_values(g->*collection)) write_json(w, *v);
    flush(false);
  }
  w.end_array();
}

void write_state(const CacheState& s, const Sink& sink) {
  JsonWriter w;
  auto flush = [&](bool force) {
    if (force || w.text().size() >= kFlushBytes) {
      sink(w.text());
      w.text().clear();
    }
  };
  w.begin_object();
  w.key("format").string(kFormat);
  write_field(w, "user", s.user);

  w.key("guilds").begin_array();
  for (const CachedGuild* g : sorted_values(s.guilds)) {
    write_json(w, assemble(s, *g));
    flush(false);
  }
  w.end_array();

  w.key("private_channels");
  write_json(w, sorted_channels(s, s.private_ids));
  w.key("thread_members");
  write_json(w, sorted_copies(s.thread_members));
  flush(false);

  w.key("messages").begin_array();
  for (const MessageLog* log : sorted_values(s.messages)) {
    if (log->empty()) continue;
    w.begin_object();
    write_field(w, "channel_id", log->at(0).channel_id);
    w.key("messages").begin_array();
    for (std::size_t i = 0; i < log->size(); ++i) {
      write_message(w, log->at(i));
      flush(false);
    }
    w.end_array();
    w.end_object();
  }
  w.end_array();
  write_guild_section(w, s, "scheduled_events", &CachedGuild::scheduled_events, flush);
  write_guild_section(w, s, "stage_instances", &CachedGuild::stage_instances, flush);
  write_guild_section(w, s, "soundboard_sounds", &CachedGuild::soundboard_sounds, flush);
  w.end_object();
  flush(true);
}

}  // namespace

std::string Cache::dump_json() const {
  std::string out;
  write_state(*s_, [&out](std::string_view chunk) { out.append(chunk); });
  return out;
}

std::string Cache::digest_hex() const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) return {};
  bool ok = true;
  write_state(*s_, [&](std::string_view chunk) {
    ok = ok && EVP_DigestUpdate(ctx.get(), chunk.data(), chunk.size()) == 1;
  });
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!ok || EVP_DigestFinal_ex(ctx.get(), md, &len) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) {
    hex.push_back(kHex[md[i] >> 4]);
    hex.push_back(kHex[md[i] & 0xf]);
  }
  return hex;
}

}  // namespace gwtape::gateway::state
