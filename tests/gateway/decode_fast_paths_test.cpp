// The decoders' fast paths (8-byte key compares, SWAR snowflakes, in-place strings, Discord's
// timestamp form) must agree with the general readers on every input, including the ones that
// fall back: lengths around the 8-byte steps, escapes at every position, 19/20-digit ids.
#include <catch2/catch_test_macros.hpp>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <variant>

#include "gwtape/fixtures/generator.h"
#include "gwtape/gateway/clock.h"
#include "gwtape/gateway/envelope.h"
#include "gwtape/gateway/events.h"
#include "gwtape/gateway/json.h"
#include "gwtape/gateway/protocol.h"

using gwtape::gateway::EnvelopeParser;
using gwtape::gateway::Event;
using gwtape::gateway::EventDecoder;
using gwtape::gateway::EventType;
using gwtape::gateway::MessageCreateEvent;
using gwtape::gateway::MessageDeleteEvent;
using gwtape::gateway::Timestamp;
using gwtape::gateway::UserUpdateEvent;

namespace {

auto decode(std::string_view name, const std::string& d) {
  EventDecoder decoder;
  return decoder.decode(name, d);
}

}  // namespace

TEST_CASE("Snowflakes of every length read as the checked parser reads them", "[gateway][decode]") {
  std::mt19937_64 rng(7);
  std::string digits;
  for (int len = 1; len <= 20; ++len) {
    for (int trial = 0; trial < 50; ++trial) {
      digits.clear();
      for (int i = 0; i < len; ++i) digits.push_back(static_cast<char>('0' + rng() % 10));
      if (len == 20) digits.replace(0, 2, "10");  // stays under 2^64
      const auto expected = gwtape::gateway::Snowflake::parse(digits);
      REQUIRE(expected.ok());
      auto event =
          decode("MESSAGE_DELETE", R"({"id":")" + digits + R"(","channel_id":)" +
                                       std::to_string(expected->value) + R"(,"guild_id":null})");
      REQUIRE(event.ok());
      const auto* del = event->as<MessageDeleteEvent>();
      REQUIRE(del != nullptr);
      CHECK(del->id == *expected);
      CHECK(del->channel_id == *expected);  // the number form (no leading zeros)
    }
  }
  CHECK(decode("MESSAGE_DELETE", R"({"id":"18446744073709551615"})")
            ->as<MessageDeleteEvent>()
            ->id.value == UINT64_MAX);
  for (const char* bad : {R"("18446744073709551616")", R"("")", R"("12345678a0123456789")",
                          R"("1234567812345678x")", R"("-1")", R"("\u0031")"}) {
    auto event = decode("MESSAGE_DELETE", std::string(R"({"id":)") + bad + "}");
    INFO(bad);
    REQUIRE_FALSE(event.ok());
    CHECK(event.error().message.find("id") != std::string::npos);
  }
}

TEST_CASE("Strings read in place equal their unescaped text, escapes anywhere",
          "[gateway][decode]") {
  for (std::size_t len = 0; len <= 40; ++len) {
    std::string plain;
    for (std::size_t i = 0; i < len; ++i) plain.push_back(static_cast<char>('a' + i % 26));
    auto event = decode("USER_UPDATE", R"({"id":"1","username":")" + plain + R"("})");
    REQUIRE(event.ok());
    CHECK(event->as<UserUpdateEvent>()->username == plain);
    // One escape at each position: a quote, a backslash, a newline, a \u escape.
    for (std::size_t at = 0; at <= len; ++at) {
      for (const auto& [escaped, text] : {std::pair<std::string, std::string>{R"(\")", "\""},
                                          {R"(\\)", "\\"},
                                          {R"(\n)", "\n"},
                                          {R"(\u00e9)", "\xc3\xa9"}}) {
        const std::string json =
            R"({"content":")" + plain.substr(0, at) + escaped + plain.substr(at) + R"("})";
        auto message = decode("MESSAGE_CREATE", json);
        REQUIRE(message.ok());
        CHECK(message->as<MessageCreateEvent>()->content ==
              plain.substr(0, at) + text + plain.substr(at));
      }
    }
  }
  // Non-ASCII written as UTF-8 is kept byte for byte.
  auto event = decode("MESSAGE_CREATE", "{\"content\":\"h\xc3\xa9llo \xf0\x9f\x98\x80\"}");
  REQUIRE(event.ok());
  CHECK(event->as<MessageCreateEvent>()->content == "h\xc3\xa9llo \xf0\x9f\x98\x80");
}

