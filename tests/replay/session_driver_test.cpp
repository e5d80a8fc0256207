// The session driver against the loopback gateway (issue 13): a live Gateway (CurlTransport,
// system clock) kept heartbeating through slow handlers and floods, through outages, dead
// resume hosts, late ACKs, zombies, clean closes and an exhausted session start limit. Each
// case failed with the driver before it.
#include <algorithm>
#include <atomic>
#include <catch2/catch_test_macros.hpp>
#include <string>
#include <thread>
#include <vector>

#include "gwtape/gateway/limits.h"
#include "live_gateway_util.h"

using namespace gwtape;
using namespace gwtape::testing;
using gateway::Compression;
using server::LoopbackDispatch;
using server::LoopbackGateway;
using server::LoopbackOptions;
using server::Observations;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kToken = "driver-test-token";

std::unique_ptr<LoopbackGateway> start_server(std::function<void(LoopbackOptions&)> tweak = {}) {
  return start_loopback(kToken, tweak);
}

std::string message(int i) {
  return R"({"id":")" + std::to_string(1000 + i) +
         R"(","channel_id":"41771983423143937","content":"message )" + std::to_string(i) +
         R"(","author":{"id":"80351110224678912","username":"nelly"}})";
}

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto end = Clock::now() + timeout;
  while (!pred()) {
    if (Clock::now() > end) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// The longest stretch of [from, to] without an op 1 from the client on connection `conn`.
Clock::duration longest_without_beat(const Observations& o, int conn, Clock::time_point from,
                                     Clock::time_point to) {
  Clock::time_point last = from;
  Clock::duration longest{0};
  for (const auto& f : o.frames) {
    if (f.connection != conn || f.op != 1 || f.at < from || f.at > to) continue;
    longest = std::max(longest, f.at - last);
    last = f.at;
  }
  return std::max(longest, to - last);
}

void explain(const LiveClient& client, const Observations& o) {
  for (const auto& e : client.errors()) UNSCOPED_INFO("client error: " << e);
  for (const auto& c : o.connections) {
    UNSCOPED_INFO("connection " << c.id << ": client close " << c.client_close_code.value_or(0)
                                << " " << c.client_close_reason);
  }
}

}  // namespace

TEST_CASE("driver: a handler that takes 1 ms an event never stops the heartbeat", "[driver]") {
  auto srv = start_server([](LoopbackOptions& o) { o.heartbeat_interval = 200ms; });
  std::atomic<int> handled{0};
  LiveClient client(srv->url(), kToken, Compression::kNone, {}, [&](gateway::Gateway& g) {
    g.on_event([&](const gateway::DeliverEvent& e) {
      if (e.event.name() == "MESSAGE_CREATE") std::this_thread::sleep_for(1ms);
      handled.fetch_add(1);
    });
  });
  REQUIRE(wait_until([&] { return handled.load() >= 2; }, 10s));  // READY, GUILD_CREATE
  REQUIRE(srv->wait_for_frames(1, 1, 5s));
  const std::vector<LoopbackDispatch> batch(2500, {"MESSAGE_CREATE", message(1)});
  const auto from = Clock::now();
  REQUIRE(srv->dispatch_batch(batch).ok());
  REQUIRE(wait_until([&] { return handled.load() >= 2502; }, 60s));
  const auto to = Clock::now();
  CHECK(to - from > 2s);  // the handler did hold the loop's thread that long
  const auto obs = srv->observations();
  explain(client, obs);
  CHECK(obs.connections.size() == 1);  // never taken for a zombie
  // A beat every 200 ms all along (before: none until the handler was done, 2.5 s).
  CHECK(longest_without_beat(obs, 1, from, to) < 700ms);
}

