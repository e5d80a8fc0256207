#include "gwtape/recorder/redact.h"

#include <catch2/catch_test_macros.hpp>
#include <string>

using namespace gwtape::recorder;

TEST_CASE("the token is masked wherever it appears, raw or escaped", "[recorder][redact]") {
  TokenMask mask("MTk4NjIy.Gx\"q\\z");
  std::string identify = R"({"op":2,"d":{"token":"MTk4NjIy.Gx\"q\\z","intents":513}})";
  CHECK(mask.apply(identify) == 1);
  CHECK(identify == R"({"op":2,"d":{"token":"[token redacted]","intents":513}})");
  std::string raw = "echo MTk4NjIy.Gx\"q\\z twice MTk4NjIy.Gx\"q\\z";
  CHECK(mask.apply(raw) == 2);
  CHECK(raw.find("MTk4") == std::string::npos);
  std::string clean = R"({"op":1,"d":5})";
  CHECK(mask.apply(clean) == 0);
  CHECK(clean == R"({"op":1,"d":5})");
}

TEST_CASE("redaction rules parse and refuse what they cannot mean", "[recorder][redact]") {
  auto r = RedactionRule::parse("MESSAGE_CREATE:$.d.mentions[*].email");
  REQUIRE(r.ok());
  CHECK(r->event() == "MESSAGE_CREATE");
  CHECK(r->path() == std::vector<std::string>{"d", "mentions", "[*]", "email"});
  CHECK(RedactionRule::parse("*:$.d.author.email")->event() == "*");
  for (const char* bad : {"$.d.content", ":$.d", "MESSAGE_CREATE:d.content", "x:$.d",
                          "MESSAGE_CREATE:$.", "MESSAGE_CREATE:$.d..x", "MESSAGE_CREATE:$.d[0]"}) {
    auto e = RedactionRule::parse(bad);
    INFO(bad);
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().code == Errc::kInvalidRule);
    CHECK(e.error().message.find(bad) != std::string::npos);
  }
}

TEST_CASE("redaction replaces values of any type and keeps every other byte",
          "[recorder][redact]") {
  std::vector<RedactionRule> rules{*RedactionRule::parse("MESSAGE_CREATE:$.d.content"),
                                   *RedactionRule::parse("*:$.d.author.email"),
                                   *RedactionRule::parse("*:$.d.mentions[*].email"),
                                   *RedactionRule::parse("GUILD_CREATE:$.d.members")};
  std::string m = R"({"t":"MESSAGE_CREATE","s":3,"op":0,"d":{"content":"secret \"quoted\"",)"
                  R"("author":{"id":"1","email":{"nested":[1,2]}},)"
                  R"("mentions":[{"email":"a@x"},{"id":"2"},{"email":null}]}})";
  CHECK(redact(m, rules) == 4);
  CHECK(m == R"({"t":"MESSAGE_CREATE","s":3,"op":0,"d":{"content":"[redacted]",)"
             R"("author":{"id":"1","email":"[redacted]"},)"
             R"("mentions":[{"email":"[redacted]"},{"id":"2"},{"email":"[redacted]"}]}})");
  // Another event: only the * rules apply; t after d changes nothing.
  std::string u = R"({"d":{"content":"kept","author":{"email":"e"}},"op":0,"t":"MESSAGE_UPDATE"})";
  CHECK(redact(u, rules) == 1);
  CHECK(u ==
        R"({"d":{"content":"kept","author":{"email":"[redacted]"}},"op":0,"t":"MESSAGE_UPDATE"})");
  // Not a dispatch, or not JSON: untouched, never lost.
  std::string hb = R"({"op":1,"d":{"content":"x"}})";
  CHECK(redact(hb, rules) == 0);
  std::string junk = "\x01not json";
  CHECK(redact(junk, rules) == 0);
  CHECK(junk == "\x01not json");
}
