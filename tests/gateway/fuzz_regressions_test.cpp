// Inputs fuzz_decode and fuzz_inflate found (docs/RELIABILITY.md), minimized, each with the
// property it broke.
#include "gwtape/gateway/envelope.h"

#include <catch2/catch_test_macros.hpp>
#include <optional>
#include <string>
#include <variant>

#include "gwtape/gateway/events.h"
#include "gwtape/gateway/protocol.h"

namespace {

using namespace gwtape::gateway;

// The plain, the one-pass typed and the routed parse all reject the frame with kParse.
void check_rejected_by_every_path(const std::string& text) {
  INFO(text);
  EnvelopeParser envelopes;
  auto plain = envelopes.parse(text);
  REQUIRE_FALSE(plain.ok());
  CHECK(plain.error().code == Errc::kParse);
  std::optional<Event> event;
  auto typed = envelopes.parse(text, 0, &event);
  REQUIRE_FALSE(typed.ok());
  CHECK(typed.error().code == Errc::kParse);
  CHECK_FALSE(event.has_value());
  RoutingIds ids;
  auto routed = envelopes.parse_routed(text, 0, ids);
  REQUIRE_FALSE(routed.ok());
  CHECK(routed.error().code == Errc::kParse);
}

}  // namespace

TEST_CASE("a key without a value inside d is malformed on every path",
          "[gateway][envelope][reliability]") {
  // fuzz_decode: a skipped value that is a closing brace ended d early for the walks that read
  // d's keys (the one-pass decode, the routing ids), which then accepted a frame whose plain
  // parse reports trailing content; the log writer kept op/t for it, and handle_op delivered it.
  check_rejected_by_every_path(R"({"t":"T","op":0,"d":{"":},"":}}})");
  check_rejected_by_every_path(R"({"t":"MESSAGE_CREATE","op":0,"d":{"":},"":}}})");
  check_rejected_by_every_path(R"({"t":"CHANNEL_CREATE","op":0,"d":{"id":"1","x":},"":}}})");
  check_rejected_by_every_path(R"({"op":0,"t":"X","d":{"q":},"s":1})");

  Protocol protocol;
  SplitMix64 random(1);
  auto actions = protocol.handle_op(R"({"t":"MESSAGE_CREATE","op":0,"d":{"":},"":}}})", 0, random);
  REQUIRE_FALSE(actions.empty());
  CHECK(std::holds_alternative<ProtocolError>(actions[0]));
  for (const Action& action : actions) CHECK_FALSE(std::holds_alternative<DeliverEvent>(action));
}

TEST_CASE("a typed decode rejects a key without a value", "[gateway][decode][reliability]") {
  // The skip of the missing value took the brace for it and went on with the keys behind it:
  // {"x":} then ,"id":"3"} read as one object with an id.
  EventDecoder decoder;
  for (const char* d : {R"({"x":},"id":"3"})", R"({"id":"1","x":},"content":"hi"})",
                        R"({"author":{"x":},"id":"2"},"id":"3"})"}) {
    INFO(d);
    auto event = decoder.decode("MESSAGE_CREATE", d);
    REQUIRE_FALSE(event.ok());
    CHECK(event.error().code == Errc::kParse);
  }
}