TEST_CASE("driver: a flood of dispatches for 2 s keeps the heartbeat on time", "[driver]") {
  auto srv = start_server([](LoopbackOptions& o) { o.heartbeat_interval = 200ms; });
  LiveClient client(srv->url(), kToken);
  REQUIRE(client.wait_for_events(2));
  REQUIRE(srv->wait_for_frames(1, 1, 5s));
  const std::vector<LoopbackDispatch> batch(50, {"MESSAGE_CREATE", message(2)});
  const auto from = Clock::now();
  std::int64_t last = 0;
  while (Clock::now() - from < 2s) {
    auto seq = srv->dispatch_batch(batch);
    REQUIRE(seq.ok());
    last = *seq;
    std::this_thread::sleep_for(5ms);
  }
  REQUIRE(client.wait_for_seq(last, 60s));
  const auto to = Clock::now();
  const auto obs = srv->observations();
  explain(client, obs);
  CHECK(obs.connections.size() == 1);
  CHECK(exactly_once_in_order(client.events(), last));
  CHECK(longest_without_beat(obs, 1, from, to) < 700ms);
}

TEST_CASE("driver: an outage longer than any retry count; the session comes back", "[driver]") {
  auto srv = start_server();
  const std::uint16_t port = srv->port();
  // Backoff 20..200 ms: the old five retries were used up within a second.
  LiveClient client(srv->url(), kToken);
  REQUIRE(client.wait_for_events(2));
  srv->stop();
  srv.reset();  // the port refuses connections now
  std::this_thread::sleep_for(3s);
  const auto still = client.wait_end(0ms);
  REQUIRE_FALSE(still.ok());
  CHECK(still.error().code == gateway::Errc::kTimeout);  // run() has not given up
  auto back = start_server([port](LoopbackOptions& o) { o.port = port; });
  // The old session is unknown here: the resume fails (op 9 false) and the client identifies.
  REQUIRE(back->wait_until_identified(15s));
  REQUIRE(back->dispatch("MESSAGE_CREATE", message(3)).ok());
  REQUIRE(client.wait_for([](const auto& e) { return e.back().name == "MESSAGE_CREATE"; }, 10s));
  const auto obs = back->observations();
  explain(client, obs);
  CHECK(obs.failed_resumes == 1);
  CHECK(obs.identifies == 1);
  CHECK(client.gateway().phase() == gateway::Phase::kActive);
  bool refused = false;
  for (const auto& e : client.errors()) refused |= e.find("connect") != std::string::npos;
  CHECK(refused);  // each failed attempt was reported
}

TEST_CASE("driver: a dead resume_gateway_url falls back to the original URL", "[driver]") {
  std::string dead_url;
  {
    auto gone = start_server();
    dead_url = gone->url();
  }  // its port refuses connections now
  auto srv = start_server([&](LoopbackOptions& o) { o.resume_gateway_url = dead_url; });
  LiveClient client(srv->url(), kToken);
  REQUIRE(client.wait_for_events(2));
  const auto asked = Clock::now();
  REQUIRE(srv->request_reconnect().ok());  // op 7: resume, at resume_gateway_url
  // Before: the dead host was retried forever and the session never came back.
  REQUIRE(srv->wait_for_resumes(1, 10s));
  CHECK(Clock::now() - asked < 3s);  // at once, not after a backoff
  const auto obs = srv->observations();
  explain(client, obs);
  CHECK(obs.connections.size() == 2);
  CHECK(obs.identifies == 1);
  REQUIRE(srv->dispatch("MESSAGE_CREATE", message(4)).ok());
  REQUIRE(client.wait_for_seq(obs.last_seq + 1));
}

