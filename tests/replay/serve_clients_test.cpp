// What `gwtape serve` (LogServer) does with clients that break the rules, and with a server
// op 1: Discord's close codes for each mistake while a well-behaved client (this library's
// Gateway) is served on, undisturbed; and heartbeat@SEQ answered at once.
#include <catch2/catch_test_macros.hpp>
#include <string>

#include "gwtape/replay/log_server.h"
#include "live_gateway_util.h"
#include "serve_util.h"
#include "server/test_client.h"

using namespace gwtape;
using namespace gwtape::testing;
using gwtape::server::test::connect_and_identify;
using gwtape::server::test::identify_json;
using gwtape::server::test::next_frame;
using gwtape::server::test::resume_json;
using gwtape::server::test::TestClient;
using gwtape::server::test::WsEvent;

namespace {

// A fresh connection that read HELLO, sends each of `texts`, and reports the close code.
std::uint16_t close_code_after(const std::string& url, const std::vector<std::string>& texts) {
  auto c = TestClient::connect(url, {});
  REQUIRE(c);
  REQUIRE(next_frame(*c).op == 10);
  for (const auto& t : texts) REQUIRE(c->send(t));
  WsEvent ev = c->wait_closed(5000ms);
  return ev.kind == WsEvent::Kind::kClosed ? ev.close_code : 0;
}

}  // namespace

TEST_CASE("serve: broken clients get Discord's close codes, the others are served on",
          "[replay][serve]") {
  const auto log = serve_path("clients.gwtape");
  const std::size_t n = write_source_log(log, 600, 200);
  replay::ServeOptions o;
  o.log_path = log.string();
  o.token = "serve-token";
  o.speed = 2;  // a few seconds of stream, so the mistakes happen while it runs
  auto server = replay::LogServer::start(o);
  REQUIRE(server.ok());
  const std::string url = (*server)->url();
  LiveClient good(url, "serve-token", gateway::Compression::kZstdStream);
  REQUIRE(good.wait_for_events(5));

  CHECK(close_code_after(url, {"this is not json"}) == 4002);
  CHECK(close_code_after(url, {std::string(5000, ' ') + R"({"op":1,"d":null})"}) == 4002);
  CHECK(close_code_after(url, {R"({"op":99,"d":null})"}) == 4001);
  CHECK(close_code_after(url, {R"({"op":3,"d":{"status":"online"}})"}) == 4003);
  CHECK(close_code_after(url, {identify_json("a-wrong-token")}) == 4004);
  CHECK(close_code_after(url, {R"({"op":2,"d":{"token":"serve-token","intents":"all",)"
                               R"("properties":{"os":"x","browser":"y","device":"z"}}})"}) == 4013);
  {
    auto twice = connect_and_identify(url, "serve-token");
    REQUIRE(twice);
    REQUIRE(twice->client->send(identify_json("serve-token")));
    WsEvent ev = twice->client->wait_closed(5000ms);
    CHECK(ev.kind == WsEvent::Kind::kClosed);
    CHECK(ev.close_code == 4005);
  }

  REQUIRE(good.wait_for([n](const std::vector<Delivered>& e) { return e.size() >= n + 1; }, 30s));
  CHECK(without_session_events(dispatches_of(good.frames(gateway::Direction::kRecv))) ==
        without_session_events(dispatches_of(received_texts(log))));
  CHECK(good.errors().empty());
}

TEST_CASE("serve: heartbeat@SEQ is a server op 1 the client answers at once", "[replay][serve]") {
  const auto log = serve_path("heartbeat.gwtape");
  const std::size_t n = write_source_log(log, 200, 200);
  auto run = [&](bool with_fault) {
    replay::ServeOptions o;
    o.log_path = log.string();
    // So long that the client's own first beat (interval x jitter) does not come in the test.
    o.heartbeat_interval = std::chrono::milliseconds(600'000);
    if (with_fault) o.faults = {*replay::parse_serve_fault("heartbeat@30")};
    auto server = replay::LogServer::start(o);
    REQUIRE(server.ok());
    LiveClient client((*server)->url(), "t");
    REQUIRE(client.wait_for_events(n + 1, 30s));
    std::this_thread::sleep_for(200ms);
    std::size_t beats = 0;
    for (const auto& text : client.frames(gateway::Direction::kSend)) {
      beats += text.find("\"op\":1,") != std::string::npos;
    }
    return beats;
  };
  CHECK(run(false) == 0);
  CHECK(run(true) == 1);
}

TEST_CASE("serve: a resume with an unknown session or a bad seq gets op 9", "[replay][serve]") {
  const auto log = serve_path("resume.gwtape");
  write_source_log(log, 100, 200);
  replay::ServeOptions o;
  o.log_path = log.string();
  auto server = replay::LogServer::start(o);
  REQUIRE(server.ok());
  const std::string url = (*server)->url();
  auto first = connect_and_identify(url, "t");
  REQUIRE(first);
  auto resume_gets = [&](const std::string& sid, std::int64_t seq) {
    auto c = TestClient::connect(url, {});
    REQUIRE(c);
    REQUIRE(next_frame(*c).op == 10);
    REQUIRE(c->send(resume_json("t", sid, seq)));
    for (;;) {
      auto f = next_frame(*c);
      if (f.op == 11) continue;
      return std::to_string(f.op) + " " + (f.op == 0 ? f.t : f.d);
    }
  };
  CHECK(resume_gets("0123456789abcdef0123456789abcdef", 1) == "9 false");
  CHECK(resume_gets(first->session_id, 1'000'000) == "9 false");
  CHECK(resume_gets(first->session_id, -1) == "9 false");
  // A good resume replays what came after seq 1 (its own stream went on), from s = 2.
  auto c = TestClient::connect(url, {});
  REQUIRE(c);
  REQUIRE(next_frame(*c).op == 10);
  REQUIRE(c->send(resume_json("t", first->session_id, 1)));
  auto f = next_frame(*c);
  CHECK(f.op == 0);
  CHECK(f.s == 2);
}

TEST_CASE("serve: --recording picks one recording of several", "[replay][serve]") {
  const auto log = serve_path("two-recordings.gwtape");
  write_source_log(log, 120, 200, 1);
  const std::size_t n2 = write_source_log(log, 160, 200, 2);
  const auto second = without_session_events(dispatches_of(received_texts(log, 2)));
  REQUIRE(second.size() == n2);
  REQUIRE(second != without_session_events(dispatches_of(received_texts(log, 1))));
  replay::ServeOptions o;
  o.log_path = log.string();
  o.recording_id = 2;
  auto server = replay::LogServer::start(o);
  REQUIRE(server.ok());
  CHECK((*server)->recording_id() == 2);
  LiveClient client((*server)->url(), "t");
  REQUIRE(client.wait_for_events(n2 + 1, 30s));
  CHECK(without_session_events(dispatches_of(client.frames(gateway::Direction::kRecv))) == second);
}
