#include "gwtape/gateway/envelope.h"

#include <catch2/catch_test_macros.hpp>
#include <string>
#include <vector>

using gwtape::gateway::EnvelopeParser;
using gwtape::gateway::Errc;
using gwtape::gateway::OpCode;
using gwtape::gateway::RoutingIds;

TEST_CASE("envelope fields are read in any order", "[gateway][envelope]") {
  EnvelopeParser p;
  for (std::string text :
       {R"({"op":0,"d":{"a":[1,2]},"s":42,"t":"MESSAGE_CREATE"})",
        R"({"t":"MESSAGE_CREATE","s":42,"op":0,"d":{"a":[1,2]}})",
        R"({"d":{"a":[1,2]},"t":"MESSAGE_CREATE","op":0,"s":42})",
        R"( { "s" : 42 , "d" : {"a":[1,2]} , "op" : 0 , "t" : "MESSAGE_CREATE" } )"}) {
    auto env = p.parse(text);
    INFO(text);
    REQUIRE(env.ok());
    CHECK(env->op == OpCode::kDispatch);
    CHECK(env->s == 42);
    CHECK(env->t == "MESSAGE_CREATE");
    CHECK(env->d == R"({"a":[1,2]})");
  }
}

TEST_CASE("envelope carries scalars, nulls and unknown opcodes", "[gateway][envelope]") {
  EnvelopeParser p;
  auto hb = p.parse(R"({"op":1,"d":null,"s":null,"t":null})");
  REQUIRE(hb.ok());
  CHECK(hb->op == OpCode::kHeartbeat);
  CHECK_FALSE(hb->s.has_value());
  CHECK(hb->t.empty());
  CHECK(hb->d == "null");
  auto hb2 = p.parse(R"({"op":1,"d":251})");
  REQUIRE(hb2.ok());
  CHECK(hb2->d == "251");
  auto inv = p.parse(R"({"op":9,"d":false })");
  REQUIRE(inv.ok());
  CHECK(inv->d == "false");
  auto str = p.parse(R"({"op":99,"d":"x\"y"})");
  REQUIRE(str.ok());
  CHECK(static_cast<int>(str->op) == 99);
  CHECK(str->d == R"("x\"y")");
  auto ack = p.parse(R"({"op":11})");
  REQUIRE(ack.ok());
  CHECK(ack->d.empty());
}

TEST_CASE("routing ids come from d", "[gateway][envelope]") {
  EnvelopeParser p;
  std::string msg =
      R"({"t":"MESSAGE_CREATE","s":2,"op":0,"d":{"id":"5","channel_id":"41771983423143937","guild_id":"197038439483310086"}})";
  RoutingIds ids;
  REQUIRE(p.parse_routed(msg, ids).ok());
  CHECK(ids.guild_id->value == 197038439483310086ULL);
  CHECK(ids.channel_id->value == 41771983423143937ULL);
  RoutingIds ch_ids;
  REQUIRE(
      p.parse_routed(R"({"t":"CHANNEL_UPDATE","s":3,"op":0,"d":{"id":"7","guild_id":"8"}})", ch_ids)
          .ok());
  CHECK(ch_ids.channel_id->value == 7);
  CHECK(ch_ids.guild_id->value == 8);
  RoutingIds guild_ids;
  REQUIRE(
      p.parse_routed(R"({"t":"GUILD_CREATE","s":3,"op":0,"d":{"id":"9","name":"x"}})", guild_ids)
          .ok());
  CHECK(guild_ids.guild_id->value == 9);
  CHECK_FALSE(guild_ids.channel_id.has_value());
  RoutingIds hb_ids;
  REQUIRE(p.parse_routed(R"({"op":1,"d":4})", hb_ids).ok());
  CHECK_FALSE(hb_ids.guild_id.has_value());
}

