// CurlTransport against the loopback gateway: the libcurl 8.14 traps, each with a test.
#include <catch2/catch_test_macros.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "gwtape/gateway/clock.h"
#include "gwtape/gateway/transport.h"
#include "gwtape/server/loopback_gateway.h"

using namespace gwtape;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t kSec = 1'000'000'000;

std::unique_ptr<server::LoopbackGateway> start_server(std::size_t max_payload = 4096) {
  server::LoopbackOptions o;
  o.token = "t";
  o.max_payload_bytes = max_payload;
  o.max_message_bytes = 64u << 20;
  auto s = server::LoopbackGateway::start(o);
  REQUIRE(s.ok());
  return std::move(*s);
}

std::string url(const server::LoopbackGateway& s) { return s.url() + "/?v=10&encoding=json"; }

}  // namespace

TEST_CASE("curl: bytes that came with the 101 response are read before polling", "[live][curl]") {
  // The server sends HELLO the moment the handshake completes, so it often arrives in the
  // same read as the 101: a client that polled first would wait for the timeout.
  auto srv = start_server();
  std::uint64_t before_poll = 0;
  for (int i = 0; i < 20; ++i) {
    auto t = gateway::make_curl_transport();
    REQUIRE(t->connect(url(*srv), {}).ok());
    const auto start = std::chrono::steady_clock::now();
    auto hello = t->receive(5 * kSec);
    REQUIRE(hello.ok());
    CHECK(hello->data.find(R"("op":10)") != std::string::npos);
    CHECK(std::chrono::steady_clock::now() - start < 2s);
    CHECK(hello->data.capacity() >= hello->data.size() + 64);  // room for simdjson
    before_poll += t->stats().read_before_poll;
    CHECK(t->close(1000, "bye", kSec).ok());
  }
  // In at least one of the runs HELLO was already inside libcurl when receive() began.
  CHECK(before_poll > 0);
}

TEST_CASE("curl: a multi-MB send survives partial sends and CURLE_AGAIN", "[live][curl]") {
  // 8 MB does not fit a 64 KB send buffer: curl_ws_send returns short counts and CURLE_AGAIN,
  // and each next call must continue the same payload. Whether a given send hits EAGAIN
  // depends on how fast the server reads, so five are sent and at least one must.
  auto srv = start_server(16u << 20);
  auto t = gateway::make_curl_transport();
  gateway::ConnectOptions options;
  options.send_buffer_bytes = 64 << 10;
  REQUIRE(t->connect(url(*srv), options).ok());
  REQUIRE(t->receive(5 * kSec).ok());   // HELLO
  REQUIRE(srv->ping("mid-send").ok());  // a ping arriving while we send: no auto-PONG inside
  std::vector<std::string> sent;
  for (int round = 0; round < 5; ++round) {
    std::string big = R"({"op":1,"d":null,"pad":")";
    for (int i = round; big.size() < (8u << 20); ++i) big += static_cast<char>('a' + i % 26);
    big += "\"}";
    REQUIRE(t->send_text(big).ok());
    REQUIRE(t->receive(5 * kSec).ok());  // the ACK: the server parsed the whole frame
    sent.push_back(std::move(big));
  }
  CHECK(t->stats().send_partial > 0);
  CHECK(t->stats().send_again > 0);
  auto frames = srv->received();
  REQUIRE(frames.size() == sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) {
    CHECK(frames[i].text == sent[i]);
    CHECK(frames[i].op == 1);
  }
  REQUIRE(srv->wait_for_pongs(1, 5s));
  CHECK(srv->pongs()[0] == "mid-send");
  CHECK(t->stats().pings_answered == 1);
  CHECK(t->close(1000, "", kSec).ok());
}

