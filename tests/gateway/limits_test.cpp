#include "gwtape/gateway/limits.h"

#include <catch2/catch_test_macros.hpp>
#include <memory>
#include <utility>
#include <vector>

using namespace gwtape::gateway;

namespace {
constexpr std::int64_t kSec = 1'000'000'000;
}

TEST_CASE("120 sends per 60 s, with room kept for heartbeats", "[gateway][limits]") {
  SendLimiter limiter(3);
  for (int i = 0; i < 117; ++i) {
    REQUIRE(limiter.next_slot(i * 10'000'000LL, false) == i * 10'000'000LL);
    limiter.record(i * 10'000'000LL);
  }
  const std::int64_t t = 2 * kSec;
  // User commands have used their 117; heartbeats still have 3.
  CHECK(limiter.next_slot(t, false) == 0 + SendLimiter::kWindowNs);
  CHECK(limiter.next_slot(t, true) == t);
  for (int i = 0; i < 3; ++i) limiter.record(t);
  CHECK(limiter.next_slot(t, true) == SendLimiter::kWindowNs);
  // A minute after the first send its slot is free again, but 119 sends remain in the window
  // (116 commands and the 3 heartbeats): a command waits until two more leave it.
  CHECK(limiter.next_slot(SendLimiter::kWindowNs, false) == SendLimiter::kWindowNs + 30'000'000);
  CHECK(limiter.next_slot(SendLimiter::kWindowNs, true) == SendLimiter::kWindowNs);
}

TEST_CASE("identifies are 5 s apart per bucket and the daily limit holds", "[gateway][limits]") {
  IdentifyLimiter limiter(2, IdentifyLimiter::SessionStartLimit{10, 5, 3600 * kSec});
  CHECK(limiter.acquire(0, 0) == 0);
  CHECK(limiter.acquire(1, 0) == 0);         // another bucket: same time
  CHECK(limiter.acquire(2, 0) == 5 * kSec);  // bucket 0 again
  CHECK(limiter.acquire(4, kSec) == 10 * kSec);
  CHECK(limiter.acquire(3, 20 * kSec) == 20 * kSec);
  // Slots taken are not session starts: only identifies sent are.
  CHECK(limiter.remaining_today() == 5);
  for (int i = 0; i < 5; ++i) limiter.spend(20 * kSec);
  CHECK(limiter.remaining_today() == 0);
  // None left: the next identify waits for the reset instead of being refused (or sent).
  CHECK(limiter.acquire(0, 30 * kSec) == 3600 * kSec);
  // At the reset the day's total is back, and the next reset is a day later.
  limiter.spend(3600 * kSec);
  CHECK(limiter.remaining_today() == 9);
  for (int i = 0; i < 9; ++i) limiter.spend(3601 * kSec);
  CHECK(limiter.acquire(1, 3700 * kSec) == 3600 * kSec + IdentifyLimiter::kDayNs);
}

