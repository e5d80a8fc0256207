// The loopback gateway's connect and identify path, its REST endpoints and its lifetime.
#include "gwtape/server/loopback_gateway.h"

#include <simdjson.h>

#include <catch2/catch_test_macros.hpp>
#include <string>

#include "server/test_client.h"

using namespace std::chrono_literals;
using gwtape::server::LoopbackGateway;
using gwtape::server::LoopbackGuild;
using gwtape::server::LoopbackOptions;
using gwtape::server::test::connect_and_identify;
using gwtape::server::test::identify_json;
using gwtape::server::test::parse_frame;
using gwtape::server::test::start;
using gwtape::server::test::TestClient;
using gwtape::server::test::WsEvent;

namespace {

// A fresh client that has read HELLO, then sends `text` and expects a close with `code`.
void expect_close_after(LoopbackGateway& server, const std::string& text, std::uint16_t code,
                        const std::string& target = "/?v=10&encoding=json") {
  std::string why;
  auto c = TestClient::connect(server.url(), gwtape::server::test::with_target(target), &why);
  REQUIRE(c);
  auto hello = c->next_text();
  REQUIRE(hello);
  REQUIRE(c->send(text));
  WsEvent ev = c->wait_closed();
  CHECK(ev.kind == WsEvent::Kind::kClosed);
  CHECK(ev.close_code == code);
}

std::string d_field(const std::string& d_json, const char* key) {
  simdjson::dom::parser p;
  simdjson::padded_string text(d_json);
  simdjson::dom::element e;
  if (p.parse(text)[key].get(e) != simdjson::SUCCESS) return "<absent>";
  return simdjson::minify(e);
}

}  // namespace

TEST_CASE("identify: HELLO, READY pointing back at the server, GUILD_CREATEs",
          "[server][loopback]") {
  LoopbackOptions o;
  o.heartbeat_interval = 45000ms;
  o.guilds = {LoopbackGuild{81384788765712384ULL, "one", ""},
              LoopbackGuild{41771983423143937ULL, "two", R"({"id":"41771983423143937","x":1})"}};
  auto server = start(o);
  REQUIRE(server->url().rfind("ws://127.0.0.1:", 0) == 0);

  std::string why;
  auto s = connect_and_identify(server->url(), o.token, 0, {}, &why);
  INFO(why);
  REQUIRE(s);
  CHECK(s->hello.d.find(R"("heartbeat_interval":45000)") != std::string::npos);
  CHECK(s->ready.s == 1);
  CHECK(d_field(s->ready.d, "v") == "10");
  CHECK(d_field(s->ready.d, "resume_gateway_url") == "\"" + server->url() + "\"");
  CHECK(
      d_field(s->ready.d, "guilds") ==
      R"([{"unavailable":true,"id":"81384788765712384"},{"unavailable":true,"id":"41771983423143937"}])");
  CHECK(d_field(s->ready.d, "user").find(R"("bot":true)") != std::string::npos);
  CHECK(d_field(s->ready.d, "application") == R"({"id":"1000000000000000002","flags":0})");
  CHECK(s->session_id.size() == 32);

  auto g1 = parse_frame(s->client->next_text().value_or(""));
  auto g2 = parse_frame(s->client->next_text().value_or(""));
  REQUIRE(g1);
  REQUIRE(g2);
  CHECK((g1->t == "GUILD_CREATE" && g1->s == 2));
  CHECK(d_field(g1->d, "name") == R"("one")");
  CHECK((g2->t == "GUILD_CREATE" && g2->s == 3));
  CHECK(g2->d == R"({"id":"41771983423143937","x":1})");

  CHECK(server->wait_until_identified(1s));
  CHECK(server->identifies() == 1);
  CHECK(server->session_id() == s->session_id);
  auto obs = server->observations();
  CHECK(obs.last_seq == 3);
  REQUIRE(obs.connections.size() == 1);
  CHECK(obs.connections[0].target == "/?v=10&encoding=json");
  CHECK(obs.connections[0].session_id == s->session_id);
  REQUIRE(obs.frames.size() == 1);
  CHECK(obs.frames[0].op == 2);

  // Dispatches continue the sequence.
  auto seq = server->dispatch("MESSAGE_CREATE", R"({"id":"1","content":"hi"})");
  REQUIRE(seq.ok());
  CHECK(*seq == 4);
  auto m = parse_frame(s->client->next_text().value_or(""));
  REQUIRE(m);
  CHECK((m->op == 0 && m->s == 4 && m->t == "MESSAGE_CREATE"));
  CHECK(m->d == R"({"id":"1","content":"hi"})");
}