TEST_CASE("parse_routed reads the same envelope and ids in one pass", "[gateway][envelope]") {
  // Each frame in Discord's order (one pass) and with d first (two steps), including ids as
  // numbers, nulls, nested look-alikes that must not count, and a malformed d.
  const std::vector<std::string> ds = {
      R"({"id":"5","channel_id":"41771983423143937","guild_id":"197038439483310086"})",
      R"({"member":{"guild_id":"1"},"channel_id":77,"guild_id":null,"x":[{"channel_id":"2"}]})",
      R"({"id":"7","guild_id":"8","nested":{"id":"9"}})",
      R"({})",
      R"({"guild_id":"not a snowflake","channel_id":"3"})",
  };
  // d first takes the two steps (the envelope, then a second walk of d); Discord's order the
  // one pass: both must give the plain parse's envelope and the same ids.
  for (const char* t : {"MESSAGE_CREATE", "CHANNEL_UPDATE", "GUILD_CREATE", "FUTURE_EVENT"}) {
    for (const std::string& d : ds) {
      const std::string one_pass =
          R"({"t":")" + std::string(t) + R"(","s":5,"op":0,"d":)" + d + "}";
      const std::string two_steps =
          R"({"d":)" + d + R"(,"op":0,"s":5,"t":")" + std::string(t) + R"("})";
      INFO(one_pass);
      EnvelopeParser plain_parser, two, one;
      auto plain = plain_parser.parse(one_pass);
      REQUIRE(plain.ok());
      RoutingIds want, got;
      auto stepped = two.parse_routed(two_steps, want);
      auto routed = one.parse_routed(one_pass, got);
      REQUIRE(stepped.ok());
      REQUIRE(routed.ok());
      for (const auto* env : {&*stepped, &*routed}) {
        CHECK(env->d == plain->d);
        CHECK(env->t == plain->t);
        CHECK(env->s == plain->s);
      }
      CHECK(got.guild_id == want.guild_id);
      CHECK(got.channel_id == want.channel_id);
    }
  }
  EnvelopeParser p;
  gwtape::gateway::RoutingIds ids;
  auto env = p.parse_routed(
      R"({"t":"MESSAGE_CREATE","s":2,"op":0,"d":{"channel_id":"41771983423143937"}})", ids);
  REQUIRE(env.ok());
  CHECK(ids.channel_id->value == 41771983423143937ULL);
  CHECK_FALSE(ids.guild_id.has_value());
  // Not JSON: the envelope's error, and no ids.
  CHECK_FALSE(p.parse_routed(R"({"t":"MESSAGE_CREATE","op":0,"d":{"guild_id":"1")", ids).ok());
  CHECK_FALSE(ids.guild_id.has_value());
}

namespace {
Errc parse_error(std::string_view text) {
  EnvelopeParser p;
  auto env = p.parse(text);
  REQUIRE_FALSE(env.ok());
  INFO(env.error().message);
  CHECK_FALSE(env.error().message.empty());
  return env.error().code;
}
}  // namespace

