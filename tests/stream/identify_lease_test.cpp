// stream::IdentifyLease against a real nats-server: compare-and-set under a race, the end of a
// lease by the clock and by the bucket's TTL, and what it says when NATS does not answer.
#include "gwtape/stream/identify_lease.h"

#include <nats/nats.h>
#include <signal.h>

#include <atomic>
#include <catch2/catch_test_macros.hpp>
#include <thread>

#include "gwtape/stream/jetstream.h"
#include "recorder/record_child.h"
#include "stream/nats_servers.h"

using namespace gwtape;
using namespace gwtape::testing;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kBase = 1'800'000'000'000'000'000;  // a wall time for the manual clocks

stream::IdentifyLeaseOptions lease_options(const std::string& url, std::int64_t hold_ns) {
  stream::IdentifyLeaseOptions o;
  o.urls = {url};
  o.bucket = "LEASES";
  o.bot = "42";
  o.hold_ns = hold_ns;
  o.background = false;  // try_take answers from take() itself: exact, on a manual clock
  return o;
}

// Takes until NATS answers (the connection is made in the background).
stream::Result<stream::LeaseAnswer> take_when_up(stream::IdentifyLease& lease, int bucket,
                                                 int shard) {
  auto answer = lease.take(bucket, shard);
  for (int i = 0; i < 100 && !answer.ok() && answer.error().code == stream::Errc::kUnreachable;
       ++i) {
    std::this_thread::sleep_for(50ms);
    answer = lease.take(bucket, shard);
  }
  return answer;
}

// `n` contenders, each with its own connection and clock, take bucket 0 at once; returns how
// many got it.
int race(std::vector<std::shared_ptr<stream::IdentifyLease>>& leases) {
  std::atomic<int> ready{0}, granted{0}, failed{0};
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < leases.size(); ++i) {
    threads.emplace_back([&, i] {
      ++ready;
      while (ready.load() < static_cast<int>(leases.size())) std::this_thread::yield();
      auto answer = leases[i]->take(0, static_cast<int>(i));
      if (!answer.ok()) {
        ++failed;
      } else if (answer->granted) {
        ++granted;
      }
    });
  }
  for (auto& t : threads) t.join();
  REQUIRE(failed.load() == 0);
  return granted.load();
}

}  // namespace

TEST_CASE(
    "identify lease: of contenders racing for a bucket exactly one takes it, and a lease "
    "that ended lets the next one in",
    "[stream][lease]") {
  const auto dir = fresh_dir("lease-race");
  NatsCluster nats(dir / "nats", 1);
  const std::string url = nats.node(0).url();
  constexpr int kContenders = 6;
  // A long hold: the bucket's TTL must not end a lease while the manual clocks decide.
  const std::int64_t hold = 20'000 * kMs;
  std::vector<gateway::ManualClock> clocks(kContenders, gateway::ManualClock(kBase));
  std::vector<std::shared_ptr<stream::IdentifyLease>> leases;
  for (auto& clock : clocks) {
    auto opened = stream::IdentifyLease::open(lease_options(url, hold), clock);
    REQUIRE(opened.ok());
    leases.push_back(std::move(*opened));
  }
  // Every contender's connection up, and the KV bucket made, before the race.
  auto first = take_when_up(*leases[0], 7, 7);
  INFO((first.ok() ? std::string() : first.error().message));
  REQUIRE(first.ok());
  REQUIRE(first->granted);
  for (auto& lease : leases) REQUIRE(take_when_up(*lease, 9, 0).ok());

  // A free key (kvStore_Create): one winner.
  CHECK(race(leases) == 1);
  // Held: everyone else is told until when, by whom.
  auto held = leases[0]->take(0, 99);
  REQUIRE(held.ok());
  CHECK_FALSE(held->granted);
  CHECK(held->until_wall_ns == kBase + hold);
  CHECK(held->holder.find("gwtape-identify until=") == 0);
  auto again = leases[1]->take(0, 99);
  REQUIRE(again.ok());
  CHECK_FALSE(again->granted);
  // The clocks pass the lease's end: the key is still there (TTL not reached), so the next
  // lease is a compare-and-set on its revision (kvStore_Update): again one winner.
  for (auto& clock : clocks) clock.advance(hold);
  CHECK(race(leases) == 1);
  for (auto& clock : clocks) clock.advance(hold - kMs);
  CHECK(race(leases) == 0);  // 1 ms before that one ends
  for (auto& clock : clocks) clock.advance(kMs);
  CHECK(race(leases) == 1);

  // try_take in the limiter's time: now when granted; else the lease's end in that time.
  auto& lease = *leases[2];
  for (auto& clock : clocks) clock.advance(hold);
  CHECK(lease.try_take(3, 3, 500) == 500);
  CHECK(lease.try_take(3, 4, 500) == 500 + hold + kMs);  // just after the end
  clocks[2].advance(hold / 2);
  CHECK(lease.try_take(3, 4, 600) == 600 + hold / 2 + kMs);
  const auto stats = lease.stats();
  CHECK(stats.granted >= 1);
  CHECK(stats.held >= 2);
  CHECK(stats.failures == 0);
}