TEST_CASE("session ids come from the seeded PRNG", "[server][loopback]") {
  std::string first;
  for (int run = 0; run < 2; ++run) {
    auto server = start();
    auto s = connect_and_identify(server->url(), "loopback-token");
    REQUIRE(s);
    if (run == 0)
      first = s->session_id;
    else
      CHECK(s->session_id == first);
  }
  LoopbackOptions other;
  other.seed = 99;
  auto server = start(other);
  auto s = connect_and_identify(server->url(), "loopback-token");
  REQUIRE(s);
  CHECK(s->session_id != first);
}

TEST_CASE("identify is checked like Discord checks it", "[server][loopback]") {
  LoopbackOptions o;
  o.min_shards = 0;
  auto server = start(o);
  SECTION("bad token: 4004") { expect_close_after(*server, identify_json("wrong"), 4004); }
  SECTION("undocumented intent bit: 4013") {
    expect_close_after(*server, identify_json(o.token, 1u << 17), 4013);
  }
  SECTION("no intents: 4013") {
    expect_close_after(*server, R"({"op":2,"d":{"token":"loopback-token","properties":{}}})", 4013);
  }
  SECTION("privileged intent not allowed: 4014") {
    expect_close_after(*server, identify_json(o.token, 1u << 15), 4014);
  }
  SECTION("shard out of range: 4010") {
    expect_close_after(*server, identify_json(o.token, 1, "[2,2]"), 4010);
  }
  SECTION("d is not an object: 4002") {
    expect_close_after(*server, R"({"op":2,"d":"token"})", 4002);
  }
  SECTION("a second identify: 4005") {
    auto s = connect_and_identify(server->url(), o.token);
    REQUIRE(s);
    REQUIRE(s->client->send(identify_json(o.token)));
    CHECK(s->client->wait_closed().close_code == 4005);
  }
  CHECK(server->identifies() <= 1);
}

TEST_CASE("privileged intents, shards and sharding required", "[server][loopback]") {
  LoopbackOptions o;
  o.allow_privileged = true;
  o.min_shards = 2;
  o.guilds = {LoopbackGuild{0, "zero", ""},
              LoopbackGuild{1ULL << 22, "one", ""}};  // shard 0 and shard 1 of 2
  auto server = start(o);
  expect_close_after(*server, identify_json(o.token, 1u << 15), 4011);

  auto c = TestClient::connect(server->url(), {});
  REQUIRE(c);
  REQUIRE(c->next_text());
  REQUIRE(c->send(identify_json(o.token, (1u << 15) | (1u << 1), "[1,2]")));
  auto ready = parse_frame(c->next_text().value_or(""));
  REQUIRE(ready);
  CHECK(d_field(ready->d, "shard") == "[1,2]");
  CHECK(d_field(ready->d, "guilds") == R"([{"unavailable":true,"id":"4194304"}])");
  auto g = parse_frame(c->next_text().value_or(""));
  REQUIRE(g);
  CHECK(d_field(g->d, "id") == R"("4194304")");
}

TEST_CASE("the query string: v and encoding", "[server][loopback]") {
  auto server = start();
  for (const char* target : {"/?v=8&encoding=json", "/?encoding=json", "/?v=x"}) {
    auto c = TestClient::connect(server->url(), gwtape::server::test::with_target(target));
    REQUIRE(c);
    CHECK(c->wait_closed().close_code == 4012);
  }
  auto etf =
      TestClient::connect(server->url(), gwtape::server::test::with_target("/?v=10&encoding=etf"));
  REQUIRE(etf);
  CHECK(etf->wait_closed().close_code == gwtape::server::kCloseBadQuery);
  auto v9 = TestClient::connect(server->url(), gwtape::server::test::with_target("/gateway?v=9"));
  REQUIRE(v9);
  REQUIRE(v9->next_text());
  REQUIRE(v9->send(identify_json("loopback-token")));
  auto ready = parse_frame(v9->next_text().value_or(""));
  REQUIRE(ready);
  CHECK(d_field(ready->d, "v") == "9");
}