TEST_CASE("curl: the peer's close frame is answered and reported", "[live][curl]") {
  auto srv = start_server();
  auto t = gateway::make_curl_transport();
  REQUIRE(t->connect(url(*srv), {}).ok());
  REQUIRE(t->receive(5 * kSec).ok());
  REQUIRE(srv->close(4321, "bye now").ok());
  auto r = t->receive(5 * kSec);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == gateway::Errc::kClosed);
  REQUIRE(t->peer_close().has_value());
  CHECK(t->peer_close()->code == 4321);
  CHECK(t->peer_close()->reason == "bye now");
  REQUIRE(srv->wait_for_closed(1, 5s));
  // libcurl does not answer a close; we did, echoing the code.
  CHECK(srv->observations().connections[0].client_close_code == 4321);
}

TEST_CASE("curl: timeouts, interrupts and a dropped connection are told apart", "[live][curl]") {
  auto srv = start_server();
  auto t = gateway::make_curl_transport();
  REQUIRE(t->connect(url(*srv), {}).ok());
  REQUIRE(t->receive(5 * kSec).ok());
  auto quiet = t->receive(kSec / 10);
  REQUIRE_FALSE(quiet.ok());
  CHECK(quiet.error().code == gateway::Errc::kTimeout);
  t->interrupt();
  auto woken = t->receive(5 * kSec);
  REQUIRE_FALSE(woken.ok());
  CHECK(woken.error().code == gateway::Errc::kInterrupted);
  REQUIRE(srv->drop().ok());
  auto dropped = t->receive(5 * kSec);
  REQUIRE_FALSE(dropped.ok());
  CHECK(dropped.error().code == gateway::Errc::kTransport);
  CHECK_FALSE(t->peer_close().has_value());
  // A refused connection is a clear error naming the URL.
  auto refused = gateway::make_curl_transport();
  gateway::ConnectOptions o;
  o.connect_timeout_ns = 2 * kSec;
  auto st = refused->connect("ws://127.0.0.1:1/?v=10&encoding=json", o);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().message.find("127.0.0.1:1") != std::string::npos);
}

TEST_CASE("curl: deadlines are on the injected clock", "[live][curl]") {
  // A clock that runs 50 times faster than the system's: a 10 s timeout on it is 200 ms of
  // real time. Before, the transport read steady_clock and waited the whole 10 s.
  class FastClock final : public gateway::Clock {
   public:
    std::int64_t now_ns() override { return real_.now_ns() * 50; }
    std::int64_t wall_ns() override { return now_ns(); }
    void sleep_until(std::int64_t deadline_ns) override { real_.sleep_until(deadline_ns / 50); }

   private:
    gateway::SystemClock real_;
  } clock;
  auto srv = start_server();
  auto t = gateway::make_curl_transport(clock);
  REQUIRE(t->connect(url(*srv), {}).ok());
  REQUIRE(t->receive(5 * kSec).ok());  // HELLO
  const auto start = std::chrono::steady_clock::now();
  auto quiet = t->receive(10 * kSec);
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(quiet.ok());
  CHECK(quiet.error().code == gateway::Errc::kTimeout);
  CHECK(took > 150ms);
  CHECK(took < 2s);
  // The clock's deadline does not cut a message short: data that is there is still read.
  REQUIRE(srv->request_heartbeat().ok());
  auto beat = t->receive(10 * kSec);
  REQUIRE(beat.ok());
  CHECK(beat->data.find(R"("op":1)") != std::string::npos);
  CHECK(t->close(1000, "bye", kSec).ok());
}

TEST_CASE("curl: a message over the cap is refused, not buffered", "[live][curl]") {
  auto srv = start_server();
  auto t = gateway::make_curl_transport();
  gateway::ConnectOptions o;
  o.max_message_bytes = 1 << 20;
  REQUIRE(t->connect(url(*srv), o).ok());
  REQUIRE(t->receive(5 * kSec).ok());
  REQUIRE(srv->send_text_frame(std::string(3 << 20, 'x')).ok());
  auto r = t->receive(5 * kSec);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == gateway::Errc::kTooLarge);
}