TEST_CASE("bad frames give clear error values, never a crash", "[gateway][envelope]") {
  CHECK(parse_error("") == Errc::kParse);
  CHECK(parse_error(R"({"op":0,"d":{"content":"trunc)") == Errc::kParse);
  CHECK(parse_error(R"({"op":0,"d":{"a":1})") == Errc::kParse);
  CHECK(parse_error(R"({"op":"x","d":null})") == Errc::kType);
  CHECK(parse_error(R"({"d":null})") == Errc::kMissingField);
  CHECK(parse_error(R"({"op":256})") == Errc::kOutOfRange);
  CHECK(parse_error(R"({"op":-1})") != Errc::kMissingField);
  CHECK(parse_error(R"({"op":1e400})") != Errc::kMissingField);
  CHECK(parse_error(R"({"op":0,"s":99999999999999999999999})") == Errc::kOutOfRange);
  CHECK(parse_error(R"({"op":0,"s":"1"})") == Errc::kType);
  CHECK(parse_error(R"({"op":0,"t":5})") == Errc::kType);
  CHECK(parse_error("[1,2,3]") == Errc::kParse);
  CHECK(parse_error(R"({"op":11} junk)") == Errc::kParse);
  CHECK(parse_error("{\"op\":0,\"d\":\"\xC3\x28\"}") == Errc::kParse);  // invalid UTF-8
  std::string garbage(256, '\0');
  for (int i = 0; i < 256; ++i) garbage[i] = static_cast<char>((i * 131 + 7) & 0xff);
  CHECK(parse_error(garbage) == Errc::kParse);
  // Unbalanced nesting is malformed; balanced deep nesting is valid JSON and is carried (the
  // typed decoders reject it where they expect an object, see events_test.cpp).
  CHECK(parse_error(R"({"op":0,"d":)" + std::string(5000, '[') + "}") == Errc::kParse);
}

TEST_CASE("deeply nested but valid d is carried as raw text", "[gateway][envelope]") {
  std::string deep = R"({"op":0,"d":)" + std::string(5000, '[') + std::string(5000, ']') + "}";
  EnvelopeParser p;
  auto env = p.parse(deep);
  REQUIRE(env.ok());
  CHECK(env->d.size() == 10000);
}

TEST_CASE("a 10 MB string in d is carried without a copy", "[gateway][envelope]") {
  std::string text = R"({"op":0,"t":"X","s":1,"d":{"s":")" + std::string(10 << 20, 'x') + "\"}}";
  text.reserve(text.size() + 64);  // room for simdjson's padding: no copy
  EnvelopeParser p;
  auto env = p.parse(text);
  REQUIRE(env.ok());
  CHECK(env->d.size() == (10u << 20) + 8);
  CHECK(env->d.data() > text.data());
  CHECK(env->d.data() < text.data() + text.size());
}

TEST_CASE("a dispatch is decoded in the envelope's pass when t comes before d",
          "[gateway][envelope]") {
  using gwtape::gateway::Event;
  using gwtape::gateway::MessageCreateEvent;
  const std::string d =
      R"({"id":"334385199974967042","channel_id":"41771983423143937","content":"hi \"you\"",)"
      R"("author":{"id":"80351110224678912","username":"Nelly"}})";
  EnvelopeParser p;
  for (const std::string& text :
       std::vector<std::string>{R"({"t":"MESSAGE_CREATE","s":5,"op":0,"d":)" + d + " }",
                                R"({"d":)" + d + R"(,"op":0,"t":"MESSAGE_CREATE","s":5})",
                                R"({"op":0,"t":"TYPING_START","s":5,"d":{"x":1}})"}) {
    INFO(text);
    Event event;
    bool decoded = false;
    auto env = p.parse(std::string_view(text), event, decoded);
    REQUIRE(env.ok());
    const bool same_pass = text.find("\"t\"") < text.find("\"d\"");
    CHECK(decoded == same_pass);
    if (text.find("MESSAGE_CREATE") != std::string::npos) {
      CHECK(env->d == d);
      if (decoded) {
        const auto* m = event.as<MessageCreateEvent>();
        REQUIRE(m != nullptr);
        CHECK(m->id.value == 334385199974967042ULL);
        CHECK(m->content == "hi \"you\"");
        CHECK(m->author.username == "Nelly");
      }
    }
    auto plain = p.parse(text);
    REQUIRE(plain.ok());
    CHECK(plain->d == env->d);
  }
  // A d that does not decode falls back to the plain path: raw d kept, no event.
  Event event;
  bool decoded = true;
  auto bad = p.parse(R"({"t":"MESSAGE_CREATE","s":5,"op":0,"d":{"id":[1]}})", event, decoded);
  REQUIRE(bad.ok());
  CHECK_FALSE(decoded);
  CHECK(bad->d == R"({"id":[1]})");
}