TEST_CASE("identify lease: the bucket's TTL is the hold, and ends a lease on the real clock",
          "[stream][lease]") {
  const auto dir = fresh_dir("lease-ttl");
  NatsCluster nats(dir / "nats", 1);
  const std::string url = nats.node(0).url();
  gateway::SystemClock clock;
  const std::int64_t hold = 700 * kMs;
  auto a = stream::IdentifyLease::open(lease_options(url, hold), clock);
  auto b = stream::IdentifyLease::open(lease_options(url, hold), clock);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  auto taken = take_when_up(**a, 1, 1);
  INFO((taken.ok() ? std::string() : taken.error().message));
  REQUIRE(taken.ok());
  REQUIRE(taken->granted);
  auto refused = take_when_up(**b, 1, 3);
  REQUIRE(refused.ok());
  REQUIRE_FALSE(refused->granted);
  CHECK(refused->until_wall_ns == taken->until_wall_ns);
  CHECK(refused->holder.find(" shard=1 holder=" + (*a)->holder_id()) != std::string::npos);
  // Asked again when it said: granted then, not before.
  const std::int64_t now = clock.now_ns();
  const std::int64_t at = (*b)->try_take(1, 3, now);
  CHECK(at > now + hold / 2);
  CHECK(at <= now + hold + kMs);
  clock.sleep_until(at);
  CHECK((*b)->try_take(1, 3, at) == at);

  // The KV bucket as made: history 1, max age the hold.
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  jsStreamInfo* si = nullptr;
  REQUIRE(natsConnection_ConnectTo(&nc, url.c_str()) == NATS_OK);
  REQUIRE(natsConnection_JetStream(&js, nc, nullptr) == NATS_OK);
  REQUIRE(js_GetStreamInfo(&si, js, "KV_LEASES", nullptr, nullptr) == NATS_OK);
  CHECK(si->Config->MaxAge == hold);
  CHECK(si->Config->MaxMsgsPerSubject == 1);
  jsStreamInfo_Destroy(si);

  // The server drops the key by itself after the TTL: a lease is then created anew.
  std::this_thread::sleep_for(std::chrono::nanoseconds(hold) + 1s);
  kvStore* kv = nullptr;
  kvEntry* e = nullptr;
  REQUIRE(js_KeyValue(&kv, js, "LEASES") == NATS_OK);
  CHECK(kvStore_Get(&e, kv, stream::identify_key("42", 1).c_str()) == NATS_NOT_FOUND);
  auto fresh = (*a)->take(1, 1);
  REQUIRE(fresh.ok());
  CHECK(fresh->granted);
  // A key gwtape did not write is left alone, and no lease is granted on it.
  REQUIRE(kvStore_PutString(nullptr, kv, stream::identify_key("42", 5).c_str(), "other") ==
          NATS_OK);
  auto foreign = (*a)->take(5, 5);
  REQUIRE_FALSE(foreign.ok());
  CHECK(foreign.error().code == stream::Errc::kBadMessage);
  CHECK((*a)->try_take(5, 5, 1000) > 1000);
  kvStore_Destroy(kv);
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
}

TEST_CASE("identify lease: no server answers -> kUnreachable, and the limiter asks again later",
          "[stream][lease]") {
  gateway::ManualClock clock(kBase);
  auto opts = lease_options("nats://127.0.0.1:" + std::to_string(free_port()), 5'000 * kMs);
  opts.retry_unreachable = 300ms;
  auto lease = stream::IdentifyLease::open(opts, clock);
  REQUIRE(lease.ok());
  auto answer = (*lease)->take(0, 0);
  REQUIRE_FALSE(answer.ok());
  CHECK(answer.error().code == stream::Errc::kUnreachable);
  CHECK(answer.error().message.find("KV bucket LEASES") != std::string::npos);
  CHECK((*lease)->try_take(0, 0, 10) == 10 + 300 * kMs);
  CHECK((*lease)->stats().failures == 2);

  opts.bucket = "no.dots";
  auto bad = stream::IdentifyLease::open(opts, clock);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == stream::Errc::kInvalidArgument);
  opts.bucket = "LEASES";
  opts.hold_ns = 99 * kMs;  // JetStream's least max age is 100 ms
  auto short_hold = stream::IdentifyLease::open(opts, clock);
  REQUIRE_FALSE(short_hold.ok());
  CHECK(short_hold.error().code == stream::Errc::kInvalidArgument);
}

