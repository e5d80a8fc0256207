// What the loopback gateway does to a connection, as a client sees it: heartbeats and
// withheld ACKs, op 7, server op 1, close codes, drops, pings, silence, bad input; and the
// payload checks it applies to what the client sends.
#include "gwtape/server/loopback_gateway.h"

#include <catch2/catch_test_macros.hpp>
#include <string>

#include "server/test_client.h"

using namespace std::chrono_literals;
using gwtape::server::LoopbackGateway;
using gwtape::server::LoopbackOptions;
using gwtape::server::test::connect_and_identify;
using gwtape::server::test::Frame;
using gwtape::server::test::identify_json;
using gwtape::server::test::next_frame;
using gwtape::server::test::parse_frame;
using gwtape::server::test::start;
using gwtape::server::test::TestClient;
using gwtape::server::test::WsEvent;

namespace {

constexpr const char* kToken = "loopback-token";

// A connected client that has read HELLO.
std::unique_ptr<TestClient> hello_client(LoopbackGateway& server) {
  auto c = TestClient::connect(server.url(), {});
  REQUIRE(c);
  REQUIRE(next_frame(*c).op == 10);
  return c;
}

}  // namespace

TEST_CASE("heartbeats are ACKed unless ACKs are withheld", "[server][faults]") {
  auto server = start();
  auto c = hello_client(*server);  // a heartbeat before identify is fine
  REQUIRE(c->send(R"({"op":1,"d":null})"));
  CHECK(next_frame(*c).op == 11);
  REQUIRE(c->send(identify_json(kToken)));
  CHECK(next_frame(*c).t == "READY");
  REQUIRE(c->send(R"({"op":1,"d":1})"));
  CHECK(next_frame(*c).op == 11);

  server->withhold_acks(true);
  REQUIRE(c->send(R"({"op":1,"d":1})"));
  CHECK(c->next(300ms).kind == WsEvent::Kind::kTimeout);
  server->withhold_acks(false);
  REQUIRE(c->send(R"({"op":1,"d":1})"));
  CHECK(next_frame(*c).op == 11);

  auto obs = server->observations();
  REQUIRE(obs.connections.size() == 1);
  CHECK(obs.frames[0].at >= obs.connections[0].opened_at);
  REQUIRE(obs.heartbeats.size() == 4);
  CHECK_FALSE(obs.heartbeats[0].has_value());
  CHECK(obs.heartbeats[1] == 1);
  CHECK(obs.acks_sent == 3);
  CHECK(obs.frames_with_op(1) == 4);
}

TEST_CASE("HELLO without an interval, and a silent server", "[server][faults]") {
  auto server = start();
  server->set_hello_interval(std::nullopt);
  auto c = hello_client(*server);
  (void)c;
  CHECK(server->observations().connections.size() == 1);
  auto f = TestClient::connect(server->url(), {});
  REQUIRE(f);
  Frame hello = next_frame(*f);
  CHECK(hello.d.find("heartbeat_interval") == std::string::npos);

  server->set_hello_interval(1000ms);
  server->silent(true);
  auto s = TestClient::connect(server->url(), {});
  REQUIRE(s);
  CHECK(s->next(300ms).kind == WsEvent::Kind::kTimeout);
  REQUIRE(s->send(identify_json(kToken)));  // recorded, never answered
  REQUIRE(server->wait_for_frames(2, 1, 1s));
  CHECK(s->next(200ms).kind == WsEvent::Kind::kTimeout);
  CHECK(server->identifies() == 0);
  REQUIRE(server->send_raw("still reachable").ok());  // control calls still reach it
  CHECK(s->next_text() == "still reachable");

  server->silent(false);
  auto n = TestClient::connect(server->url(), {});
  REQUIRE(n);
  CHECK(next_frame(*n).d.find(R"("heartbeat_interval":1000)") != std::string::npos);
}

