// Bad input to the decode paths (issue #14): every decode of a malformed or mistyped dispatch
// is an error value, and no parse reads outside the bytes behind the text it is given. Some
// of these only fail without their fix under the sanitizer build (UBSan's unreachable check
// for simdjson's SIMDJSON_ASSUME, ASan for over-reads); the pointer checks fail in any build.
#include "gwtape/gateway/events.h"

#include <simdjson.h>

#include <catch2/catch_test_macros.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>

#include "gwtape/gateway/envelope.h"
#include "gwtape/gateway/protocol.h"

namespace {

using namespace gwtape::gateway;

// The text in a heap block of exactly its size: no terminating NUL, no spare capacity, so any
// read past the end is outside the allocation (ASan reports it).
class ExactBuffer {
 public:
  explicit ExactBuffer(std::string_view text)
      : bytes_(std::make_unique<char[]>(text.size())), size_(text.size()) {
    std::memcpy(bytes_.get(), text.data(), text.size());
  }
  std::string_view view() const { return std::string_view(bytes_.get(), size_); }
  const void* data() const { return bytes_.get(); }

 private:
  std::unique_ptr<char[]> bytes_;
  std::size_t size_;
};

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
  auto in_place = decoder.decode(env->t, env->padded_d());
  REQUIRE_FALSE(in_place.ok());
  CHECK(in_place.error().code == Errc::kType);

  Protocol protocol;
  SplitMix64 random(1);
  check_reported_raw(protocol.handle_op(frame, 0, random), "MESSAGE_CREATE");
}

TEST_CASE("the fallback after a failed one-pass decode parses the padded copy",
          "[gateway][envelope][reliability]") {
  // "t" before "d": the envelope decodes d in its own pass; the snowflake does not fit in 64
  // bits, so that pass fails and the frame is parsed again, plainly. The caller's text has no
  // room for padding (capacity 0): both passes must read the parser's padded copy.
  const ExactBuffer frame(
      R"({"t":"MESSAGE_UPDATE","s":1,"op":0,"d":{"id":"99999999999999999999999"}})");
  EnvelopeParser envelopes;
  Event event;
  bool decoded = true;
  auto env = envelopes.parse(frame.view(), event, decoded);
  REQUIRE(env.ok());
  CHECK_FALSE(decoded);
  CHECK(env->d == R"({"id":"99999999999999999999999"})");
  // The envelope's text and capacity describe the same bytes: the copy, with its padding.
  CHECK(static_cast<const void*>(env->text.data()) != frame.data());
  CHECK(env->text.text() == frame.view());
  CHECK(env->text.padded());

  Protocol protocol;
  SplitMix64 random(1);
  check_reported_raw(protocol.handle_op(frame.view(), 0, random), "MESSAGE_UPDATE");
}

TEST_CASE("the log writer's routed parse falls back to the padded copy too",
          "[gateway][envelope][reliability]") {
  // A dispatch whose d is not an object: the routing walk gives up and parses plainly.
  const ExactBuffer frame(R"({"t":"MESSAGE_CREATE","s":1,"op":0,"d":[{"channel_id":"1"}]})");
  EnvelopeParser envelopes;
  RoutingIds ids;
  auto env = envelopes.parse_routed(frame.view(), ids);
  REQUIRE(env.ok());
  CHECK(env->d == R"([{"channel_id":"1"}])");
  CHECK_FALSE(ids.channel_id.has_value());
  CHECK(static_cast<const void*>(env->text.data()) != frame.data());
  CHECK(env->text.padded());
}

TEST_CASE("an absent d is an empty view at the end of the frame",
          "[gateway][envelope][reliability]") {
  // Callers hand `capacity - (d.data() - text.data())` to EventDecoder as d's room: with a
  // null d that was pointer arithmetic across objects and a meaningless capacity.
  std::string text = R"({"op":0,"t":"MESSAGE_CREATE","s":1})";
  EnvelopeParser envelopes;
  auto env = envelopes.parse(text);
  REQUIRE(env.ok());
  CHECK(env->d.empty());
  CHECK(static_cast<const void*>(env->d.data()) ==
        static_cast<const void*>(env->text.data() + env->text.size()));

  Protocol protocol;
  SplitMix64 random(1);
  auto actions = protocol.handle_op(text, 0, random);
  REQUIRE_FALSE(actions.empty());
  const auto* error = std::get_if<ProtocolError>(&actions[0]);
  REQUIRE(error != nullptr);
  CHECK(error->error.code == Errc::kParse);
}
