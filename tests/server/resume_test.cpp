// Resuming on the loopback gateway: replay of what was missed, then RESUMED; unknown and ended
// sessions; invalid sequence numbers.
#include "gwtape/server/loopback_gateway.h"

#include <catch2/catch_test_macros.hpp>
#include <string>

#include "server/test_client.h"

using namespace std::chrono_literals;
using gwtape::server::LoopbackGateway;
using gwtape::server::LoopbackOptions;
using gwtape::server::test::connect_and_identify;
using gwtape::server::test::Frame;
using gwtape::server::test::next_frame;
using gwtape::server::test::parse_frame;
using gwtape::server::test::resume_json;
using gwtape::server::test::start;
using gwtape::server::test::TestClient;
using gwtape::server::test::WsEvent;

namespace {

constexpr const char* kToken = "loopback-token";

// Connects to `url`, reads HELLO, sends resume.
std::unique_ptr<TestClient> resume(const std::string& url, const std::string& session,
                                   std::int64_t seq) {
  auto c = TestClient::connect(url, {});
  REQUIRE(c);
  REQUIRE(next_frame(*c).op == 10);
  REQUIRE(c->send(resume_json(kToken, session, seq)));
  return c;
}

}  // namespace

TEST_CASE("resume replays what was missed, then RESUMED", "[server][resume]") {
  auto server = start();
  auto s = connect_and_identify(server->url(), kToken);
  REQUIRE(s);
  REQUIRE(server->dispatch("MESSAGE_CREATE", R"({"n":2})").ok());
  REQUIRE(server->dispatch("MESSAGE_CREATE", R"({"n":3})").ok());
  CHECK(next_frame(*s->client).s == 2);
  CHECK(next_frame(*s->client).s == 3);
  // s=4 is sent but the client goes before reading it; s=5 and 6 are queued while it is away.
  REQUIRE(server->dispatch("MESSAGE_CREATE", R"({"n":4})").ok());

  SECTION("after the client closed with a resumable code") {
    REQUIRE(s->client->close(4000));
    REQUIRE(server->wait_for_closed(1, 2s));
    CHECK(server->observations().connections[0].client_close_code == 4000);
  }
  SECTION("after the server dropped the connection") {
    REQUIRE(server->drop().ok());
    CHECK(s->client->wait_closed().kind == WsEvent::Kind::kDropped);
    REQUIRE(server->wait_for_closed(1, 2s));
    CHECK(server->observations().connections[0].dropped_by_server);
  }
  SECTION("after the client dropped the connection") {
    s->client->drop();
    REQUIRE(server->wait_for_closed(1, 2s));
    CHECK_FALSE(server->observations().connections[0].client_close_code.has_value());
  }
  CHECK(*server->dispatch("MESSAGE_CREATE", R"({"n":5})") == 5);
  CHECK(*server->dispatch("TYPING_START", R"({"n":6})") == 6);

  auto c = resume(server->url(), s->session_id, 3);
  for (std::int64_t want = 4; want <= 6; ++want) {
    Frame f = next_frame(*c);
    CHECK(f.op == 0);
    CHECK(f.s == want);
    CHECK(f.d == R"({"n":)" + std::to_string(want) + "}");
  }
  Frame resumed = next_frame(*c);
  CHECK(resumed.t == "RESUMED");
  CHECK(resumed.s == 7);
  CHECK(server->wait_for_resumes(1, 1s));
  CHECK(server->observations().connections[1].session_id == s->session_id);

  // Live again: new dispatches go to the resumed connection.
  CHECK(*server->dispatch("MESSAGE_CREATE", "{}") == 8);
  CHECK(next_frame(*c).s == 8);
}

TEST_CASE("resume with the last seq replays nothing; resume twice", "[server][resume]") {
  auto server = start();
  auto s = connect_and_identify(server->url(), kToken);
  REQUIRE(s);
  s->client->drop();
  REQUIRE(server->wait_for_closed(1, 2s));
  auto c = resume(server->url(), s->session_id, 1);
  Frame r = next_frame(*c);
  CHECK((r.t == "RESUMED" && r.s == 2));
  c->drop();
  REQUIRE(server->wait_for_closed(2, 2s));
  auto c2 = resume(server->url(), s->session_id, 2);
  CHECK(next_frame(*c2).s == 3);  // RESUMED again
  CHECK(server->resumes() == 2);
}