TEST_CASE("identifies too close together get op 9", "[server][loopback]") {
  LoopbackOptions o;
  o.identify_interval = 10s;
  auto server = start(o);
  REQUIRE(connect_and_identify(server->url(), o.token));
  auto c = TestClient::connect(server->url(), {});
  REQUIRE(c);
  REQUIRE(c->next_text());
  REQUIRE(c->send(identify_json(o.token)));
  auto f = parse_frame(c->next_text().value_or(""));
  REQUIRE(f);
  CHECK((f->op == 9 && f->d == "false"));
  CHECK(server->identifies() == 1);
  // Both are in the identify log, in order, with how the bucket rule judged them.
  const auto log = server->observations().identify_log;
  REQUIRE(log.size() == 2);
  CHECK(log[0].accepted);
  CHECK_FALSE(log[1].accepted);
  CHECK(log[0].connection == 1);
  CHECK(log[1].connection == 2);
  CHECK_FALSE(log[1].shard_id.has_value());
  CHECK(log[1].bucket == 0);
  CHECK(log[1].at >= log[0].at);
}

TEST_CASE("REST: GET /api/v10/gateway and /gateway/bot", "[server][loopback]") {
  auto server = start();
  auto plain = gwtape::server::test::http_get(server->port(), "/api/v10/gateway", "");
  CHECK(plain.status == 200);
  CHECK(plain.body == R"({"url":")" + server->url() + "\"}");
  auto bot =
      gwtape::server::test::http_get(server->port(), "/api/v10/gateway/bot", "Bot loopback-token");
  CHECK(bot.status == 200);
  CHECK(d_field(bot.body, "shards") == "1");
  CHECK(d_field(bot.body, "session_start_limit") ==
        R"({"total":1000,"remaining":1000,"reset_after":86400000,"max_concurrency":1})");
  CHECK(gwtape::server::test::http_get(server->port(), "/api/v10/gateway/bot", "Bot nope").status ==
        401);
  CHECK(gwtape::server::test::http_get(server->port(), "/nothing", "").status == 404);
  CHECK(server->observations().http_requests == 4);
  CHECK(server->connections() == 0);
}

TEST_CASE("start and stop", "[server][loopback]") {
  SECTION("bad options") {
    LoopbackOptions o;
    o.cert_file = "/nonexistent.pem";
    CHECK(LoopbackGateway::start(o).error().code == gwtape::server::Errc::kInvalidArgument);
    o.key_file = "/nonexistent.key";
    CHECK(LoopbackGateway::start(o).error().code == gwtape::server::Errc::kTls);
    LoopbackOptions f;
    f.fragment_size = 3;
    CHECK(LoopbackGateway::start(f).error().code == gwtape::server::Errc::kInvalidArgument);
  }
  SECTION("a taken port") {
    auto a = start();
    LoopbackOptions o;
    o.port = a->port();
    CHECK(LoopbackGateway::start(o).error().code == gwtape::server::Errc::kAddressInUse);
  }
  SECTION("stop with clients connected; control calls after stop") {
    auto server = start();
    auto s = connect_and_identify(server->url(), "loopback-token");
    REQUIRE(s);
    auto idle = TestClient::connect(server->url(), {});
    REQUIRE(idle);
    auto t0 = std::chrono::steady_clock::now();
    server->stop();
    CHECK(std::chrono::steady_clock::now() - t0 < 1s);
    CHECK(s->client->wait_closed().kind == WsEvent::Kind::kDropped);
    CHECK(server->dispatch("X", "{}").error().code == gwtape::server::Errc::kNotRunning);
    CHECK(server->close(4000).error().code == gwtape::server::Errc::kNotRunning);
    server->withhold_acks(true);  // a no-op, not a hang
    server->stop();               // idempotent
    CHECK(server->identifies() == 1);
  }
  SECTION("no connection, no session") {
    auto server = start();
    CHECK(server->dispatch("X", "{}").error().code == gwtape::server::Errc::kNoSession);
    CHECK(server->send_raw("x").error().code == gwtape::server::Errc::kNoConnection);
    CHECK(server->request_reconnect().error().code == gwtape::server::Errc::kNoConnection);
    CHECK_FALSE(server->wait_for_connections(1, 50ms));
  }
}
