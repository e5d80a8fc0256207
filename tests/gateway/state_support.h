// tests/gateway/state_support.h — test support for the state::Cache tests: the fixture session
// of fixtures/payloads (dispatch frames in the order of their `s`), frame decoding, and
// builders of typed events.
//
// Thread-safety: the loaders read files; builders are pure. Lifetimes: values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "gwtape/gateway/events.h"

namespace gwtape::test {

struct SessionFrame {
  std::int64_t s = 0;
  std::string stem;  // "MESSAGE_CREATE_dm"
  std::string text;
};

// Every fixtures/payloads/dispatch/*.json, sorted by `s` (README: a consistent session).
std::vector<SessionFrame> fixture_session();

// A whole gateway frame's dispatch, decoded (envelope, then d). An error names the frame.
gateway::Result<gateway::Event> decode_dispatch(std::string_view frame);

// The file's text, or "" when it cannot be read.
std::string read_text(const std::string& path);

// The EventType whose registry entry has struct T.
template <class T>
constexpr gateway::EventType event_type_of() {
#define GWTAPE_X(e, n, S) \
  if constexpr (std::is_same_v<T, gateway::S>) return gateway::EventType::e;
  GWTAPE_TYPED_EVENTS(GWTAPE_X)
#undef GWTAPE_X
  return gateway::EventType::kUnknown;
}

template <class T>
gateway::Event make_event(T payload) {
  gateway::Event ev;
  ev.type = event_type_of<T>();
  ev.payload = std::move(payload);
  return ev;
}

// Builders of model objects and events, with made-up but consistent values.
gateway::User user(gateway::Snowflake id, std::string name);
// A member with that user, nick "<name>'s nick" and a joined_at.
gateway::Member member(gateway::Snowflake id, std::string name);
gateway::Channel channel(gateway::Snowflake id, std::int32_t type = 0,
                         gateway::Snowflake parent = {});
// READY for that bot user, with an unavailable stub per guild.
gateway::Event ready(gateway::Snowflake user_id, std::vector<gateway::Snowflake> guilds);
// GUILD_CREATE with roles @everyone (id = guild id) and "mod" (guild id * 100 + 1).
gateway::Event guild_create(gateway::Snowflake id, std::vector<gateway::Channel> channels,
                            std::vector<gateway::Member> members);
gateway::Event member_add(gateway::Snowflake guild, gateway::Member m);
// A message by user(author, "author <id>"), timestamped from its id.
gateway::MessageCreateEvent message(gateway::Snowflake id, gateway::Snowflake channel,
                                    gateway::Snowflake guild, gateway::Snowflake author,
                                    std::string content);
gateway::Event message_create(gateway::Snowflake id, gateway::Snowflake channel,
                              gateway::Snowflake guild, gateway::Snowflake author,
                              std::string content);
// MESSAGE_REACTION_ADD (add) or MESSAGE_REACTION_REMOVE of a unicode (emoji_id 0) or custom
// emoji.
gateway::Event reaction(bool add, gateway::Snowflake channel, gateway::Snowflake message_id,
                        gateway::Snowflake user_id, gateway::Snowflake emoji_id,
                        std::string emoji_name);

}  // namespace gwtape::test
