// Bad input to the decode paths (issue #14): every decode of a malformed or mistyped dispatch
// is an error value. These fail without their fix under the sanitizer build (UBSan's
// unreachable check for simdjson's SIMDJSON_ASSUME).
#include "gwtape/gateway/events.h"

#include <catch2/catch_test_macros.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>

#include "gwtape/gateway/envelope.h"
#include "gwtape/gateway/protocol.h"

namespace {

using namespace gwtape::gateway;

std::string read_fixture(const char* relative) {
  std::ifstream in(std::filesystem::path(GWTAPE_SOURCE_DIR) / "fixtures" / "payloads" / relative,
                   std::ios::binary);
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// What handle_op reports for a frame whose d does not decode: the error, then the raw event.
void check_reported_raw(const Actions& actions, std::string_view name) {
  REQUIRE(actions.size() == 2);
  const auto* error = std::get_if<ProtocolError>(&actions[0]);
  REQUIRE(error != nullptr);
  INFO(error->error.message);
  CHECK(error->error.code == Errc::kType);
  const auto* deliver = std::get_if<DeliverEvent>(&actions[1]);
  REQUIRE(deliver != nullptr);
  CHECK(deliver->event.type == EventType::kUnknown);
  CHECK(deliver->event.name() == name);
}

}  // namespace

TEST_CASE("a typed d that is an array is a kType error for every typed event",
          "[gateway][decode][reliability]") {
  EventDecoder decoder;
  const std::string deep = std::string(3000, '[') + std::string(3000, ']');
  for (std::size_t i = 1; i < static_cast<std::size_t>(EventType::kCount); ++i) {
    const auto type = static_cast<EventType>(i);
    if (!is_typed(type)) continue;
    for (const std::string& d : {std::string("[]"), std::string("[null]"),
                                 std::string(R"([{"id":"1"}])"), std::string(" [1] "), deep}) {
      INFO(event_name(type) << " d=" << d.substr(0, 40));
      auto event = decoder.decode(event_name(type), d);
      REQUIRE_FALSE(event.ok());
      CHECK(event.error().code == Errc::kType);
    }
  }
}

TEST_CASE("a dispatch whose array d comes before t is reported and not decoded",
          "[gateway][decode][reliability]") {
  // "d" first: the envelope's pass cannot decode it, so the second, typed pass sees d alone as
  // a document whose root is an array.
  Protocol protocol;
  SplitMix64 random(1);
  check_reported_raw(protocol.handle_op(R"({"d":[],"op":0,"t":"MESSAGE_CREATE","s":1})", 0, random),
                     "MESSAGE_CREATE");
  check_reported_raw(
      protocol.handle_op(R"({"d":[[{"id":"1"}]],"op":0,"t":"GUILD_CREATE","s":2})", 0, random),
      "GUILD_CREATE");
}

TEST_CASE("fixtures/payloads/bad/deep_nesting.json decodes to an error value",
          "[gateway][decode][reliability]") {
  const std::string frame = read_fixture("bad/deep_nesting.json");
  EnvelopeParser envelopes;
  auto env = envelopes.parse(frame);
  REQUIRE(env.ok());  // balanced nesting is valid JSON: the envelope carries d
  REQUIRE(env->t == "MESSAGE_CREATE");
  EventDecoder decoder;
  auto event = decoder.decode(env->t, env->d);
  REQUIRE_FALSE(event.ok());
  CHECK(event.error().code == Errc::kType);
  const std::size_t room =
      env->capacity - static_cast<std::size_t>(env->d.data() - env->text.data());
  auto in_place = decoder.decode(env->t, env->d, room);
  REQUIRE_FALSE(in_place.ok());
  CHECK(in_place.error().code == Errc::kType);

  Protocol protocol;
  SplitMix64 random(1);
  check_reported_raw(protocol.handle_op(frame, 0, random), "MESSAGE_CREATE");
}
