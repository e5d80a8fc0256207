#include "gwtape/gateway/commands.h"

#include <simdjson.h>

#include <catch2/catch_test_macros.hpp>
#include <string>

using namespace gwtape::gateway;

namespace {

// Parses a frame back with simdjson's DOM, the independent reader.
simdjson::dom::element parse(simdjson::dom::parser& parser, const std::string& text) {
  simdjson::dom::element root;
  auto error = parser.parse(text).get(root);
  INFO(text);
  REQUIRE(error == simdjson::SUCCESS);
  return root;
}

std::string every_escape() {
  std::string s = "quote\" backslash\\ slash/ ";
  for (int c = 0; c < 0x20; ++c) s += static_cast<char>(c);
  s += "\x7f caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x94\xa5 end";
  return s;
}

}  // namespace

TEST_CASE("heartbeat carries the last sequence or null", "[gateway][commands]") {
  CHECK(*encode_heartbeat(std::nullopt) == R"({"op":1,"d":null})");
  CHECK(*encode_heartbeat(251) == R"({"op":1,"d":251})");
}

TEST_CASE("identify round-trips through simdjson with every escape", "[gateway][commands]") {
  IdentifyData id;
  id.token = every_escape();
  id.intents = intents::kGuilds | intents::kGuildMessages | intents::kMessageContent;
  id.properties.os = "linux";
  id.large_threshold = 250;
  id.shard = std::array<std::int32_t, 2>{1, 4};
  UpdatePresenceData presence;
  presence.activities.push_back(Activity{"tests \"quoted\"", 0, std::nullopt, std::nullopt});
  presence.status = "dnd";
  presence.since = 91879201;
  id.presence = presence;
  auto text = encode(id);
  REQUIRE(text.ok());
  simdjson::dom::parser parser;
  auto root = parse(parser, *text);
  CHECK(root["op"].get_int64().value() == 2);
  auto d = root["d"];
  CHECK(std::string(d["token"].get_string().value()) == every_escape());
  CHECK(d["intents"].get_uint64().value() == (1 | 1 << 9 | 1 << 15));
  CHECK(std::string(d["properties"]["browser"].get_string().value()) == "gwtape");
  CHECK(d["compress"].get_bool().value() == false);
  CHECK(d["large_threshold"].get_int64().value() == 250);
  CHECK(d["shard"].at(0).get_int64().value() == 1);
  CHECK(d["shard"].at(1).get_int64().value() == 4);
  CHECK(std::string(d["presence"]["status"].get_string().value()) == "dnd");
  CHECK(d["presence"]["since"].get_int64().value() == 91879201);
  CHECK(std::string(d["presence"]["activities"].at(0)["name"].get_string().value()) ==
        "tests \"quoted\"");
  CHECK(text->find("\\u0001") != std::string::npos);
  CHECK(text->find("\\n") != std::string::npos);
  CHECK(text->find("\xf0\x9f\x94\xa5") != std::string::npos);  // UTF-8 kept as is
}

TEST_CASE("identify arguments are checked", "[gateway][commands]") {
  IdentifyData id;
  id.token = "t";
  id.large_threshold = 251;
  CHECK(encode(id).error().code == Errc::kInvalidArgument);
  id.large_threshold = 50;
  id.shard = std::array<std::int32_t, 2>{4, 4};
  CHECK(encode(id).error().code == Errc::kInvalidArgument);
  id.shard.reset();
  id.token = "bad \xc3\x28 utf8";
  auto bad = encode(id);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == Errc::kInvalidArgument);
  CHECK(bad.error().message.find("token") != std::string::npos);
}

