// The session driver's identify rules against the loopback gateway (issue 13): shards that
// share a rate-limit bucket identify in bucket order, and a run of op 9 (not resumable) never
// makes the client give up. Each case failed with the driver before it.
#include <algorithm>
#include <catch2/catch_test_macros.hpp>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gwtape/gateway/limits.h"
#include "live_gateway_util.h"

using namespace gwtape;
using namespace gwtape::testing;
using gateway::Compression;
using server::LoopbackGateway;
using server::LoopbackOptions;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kToken = "limits-test-token";

std::unique_ptr<LoopbackGateway> start_server(std::function<void(LoopbackOptions&)> tweak = {}) {
  return start_loopback(kToken, tweak);
}

// The shard id an identify names ("shard":[N,M]), or nullopt.
std::optional<int> shard_of(const std::string& identify) {
  const auto at = identify.find("\"shard\":[");
  if (at == std::string::npos) return std::nullopt;
  return std::stoi(identify.substr(at + 9));
}

}  // namespace

TEST_CASE("driver: shards sharing a bucket identify in bucket order", "[driver]") {
  // Two buckets (max_concurrency 2); the server refuses (op 9) two identifies of one bucket
  // closer than 250 ms, and the client spaces them 400 ms.
  auto srv = start_server([](LoopbackOptions& o) {
    o.max_concurrency = 2;
    o.identify_interval = 250ms;
  });
  auto limiter = std::make_shared<gateway::IdentifyLimiter>(2, std::nullopt, 400'000'000);
  gateway::SystemClock clock;
  limiter->start_in_order({0, 1, 2, 3}, clock.now_ns());
  // The shards' threads start in the worst order: 3 first, 0 last.
  std::vector<std::unique_ptr<LiveClient>> clients;
  for (int id = 3; id >= 0; --id) {
    clients.push_back(std::make_unique<LiveClient>(
        srv->url(), kToken, Compression::kNone,
        [id](gateway::GatewayOptions& o) {
          o.identify.shard = std::array<std::int32_t, 2>{id, 4};
        },
        nullptr, limiter));
    std::this_thread::sleep_for(30ms);
  }
  REQUIRE(srv->wait_for_identifies(4, 10s));
  const auto obs = srv->observations();
  std::vector<int> order;
  for (const auto& f : obs.frames) {
    if (f.op != 2) continue;
    auto id = shard_of(f.text);
    REQUIRE(id);
    order.push_back(*id);
  }
  INFO("identify order: " << [&] {
    std::string s;
    for (int id : order) s += std::to_string(id) + " ";
    return s;
  }());
  // Exactly one identify each: none was refused for coming too soon.
  REQUIRE(order.size() == 4);
  const auto pos = [&](int id) {
    return std::find(order.begin(), order.end(), id) - order.begin();
  };
  // Bucket order: the first bucket round (0, 1) before the second (2, 3). Before, shard 3,
  // started first, took bucket 1's first slot and identified before shard 1.
  CHECK(pos(0) < pos(2));
  CHECK(pos(1) < pos(3));
  CHECK(std::max(pos(0), pos(1)) < std::min(pos(2), pos(3)));
  CHECK(obs.frames_with_op(6) == 0);
}

TEST_CASE("driver: six op 9 in a row, the client identifies again every time", "[driver]") {
  auto srv = start_server();
  auto limiter = std::make_shared<gateway::IdentifyLimiter>(1, std::nullopt, 100'000'000);
  // A retry limit applies to connections that fail; a session invalidated after READY is
  // not one, however often it happens (before: the sixth op 9 ended run() for good).
  LiveClient client(
      srv->url(), kToken, Compression::kNone, [](gateway::GatewayOptions& o) { o.max_retries = 3; },
      nullptr, limiter);
  constexpr int kInvalidations = 6;
  std::vector<Clock::time_point> invalidated;
  for (int i = 1; i <= kInvalidations; ++i) {
    REQUIRE(srv->wait_for_identifies(static_cast<std::size_t>(i), 15s));
    REQUIRE(srv->dispatch("TYPING_START",
                          R"({"channel_id":"41771983423143937","user_id":"1","timestamp":1})")
                .ok());
    invalidated.push_back(Clock::now());
    REQUIRE(srv->invalidate_session(false).ok());
  }
  REQUIRE(srv->wait_for_identifies(kInvalidations + 1, 15s));
  REQUIRE(srv->dispatch("TYPING_START",
                        R"({"channel_id":"41771983423143937","user_id":"2","timestamp":2})")
              .ok());
  REQUIRE(client.wait_for([](const auto& e) {
    return std::count_if(e.begin(), e.end(), [](const auto& d) {
             return d.name == "TYPING_START";
           }) == kInvalidations + 1;
  }));
  const auto obs = srv->observations();
  for (const auto& e : client.errors()) UNSCOPED_INFO("client error: " << e);
  CHECK(obs.frames_with_op(2) == kInvalidations + 1);
  CHECK(obs.frames_with_op(6) == 0);  // a session op 9 d=false ended is never resumed
  // Each identify after an op 9 waited the documented 1-5 s.
  std::vector<Clock::time_point> identifies;
  for (const auto& f : obs.frames) {
    if (f.op == 2) identifies.push_back(f.at);
  }
  REQUIRE(identifies.size() == kInvalidations + 1);
  for (int i = 0; i < kInvalidations; ++i) {
    const auto waited = identifies[i + 1] - invalidated[i];
    CHECK(waited > 900ms);
    CHECK(waited < 6s);
  }
  CHECK(client.gateway().phase() == gateway::Phase::kActive);
}
