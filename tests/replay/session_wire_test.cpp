// The session driver against frames the loopback gateway is told to send verbatim (issue 13):
// a zlib stream that ends and goes on, a RESUMED whose s is not above the last seen, and what
// the identify says of payload compression. Each case failed with the driver before it.
#include <zlib.h>

#include <catch2/catch_test_macros.hpp>
#include <string>

#include "live_gateway_util.h"

using namespace gwtape;
using namespace gwtape::testing;
using gateway::Compression;
using server::LoopbackGateway;
using server::LoopbackOptions;
using server::Observations;

namespace {

constexpr const char* kToken = "wire-test-token";

// `text` as one whole zlib stream: header, deflate data with its final block, checksum.
std::string ended_zlib_stream(const std::string& text) {
  std::string out(compressBound(static_cast<uLong>(text.size())), '\0');
  uLongf size = static_cast<uLongf>(out.size());
  REQUIRE(compress(reinterpret_cast<Bytef*>(out.data()), &size,
                   reinterpret_cast<const Bytef*>(text.data()),
                   static_cast<uLong>(text.size())) == Z_OK);
  out.resize(size);
  return out;
}

}  // namespace

TEST_CASE("driver: a zlib stream that ends and goes on drops the connection, not the CPU",
          "[driver]") {
  auto srv = start_loopback(kToken);
  srv->silent(true);  // the test speaks for the server on the first connection
  LiveClient client(srv->url(), kToken, Compression::kZlibStream);
  REQUIRE(srv->wait_for_connections(1, 5s));
  // HELLO in a stream that ends, then a sync-flush marker behind the end: inflate returns
  // Z_STREAM_END and consumes nothing more. Before, the receive loop spun on it forever.
  REQUIRE(srv->send_binary(ended_zlib_stream(R"({"op":10,"d":{"heartbeat_interval":41250}})") +
                           std::string("\x00\x00\xff\xff", 4))
              .ok());
  REQUIRE(srv->wait_for_closed(1, 5s));
  srv->silent(false);
  REQUIRE(srv->wait_until_identified(10s));
  bool reported = false;
  for (const auto& e : client.errors()) {
    UNSCOPED_INFO("client error: " << e);
    reported |= e.find("zlib") != std::string::npos;
  }
  CHECK(reported);
}

TEST_CASE("driver: a RESUMED whose s is not above the last seen makes the session active",
          "[driver]") {
  auto srv = start_loopback(kToken);
  LiveClient client(srv->url(), kToken);
  REQUIRE(client.wait_for_events(2));  // READY, GUILD_CREATE
  auto last = srv->dispatch("TYPING_START",
                            R"({"channel_id":"41771983423143937","user_id":"1","timestamp":1})");
  REQUIRE(last.ok());
  REQUIRE(client.wait_for_seq(*last));
  srv->silent(true);  // the next connection is the test's to script
  REQUIRE(srv->request_reconnect().ok());
  REQUIRE(srv->wait_for_connections(2, 5s));
  REQUIRE(srv->send_raw(R"({"op":10,"s":null,"t":null,"d":{"heartbeat_interval":41250}})").ok());
  REQUIRE(srv->wait_for_frames(6, 1, 5s));
  // Discord's RESUMED is a dispatch; this one repeats the last sequence number.
  REQUIRE(srv->send_raw(R"({"op":0,"s":)" + std::to_string(*last) +
                        R"(,"t":"RESUMED","d":{"_trace":["test"]}})")
              .ok());
  // Active: a command the bot queued goes out. Before, the RESUMED was dropped as a duplicate,
  // the phase stayed Resuming and the command waited forever.
  REQUIRE(client.gateway()
              .send(gateway::OpCode::kPresenceUpdate,
                    R"({"since":null,"activities":[],"status":"online","afk":false})")
              .ok());
  CHECK(srv->wait_for(
      [](const Observations& o) {
        for (const auto& f : o.frames) {
          if (f.connection == 2 && f.op == 3) return true;
        }
        return false;
      },
      5s));
  CHECK(client.gateway().phase() == gateway::Phase::kActive);
}

TEST_CASE("driver: the identify asks for no payload compression", "[driver]") {
  // Payload compression (zlib per message) was an option the client could not decode; it is
  // gone, and every identify says so, whatever the transport compression.
  for (const auto compress :
       {Compression::kNone, Compression::kZlibStream, Compression::kZstdStream}) {
    auto srv = start_loopback(kToken);
    LiveClient client(srv->url(), kToken, compress);
    REQUIRE(srv->wait_until_identified(10s));
    std::string identify;
    for (const auto& f : srv->observations().frames) {
      if (f.op == 2) identify = f.text;
    }
    INFO(identify);
    CHECK(identify.find(R"("compress":false)") != std::string::npos);
  }
}
