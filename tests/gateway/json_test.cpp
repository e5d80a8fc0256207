// The canonical JSON encoder (gwtape/gateway/json.h): exact form, conventions, escaping.
#include "gwtape/gateway/json.h"

#include <simdjson.h>

#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <cstdio>
#include <string>

namespace dom = simdjson::dom;

TEST_CASE("to_json writes the canonical form", "[gateway][json]") {
  using namespace gwtape::gateway;
  SECTION("defaults: invalid ids and timestamps are null, every key is written") {
    CHECK(to_json(ThreadMember{}) ==
          R"({"id":null,"user_id":null,"join_timestamp":null,"flags":0})");
    CHECK(to_json(Emoji{}) == R"({"id":null,"name":"","roles":[],"animated":false,"managed":false,)"
                              R"("available":true})");
    CHECK(to_json(Presence{}) ==
          R"({"user":{"id":null},"guild_id":null,"status":"","activities":[],)"
          R"("client_status":{"desktop":null,"mobile":null,"web":null}})");
  }
  SECTION("scalars") {
    ThreadMember m;
    m.id = Snowflake{18446744073709551615ULL};
    m.user_id = Snowflake{1};
    m.join_timestamp = *Timestamp::parse("2017-07-11T12:27:07.2990001-05:00");
    m.flags = 3;
    CHECK(to_json(m) == R"({"id":"18446744073709551615","user_id":"1",)"
                        R"("join_timestamp":"2017-07-11T17:27:07.299000+00:00","flags":3})");

    RateLimitedEvent rl;
    rl.opcode = 8;
    rl.retry_after = 27.415;
    rl.meta = "{ \"guild_id\" : \"1\",\n  \"nonce\": \"a b\" }";
    CHECK(to_json(rl) ==
          R"({"opcode":8,"retry_after":27.415,"meta":{"guild_id":"1","nonce":"a b"}})");
    rl.retry_after = std::nan("");
    rl.meta.clear();
    CHECK(to_json(rl) == R"({"opcode":8,"retry_after":null,"meta":null})");
  }
  SECTION("derived fields: wire shapes where they fit, embeds_count where not") {
    Message msg;
    msg.embeds = 2;
    msg.referenced_message_id = Snowflake{334385199974967042};
    msg.nonce = "123";
    const std::string json = to_json(msg);
    CHECK(json.find(R"("embeds_count":2,)") != std::string::npos);
    CHECK(json.find(R"("nonce":"123")") != std::string::npos);
    CHECK(json.ends_with(R"("message_reference":{"message_id":"334385199974967042"}})"));
    ReadyEvent ready;
    ready.shard = std::array<std::int32_t, 2>{0, 1};
    ready.application_id = Snowflake{172150183260323840};
    CHECK(to_json(ready).ends_with(R"("shard":[0,1],"application":{"id":"172150183260323840"}})"));
  }
  SECTION("a derived event keeps the fields it adds") {
    ThreadCreateEvent thread;
    thread.newly_created = true;
    CHECK(to_json(thread).ends_with(R"("last_pin_timestamp":null,"newly_created":true})"));
    GuildMemberAddEvent add;
    add.guild_id = Snowflake{7};
    CHECK(to_json(add).ends_with(R"("guild_id":"7"})"));
    Event event;
    event.type = EventType::kThreadCreate;
    event.payload.emplace<ThreadCreateEvent>(thread);
    CHECK(to_json(event) == to_json(thread));
    event.type = EventType::kResumed;
    event.payload.emplace<ResumedEvent>();
    CHECK(to_json(event) == "{}");
    event.type = EventType::kChannelInfo;
    event.payload.emplace<RawEvent>();
    CHECK(to_json(event) == "null");
  }
}

TEST_CASE("to_json escapes every string and always writes valid JSON", "[gateway][json]") {
  using namespace gwtape::gateway;
  std::string content = "q\" b\\ s/ DEL\x7f LS\u2028 PS\u2029 \U0001F525 caf\u00e9 ";
  for (int c = 0; c < 0x20; ++c) content.push_back(static_cast<char>(c));
  MessageCreateEvent msg;
  msg.id = Snowflake{1};
  msg.content = content;
  msg.author.username = "bad \xC3\x28 and \xFF end \xE2\x82";  // invalid UTF-8
  msg.author.global_name = "\xF0\x9F\x94\xA5";                 // valid 4-byte sequence
  Event event;
  event.type = EventType::kMessageCreate;
  event.payload.emplace<MessageCreateEvent>(msg);
  const std::string json = to_json(event);

  CHECK(json.find(R"(q\" b\\ s/ DEL)") != std::string::npos);
  CHECK(json.find(R"(\u0000\u0001)") != std::string::npos);
  CHECK(json.find(R"(\b\t\n\u000b\f\r)") != std::string::npos);
  CHECK(json.find(R"(\u001f")") != std::string::npos);

  dom::parser parser;
  dom::element root;
  REQUIRE(!parser.parse(json).get(root));
  CHECK(root["content"].get_string().value() == content);
  CHECK(root["author"]["username"].get_string().value() ==
        "bad \xEF\xBF\xBD( and \xEF\xBF\xBD end \xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(root["author"]["global_name"].get_string().value() == "\xF0\x9F\x94\xA5");

  EventDecoder decoder;
  auto again = decoder.decode("MESSAGE_CREATE", json);
  REQUIRE(again.ok());
  REQUIRE(again->as<MessageCreateEvent>() != nullptr);
  CHECK(again->as<MessageCreateEvent>()->content == content);
  CHECK(to_json(*again) == json);
}

TEST_CASE("append_json_escaped: gwtape's one escaping rule, byte by byte", "[gateway][json]") {
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    std::string out = "<";
    gwtape::gateway::append_json_escaped(out, std::string(1, c) + "ab" + c);
    std::string one;
    switch (c) {
      case '"':
        one = "\\\"";
        break;
      case '\\':
        one = "\\\\";
        break;
      case '\b':
        one = "\\b";
        break;
      case '\f':
        one = "\\f";
        break;
      case '\n':
        one = "\\n";
        break;
      case '\r':
        one = "\\r";
        break;
      case '\t':
        one = "\\t";
        break;
      default: {
        if (b < 0x20) {
          char hex[8];
          std::snprintf(hex, sizeof hex, "\\u%04x", b);
          one = hex;
        } else {
          one = std::string(1, c);  // UTF-8 and DEL pass through
        }
      }
    }
    INFO(b);
    CHECK(out == "<" + one + "ab" + one);  // appended, at both ends of a run
  }
  std::string empty;
  gwtape::gateway::append_json_escaped(empty, "");
  CHECK(empty.empty());
}
