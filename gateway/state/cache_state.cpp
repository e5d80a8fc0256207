// The containers behind state::Cache and the helpers its reducers share.
#include "cache_state.h"

#include <algorithm>
#include <iterator>
#include <utility>
#include <vector>

namespace gwtape::gateway::state {
bool is_thread_type(std::int32_t type) { return type == 10 || type == 11 || type == 12; }
bool is_private_type(std::int32_t type) { return type == 1 || type == 3; }

// ---- MessageLog ------------------------------------------------------------------------

std::size_t MessageLog::lower_bound(Snowflake id) const {
  std::size_t lo = 0;
  std::size_t hi = size_;
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (at(mid).id < id) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

std::size_t MessageLog::put(Message&& message, std::size_t limit) {
  if (limit == 0) return 1;
  std::size_t pos = size_;
  if (size_ > 0 && !(at(size_ - 1).id < message.id)) {
    pos = lower_bound(message.id);
    if (pos < size_ && at(pos).id == message.id) {
      at(pos) = std::move(message);
      return 0;
    }
  }
  if (size_ < limit) {
    insert_at(pos, std::move(message), limit);
    return 0;
  }
  // Full: the oldest message goes.
  if (pos == 0) return 1;  // older than all kept: the message itself
  if (pos == size_) {
    // The usual case: the newest message takes the oldest one's slot, which becomes the last.
    // (The old message's buffers go to the moved-from event, and die with it.)
    slots_[head_] = std::move(message);
    head_ = slot(1);
    return 1;
  }
  for (std::size_t i = 0; i + 1 < pos; ++i) at(i) = std::move(at(i + 1));
  at(pos - 1) = std::move(message);
  return 1;
}

void MessageLog::insert_at(std::size_t pos, Message&& message, std::size_t limit) {
  if (size_ == slots_.size()) {
    // No free slot: grow, never beyond `limit` slots (only before the ring is full, so the
    // ring is still linear unless deletes moved its head; straighten it first).
    if (slots_.size() == slots_.capacity()) {
      slots_.reserve(std::min(limit, std::max<std::size_t>(4, 2 * slots_.size())));
    }
    std::rotate(slots_.begin(), slots_.begin() + static_cast<std::ptrdiff_t>(head_), slots_.end());
    head_ = 0;
    slots_.insert(slots_.begin() + static_cast<std::ptrdiff_t>(pos), std::move(message));
    ++size_;
    return;
  }
  // A free slot follows the last message: shift [pos, size_) up by one.
  ++size_;
  for (std::size_t i = size_ - 1; i > pos; --i) at(i) = std::move(at(i - 1));
  at(pos) = std::move(message);
}

Message* MessageLog::find(Snowflake id) {
  const std::size_t pos = lower_bound(id);
  return pos < size_ && at(pos).id == id ? &at(pos) : nullptr;
}

const Message* MessageLog::find(Snowflake id) const {
  const std::size_t pos = lower_bound(id);
  return pos < size_ && at(pos).id == id ? &at(pos) : nullptr;
}

bool MessageLog::erase(Snowflake id) {
  const std::size_t pos = lower_bound(id);
  if (pos >= size_ || at(pos).id != id) return false;
  if (pos < size_ / 2) {  // move the older side up; the head advances
    for (std::size_t i = pos; i > 0; --i) at(i) = std::move(at(i - 1));
    at(0) = Message{};
    head_ = slot(1);
  } else {  // move the newer side down
    for (std::size_t i = pos; i + 1 < size_; ++i) at(i) = std::move(at(i + 1));
    at(size_ - 1) = Message{};
  }
  --size_;
  return true;
}

// ---- CacheState ------------------------------------------------------------------------

void CacheState::clear() {
  user.reset();
  guilds.clear();
  channels.clear();
  private_ids.clear();
  thread_members.clear();
  messages.clear();
}

CachedGuild* CacheState::find_guild(Snowflake id) {
  auto it = guilds.find(id);
  if (it == guilds.end()) {
    ++stats.unknown_guild;
    return nullptr;
  }
  return &it->second;
}

Channel* CacheState::find_channel(Snowflake id) {
  auto it = channels.find(id);
  if (it == channels.end()) {
    ++stats.unknown_channel;
    return nullptr;
  }
  return &it->second;
}

void CacheState::put_guild_channel(CachedGuild& g, Channel&& channel) {
  const Snowflake id = channel.id;
  if (!id.valid()) return;
  channel.guild_id = g.guild.id;
  if (is_thread_type(channel.type)) {
    g.thread_ids.insert(id);
    g.channel_ids.erase(id);
  } else {
    g.channel_ids.insert(id);
    g.thread_ids.erase(id);
  }
  channels.insert_or_assign(id, std::move(channel));
}

void CacheState::remove_channel(Snowflake id) {
  auto it = channels.find(id);
  if (it != channels.end()) {
    if (it->second.guild_id.valid()) {
      if (auto g = guilds.find(it->second.guild_id); g != guilds.end()) {
        g->second.channel_ids.erase(id);
        g->second.thread_ids.erase(id);
      }
    }
    channels.erase(it);
  }
  private_ids.erase(id);
  thread_members.erase(id);
  messages.erase(id);
}

void CacheState::clear_guild_contents(CachedGuild& g) {
  for (Snowflake id : g.channel_ids) {
    channels.erase(id);
    messages.erase(id);
  }
  for (Snowflake id : g.thread_ids) {
    channels.erase(id);
    thread_members.erase(id);
    messages.erase(id);
  }
  g.channel_ids.clear();
  g.thread_ids.clear();
  g.roles.clear();
  g.members.clear();
  g.presences.clear();
  g.voice_states.clear();
  g.scheduled_events.clear();
  g.stage_instances.clear();
  g.soundboard_sounds.clear();
}

void CacheState::remove_guild(Snowflake id) {
  auto it = guilds.find(id);
  if (it == guilds.end()) return;
  clear_guild_contents(it->second);
  guilds.erase(it);
  // Messages kept for channels of this guild that the cache never knew (rare: a scan).
  std::erase_if(messages, [id](const auto& entry) { return entry.second.guild_id == id; });
}

void CacheState::upsert_member(CachedGuild& g, Member&& member, const User* user) {
  const User* who = member.user ? &*member.user : user;
  if (who == nullptr || !who->id.valid()) {
    ++stats.unknown_member;
    return;
  }
  auto [it, inserted] = g.members.try_emplace(who->id);
  Member& have = it->second;
  if (!member.user) {
    // The author, copied into the kept user's strings (usually no allocation: the hot path
    // of MESSAGE_CREATE), then moved with the rest.
    if (have.user) {
      *have.user = *user;
      member.user = std::move(have.user);
    } else {
      member.user = *user;
    }
  }
  if (!inserted && !member.joined_at.valid()) member.joined_at = have.joined_at;
  have = std::move(member);
}

void CacheState::put_private_channel(Channel&& channel) {
  const Snowflake id = channel.id;
  if (!id.valid()) return;
  private_ids.insert(id);
  channels.insert_or_assign(id, std::move(channel));
}

void CacheState::put_presence(CachedGuild& g, Presence&& presence) {
  if (!presence.user_id.valid()) return;
  presence.guild_id = g.guild.id;
  if (presence.status == "offline") {  // absent means offline: keeps the cache bounded
    g.presences.erase(presence.user_id);
    return;
  }
  g.presences.insert_or_assign(presence.user_id, std::move(presence));
}

void CacheState::put_voice_state(CachedGuild& g, VoiceState&& vs) {
  if (vs.member) {
    upsert_member(g, std::move(*vs.member));
    vs.member.reset();
  }
  if (!vs.user_id.valid()) return;
  if (!vs.channel_id.valid()) {  // left voice
    g.voice_states.erase(vs.user_id);
    return;
  }
  vs.guild_id = g.guild.id;
  g.voice_states.insert_or_assign(vs.user_id, std::move(vs));
}

void CacheState::put_scheduled_event(CachedGuild& g, GuildScheduledEvent&& event) {
  if (!event.id.valid()) return;
  event.guild_id = g.guild.id;
  auto [it, inserted] = g.scheduled_events.try_emplace(event.id);
  if (!inserted && event.user_count == 0) event.user_count = it->second.user_count;
  it->second = std::move(event);
}

void CacheState::put_stage_instance(CachedGuild& g, StageInstance&& stage) {
  if (!stage.id.valid()) return;
  stage.guild_id = g.guild.id;
  g.stage_instances.insert_or_assign(stage.id, std::move(stage));
}

void CacheState::put_soundboard_sound(CachedGuild& g, SoundboardSound&& sound) {
  if (!sound.sound_id.valid()) return;
  sound.guild_id = g.guild.id;
  g.soundboard_sounds.insert_or_assign(sound.sound_id, std::move(sound));
}

}  // namespace gwtape::gateway::state