TEST_CASE("op 7, server op 1, close codes and drops as the client sees them", "[server][faults]") {
  auto server = start();
  auto s = connect_and_identify(server->url(), kToken);
  REQUIRE(s);
  TestClient& c = *s->client;

  SECTION("op 7: later dispatches wait for the resume") {
    REQUIRE(server->request_reconnect().ok());
    CHECK(next_frame(c).op == 7);
    REQUIRE(server->dispatch("MESSAGE_CREATE", "{}").ok());
    CHECK(c.next(200ms).kind == WsEvent::Kind::kTimeout);
    REQUIRE(c.close(4000));
    auto r = TestClient::connect(server->url(), {});
    REQUIRE(r);
    REQUIRE(next_frame(*r).op == 10);
    REQUIRE(r->send(gwtape::server::test::resume_json(kToken, s->session_id, 1)));
    CHECK(next_frame(*r).s == 2);
    CHECK(next_frame(*r).t == "RESUMED");
  }
  SECTION("server op 1 carries the last sequence") {
    REQUIRE(server->request_heartbeat().ok());
    Frame f = next_frame(c);
    CHECK((f.op == 1 && f.d == "1"));
  }
  SECTION("close with any code, after what was queued before it") {
    REQUIRE(server->dispatch("MESSAGE_CREATE", "{}").ok());
    REQUIRE(server->close(4000, "bye").ok());
    CHECK(next_frame(c).s == 2);
    WsEvent ev = c.next();
    CHECK(ev.kind == WsEvent::Kind::kClosed);
    CHECK(ev.close_code == 4000);
    CHECK(ev.close_reason == "bye");
    REQUIRE(server->wait_for_closed(1, 2s));
    auto rec = server->observations().connections[0];
    CHECK(rec.server_close_code == 4000);
    CHECK(rec.client_close_code == 4000);  // Beast echoes the code
  }
  SECTION("drop: no close frame") {
    REQUIRE(server->drop().ok());
    WsEvent ev = c.next();
    CHECK(ev.kind == WsEvent::Kind::kDropped);
    CHECK(server->wait_for_closed(1, 2s));
    CHECK(server->drop().error().code == gwtape::server::Errc::kNoConnection);
  }
  SECTION("garbage: invalid JSON, binary bytes, a verbatim text frame") {
    REQUIRE(server->send_raw("{\"op\":").ok());
    REQUIRE(server->send_binary(std::string("\x00\xff\x10garbage", 10)).ok());
    REQUIRE(server->send_text_frame("not json").ok());
    CHECK(c.next_text() == "{\"op\":");
    WsEvent bin = c.next();
    CHECK(bin.binary);
    CHECK(bin.data == std::string("\x00\xff\x10garbage", 10));
    CHECK(c.next_text() == "not json");
  }
  SECTION("ping: the client's pong is observed; the client's pings too") {
    REQUIRE(server->ping("abc").ok());
    // Beast answers a ping while it reads.
    CHECK(c.next(300ms).kind == WsEvent::Kind::kTimeout);
    CHECK(c.pings_seen() == std::vector<std::string>{"abc"});
    CHECK(server->wait_for_pongs(1, 2s));
    CHECK(server->pongs() == std::vector<std::string>{"abc"});
    REQUIRE(c.ping("xyz"));
    CHECK(server->wait_for([](const auto& o) { return o.pings.size() == 1; }, 2s));
  }
}

TEST_CASE("payload checks close like Discord", "[server][faults]") {
  LoopbackOptions o;
  o.rate_limit_frames = 5;
  o.rate_limit_window = 10s;
  auto server = start(o);
  auto expect = [&](const std::string& text, std::uint16_t code, bool identified) {
    auto c = hello_client(*server);
    if (identified) {
      REQUIRE(c->send(identify_json(kToken)));
      REQUIRE(next_frame(*c).t == "READY");
    }
    REQUIRE(c->send(text));
    CHECK(c->wait_closed().close_code == code);
  };
  SECTION("over 4096 bytes: 4002") {
    expect(R"({"op":1,"d":null,"x":")" + std::string(4100, 'a') + "\"}", 4002, true);
  }
  SECTION("invalid JSON: 4002") { expect("{op:1", 4002, true); }
  SECTION("unknown op: 4001") { expect(R"({"op":5,"d":null})", 4001, true); }
  SECTION("a server-only op: 4001") { expect(R"({"op":11,"d":null})", 4001, true); }
  SECTION("presence before identify: 4003") { expect(R"({"op":3,"d":{}})", 4003, false); }
  SECTION("presence after identify is accepted") {
    auto s = connect_and_identify(server->url(), kToken);
    REQUIRE(s);
    REQUIRE(s->client->send(R"({"op":3,"d":{"status":"idle"}})"));
    REQUIRE(s->client->send(R"({"op":1,"d":1})"));
    CHECK(next_frame(*s->client).op == 11);
  }
  SECTION("binary from the client: 4002") {
    auto c = hello_client(*server);
    REQUIRE(c->send_binary("{}"));
    CHECK(c->wait_closed().close_code == 4002);
  }
  SECTION("over max_message_bytes: 4002 without buffering it") {
    auto c = hello_client(*server);
    REQUIRE(c->send(std::string(3u << 20, ' ')));
    CHECK(c->wait_closed().close_code == 4002);
    auto frames = server->received();
    REQUIRE(frames.size() == 1);
    CHECK(frames[0].size > (1u << 20));
    CHECK(frames[0].text.size() == (1u << 20));
  }
  SECTION("more than rate_limit_frames in the window: 4008") {
    auto c = hello_client(*server);
    for (int i = 0; i < 6; ++i) REQUIRE(c->send(R"({"op":1,"d":null})"));
    CHECK(c->wait_closed().close_code == 4008);
  }
}

TEST_CASE("a silent client times out with 4009 when asked to", "[server][faults]") {
  LoopbackOptions o;
  o.heartbeat_interval = 200ms;
  o.heartbeat_timeout_factor = 1.5;
  auto server = start(o);
  auto s = connect_and_identify(server->url(), kToken);
  REQUIRE(s);
  auto t0 = std::chrono::steady_clock::now();
  CHECK(s->client->wait_closed().close_code == 4009);
  CHECK(std::chrono::steady_clock::now() - t0 >= 250ms);
  // 4009 ends the session.
  auto c = TestClient::connect(server->url(), {});
  REQUIRE(c);
  REQUIRE(c->next_text());
  REQUIRE(c->send(gwtape::server::test::resume_json(kToken, s->session_id, 1)));
  CHECK(next_frame(*c).op == 9);
}
