// The real client (CurlTransport + Gateway) against the real loopback gateway: every
// behaviour of issue 3 over ws://, wss:// and both transport compressions.
#include <catch2/catch_test_macros.hpp>
#include <filesystem>
#include <string>

#include "gwtape/server/test_cert.h"
#include "live_gateway_util.h"

using namespace gwtape;
using namespace gwtape::testing;
using gateway::Compression;
using server::LoopbackGateway;
using server::LoopbackOptions;

namespace {

constexpr const char* kToken = "live-test-token";

std::unique_ptr<LoopbackGateway> start_server(std::function<void(LoopbackOptions&)> tweak = {}) {
  return start_loopback(kToken, tweak);
}

std::string message(int i) {
  return R"({"id":")" + std::to_string(1000 + i) +
         R"(","channel_id":"41771983423143937","content":"message )" + std::to_string(i) +
         R"(","author":{"id":"80351110224678912","username":"nelly"}})";
}

}  // namespace

TEST_CASE("live: identify, READY, GUILD_CREATE and dispatches in order", "[live]") {
  auto srv = start_server();
  LiveClient client(srv->url(), kToken);
  REQUIRE(client.wait_for_events(2));  // READY, GUILD_CREATE
  for (int i = 0; i < 50; ++i) REQUIRE(srv->dispatch("MESSAGE_CREATE", message(i)).ok());
  REQUIRE(client.wait_for_seq(52));
  auto events = client.events();
  CHECK(events[0].name == "READY");
  CHECK(events[1].name == "GUILD_CREATE");
  CHECK(events[2].name == "MESSAGE_CREATE");
  CHECK(exactly_once_in_order(events, 52));
  CHECK(client.gateway().phase() == gateway::Phase::kActive);
  // The identify carried the token and the intents; the server accepted it.
  CHECK(srv->identifies() == 1);
  auto sent = client.frames(gateway::Direction::kSend);
  REQUIRE_FALSE(sent.empty());
  CHECK(sent[0].find(R"("token":"live-test-token")") != std::string::npos);
  CHECK(sent[0].find(R"("intents":513)") != std::string::npos);
  // close(): a 1000 close frame, which the server saw.
  CHECK(client.close().ok());
  REQUIRE(srv->wait_for_closed(1, 5s));
  CHECK(srv->observations().connections[0].client_close_code == 1000);
}

TEST_CASE("live: transport compression gives the gateway the exact frame text", "[live]") {
  for (Compression c : {Compression::kZlibStream, Compression::kZstdStream}) {
    INFO(gateway::compression_name(c));
    auto srv = start_server();
    LiveClient client(srv->url(), kToken, c);
    REQUIRE(client.wait_for_events(2));
    // A multi-MB GUILD_CREATE-sized dispatch and many small ones through one stream.
    std::string big = R"({"id":"1","name":")" + std::string(3 << 20, 'g') + "\"}";
    REQUIRE(srv->dispatch("GUILD_UPDATE", big).ok());
    for (int i = 0; i < 100; ++i) REQUIRE(srv->dispatch("MESSAGE_CREATE", message(i)).ok());
    REQUIRE(client.wait_for_seq(103));
    CHECK(exactly_once_in_order(client.events(), 103));
    auto recv = client.frames(gateway::Direction::kRecv);
    bool saw_big = false;
    for (const auto& f : recv) saw_big |= f.find(big) != std::string::npos;
    CHECK(saw_big);
    CHECK(srv->observations().connections[0].compression == c);
    CHECK(client.errors().empty());
  }
}

TEST_CASE("live: wss with a certificate made at run time", "[live]") {
  const auto dir = std::filesystem::temp_directory_path() / "gwtape-live-tls";
  std::filesystem::create_directories(dir);
  auto cert = server::make_self_signed_cert(dir.string());
  REQUIRE(cert.ok());
  auto srv = start_server([&](LoopbackOptions& o) {
    o.cert_file = cert->cert_path;
    o.key_file = cert->key_path;
  });
  REQUIRE(srv->url().rfind("wss://", 0) == 0);
  {
    LiveClient client(srv->url(), kToken, Compression::kZstdStream,
                      [&](gateway::GatewayOptions& o) { o.connect.ca_file = cert->cert_path; });
    REQUIRE(client.wait_for_events(2));
    REQUIRE(srv->dispatch("MESSAGE_CREATE", message(1)).ok());
    CHECK(client.wait_for_seq(3));
  }
  // Without the CA, verification fails: a clear TLS error, bounded retries, no session.
  LiveClient untrusted(srv->url(), kToken, Compression::kNone, [](gateway::GatewayOptions& o) {
    o.max_retries = 1;
    o.connect.ca_file = "/dev/null";
  });
  gateway::Status st = untrusted.wait_end(10s);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == gateway::Errc::kMaxTries);
  CHECK(untrusted.events().empty());
  REQUIRE_FALSE(untrusted.errors().empty());
  CHECK(untrusted.errors()[0].find(srv->url()) != std::string::npos);
}