TEST_CASE("driver: an ACK 1.5 s late on an idle shard is not a zombie", "[driver]") {
  auto srv = start_server([](LoopbackOptions& o) { o.heartbeat_interval = 2000ms; });
  LiveClient client(srv->url(), kToken);
  REQUIRE(client.wait_for_events(2));
  srv->withhold_acks(true);
  const auto beats = srv->observations().heartbeats.size();
  REQUIRE(srv->wait_for([&](const auto& o) { return o.heartbeats.size() > beats; }, 5s));
  std::this_thread::sleep_for(1500ms);
  REQUIRE(srv->send_raw(R"({"t":null,"s":null,"op":11,"d":null})").ok());
  srv->withhold_acks(false);
  // Two more beats, ACKed in time: the late ACK counted (Discord's zombie rule is an ACK
  // between two beats; the old read timeout, last round trip + 1 s, resumed here).
  REQUIRE(srv->wait_for([&](const auto& o) { return o.heartbeats.size() > beats + 2; }, 8s));
  const auto obs = srv->observations();
  explain(client, obs);
  CHECK(obs.connections.size() == 1);
  CHECK(obs.resumes == 0);
}

TEST_CASE("driver: a zombie connection is terminated at once, not closed politely", "[driver]") {
  auto srv = start_server([](LoopbackOptions& o) { o.heartbeat_interval = 300ms; });
  // A close waits up to 5 s for the peer's answer; a zombie must not wait at all.
  LiveClient client(srv->url(), kToken, Compression::kNone,
                    [](gateway::GatewayOptions& o) { o.close_timeout_ns = 5'000'000'000; });
  REQUIRE(client.wait_for_events(2));
  srv->withhold_acks(true);
  const auto beats = srv->observations().heartbeats.size();
  REQUIRE(srv->wait_for([&](const auto& o) { return o.heartbeats.size() > beats; }, 5s));
  const auto unanswered = Clock::now();
  REQUIRE(srv->freeze().ok());  // a dead route: nothing read, the close never answered
  srv->withhold_acks(false);
  REQUIRE(srv->wait_for_connections(2, 10s));
  auto obs = srv->observations();
  explain(client, obs);
  // The next beat was due within 300 ms; then the socket was dropped and the resume began.
  CHECK(obs.connections[1].opened_at - unanswered < 2s);
  REQUIRE(srv->wait_for_resumes(1, 5s));
}

TEST_CASE("driver: a server close 1000 identifies afresh, without a resume", "[driver]") {
  auto srv = start_server();
  LiveClient client(srv->url(), kToken);
  REQUIRE(client.wait_for_events(2));
  REQUIRE(srv->close(1000, "bye").ok());
  REQUIRE(srv->wait_for_identifies(2, 15s));
  const auto obs = srv->observations();
  explain(client, obs);
  CHECK(obs.frames_with_op(6) == 0);  // before: a resume first, then an identify
  CHECK(obs.connections.size() == 2);
  REQUIRE(client.wait_for([](const auto& e) {
    return std::count_if(e.begin(), e.end(), [](const auto& d) { return d.name == "READY"; }) == 2;
  }));
}

TEST_CASE("driver: no session starts left: the identify waits for the reset", "[driver]") {
  auto srv = start_server();
  gateway::SystemClock clock;
  const auto reset_in = 1500ms;
  auto limiter = std::make_shared<gateway::IdentifyLimiter>(
      1, gateway::IdentifyLimiter::SessionStartLimit{
             1000, 0, clock.now_ns() + std::chrono::nanoseconds(reset_in).count()});
  const auto started = Clock::now();
  LiveClient client(srv->url(), kToken, Compression::kNone, {}, {}, limiter);
  REQUIRE(srv->wait_until_identified(15s));
  const auto obs = srv->observations();
  explain(client, obs);
  std::optional<Clock::time_point> identify_at;
  for (const auto& f : obs.frames) {
    if (f.op == 2 && !identify_at) identify_at = f.at;
  }
  REQUIRE(identify_at);
  CHECK(*identify_at - started > reset_in - 200ms);
  // It waited on one connection (before: connect, drop, connect... in a loop).
  CHECK(obs.connections.size() == 1);
  CHECK(obs.frames_with_op(2) == 1);
  CHECK(limiter->remaining_today() == 999);
}

TEST_CASE("driver: the bot's commands wait for the rate limit; heartbeats never do", "[driver]") {
  auto srv = start_server([](LoopbackOptions& o) { o.heartbeat_interval = 2000ms; });
  LiveClient client(srv->url(), kToken);
  REQUIRE(client.wait_for_events(2));
  constexpr const char* kPresence =
      R"({"since":null,"activities":[],"status":"online","afk":false})";
  for (int i = 0; i < 150; ++i) {
    REQUIRE(client.gateway().send(gateway::OpCode::kPresenceUpdate, kPresence).ok());
  }
  REQUIRE(srv->wait_for_frames(3, 80, 10s));
  // The window is full of the bot's commands: the server's op 1 is still answered at once, and
  // the scheduled beats go on.
  const auto beats = srv->observations().heartbeats.size();
  REQUIRE(srv->request_heartbeat().ok());
  REQUIRE(srv->wait_for([&](const auto& o) { return o.heartbeats.size() > beats; }, 2s));
  REQUIRE(srv->wait_for([&](const auto& o) { return o.heartbeats.size() > beats + 1; }, 5s));
  const auto obs = srv->observations();
  explain(client, obs);
  CHECK(obs.connections.size() == 1);  // no 4008, no send lost to the limiter
  CHECK_FALSE(obs.connections[0].server_close_code.has_value());
  CHECK(obs.frames_with_op(3) < 120);  // the rest wait for the next minute
}

TEST_CASE("driver: a READY with an odd field keeps its session for the resume", "[driver]") {
  auto srv = start_server();
  LiveClient client(srv->url(), kToken);
  REQUIRE(client.wait_for_events(2));
  // A second READY whose "v" is a string: the strict typed decode fails on it.
  REQUIRE(srv->send_raw(R"({"t":"READY","s":3,"op":0,"d":{"v":"10","session_id":"odd-session",)"
                        R"("resume_gateway_url":")" +
                        srv->url() +
                        R"(","user":{"id":"1","username":"x"},"guilds":[],)"
                        R"("application":{"id":"2","flags":0}}})")
              .ok());
  REQUIRE(client.wait_for_events(3));
  REQUIRE(srv->request_reconnect().ok());
  // Before: the session id was lost and the client identified instead of resuming.
  REQUIRE(srv->wait_for_frames(6, 1, 10s));
  std::string resume;
  for (const auto& f : srv->observations().frames) {
    if (f.op == 6) resume = f.text;
  }
  CHECK(resume.find(R"("session_id":"odd-session")") != std::string::npos);
  CHECK(resume.find(R"("seq":3)") != std::string::npos);
}