TEST_CASE("Keys match whole names only, whatever their length", "[gateway][decode]") {
  // Names of 2, 3, 6, 8 and 12 characters next to keys one character shorter, longer or
  // different in the last place: only the exact names are read.
  const std::string json =
      R"({"i":"9","idx":"9","id":"5","bo":false,"bots":false,"bot":true,"avata":"x",)"
      R"("avatarr":"y","avatar":"abc","usernam":"no","usernamex":"no","username":"ana",)"
      R"("public_flag":1,"public_flagz":2,"public_flags_":3,"public_flags":64,)"
      R"("\u0069d":"7"})";
  auto event = decode("USER_UPDATE", json);
  REQUIRE(event.ok());
  const auto* user = event->as<UserUpdateEvent>();
  REQUIRE(user != nullptr);
  CHECK(user->id.value == 5);  // "\u0069d" is skipped: Discord never escapes key characters
  CHECK(user->bot);
  CHECK(user->avatar == "abc");
  CHECK(user->username == "ana");
  CHECK(user->public_flags == 64);
}

TEST_CASE("Timestamps in Discord's form read as the general parser reads them",
          "[gateway][decode]") {
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 2000; ++trial) {
    // Any instant from 1900 to 2200, to the microsecond (negative ones included).
    const std::int64_t us =
        static_cast<std::int64_t>(rng() % 9'467'280'000'000'000ULL) - 2'208'988'800'000'000LL;
    const std::string iso = Timestamp{us}.iso8601();  // "...+00:00", Discord's form
    auto event = decode("MESSAGE_CREATE", R"({"timestamp":")" + iso + R"("})");
    REQUIRE(event.ok());
    INFO(iso);
    CHECK(event->as<MessageCreateEvent>()->timestamp.unix_us == us);
    CHECK(Timestamp::parse(iso)->unix_us == us);
  }
  // Out-of-range fields in Discord's form fall back to the general parser and its message.
  auto bad = decode("MESSAGE_CREATE", R"({"timestamp":"2026-13-01T00:00:00.000000+00:00"})");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("out of range") != std::string::npos);
}

TEST_CASE("An event name written with escapes still selects its type", "[gateway][envelope]") {
  std::string frame = R"({"t":"MESSAGE\u005fDELETE","s":3,"op":0,"d":{"id":"42"}})";
  EnvelopeParser parser;
  Event event;
  bool decoded = false;
  // As the text with no room after it (a string_view): parsed from the parser's copy.
  auto env = parser.parse(std::string_view(frame), event, decoded);
  REQUIRE(env.ok());
  CHECK(env->t == "MESSAGE_DELETE");
  REQUIRE(decoded);
  CHECK(event.type == EventType::kMessageDelete);
  CHECK(event.as<MessageDeleteEvent>()->id.value == 42);
}

TEST_CASE("one-pass decodes in handle_op equal two-pass decodes over a generated session",
          "[gateway][decode]") {
  // 20k frames of realistic traffic: every dispatch handle_op delivers (decoded in the
  // envelope's pass, into the action) encodes to the same canonical JSON as the same frame's
  // d decoded on its own by EventDecoder; the event names and sequence numbers agree too.
  auto gen = gwtape::fixtures::Generator::create({});
  REQUIRE(gen.ok());
  gwtape::gateway::Protocol protocol;
  gwtape::gateway::SplitMix64 random(3);
  protocol.on_connected(0);
  EnvelopeParser envelopes;
  EventDecoder decoder;
  gwtape::gateway::Actions actions;
  std::size_t delivered = 0;
  for (int i = 0; i < 20'000; ++i) {
    auto f = gen->next();
    if (f.direction != gwtape::fixtures::Direction::kRecv) continue;
    f.text.reserve(f.text.size() + 64);
    protocol.handle_op(f.text, i, random, actions);
    for (const auto& action : actions) {
      const auto* d = std::get_if<gwtape::gateway::DeliverEvent>(&action);
      if (d == nullptr) continue;
      auto env = envelopes.parse(f.text);
      REQUIRE(env.ok());
      auto alone = decoder.decode(env->t, env->d);
      REQUIRE(alone.ok());
      INFO(f.text.substr(0, 200));
      CHECK(d->seq == env->s.value_or(0));
      CHECK(d->event.type == alone->type);
      CHECK(d->event.name() == alone->name());
      CHECK(gwtape::gateway::to_json(d->event) == gwtape::gateway::to_json(*alone));
      ++delivered;
    }
  }
  CHECK(delivered > 15'000);
  // The generator writes t before d, as Discord does: all typed dispatches took one pass.
  CHECK(protocol.one_pass_decodes() > protocol.two_pass_decodes() * 10);
}