TEST_CASE("live: fragmented frames and pings", "[live]") {
  auto srv = start_server([](LoopbackOptions& o) { o.fragment_size = 1000; });
  LiveClient client(srv->url(), kToken);
  REQUIRE(client.wait_for_events(2));
  REQUIRE(srv->dispatch("GUILD_UPDATE", R"({"id":"1","name":")" + std::string(50'000, 'f') + "\"}")
              .ok());
  REQUIRE(srv->ping("are you there").ok());
  REQUIRE(srv->dispatch("MESSAGE_CREATE", message(1)).ok());
  REQUIRE(client.wait_for_seq(4));
  CHECK(exactly_once_in_order(client.events(), 4));
  REQUIRE(srv->wait_for_pongs(1, 5s));
  CHECK(srv->pongs()[0] == "are you there");
}

TEST_CASE("live: op 7, op 9, close 4000 and a dropped TCP connection resume exactly once",
          "[live]") {
  auto srv = start_server();
  LiveClient client(srv->url(), kToken, Compression::kZlibStream);
  REQUIRE(client.wait_for_events(2));
  int n = 2;
  auto burst = [&](int count) {
    for (int i = 0; i < count; ++i) REQUIRE(srv->dispatch("MESSAGE_CREATE", message(++n)).ok());
  };
  burst(10);
  REQUIRE(srv->request_reconnect().ok());  // op 7
  burst(10);                               // missed: replayed on resume
  REQUIRE(srv->wait_for_resumes(1, 10s));
  burst(5);
  REQUIRE(srv->close(4000, "unknown error").ok());
  burst(5);
  REQUIRE(srv->wait_for_resumes(2, 10s));
  REQUIRE(srv->drop().ok());
  burst(5);
  REQUIRE(srv->wait_for_resumes(3, 10s));
  REQUIRE(srv->invalidate_session(true).ok());  // op 9 true: resume
  burst(5);
  REQUIRE(srv->wait_for_resumes(4, 10s));
  burst(5);
  // Every RESUMED is a dispatch too: 4 of them.
  const std::int64_t total = n + 4;
  REQUIRE(client.wait_for_seq(total, 15s));
  CHECK(exactly_once_in_order(client.events(), total));
  CHECK(srv->identifies() == 1);
  // Resumes went to resume_gateway_url (this server) with op 6 and the last sequence.
  std::size_t resumes = 0;
  for (const auto& f : client.frames(gateway::Direction::kSend)) {
    resumes += f.find(R"({"op":6,)") == 0;
  }
  CHECK(resumes == 4);
  // The reconnect after op 7 closed with a resumable code, not 1000.
  auto conns = srv->observations().connections;
  REQUIRE(conns.size() >= 5);
  CHECK(conns[0].client_close_code.value_or(0) != 1000);
}

TEST_CASE("live: op 9 false and 4009 identify from scratch at the original URL", "[live]") {
  auto srv = start_server();
  LiveClient client(srv->url(), kToken);
  REQUIRE(client.wait_for_events(2));
  REQUIRE(srv->invalidate_session(false).ok());
  REQUIRE(srv->wait_for_identifies(2, 10s));  // after a 1-5 s wait
  REQUIRE(client.wait_for([](const auto& e) { return e.size() >= 4; }));
  REQUIRE(srv->close(4009, "session timed out").ok());
  REQUIRE(srv->wait_for_identifies(3, 10s));
  REQUIRE(client.wait_for([](const auto& e) { return e.size() >= 6; }));
  auto events = client.events();
  CHECK(events[2].name == "READY");  // a new session: s starts again at 1
  CHECK(events[2].seq == 1);
  CHECK(events[4].name == "READY");
  CHECK(srv->resumes() == 0);
}

