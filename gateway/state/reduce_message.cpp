// Reducers for messages and reactions. docs/STATE.md describes each, and what a partial
// MESSAGE_UPDATE can and cannot change.
#include <algorithm>
#include <utility>

#include "reducers.h"

namespace gwtape::gateway::state {
namespace {

// The guild a message or reaction names is looked up (and counted when unknown); the member
// it carries goes to that guild's members. A kept message holds no member (its author stays).
void take_member(CacheState& s, Snowflake guild_id, std::optional<Member>& member,
                 const User* author) {
  if (guild_id.valid()) {
    CachedGuild* g = s.find_guild(guild_id);
    if (g != nullptr && member) s.upsert_member(*g, std::move(*member), author);
  }
  member.reset();
}

Message* find_message(CacheState& s, Snowflake channel_id, Snowflake id) {
  auto log = s.messages.find(channel_id);
  Message* m = log == s.messages.end() ? nullptr : log->second.find(id);
  if (m == nullptr) ++s.stats.unknown_message;
  return m;
}

void erase_message(CacheState& s, Snowflake channel_id, Snowflake id) {
  auto log = s.messages.find(channel_id);
  if (log == s.messages.end() || !log->second.erase(id)) {
    ++s.stats.unknown_message;
    return;
  }
  if (log->second.empty()) s.messages.erase(log);
}

// A custom emoji is matched by id, a unicode one by name (a removal may carry a custom
// emoji's name as null).
bool same_emoji(const Emoji& a, const Emoji& b) {
  return a.id.valid() || b.id.valid() ? a.id == b.id : a.name == b.name;
}

std::vector<Reaction>::iterator find_reaction(Message& m, const Emoji& emoji) {
  return std::find_if(m.reactions.begin(), m.reactions.end(),
                      [&](const Reaction& r) { return same_emoji(r.emoji, emoji); });
}

}  // namespace

void Reducer<MessageCreateEvent>::apply(CacheState& s, MessageCreateEvent&& ev) {
  Message& m = ev;
  take_member(s, m.guild_id, m.member, &m.author);
  if (!m.id.valid() || !m.channel_id.valid()) return;
  // Kept even when the channel is unknown (a bot is not told of its DM channels).
  if (Channel* c = s.find_channel(m.channel_id)) {
    c->last_message_id = std::max(c->last_message_id, m.id);
  }
  auto [log, inserted] = s.messages.try_emplace(m.channel_id);
  if (inserted) log->second.guild_id = m.guild_id;
  const Snowflake channel_id = m.channel_id;
  s.stats.messages_evicted += log->second.put(std::move(m), s.options.messages_per_channel);
  if (log->second.empty()) s.messages.erase(channel_id);
}

void Reducer<MessageUpdateEvent>::apply(CacheState& s, MessageUpdateEvent&& ev) {
  Message& up = ev;
  take_member(s, up.guild_id, up.member, up.author.id.valid() ? &up.author : nullptr);
  Message* m = find_message(s, up.channel_id, up.id);
  if (m == nullptr) return;  // an update never creates: it may be partial
  if (up.author.id.valid()) {
    // The full form (a whole message object, as Discord sends today): it replaces the kept
    // message, except what it does not carry: the nonce (creates only) and the reactions
    // (kept by the reaction events, taken from the update only when it lists some).
    if (!up.nonce) up.nonce = std::move(m->nonce);
    if (up.reactions.empty()) up.reactions = std::move(m->reactions);
    if (!up.guild_id.valid()) up.guild_id = m->guild_id;
    if (!up.timestamp.valid()) up.timestamp = m->timestamp;
    *m = std::move(up);
    return;
  }
  // The partial form (no author: an embed unfurl and the like). The decoder cannot tell an
  // absent field from an empty one, so a field is applied only when set: a partial update
  // cannot empty a message's content, attachments, mentions or embeds.
  if (!up.content.empty()) m->content = std::move(up.content);
  if (up.edited_timestamp.valid()) m->edited_timestamp = up.edited_timestamp;
  if (up.embeds != 0) m->embeds = up.embeds;
  if (!up.attachments.empty()) m->attachments = std::move(up.attachments);
  if (!up.mentions.empty()) m->mentions = std::move(up.mentions);
  if (!up.mention_roles.empty()) m->mention_roles = std::move(up.mention_roles);
  if (up.flags != 0) m->flags = up.flags;
  if (up.pinned) m->pinned = true;
}

void Reducer<MessageDeleteEvent>::apply(CacheState& s, MessageDeleteEvent&& ev) {
  erase_message(s, ev.channel_id, ev.id);
}

void Reducer<MessageDeleteBulkEvent>::apply(CacheState& s, MessageDeleteBulkEvent&& ev) {
  for (Snowflake id : ev.ids) erase_message(s, ev.channel_id, id);
}

void Reducer<MessageReactionAddEvent>::apply(CacheState& s, MessageReactionAddEvent&& ev) {
  take_member(s, ev.guild_id, ev.member, nullptr);
  Message* m = find_message(s, ev.channel_id, ev.message_id);
  if (m == nullptr) return;
  const bool me = s.is_current_user(ev.user_id);
  auto r = find_reaction(*m, ev.emoji);
  if (r == m->reactions.end()) {
    m->reactions.push_back(Reaction{1, me, std::move(ev.emoji)});
    return;
  }
  ++r->count;
  r->me = r->me || me;
}

void Reducer<MessageReactionRemoveEvent>::apply(CacheState& s, MessageReactionRemoveEvent&& ev) {
  Message* m = find_message(s, ev.channel_id, ev.message_id);
  if (m == nullptr) return;
  auto r = find_reaction(*m, ev.emoji);
  if (r == m->reactions.end()) return;
  if (r->count > 0) --r->count;
  if (s.is_current_user(ev.user_id)) r->me = false;
  if (r->count == 0) m->reactions.erase(r);
}

void Reducer<MessageReactionRemoveAllEvent>::apply(CacheState& s,
                                                   MessageReactionRemoveAllEvent&& ev) {
  Message* m = find_message(s, ev.channel_id, ev.message_id);
  if (m != nullptr) m->reactions.clear();
}

void Reducer<MessageReactionRemoveEmojiEvent>::apply(CacheState& s,
                                                     MessageReactionRemoveEmojiEvent&& ev) {
  Message* m = find_message(s, ev.channel_id, ev.message_id);
  if (m == nullptr) return;
  std::erase_if(m->reactions, [&](const Reaction& r) { return same_emoji(r.emoji, ev.emoji); });
}

}  // namespace gwtape::gateway::state