TEST_CASE("resume failures", "[server][resume]") {
  auto server = start();
  auto s = connect_and_identify(server->url(), kToken);
  REQUIRE(s);

  SECTION("unknown session: op 9 false, and the connection may identify") {
    auto c = resume(server->url(), "0123456789abcdef0123456789abcdef", 1);
    Frame f = next_frame(*c);
    CHECK((f.op == 9 && f.d == "false"));
    REQUIRE(c->send(gwtape::server::test::identify_json(kToken)));
    CHECK(next_frame(*c).t == "READY");
  }
  SECTION("a session the client ended with 1000") {
    REQUIRE(s->client->close(1000));
    REQUIRE(server->wait_for_closed(1, 2s));
    auto c = resume(server->url(), s->session_id, 1);
    Frame f = next_frame(*c);
    CHECK((f.op == 9 && f.d == "false"));
  }
  SECTION("a session invalidated by the server") {
    REQUIRE(server->invalidate_session(false).ok());
    Frame f = next_frame(*s->client);
    CHECK((f.op == 9 && f.d == "false"));
    auto c = resume(server->url(), s->session_id, 1);
    CHECK(next_frame(*c).op == 9);
  }
  SECTION("seq beyond the session's last: 4007") {
    auto c = resume(server->url(), s->session_id, 5);
    CHECK(c->wait_closed().close_code == 4007);
  }
  SECTION("wrong token: 4004") {
    auto c = TestClient::connect(server->url(), {});
    REQUIRE(c);
    REQUIRE(c->next_text());
    REQUIRE(c->send(resume_json("nope", s->session_id, 1)));
    CHECK(c->wait_closed().close_code == 4004);
  }
  CHECK(server->resumes() == 0);
  CHECK(server->wait_for([](const auto& o) { return o.failed_resumes == 1; }, 1s));
}

TEST_CASE("bad_seq_invalid_session: a bad seq gets op 9 false, not 4007", "[server][resume]") {
  LoopbackOptions o;
  o.token = kToken;
  o.bad_seq_invalid_session = true;
  auto lenient = start(o);
  auto t = connect_and_identify(lenient->url(), kToken);
  REQUIRE(t);
  for (std::int64_t seq : {std::int64_t{5}, std::int64_t{-1}}) {
    auto c = resume(lenient->url(), t->session_id, seq);
    Frame f = next_frame(*c);
    CHECK((f.op == 9 && f.d == "false"));
  }
  CHECK(lenient->wait_for([](const auto& o) { return o.failed_resumes == 2; }, 1s));
}

TEST_CASE("a resumable op 9 keeps the session", "[server][resume]") {
  auto server = start();
  auto s = connect_and_identify(server->url(), kToken);
  REQUIRE(s);
  REQUIRE(server->invalidate_session(true).ok());
  Frame f = next_frame(*s->client);
  CHECK((f.op == 9 && f.d == "true"));
  REQUIRE(s->client->close(4000));
  auto c = resume(server->url(), s->session_id, 1);
  CHECK(next_frame(*c).t == "RESUMED");
}

TEST_CASE("dispatch_batch, and resuming past max_kept_dispatches", "[server][resume]") {
  LoopbackOptions o;
  o.max_kept_dispatches = 3;
  auto server = start(o);
  auto s = connect_and_identify(server->url(), kToken);
  REQUIRE(s);
  std::vector<gwtape::server::LoopbackDispatch> batch;
  for (int i = 0; i < 5; ++i) batch.push_back({"MESSAGE_CREATE", "{}"});
  CHECK(*server->dispatch_batch(batch) == 6);
  for (std::int64_t want = 2; want <= 6; ++want) CHECK(next_frame(*s->client).s == want);
  s->client->drop();
  REQUIRE(server->wait_for_closed(1, 2s));

  auto old = resume(server->url(), s->session_id, 2);  // s=3 is gone: only 4, 5, 6 are kept
  CHECK(next_frame(*old).op == 9);
  auto ok = resume(server->url(), s->session_id, 3);
  CHECK(next_frame(*ok).s == 4);
  CHECK(next_frame(*ok).s == 5);
  CHECK(next_frame(*ok).s == 6);
  CHECK(next_frame(*ok).t == "RESUMED");
}