TEST_CASE("driver: a later connection waits for its own HELLO; no beat before it", "[driver]") {
  auto srv = start_server([](LoopbackOptions& o) { o.heartbeat_interval = 200ms; });
  LiveClient client(srv->url(), kToken, Compression::kNone, [](gateway::GatewayOptions& o) {
    o.protocol.hello_timeout_ns = 1'000'000'000;
  });
  REQUIRE(client.wait_for_events(2));
  REQUIRE(srv->wait_for_frames(1, 2, 5s));
  srv->silent(true);  // the next connection gets no HELLO
  REQUIRE(srv->request_reconnect().ok());
  REQUIRE(srv->wait_for_connections(2, 5s));
  srv->silent(false);
  REQUIRE(srv->wait_for_resumes(1, 15s));
  const auto obs = srv->observations();
  explain(client, obs);
  REQUIRE(obs.connections.size() == 3);
  const auto& silent = obs.connections[1];
  REQUIRE(silent.closed_at);
  // Given up after the HELLO timeout, which applies to every connection, not only the first.
  CHECK(*silent.closed_at - silent.opened_at > 900ms);
  CHECK(*silent.closed_at - silent.opened_at < 3s);
  // The last connection's 200 ms interval did not carry over: not one beat without HELLO.
  std::size_t beats_on_silent = 0;
  for (const auto& f : obs.frames) beats_on_silent += f.connection == 2 && f.op == 1;
  CHECK(beats_on_silent == 0);
}