TEST_CASE("live: fatal close codes end the run with the code and its meaning", "[live]") {
  auto srv = start_server();
  LiveClient client(srv->url(), "wrong-token");
  gateway::Status st = client.wait_end(10s);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == gateway::Errc::kFatalClose);
  CHECK(st.error().message.find("4004") != std::string::npos);
  CHECK(st.error().message.find("authentication failed") != std::string::npos);
  CHECK(srv->connections() == 1);  // no retry loop
  CHECK(client.gateway().phase() == gateway::Phase::kFatallyClosed);
}

TEST_CASE("live: withheld ACKs are a zombie connection; the client resumes", "[live]") {
  auto srv = start_server([](LoopbackOptions& o) { o.heartbeat_interval = 300ms; });
  LiveClient client(srv->url(), kToken);
  REQUIRE(client.wait_for_events(2));
  REQUIRE(srv->wait_for_frames(1, 2, 5s));  // beats are going out
  srv->withhold_acks(true);
  REQUIRE(srv->wait_for_resumes(1, 10s));
  srv->withhold_acks(false);
  REQUIRE(srv->dispatch("MESSAGE_CREATE", message(1)).ok());
  REQUIRE(client.wait_for([](const auto& e) { return e.size() >= 4; }));
  CHECK(exactly_once_in_order(client.events(), static_cast<std::int64_t>(client.events().size())));
  auto conns = srv->observations().connections;
  CHECK(conns[0].client_close_code.value_or(1000) != 1000);
  // A server op 1 is answered at once.
  const auto beats = srv->observations().heartbeats.size();
  REQUIRE(srv->request_heartbeat().ok());
  CHECK(srv->wait_for([&](const auto& o) { return o.heartbeats.size() > beats; }, 2s));
}

TEST_CASE("live: bad input is an error and a reconnect, never a crash or a hang", "[live]") {
  auto srv = start_server();
  LiveClient client(srv->url(), kToken);
  REQUIRE(client.wait_for_events(2));
  REQUIRE(srv->send_raw("{\"op\":0,\"t\":\"MESSAGE_CREATE\",\"s\":").ok());  // truncated
  REQUIRE(srv->wait_for_resumes(1, 10s));
  REQUIRE(srv->send_binary(std::string("\x00\x01\x02\xff garbage", 12)).ok());
  REQUIRE(srv->wait_for_resumes(2, 10s));
  REQUIRE(srv->dispatch("MESSAGE_CREATE", message(7)).ok());
  REQUIRE(client.wait_for(
      [](const auto& e) { return !e.empty() && e.back().name != "READY" && e.size() >= 5; }));
  const auto errors = client.errors();
  bool named = false;
  for (const auto& e : errors) named |= e.find("gateway frame") != std::string::npos;
  CHECK(named);
  // Both bad frames reached the tap before they were parsed.
  std::size_t bad = 0;
  for (const auto& f : client.frames(gateway::Direction::kRecv)) {
    bad += f.rfind("{\"op\":0,\"t\":\"MESSAGE_CREATE\",\"s\":", 0) == 0 ||
           f.find(" garbage") != std::string::npos;
  }
  CHECK(bad == 2);
}

TEST_CASE("live: a HELLO without interval, or no HELLO at all, reconnects", "[live]") {
  auto srv = start_server();
  srv->set_hello_interval(std::nullopt);
  LiveClient client(srv->url(), kToken, Compression::kNone, [](gateway::GatewayOptions& o) {
    o.connect.connect_timeout_ns = 1'000'000'000;  // how long to wait for a HELLO
  });
  REQUIRE(srv->wait_for_connections(2, 10s));
  srv->set_hello_interval(41250ms);
  srv->silent(true);
  REQUIRE(srv->wait_for_connections(3, 10s));
  srv->silent(false);
  REQUIRE(client.wait_for_events(2, 15s));
  bool hello_error = false, silent_error = false;
  for (const auto& e : client.errors()) {
    hello_error |= e.find("heartbeat_interval") != std::string::npos;
    silent_error |= e.find("no HELLO") != std::string::npos;
  }
  CHECK(hello_error);
  CHECK(silent_error);
}

