// Test support for the state::Cache tests (see state_support.h).
#include "gateway/state_support.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gwtape/gateway/envelope.h"

namespace gwtape::test {

namespace fs = std::filesystem;
using gateway::Errc;

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<SessionFrame> fixture_session() {
  std::vector<SessionFrame> frames;
  const fs::path dir = fs::path(GWTAPE_SOURCE_DIR) / "fixtures" / "payloads" / "dispatch";
  if (!fs::is_directory(dir)) return frames;
  gateway::EnvelopeParser parser;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
    SessionFrame f;
    f.stem = entry.path().stem().string();
    f.text = read_text(entry.path().string());
    auto env = parser.parse(f.text);
    f.s = env && env->s ? *env->s : -1;
    frames.push_back(std::move(f));
  }
  std::sort(frames.begin(), frames.end(),
            [](const SessionFrame& a, const SessionFrame& b) { return a.s < b.s; });
  return frames;
}

gateway::Result<gateway::Event> decode_dispatch(std::string_view frame) {
  gateway::EnvelopeParser parser;
  gateway::EventDecoder decoder;
  auto env = parser.parse(frame);
  if (!env) return env.error();
  if (env->op != gateway::OpCode::kDispatch) {
    return make_error(Errc::kType, "not a dispatch: " + std::string(frame.substr(0, 60)));
  }
  return decoder.decode(env->t, env->padded_d());
}

// ---- builders ----------------------------------------------------------------------------

using namespace gateway;  // NOLINT: the model's many struct names

User user(Snowflake id, std::string name) {
  User u;
  u.id = id;
  u.username = std::move(name);
  return u;
}

Member member(Snowflake id, std::string name) {
  Member m;
  m.user = user(id, name);
  m.nick = name + "'s nick";
  m.joined_at = Timestamp{1'600'000'000'000'000};
  return m;
}

Channel channel(Snowflake id, std::int32_t type, Snowflake parent) {
  Channel c;
  c.id = id;
  c.type = type;
  c.name = "channel " + id.str();
  c.parent_id = parent;
  return c;
}

Event ready(Snowflake user_id, std::vector<Snowflake> guilds) {
  ReadyEvent r;
  r.v = 10;
  r.user = user(user_id, "bot");
  for (Snowflake g : guilds) r.guilds.push_back({g, true});
  r.session_id = "session";
  return make_event(std::move(r));
}

Event guild_create(Snowflake id, std::vector<Channel> channels, std::vector<Member> members) {
  GuildCreateEvent g;
  g.id = id;
  g.name = "guild " + id.str();
  Role everyone;
  everyone.id = id;
  everyone.name = "@everyone";
  Role mod;
  mod.id = Snowflake{id.value * 100 + 1};
  mod.name = "mod";
  g.roles = {everyone, mod};
  g.member_count = members.size();
  g.channels = std::move(channels);
  g.members = std::move(members);
  return make_event(std::move(g));
}

Event member_add(Snowflake guild, Member m) {
  GuildMemberAddEvent e;
  static_cast<Member&>(e) = std::move(m);
  e.guild_id = guild;
  return make_event(std::move(e));
}

MessageCreateEvent message(Snowflake id, Snowflake channel, Snowflake guild, Snowflake author,
                           std::string content) {
  MessageCreateEvent m;
  m.id = id;
  m.channel_id = channel;
  m.guild_id = guild;
  m.author = user(author, "author " + author.str());
  m.content = std::move(content);
  m.timestamp = Timestamp{static_cast<std::int64_t>(id.value) * 1000};
  return m;
}

Event message_create(Snowflake id, Snowflake channel, Snowflake guild, Snowflake author,
                     std::string content) {
  return make_event(message(id, channel, guild, author, std::move(content)));
}

Event reaction(bool add, Snowflake channel, Snowflake message_id, Snowflake user_id,
               Snowflake emoji_id, std::string emoji_name) {
  MessageReactionAddEvent r;
  r.user_id = user_id;
  r.channel_id = channel;
  r.message_id = message_id;
  r.emoji.id = emoji_id;
  r.emoji.name = std::move(emoji_name);
  if (add) return make_event(std::move(r));
  MessageReactionRemoveEvent rm;
  static_cast<MessageReactionAddEvent&>(rm) = std::move(r);
  return make_event(std::move(rm));
}

}  // namespace gwtape::test
