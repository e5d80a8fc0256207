// Two `gwtape record` processes splitting the shards of one bot (0-1 and 2-3 of 4) against the
// loopback gateway, which holds Discord's identify buckets (max_concurrency 2, 5 s apart):
// with --nats-identify they share the buckets through a JetStream KV bucket and no identify
// comes too soon; without it each paces only its own shards, and the server refuses some.
#include <signal.h>

#include <catch2/catch_test_macros.hpp>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "gwtape/server/loopback_gateway.h"
#include "recorder/record_child.h"
#include "stream/nats_servers.h"
#include "stream/stream_test_util.h"

using namespace gwtape;
using namespace gwtape::testing;
using namespace std::chrono_literals;

namespace {

constexpr auto kSpacing = 5000ms;  // Discord's, the server's and the limiter's

std::unique_ptr<server::LoopbackGateway> bucketed_gateway() {
  server::LoopbackOptions o;
  o.token = kStreamToken;
  o.max_concurrency = 2;
  o.identify_interval = kSpacing;
  o.recommended_shards = 4;
  auto s = server::LoopbackGateway::start(o);
  REQUIRE(s.ok());
  return std::move(*s);
}

std::string describe(const std::vector<server::IdentifyRecord>& log) {
  std::ostringstream out;
  const auto t0 = log.empty() ? std::chrono::steady_clock::time_point{} : log.front().at;
  for (const auto& r : log) {
    out << "  +" << std::chrono::duration_cast<std::chrono::milliseconds>(r.at - t0).count()
        << " ms shard " << r.shard_id.value_or(-1) << " bucket " << r.bucket
        << (r.accepted ? " READY" : " op 9") << "\n";
  }
  return out.str();
}

// Identifies of one bucket closer than the spacing (accepted or not): what Discord forbids.
int too_close(const std::vector<server::IdentifyRecord>& log) {
  std::map<std::int64_t, std::chrono::steady_clock::time_point> last;
  int n = 0;
  for (const auto& r : log) {
    auto it = last.find(r.bucket);
    if (it != last.end() && r.at - it->second < kSpacing) ++n;
    last[r.bucket] = r.at;
  }
  return n;
}

struct FleetRun {
  std::vector<server::IdentifyRecord> log;
  std::chrono::milliseconds took{0};
};

// Both processes at once, until the server saw `until_identifies` identifies (or 25 s).
FleetRun run_fleet(const std::filesystem::path& dir, const std::string& nats_url, bool shared,
                   std::size_t until_identifies) {
  auto srv = bucketed_gateway();
  const std::string api = "http://127.0.0.1:" + std::to_string(srv->port()) + "/api/v10";
  auto args = [&](const std::string& shards, const std::string& name) {
    std::vector<std::string> a{"record",
                               "--out",
                               (dir / (name + ".gwtape")).string(),
                               "--api",
                               api,
                               "--shard",
                               shards,
                               "--compress",
                               "none",
                               "--nats",
                               nats_url,
                               "--nats-stream",
                               shared ? "SHARED" : "APART"};
    if (shared) a.push_back("--nats-identify");
    return a;
  };
  std::filesystem::create_directories(dir / "a");
  std::filesystem::create_directories(dir / "b");
  const auto start = std::chrono::steady_clock::now();
  Child a(args("0-1/4", "a"), kStreamToken, dir / "a");
  Child b(args("2-3/4", "b"), kStreamToken, dir / "b");
  const bool seen = srv->wait_for(
      [&](const server::Observations& o) { return o.identify_log.size() >= until_identifies; },
      25s);
  FleetRun run;
  run.took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  a.signal(SIGTERM);
  b.signal(SIGTERM);
  const int code_a = a.wait(20s), code_b = b.wait(20s);
  run.log = srv->observations().identify_log;
  INFO(describe(run.log));
  INFO("a: " << a.err());
  INFO("b: " << b.err());
  REQUIRE(seen);
  CHECK(code_a == 0);
  CHECK(code_b == 0);
  return run;
}

}  // namespace

