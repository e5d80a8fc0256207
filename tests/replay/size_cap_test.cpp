// Messages above ConnectOptions::max_message_bytes (docs/GATEWAY.md#messages-above-the-size-cap):
// refused unread with a 1009 close, resumed once, and a session that sends one again is given
// up for a new one. Before, the client resumed, was sent the same dispatch, and resumed again
// for ever, receiving nothing more. Both caps: the transport's (a message too large on the
// wire) and the decompressor's (small compressed, too large inflated).
#include <catch2/catch_test_macros.hpp>
#include <string>
#include <thread>

#include "live_gateway_util.h"

using namespace gwtape;
using namespace gwtape::testing;
using gateway::Compression;

namespace {

constexpr const char* kToken = "size-cap-token";
constexpr std::size_t kCap = 64 * 1024;

std::string message(int id, std::size_t content_bytes) {
  return R"({"id":")" + std::to_string(id) + R"(","channel_id":"5","content":")" +
         std::string(content_bytes, 'c') + R"("})";
}

// The client's 1009 closes the server saw.
std::size_t closes_1009(const server::LoopbackGateway& srv) {
  std::size_t n = 0;
  for (const auto& c : srv.observations().connections) n += c.client_close_code == 1009;
  return n;
}

// A READY of `pad` bytes more than the session's own fields.
std::string big_ready(const server::ReadyRequest& r, std::size_t pad) {
  return R"({"v":10,"user":{"id":"9","username":"bot"},"guilds":[],"session_id":")" + r.session_id +
         R"(","resume_gateway_url":")" + r.resume_gateway_url + R"(","_pad":")" +
         std::string(pad, 'p') + R"("})";
}

}  // namespace

TEST_CASE("driver: a READY above the cap twice in a row ends the run (no identify loop)",
          "[driver][limits]") {
  for (Compression compress : {Compression::kNone, Compression::kZlibStream}) {
    INFO("compression " << gateway::compression_name(compress));
    auto srv = start_loopback(kToken, [](server::LoopbackOptions& o) {
      o.ready_d = [](const server::ReadyRequest& r) { return big_ready(r, 2 * kCap); };
    });
    LiveClient client(srv->url(), kToken, compress,
                      [](gateway::GatewayOptions& o) { o.connect.max_message_bytes = kCap; });
    // Before: each READY refused, each reconnect identified again, without end.
    gateway::Status st = client.wait_end(15s);
    REQUIRE_FALSE(st.ok());
    INFO(st.error().message);
    CHECK(st.error().code == gateway::Errc::kTooLarge);
    CHECK(st.error().message.find("before READY, twice in a row") != std::string::npos);
    CHECK(st.error().message.find(std::to_string(kCap)) != std::string::npos);
    CHECK(srv->identifies() == 2);
    CHECK(srv->resumes() == 0);
    // The server sees the last close after the client's run() ended.
    const auto until = std::chrono::steady_clock::now() + 5s;
    while (closes_1009(*srv) < 2 && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(10ms);
    }
    CHECK(closes_1009(*srv) == 2);
  }
}

TEST_CASE("driver: a dispatch above the cap is resumed once, then the session is given up",
          "[driver][limits]") {
  for (Compression compress : {Compression::kNone, Compression::kZstdStream}) {
    INFO("compression " << gateway::compression_name(compress));
    auto srv = start_loopback(kToken);
    LiveClient client(srv->url(), kToken, compress,
                      [](gateway::GatewayOptions& o) { o.connect.max_message_bytes = kCap; });
    REQUIRE(srv->wait_until_identified(10s));
    auto small = srv->dispatch("MESSAGE_CREATE", message(1, 100));
    REQUIRE(small.ok());
    REQUIRE(client.wait_for_seq(*small));

    // Twice the cap: the first connection refuses it, the resume is sent it again and refuses
    // it too; then a new session. Before: resumes without end, identifies stayed at 1.
    REQUIRE(srv->dispatch("MESSAGE_CREATE", message(2, 2 * kCap)).ok());
    REQUIRE(srv->wait_for_identifies(2, 15s));
    CHECK(srv->resumes() == 1);
    CHECK(closes_1009(*srv) == 2);
    auto after = srv->dispatch("MESSAGE_CREATE", message(3, 100));
    REQUIRE(after.ok());
    REQUIRE(client.wait_for([&](const std::vector<Delivered>& events) {
      return !events.empty() && events.back().name == "MESSAGE_CREATE" &&
             events.back().seq == *after;
    }));
    bool said_cap = false, said_lost = false;
    for (const auto& e : client.errors()) {
      UNSCOPED_INFO("client error: " << e);
      said_cap |= e.find(std::to_string(kCap)) != std::string::npos;
      said_lost |= e.find("the session is given up") != std::string::npos;
    }
    CHECK(said_cap);
    CHECK(said_lost);
    CHECK(srv->identifies() == 2);  // no loop: it stays a new session
  }
}

TEST_CASE("driver: a one-off message above the cap is resumed and nothing else is lost",
          "[driver][limits]") {
  auto srv = start_loopback(kToken);
  LiveClient client(srv->url(), kToken, Compression::kNone,
                    [](gateway::GatewayOptions& o) { o.connect.max_message_bytes = kCap; });
  REQUIRE(srv->wait_until_identified(10s));
  // Not a dispatch of the session: the resume does not send it again.
  REQUIRE(
      srv->send_raw(R"({"op":0,"t":"X","s":null,"d":")" + std::string(2 * kCap, 'x') + "\"}").ok());
  REQUIRE(srv->wait_for_resumes(1, 10s));
  auto next = srv->dispatch("MESSAGE_CREATE", message(4, 100));
  REQUIRE(next.ok());
  REQUIRE(client.wait_for_seq(*next));
  CHECK(exactly_once_in_order(client.events(), *next));
  CHECK(srv->identifies() == 1);
  CHECK(closes_1009(*srv) == 1);
}
