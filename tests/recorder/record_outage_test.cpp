// `gwtape record` through an outage longer than any retry count: the gateway refuses
// connections for 40 s, then comes back on the same port; the recorder is still recording,
// the session comes back, and the log holds the frames of both servers.
#include <signal.h>

#include <catch2/catch_test_macros.hpp>
#include <string>
#include <thread>

#include "gwtape/server/loopback_gateway.h"
#include "record_child.h"

using namespace gwtape;
using namespace gwtape::testing;

namespace {

constexpr const char* kToken = "record.TEST-token.outage";

std::unique_ptr<server::LoopbackGateway> start_server(std::uint16_t port) {
  server::LoopbackOptions o;
  o.token = kToken;
  o.port = port;
  o.heartbeat_interval = 400ms;
  auto s = server::LoopbackGateway::start(o);
  INFO((s.ok() ? std::string() : s.error().message));
  REQUIRE(s.ok());
  return std::move(*s);
}

// Dispatches `n` messages with ids from `first`, and waits until a heartbeat carries the last
// sequence number (the client has them all).
void dispatch_and_settle(server::LoopbackGateway& srv, int first, int n) {
  for (int i = first; i < first + n; ++i) {
    REQUIRE(srv.dispatch("MESSAGE_CREATE",
                         R"({"id":")" + std::to_string(i) + R"(","channel_id":"1","content":"m"})")
                .ok());
  }
  const std::int64_t last = srv.observations().last_seq;
  REQUIRE(srv.wait_for(
      [&](const server::Observations& o) {
        return !o.heartbeats.empty() && o.heartbeats.back() == last;
      },
      10s));
}

}  // namespace

TEST_CASE("record: a 40 s outage; the recorder waits and the session comes back",
          "[recorder][cli][outage]") {
  const auto dir = fresh_dir("outage");
  const auto log = dir / "outage.gwtape";
  auto srv = start_server(0);
  const std::uint16_t port = srv->port();
  const std::string url = srv->url();
  Child child({"record", "--out", log.string(), "--gateway", url}, kToken, dir);
  REQUIRE(srv->wait_until_identified(10s));
  dispatch_and_settle(*srv, 7001, 5);

  srv->stop();
  srv.reset();  // connections refused from now on
  // Before: five retries (1+2+4+8+16 s of backoff), then exit 1 at about 31 s.
  for (int s = 0; s < 40; ++s) {
    std::this_thread::sleep_for(1s);
    INFO("second " << s << " of the outage; stderr: " << child.err());
    REQUIRE(child.running());
  }

  auto back = start_server(port);
  // The old session is unknown to the new server: the resume fails, the recorder identifies.
  REQUIRE(back->wait_until_identified(30s));
  dispatch_and_settle(*back, 8001, 5);
  CHECK(back->observations().failed_resumes == 1);

  child.signal(SIGINT);
  REQUIRE(child.wait() == 0);
  const std::string err = child.err();
  CHECK(err.find("connect") != std::string::npos);  // the failed attempts were reported
  CHECK(err.find(kToken) == std::string::npos);

  std::size_t first_server = 0, second_server = 0;
  std::uint32_t last_conn = 0;
  for (const auto& f : read_log(log)) {
    last_conn = std::max(last_conn, f.conn);
    if (f.direction != store::Direction::kRecv) continue;
    first_server += f.text.find(R"("id":"700)") != std::string::npos;
    second_server += f.text.find(R"("id":"800)") != std::string::npos;
  }
  CHECK(first_server == 5);
  CHECK(second_server == 5);
  CHECK(last_conn >= 2);
}
