// The loopback gateway's session hooks (what `gwtape serve` builds on): a READY of the caller's
// own, a callback per new session, dispatches and faults addressed to one session among
// several, its state, any-token identify, the users/@me and applications/@me REST answers.
#include <catch2/catch_test_macros.hpp>
#include <mutex>
#include <string>
#include <vector>

#include "gwtape/server/loopback_gateway.h"
#include "server/test_client.h"

using namespace std::chrono_literals;
using gwtape::server::LoopbackOptions;
using gwtape::server::SessionFault;
using gwtape::server::test::connect_and_identify;
using gwtape::server::test::http_get;
using gwtape::server::test::next_frame;
using gwtape::server::test::start;
using gwtape::server::test::WsEvent;

namespace {

struct Hooked {
  std::mutex mu;
  std::vector<std::string> sessions;
};

LoopbackOptions hooked(Hooked& h) {
  LoopbackOptions o;
  o.any_token = true;
  o.rest_user_json = R"({"id":"42","username":"recorded-bot"})";
  o.rest_application_json = R"({"id":"43","flags":0})";
  o.ready_d = [](const gwtape::server::ReadyRequest& r) {
    return R"({"v":10,"session_id":")" + r.session_id + R"(","resume_gateway_url":")" +
           r.resume_gateway_url + R"(","mine":true})";
  };
  o.on_identified = [&h](const std::string& sid) {
    std::lock_guard lock(h.mu);
    h.sessions.push_back(sid);
  };
  return o;
}

}  // namespace

TEST_CASE("ready_d and on_identified make the session the caller's", "[server][hooks]") {
  Hooked h;
  auto server = start(hooked(h));
  auto a = connect_and_identify(server->url(), "any token at all");
  REQUIRE(a);
  CHECK(a->ready.d == R"({"v":10,"session_id":")" + a->session_id + R"(","resume_gateway_url":")" +
                          server->url() + R"(","mine":true})");
  auto b = connect_and_identify(server->url(), "another");
  REQUIRE(b);
  {
    std::lock_guard lock(h.mu);
    REQUIRE(h.sessions == std::vector<std::string>{a->session_id, b->session_id});
  }
  // An empty token is still refused.
  auto c = connect_and_identify(server->url(), "");
  CHECK_FALSE(c);

  // Dispatches to one session go to its connection only, numbered in that session.
  REQUIRE(server->dispatch_to(b->session_id, "X_B", R"({"n":1})").value() == 2);
  REQUIRE(server->dispatch_to(a->session_id, "X_A", R"({"n":2})").value() == 2);
  auto fa = next_frame(*a->client);
  CHECK(fa.t == "X_A");
  CHECK(fa.s == 2);
  auto fb = next_frame(*b->client);
  CHECK(fb.t == "X_B");
  CHECK(fb.d == R"({"n":1})");

  auto st = server->session_state(a->session_id);
  REQUIRE(st.ok());
  CHECK(st->exists);
  CHECK(st->live);
  CHECK_FALSE(st->ended);
  CHECK(st->seq == 2);
  CHECK(server->session_state("no-such-session").error().code == gwtape::server::Errc::kNoSession);

  // A fault goes to that session's connection: b gets op 7, a does not.
  REQUIRE(server->fault(b->session_id, SessionFault::kReconnect).ok());
  CHECK(next_frame(*b->client).op == 7);
  REQUIRE(server->dispatch_to(a->session_id, "X_A", "{}").ok());
  CHECK(next_frame(*a->client).t == "X_A");
  // After op 7 b's session is no longer live, and a fault needs a live connection.
  CHECK_FALSE(server->session_state(b->session_id)->live);
  CHECK(server->fault(b->session_id, SessionFault::kDrop).error().code ==
        gwtape::server::Errc::kNoConnection);

  // Close with a code, to a's connection.
  REQUIRE(server->fault(a->session_id, SessionFault::kClose, 4000).ok());
  WsEvent ev = a->client->wait_closed();
  CHECK(ev.kind == WsEvent::Kind::kClosed);
  CHECK(ev.close_code == 4000);
}

TEST_CASE("zombie withholds ACKs on that connection only", "[server][hooks]") {
  Hooked h;
  auto server = start(hooked(h));
  auto a = connect_and_identify(server->url(), "t");
  auto b = connect_and_identify(server->url(), "t");
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(server->fault(a->session_id, SessionFault::kZombie).ok());
  REQUIRE(a->client->send(R"({"op":1,"d":1})"));
  REQUIRE(b->client->send(R"({"op":1,"d":1})"));
  CHECK(next_frame(*b->client).op == 11);
  CHECK_FALSE(a->client->next_text(300ms));
  // invalid (op 9 false) ends the session.
  REQUIRE(server->fault(b->session_id, SessionFault::kInvalid).ok());
  auto f = next_frame(*b->client);
  CHECK(f.op == 9);
  CHECK(f.d == "false");
  CHECK(server->session_state(b->session_id)->ended);
}

TEST_CASE("REST: users/@me and applications/@me when set", "[server][hooks]") {
  Hooked h;
  auto server = start(hooked(h));
  auto me = http_get(server->port(), "/api/v10/users/@me", "Bot x");
  CHECK(me.status == 200);
  CHECK(me.body == R"({"id":"42","username":"recorded-bot"})");
  auto app = http_get(server->port(), "/api/v10/oauth2/applications/@me", "Bot x");
  CHECK(app.status == 200);
  CHECK(app.body == R"({"id":"43","flags":0})");
  CHECK(http_get(server->port(), "/api/v10/gateway/bot", "Bot anything").status == 200);
  // Without the bodies they are unknown paths.
  auto plain = start();
  CHECK(http_get(plain->port(), "/api/v10/users/@me", "Bot x").status == 404);
}

TEST_CASE("the listen address must be IPv4", "[server][hooks]") {
  LoopbackOptions bad;
  bad.host = "not-an-address";
  CHECK(gwtape::server::LoopbackGateway::start(bad).error().code ==
        gwtape::server::Errc::kInvalidArgument);
}