TEST_CASE("every other command round-trips", "[gateway][commands]") {
  simdjson::dom::parser parser;
  {
    auto root = parse(parser, *encode(ResumeData{every_escape(), "sess \"1\"", 42}));
    CHECK(root["op"].get_int64().value() == 6);
    CHECK(std::string(root["d"]["token"].get_string().value()) == every_escape());
    CHECK(std::string(root["d"]["session_id"].get_string().value()) == "sess \"1\"");
    CHECK(root["d"]["seq"].get_int64().value() == 42);
  }
  {
    auto root = parse(parser, *encode(UpdateVoiceStateData{Snowflake{41771983423143937ULL},
                                                           std::nullopt, true, false}));
    CHECK(root["op"].get_int64().value() == 4);
    CHECK(std::string(root["d"]["guild_id"].get_string().value()) == "41771983423143937");
    CHECK(root["d"]["channel_id"].is_null());
    CHECK(root["d"]["self_mute"].get_bool().value());
  }
  {
    RequestGuildMembersData req;
    req.guild_id = Snowflake{UINT64_MAX};
    req.query = "caf\xc3\xa9";
    req.limit = 10;
    req.nonce = "n\t1";
    auto root = parse(parser, *encode(req));
    CHECK(root["op"].get_int64().value() == 8);
    CHECK(std::string(root["d"]["guild_id"].get_string().value()) == "18446744073709551615");
    CHECK(std::string(root["d"]["query"].get_string().value()) == "caf\xc3\xa9");
    CHECK(std::string(root["d"]["nonce"].get_string().value()) == "n\t1");
    req.user_ids.push_back(Snowflake{1});
    CHECK(encode(req).error().code == Errc::kInvalidArgument);  // query and user_ids
  }
  {
    auto root = parse(parser, *encode(GuildSubscribeData{Snowflake{5}, true, false}));
    CHECK(root["op"].get_int64().value() == 14);
    CHECK(root["d"]["typing"].get_bool().value());
  }
  {
    auto root = parse(parser, *encode(RequestSoundboardSoundsData{{Snowflake{1}, Snowflake{2}}}));
    CHECK(root["op"].get_int64().value() == 31);
    CHECK(std::string(root["d"]["guild_ids"].at(1).get_string().value()) == "2");
  }
  {
    auto root = parse(parser, *encode(RequestChannelInfoData{Snowflake{3}, {"status"}}));
    CHECK(root["op"].get_int64().value() == 43);
    CHECK(std::string(root["d"]["fields"].at(0).get_string().value()) == "status");
  }
  {
    UpdatePresenceData p;
    p.status = "idle";
    p.afk = true;
    auto root = parse(parser, *encode(p));
    CHECK(root["op"].get_int64().value() == 3);
    CHECK(root["d"]["since"].is_null());
    CHECK(root["d"]["afk"].get_bool().value());
  }
}

TEST_CASE("payloads over 4096 bytes are refused before sending", "[gateway][commands]") {
  ResumeData big{std::string(4100, 'x'), "s", 1};
  auto r = encode(big);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::kTooLarge);
  CHECK(r.error().message.find("4096") != std::string::npos);
  // Exactly at the limit is fine: {"op":6,"d":{"token":"...","session_id":"s","seq":1}}
  const std::size_t overhead = encode(ResumeData{"", "s", 1})->size();
  CHECK(encode(ResumeData{std::string(kMaxPayloadBytes - overhead, 'x'), "s", 1})->size() ==
        kMaxPayloadBytes);
  CHECK_FALSE(encode(ResumeData{std::string(kMaxPayloadBytes - overhead + 1, 'x'), "s", 1}).ok());
}

TEST_CASE("send(op, raw) checks its JSON", "[gateway][commands]") {
  CHECK(*encode_raw(3, R"({"status":"online"})") == R"({"op":3,"d":{"status":"online"}})");
  CHECK(encode_raw(3, R"({"status":)").error().code == Errc::kInvalidArgument);
  CHECK(encode_raw(300, "null").error().code == Errc::kInvalidArgument);
}

TEST_CASE("encode_sealed: the same bytes and the same errors as encode, in a Secret",
          "[gateway][commands][secrets]") {
  IdentifyData id;
  id.token = every_escape();
  id.intents = intents::kGuilds;
  id.shard = std::array<std::int32_t, 2>{0, 2};
  UpdatePresenceData presence;
  presence.activities.push_back(
      Activity{"a \"token\":\" lookalike", 0, std::nullopt, std::nullopt});
  id.presence = presence;
  auto plain = encode(id);
  auto sealed = encode_sealed(id);
  REQUIRE(plain.ok());
  REQUIRE(sealed.ok());
  CHECK(sealed->view() == *plain);
  for (const char* token : {"", "MTk4NjIy.Gx-q_z", "x"}) {
    ResumeData r{token, "session \"1\"", 42};
    INFO(token);
    CHECK(encode_sealed(r)->view() == *encode(r));
  }
  // The limit counts the token: at it fine, one byte over refused, as encode does.
  const std::size_t overhead = encode(ResumeData{"", "s", 1})->size();
  CHECK(encode_sealed(ResumeData{std::string(kMaxPayloadBytes - overhead, 'x'), "s", 1})->size() ==
        kMaxPayloadBytes);
  auto big = encode_sealed(ResumeData{std::string(kMaxPayloadBytes - overhead + 1, 'x'), "s", 1});
  REQUIRE_FALSE(big.ok());
  CHECK(big.error().code == Errc::kTooLarge);
  // A token that is not UTF-8: refused, named, not repeated.
  id.token = "bad \xc3\x28 utf8";
  auto bad = encode_sealed(id);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == Errc::kInvalidArgument);
  CHECK(bad.error().message.find("token") != std::string::npos);
  CHECK(bad.error().message.find("utf8") == std::string::npos);
  // The other arguments are checked as encode checks them.
  id.token = "t";
  id.large_threshold = 251;
  CHECK(encode_sealed(id).error().code == Errc::kInvalidArgument);
}