TEST_CASE("the send reserve covers every heartbeat of a window", "[gateway][limits]") {
  CHECK(SendLimiter::reserve_for_interval(41'250 * 1'000'000LL) == 3);  // 2 beats + 1
  CHECK(SendLimiter::reserve_for_interval(2'000'000'000) == 31);
  CHECK(SendLimiter::reserve_for_interval(1'000'000'000) == 60);  // capped at half the limit
  CHECK(SendLimiter::reserve_for_interval(100'000'000) == 60);
  CHECK(SendLimiter::reserve_for_interval(0) == 3);
}

TEST_CASE("shards started together identify in bucket order", "[gateway][limits]") {
  IdentifyLimiter limiter(2);
  limiter.start_in_order({3, 1, 2, 0, 5}, 0);
  // Their threads reach the limiter in any order: one whose turn it is not yet is told to ask
  // again, without taking a slot.
  CHECK(limiter.turn(3, 10) == 10 + IdentifyLimiter::kTurnPollNs);
  CHECK(limiter.turn(2, 10) > 10);
  CHECK(limiter.turn(5, 10) > 10);
  CHECK(limiter.turn(4, 10) == 10);  // not one of the shards started together
  CHECK(limiter.turn(1, 20) == 20);
  CHECK(limiter.acquire(1, 20) == 20);
  CHECK(limiter.turn(3, 30) == 30);  // 1 has taken its slot: 3 is next in bucket 1
  CHECK(limiter.acquire(3, 30) == 20 + 5 * kSec);
  CHECK(limiter.turn(5, 40) == 40);
  CHECK(limiter.turn(0, 40) == 40);
  CHECK(limiter.acquire(0, 40) == 40);
  CHECK(limiter.turn(2, 50) == 50);
  CHECK(limiter.acquire(2, 50) == 40 + 5 * kSec);
  // Later identifies (reconnects) take the bucket's next free slot, with no turns left.
  CHECK(limiter.turn(0, kSec) == kSec);
  CHECK(limiter.acquire(0, kSec) == 40 + 10 * kSec);
}

TEST_CASE("a shard that never comes holds its bucket up for a bounded time", "[gateway][limits]") {
  IdentifyLimiter limiter(1);
  limiter.start_in_order({0, 1}, 0);
  CHECK(limiter.turn(1, kSec) == kSec + IdentifyLimiter::kTurnPollNs);
  const std::int64_t late = IdentifyLimiter::kTurnTimeoutNs;
  CHECK(limiter.turn(1, late - 1) == late);  // never asked to wait past the timeout
  CHECK(limiter.turn(1, late) == late);
  CHECK(limiter.acquire(1, late) == late);
  CHECK(limiter.turn(0, late) == late);  // the order is gone once dropped
}

TEST_CASE("the identify spacing can be set for a server that allows less", "[gateway][limits]") {
  IdentifyLimiter limiter(1, std::nullopt, 200'000'000);
  CHECK(limiter.acquire(0, 0) == 0);
  CHECK(limiter.acquire(0, 0) == 200'000'000);
  CHECK(limiter.acquire(0, kSec) == kSec);
}

namespace {

// A fleet-wide gate that says yes or "ask again at" as told, and keeps what it was asked.
class ScriptedCoordinator final : public IdentifyCoordinator {
 public:
  std::int64_t try_take(int bucket, int shard_id, std::int64_t now_ns) override {
    asked.push_back({bucket, shard_id});
    return held_until > now_ns ? held_until : now_ns;
  }
  std::int64_t held_until = 0;
  std::vector<std::pair<int, int>> asked;  // (bucket, shard)
};

}  // namespace

TEST_CASE("a coordinator gates identifies once the local rules let them go", "[gateway][limits]") {
  IdentifyLimiter limiter(2);
  auto fleet = std::make_shared<ScriptedCoordinator>();
  limiter.set_coordinator(fleet);
  // Another process holds bucket 1 until 3 s: shard 3 is told to ask again then, and no local
  // slot is taken meanwhile.
  fleet->held_until = 3 * kSec;
  CHECK(limiter.turn(3, kSec) == 3 * kSec);
  CHECK(fleet->asked == std::vector<std::pair<int, int>>{{1, 3}});
  fleet->held_until = 0;
  CHECK(limiter.turn(3, 3 * kSec) == 3 * kSec);
  CHECK(limiter.acquire(3, 3 * kSec) == 3 * kSec);  // the lease's slot is the local one
  // The local spacing comes first: shard 1 (bucket 1) waits for it without asking the fleet.
  fleet->asked.clear();
  CHECK(limiter.turn(1, 4 * kSec) == 8 * kSec);
  CHECK(fleet->asked.empty());
  CHECK(limiter.turn(1, 8 * kSec) == 8 * kSec);
  CHECK(fleet->asked == std::vector<std::pair<int, int>>{{1, 1}});
  CHECK(limiter.acquire(1, 8 * kSec) == 8 * kSec);
  // So does a shard's turn among those started together.
  limiter.start_in_order({0, 2}, 9 * kSec);
  fleet->asked.clear();
  CHECK(limiter.turn(2, 9 * kSec) == 9 * kSec + IdentifyLimiter::kTurnPollNs);
  CHECK(fleet->asked.empty());
  // Without a coordinator, the limiter is what it was.
  limiter.set_coordinator(nullptr);
  fleet->held_until = 100 * kSec;
  CHECK(limiter.turn(0, 9 * kSec) == 9 * kSec);
  CHECK(limiter.acquire(0, 9 * kSec) == 9 * kSec);
}
