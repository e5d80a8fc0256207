// Inputs fuzz_decode and fuzz_inflate found (docs/RELIABILITY.md), minimized, each with the
// property it broke.
#include "gwtape/gateway/envelope.h"

#include <zlib.h>

#include <catch2/catch_test_macros.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <variant>

#include "gwtape/gateway/compression.h"
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
  Event event;
  bool decoded = true;
  auto typed = envelopes.parse(std::string_view(text), event, decoded);
  REQUIRE_FALSE(typed.ok());
  CHECK(typed.error().code == Errc::kParse);
  CHECK_FALSE(decoded);
  RoutingIds ids;
  auto routed = envelopes.parse_routed(text, ids);
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

TEST_CASE("zlib-stream: bytes after the end of the stream are an error, not a hang",
          "[gateway][compression][reliability]") {
  // fuzz_inflate: a stream that ends (a final deflate block and its checksum) followed by more
  // bytes in the same or a later message. inflate() consumes nothing after the end, and feed()
  // looped while input remained: the receive loop never returned. Fed on a thread so that a
  // regression fails in seconds instead of hanging the suite.
  const std::string text = R"({"op":11})";
  std::string ended(compressBound(static_cast<uLong>(text.size())), '\0');
  uLongf size = static_cast<uLongf>(ended.size());
  REQUIRE(compress(reinterpret_cast<Bytef*>(ended.data()), &size,
                   reinterpret_cast<const Bytef*>(text.data()),
                   static_cast<uLong>(text.size())) == Z_OK);
  ended.resize(size);
  for (const bool same_message : {true, false}) {
    INFO((same_message ? "in the same message" : "in the next message"));
    // Shared with the thread: a hung feed() keeps using them after the test has given up.
    auto decompressor = std::shared_ptr<StreamDecompressor>(
        make_decompressor(Compression::kZlibStream, 1 << 20).release());
    auto out = std::make_shared<std::string>();
    auto messages = std::make_shared<std::vector<std::string>>();
    if (same_message) {
      messages->push_back(ended + std::string("\x00\x00\xff\xff", 4));
    } else {
      messages->push_back(ended);
      messages->push_back(std::string("\x00\x00\xff\xff", 4));
    }
    std::promise<std::optional<Error>> done;
    auto result = done.get_future();
    std::thread([decompressor, out, messages, done = std::move(done)]() mutable {
      std::optional<Error> error;
      for (const std::string& m : *messages) {
        auto fed = decompressor->feed(m, *out);
        if (!fed.ok()) {
          error = fed.error();
          break;
        }
      }
      done.set_value(error);
    }).detach();
    REQUIRE(result.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    const std::optional<Error> error = result.get();
    REQUIRE(error.has_value());
    CHECK(error->code == Errc::kParse);
    CHECK(error->message.find("after the end") != std::string::npos);
    CHECK(*out == text);  // what came before the end was delivered
  }
}

// fuzz_decode, 2026-12-07 (CI's 30 s run): an unknown key whose string value is followed by a
// colon instead of a comma. The typed decode of d in place (d's room in the frame's buffer)
// and of a copy of d disagreed on whether it was valid.
TEST_CASE("a typed decode of d in place and of a copy agree on a bad value separator",
          "[gateway][decode][reliability]") {
  for (const std::string& text : {
           std::string(R"({"t":"MESSAGE_CREATE","s":1,"op":0,"d":{"type":0,"ttid":"3s":false,)"
                       R"("id":"1","content":"gg"}})"),
           std::string(R"({"t":"MESSAGE_CREATE","s":1,"op":0,"d":{"ttid":"3s":false}})"),
       }) {
    INFO(text);
    EnvelopeParser envelopes;
    auto env = envelopes.parse(text);
    if (!env.ok()) continue;  // rejected as a whole: nothing to compare
    EventDecoder decoder;
    auto in_place = decoder.decode(env->t, env->padded_d());
    auto copied = decoder.decode(env->t, std::string_view(env->d));
    INFO((in_place.ok() ? std::string("in place: ok") : in_place.error().message));
    INFO((copied.ok() ? std::string("copied: ok") : copied.error().message));
    CHECK(in_place.ok() == copied.ok());
    CHECK_FALSE(in_place.ok());  // not JSON: the value separator is a colon
  }
}