TEST_CASE("record --nats-identify: two processes share the identify buckets through NATS",
          "[stream][cli][lease]") {
  const auto dir = fresh_dir("identify-fleet");
  NatsCluster nats(dir / "nats", 1);

  // Shared: the four shards identify in two rounds, a bucket's two at least 5 s apart, and the
  // server never has to refuse one.
  const auto shared = run_fleet(dir / "shared", nats.urls(), true, 4);
  INFO("shared:\n" << describe(shared.log));
  REQUIRE(shared.log.size() == 4);
  CHECK(too_close(shared.log) == 0);
  int accepted = 0;
  std::map<std::int64_t, int> per_bucket;
  std::set<std::int64_t> shards;
  for (const auto& r : shared.log) {
    accepted += r.accepted ? 1 : 0;
    ++per_bucket[r.bucket];
    shards.insert(r.shard_id.value_or(-1));
  }
  CHECK(accepted == 4);
  CHECK(per_bucket == std::map<std::int64_t, int>{{0, 2}, {1, 2}});
  CHECK(shards == std::set<std::int64_t>{0, 1, 2, 3});
  // At most max_concurrency identifies in any 5 s window, whichever process sent them.
  for (std::size_t i = 0; i < shared.log.size(); ++i) {
    int in_window = 0;
    for (const auto& r : shared.log) {
      if (r.at >= shared.log[i].at && r.at - shared.log[i].at < kSpacing) ++in_window;
    }
    CHECK(in_window <= 2);
  }

  // Apart (the same run without --nats-identify): both processes identify their bucket-0 and
  // bucket-1 shards at once, and the server refuses the second of each.
  const auto apart = run_fleet(dir / "apart", nats.urls(), false, 4);
  INFO("apart:\n" << describe(apart.log));
  CHECK(too_close(apart.log) >= 1);
  std::size_t refused = 0;
  for (const auto& r : apart.log) refused += r.accepted ? 0 : 1;
  CHECK(refused >= 1);
  WARN("shared run " << shared.took.count() << " ms, apart run " << apart.took.count() << " ms");
}

TEST_CASE("record: --shard I-J/N and --nats-identify are checked", "[stream][cli]") {
  const auto dir = fresh_dir("identify-flags");
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const std::vector<Case> cases = {
      {{"--shard", "2-1/4"}, "I-J/N"},
      {{"--shard", "0-4/4"}, "I-J/N"},
      {{"--shard", "0-/4"}, "I-J/N"},
      {{"--shard", "-1/4"}, "I-J/N"},
      {{"--shard", "0-1-2/4"}, "I-J/N"},
      {{"--shard", "0-1999/2000"}, "at most 1024"},
      {{"--nats-identify"}, "need --nats"},
      {{"--nats", "nats://127.0.0.1:1", "--nats-identify-bucket", "B"}, "needs --nats-identify"},
      {{"--nats", "nats://127.0.0.1:1", "--nats-identify", "--nats-identify-bucket", "a.b"},
       "--nats-identify-bucket takes"},
      {{"--nats", "nats://127.0.0.1:1", "--nats-identify=yes"}, "takes no value"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args{"record", "--out", (dir / "x.gwtape").string(), "--gateway",
                                  "ws://127.0.0.1:1"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    std::string err;
    INFO(c.args.front() << " " << c.args.back());
    CHECK(run_gwtape(args, dir, "run", nullptr, &err) == 2);
    CHECK(err.find(c.says) != std::string::npos);
  }
}

TEST_CASE(
    "record --nats-identify: NATS frozen when a shard must identify again; it beats and waits",
    "[stream][cli][lease]") {
  const auto dir = fresh_dir("identify-outage");
  NatsCluster nats(dir / "nats", 1);
  auto srv = start_gateway();  // heartbeats every 400 ms
  Child rec({"record", "--out", (dir / "rec.gwtape").string(), "--gateway", srv->url(),
             "--compress", "none", "--nats", nats.urls(), "--nats-identify"},
            kStreamToken, dir);
  REQUIRE(srv->wait_for_identifies(1, 20s));
  int n = 0;
  burst(*srv, n, 20);
  REQUIRE(settled(*srv, 10s));

  // NATS stops answering, and the session ends: the shard must identify anew, and may not
  // until the lease is known to be its own.
  nats.node(0).freeze(true);
  REQUIRE(srv->invalidate_session(false).ok());
  std::this_thread::sleep_for(8s);
  const auto frozen = srv->observations();
  // The gateway's thread goes on meanwhile: the new connection heartbeats at its interval.
  const auto since = std::chrono::steady_clock::now() - 3s;
  int beats = 0;
  for (const auto& f : frozen.frames) {
    if (f.op == 1 && f.connection == 2 && f.at >= since) ++beats;
  }
  nats.node(0).freeze(false);
  INFO(rec.err());
  CHECK(frozen.identifies == 1);
  CHECK(frozen.connections.size() == 2);
  CHECK(beats >= 5);  // 7 or 8 at 400 ms

  // NATS back: the identify goes, the recording goes on, and every frame reaches the stream.
  REQUIRE(srv->wait_for_identifies(2, 20s));
  burst(*srv, n, 20);
  REQUIRE(settled(*srv, 10s));
  rec.signal(SIGTERM);
  CHECK(rec.wait(40s) == 0);
  CHECK(rec.err().find("identifies wait for it") != std::string::npos);
  const auto imported = dir / "imported.gwtape";
  REQUIRE(run_gwtape({"import", nats.urls(), "--out", imported.string()}, dir, "import") == 0);
  CHECK(require_same_frames(dir / "rec.gwtape", imported) > 40);
}