TEST_CASE("live: open(), the bot's commands, heartbeat(), identify() and resume()", "[live]") {
  auto srv = start_server();
  gateway::SystemClock clock;
  gateway::SplitMix64 random(3);
  gateway::GatewayOptions o;
  o.url = srv->url();
  o.identify.token = kToken;
  o.identify.intents = gateway::intents::kGuilds;
  o.close_timeout_ns = 1'000'000'000;
  gateway::Gateway g(o, gateway::make_curl_transport(clock), clock, random);
  REQUIRE(g.open(10'000'000'000).ok());
  CHECK(g.phase() == gateway::Phase::kActive);
  gateway::UpdatePresenceData presence;
  presence.status = "idle";
  REQUIRE(g.update_status(presence).ok());
  REQUIRE(g.update_voice_state({gateway::Snowflake{197038439483310086ULL},
                                gateway::Snowflake{41771983423143937ULL}, true, false})
              .ok());
  gateway::RequestGuildMembersData members;
  members.guild_id = gateway::Snowflake{197038439483310086ULL};
  members.query = "";
  members.limit = 0;
  REQUIRE(g.request_guild_members(members).ok());
  REQUIRE(g.guild_subscribe({gateway::Snowflake{197038439483310086ULL}, true, false}).ok());
  REQUIRE(g.send(gateway::OpCode::kRequestSoundboardSounds, R"({"guild_ids":["1"]})").ok());
  for (int op : {3, 4, 8, 14, 31}) {
    INFO("op " << op);
    CHECK(srv->wait_for_frames(op, 1, 5s));
  }
  // A bad payload is refused before it is queued, with the reason.
  CHECK(g.send(gateway::OpCode::kPresenceUpdate, "{not json").error().code ==
        gateway::Errc::kInvalidArgument);
  const auto beats = srv->observations().heartbeats.size();
  g.heartbeat();
  CHECK(srv->wait_for([&](const auto& ob) { return ob.heartbeats.size() > beats; }, 5s));
  g.resume();
  REQUIRE(srv->wait_for_resumes(1, 10s));
  g.identify();  // paced: at least 5 s after the first identify
  REQUIRE(srv->wait_for_identifies(2, 15s));
  CHECK(g.close().ok());
}

TEST_CASE("live: an identify waiting for its 5 s slot keeps the connection heartbeating",
          "[live]") {
  // Heartbeats far shorter than the identify spacing: a client that stopped its loop while
  // waiting for the slot would miss beats and time out (live, shards sharing a limiter wait
  // longer than Discord's 41 s interval).
  auto srv = start_server([](LoopbackOptions& o) { o.heartbeat_interval = 600ms; });
  LiveClient client(srv->url(), kToken);
  REQUIRE(srv->wait_until_identified(10s));
  client.gateway().identify();  // the second identify must wait for its slot
  REQUIRE(srv->wait_for_identifies(2, 15s));
  const auto ob = srv->observations();
  for (const auto& e : client.errors()) UNSCOPED_INFO("client error: " << e);
  for (const auto& c : ob.connections)
    UNSCOPED_INFO("connection " << c.id << ": client close " << c.client_close_code.value_or(0)
                                << " " << c.client_close_reason);
  REQUIRE(ob.connections.size() == 2);  // no connection lost to a timeout meanwhile
  std::size_t beats_before = 0;         // on the second connection, before its identify
  std::optional<std::chrono::steady_clock::time_point> first_identify, second_identify;
  for (const auto& f : ob.frames) {
    if (f.op == 2) (f.connection == 1 ? first_identify : second_identify) = f.at;
    if (f.connection == 2 && f.op == 1 && !second_identify) ++beats_before;
  }
  REQUIRE((first_identify && second_identify));
  CHECK(*second_identify - *first_identify > 4900ms);  // paced: one identify per 5 s
  // Heartbeating all along: about one beat per 600 ms of the wait (the first one after a
  // random fraction of an interval), however long reconnecting took on a slow machine.
  const auto waited = *second_identify - ob.connections[1].opened_at;
  const auto beats_due = static_cast<std::size_t>(waited / 600ms);
  INFO("waited " << std::chrono::duration_cast<std::chrono::milliseconds>(waited).count()
                 << " ms on the second connection, " << beats_before << " heartbeats");
  CHECK(waited > 1s);
  CHECK(beats_before + 1 >= beats_due);
  CHECK(client.errors().empty());
  CHECK(client.close().ok());
  CHECK(srv->observations().connections.size() == 2);
}