TEST_CASE("identify lease: a value reads back its end; what gwtape did not write is refused",
          "[stream][lease]") {
  const std::string v = stream::lease_value(kBase + 5 * kMs, 3, "f00d");
  CHECK(v == "gwtape-identify until=" + std::to_string(kBase + 5 * kMs) + " shard=3 holder=f00d");
  CHECK(stream::lease_until(v) == kBase + 5 * kMs);
  CHECK(stream::lease_until("gwtape-identify until=17") == 17);  // the rest is optional
  for (const char* bad :
       {"", "gwtape-identify until=", "gwtape-identify until=0", "gwtape-identify until=-5 shard=1",
        "gwtape-identify until=12x", "gwtape-identify until=99999999999999999999",
        "identify until=5", " gwtape-identify until=5"}) {
    INFO(bad);
    CHECK_FALSE(stream::lease_until(bad).has_value());
  }
}

TEST_CASE("identify lease in the background: try_take never waits on NATS, frozen or not",
          "[stream][lease]") {
  const auto dir = fresh_dir("lease-background");
  NatsCluster nats(dir / "nats", 1);
  gateway::SystemClock clock;
  auto opts = lease_options(nats.node(0).url(), 700 * kMs);
  opts.background = true;
  opts.op_timeout = 2s;
  auto lease = stream::IdentifyLease::open(opts, clock);
  REQUIRE(lease.ok());
  // Asks until granted or `limit` passes; the slowest try_take call, and whether granted.
  struct Asked {
    bool granted = false;
    std::chrono::steady_clock::duration slowest{};
    int calls = 0;
  };
  auto ask = [&](int bucket, std::chrono::milliseconds limit) {
    Asked a;
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!a.granted && std::chrono::steady_clock::now() < end) {
      const auto t0 = std::chrono::steady_clock::now();
      const std::int64_t now = clock.now_ns();
      const std::int64_t at = (*lease)->try_take(bucket, bucket, now);
      a.slowest = std::max(a.slowest, std::chrono::steady_clock::now() - t0);
      ++a.calls;
      a.granted = at == now;
      if (!a.granted)
        std::this_thread::sleep_for(std::min<std::int64_t>(at - now, 20'000'000) * 1ns);
    }
    return a;
  };
  const auto up = ask(1, 10s);
  REQUIRE(up.granted);
  CHECK(up.calls >= 2);  // the first call only asked
  // The server frozen (SIGSTOP: connected, never answering): each KV request waits its 2 s
  // on the lease's thread, none on the caller's.
  nats.node(0).freeze(true);
  const auto frozen = ask(2, 5s);
  nats.node(0).freeze(false);
  CHECK_FALSE(frozen.granted);
  CHECK(frozen.calls > 20);
  CHECK(frozen.slowest < 1s);
  CHECK((*lease)->stats().failures >= 1);
  // Thawed: granted again.
  const auto thawed = ask(2, 15s);
  CHECK(thawed.granted);
  CHECK(thawed.slowest < 1s);
}

TEST_CASE("identify lease: an R3 bucket keeps a lease through the loss of a node",
          "[stream][lease]") {
  const auto dir = fresh_dir("lease-r3");
  NatsCluster nats(dir / "nats", 3);
  gateway::SystemClock clock;
  auto opts = lease_options("", 20'000 * kMs);  // outlives the election below
  opts.urls = *stream::parse_urls(nats.urls());
  opts.replicas = 3;
  auto a = stream::IdentifyLease::open(opts, clock);
  auto b = stream::IdentifyLease::open(opts, clock);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  auto taken = take_when_up(**a, 2, 2);
  INFO((taken.ok() ? std::string() : taken.error().message));
  REQUIRE(taken.ok());
  REQUIRE(taken->granted);
  // Made with three replicas.
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  jsStreamInfo* si = nullptr;
  REQUIRE(natsConnection_ConnectTo(&nc, nats.node(1).url().c_str()) == NATS_OK);
  REQUIRE(natsConnection_JetStream(&js, nc, nullptr) == NATS_OK);
  REQUIRE(js_GetStreamInfo(&si, js, "KV_LEASES", nullptr, nullptr) == NATS_OK);
  CHECK(si->Config->Replicas == 3);
  jsStreamInfo_Destroy(si);
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  // A node SIGKILLed (perhaps the bucket's leader): the two left still hold the lease, and
  // nobody else gets the bucket.
  nats.node(0).kill(SIGKILL);
  auto after = take_when_up(**b, 2, 6);
  INFO((after.ok() ? std::string() : after.error().message));
  REQUIRE(after.ok());
  CHECK_FALSE(after->granted);
  CHECK(after->until_wall_ns == taken->until_wall_ns);
  CHECK(after->holder.find("holder=" + (*a)->holder_id()) != std::string::npos);
}
