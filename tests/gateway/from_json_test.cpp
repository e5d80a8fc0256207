// from_json (gwtape/gateway/json.h): one model object from a REST reply or its canonical JSON.
#include <simdjson.h>

#include <catch2/catch_test_macros.hpp>
#include <string>

#include "gwtape/gateway/json.h"

using namespace gwtape::gateway;
using gwtape::PaddedView;

namespace {

// The `d` of a documentation example (fixtures/payloads/dispatch), as minified text.
std::string fixture_d(const char* name) {
  simdjson::dom::parser parser;
  simdjson::dom::element frame;
  const std::string path = std::string(GWTAPE_SOURCE_DIR) + "/fixtures/payloads/dispatch/" + name;
  REQUIRE(parser.load(path).get(frame) == simdjson::SUCCESS);
  return simdjson::minify(frame["d"]);
}

}  // namespace

TEST_CASE("from_json: a Message as POST /channels/{id}/messages answers it", "[gateway][json]") {
  const std::string body = fixture_d("MESSAGE_CREATE.json");
  Message m;
  REQUIRE(from_json(PaddedView(body), m).ok());
  CHECK(m.id.valid());
  CHECK(m.channel_id.valid());
  CHECK(m.author.id.valid());
  CHECK_FALSE(m.content.empty());

  SECTION("its canonical encoding reads back to the same struct") {
    const std::string once = to_json(m);
    Message again;
    REQUIRE(from_json(PaddedView(once), again).ok());
    CHECK(to_json(again) == once);
  }
  SECTION("with room after it, or without, the same") {
    Message unpadded;
    REQUIRE(from_json(PaddedView(std::string_view(body)), unpadded).ok());
    CHECK(to_json(unpadded) == to_json(m));
  }
}

TEST_CASE("from_json: bad bodies are errors naming what is wrong", "[gateway][json]") {
  Message m;
  SECTION("not JSON") {
    auto st = from_json(PaddedView(R"({"id": "1", )"), m);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().code == Errc::kParse);
    CHECK(st.error().message.starts_with("reading a Message: "));
  }
  SECTION("content after the document") {
    auto st = from_json(PaddedView(R"({"id": "1"} {"id": "2"})"), m);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().code == Errc::kParse);
    CHECK(st.error().message.find("after the JSON document") != std::string::npos);
  }
  SECTION("a field of the wrong type: the message names it") {
    auto st = from_json(PaddedView(R"({"id": "1", "author": {"id": true}})"), m);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().code == Errc::kType);
    CHECK(st.error().message.find("author.id") != std::string::npos);
  }
  SECTION("not an object") {
    auto st = from_json(PaddedView("[1, 2]"), m);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().code == Errc::kType);
  }
  SECTION("null is not an object either") {
    auto st = from_json(PaddedView("null"), m);
    REQUIRE_FALSE(st.ok());
    INFO(st.error().message);
    CHECK(st.error().code == Errc::kType);
  }
}

TEST_CASE("from_json: every model struct reads its own canonical encoding", "[gateway][json]") {
  // A default struct and one read from a documentation example, for the structs with one.
  User user;
  REQUIRE(from_json(PaddedView(R"({"id":"80351110224678912","username":"Nelly","bot":true})"), user)
              .ok());
  CHECK(user.id.value == 80351110224678912ULL);
  CHECK(user.username == "Nelly");
#define GWTAPE_X(T)                                   \
  {                                                   \
    const std::string once = to_json(T{});            \
    T again;                                          \
    INFO(#T << ": " << once);                         \
    REQUIRE(from_json(PaddedView(once), again).ok()); \
    CHECK(to_json(again) == once);                    \
  }
  GWTAPE_MODEL_STRUCTS(GWTAPE_X)
#undef GWTAPE_X
  Guild guild;
  REQUIRE(from_json(PaddedView(fixture_d("GUILD_CREATE.json")), guild).ok());
  CHECK_FALSE(guild.channels.empty());
  const std::string once = to_json(guild);
  Guild again;
  REQUIRE(from_json(PaddedView(once), again).ok());
  CHECK(to_json(again) == once);
}
