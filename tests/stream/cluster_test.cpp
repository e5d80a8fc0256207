// `record --nats` against a 3-node JetStream cluster on loopback with an R3 stream: a node
// killed mid-recording, then the whole cluster stopped for 20 s and restarted; the import has
// every frame the log has, once.
#include <signal.h>

#include <catch2/catch_test_macros.hpp>
#include <thread>

#include "recorder/record_child.h"
#include "stream/nats_servers.h"
#include "stream/stream_test_util.h"

using namespace gwtape;
using namespace gwtape::testing;
using namespace std::chrono_literals;

TEST_CASE("record --nats, R3: a node SIGKILLed mid-recording loses nothing", "[stream][cluster]") {
  const auto dir = fresh_dir("nats-r3-kill");
  NatsCluster nats(dir / "nats", 3);
  auto srv = start_gateway();
  const auto log = dir / "live.gwtape";
  Child rec({"record", "--out", log.string(), "--gateway", srv->url(), "--nats", nats.urls(),
             "--nats-replicas", "3"},
            kStreamToken, dir);
  REQUIRE(srv->wait_until_identified(10s));
  int n = 0;
  burst(*srv, n, 30);
  REQUIRE(settled(*srv, 10s));
  // The R3 stream exists (on all three nodes) and takes messages: now one node dies.
  REQUIRE(wait_for_messages(nats.urls(), "GWTAPE", 30, 20s));
  nats.node(0).kill(SIGKILL);
  burst(*srv, n, 30);
  REQUIRE(srv->request_reconnect().ok());
  REQUIRE(srv->wait_for_resumes(1, 10s));
  burst(*srv, n, 30);
  REQUIRE(settled(*srv, 10s));
  CHECK(rec.running());  // the session went on
  rec.signal(SIGINT);
  const int rec_code = rec.wait(40s);
  INFO(rec.err());
  REQUIRE(rec_code == 0);

  // The two survivors serve reads once they agree on a meta leader again: usually within a
  // few seconds, once in about ten runs past import's own 15 s of retries.
  REQUIRE(wait_for_messages(nats.urls({1, 2}), "GWTAPE", 90, 30s));
  const auto imported = dir / "imported.gwtape";
  std::string err;
  const int code = run_gwtape({"import", nats.urls({1, 2}), "--out", imported.string()}, dir,
                              "import", nullptr, &err);
  INFO(err);
  REQUIRE(code == 0);
  CHECK(require_same_frames(log, imported) > 90);
  CHECK(replay_summary(imported, dir, "replay").matches_live);
}

TEST_CASE(
    "record --nats, R3: the whole cluster stopped 20 s and restarted, nothing lost or doubled",
    "[stream][cluster]") {
  const auto dir = fresh_dir("nats-r3-outage");
  NatsCluster nats(dir / "nats", 3);
  auto srv = start_gateway();
  const auto log = dir / "live.gwtape";
  Child rec({"record", "--out", log.string(), "--gateway", srv->url(), "--nats", nats.urls(),
             "--nats-replicas", "3"},
            kStreamToken, dir);
  REQUIRE(srv->wait_until_identified(10s));
  int n = 0;
  burst(*srv, n, 20);
  REQUIRE(settled(*srv, 10s));
  REQUIRE(wait_for_messages(nats.urls(), "GWTAPE", 20, 20s));
  for (int i = 0; i < 3; ++i) nats.node(i).kill(SIGTERM);
  // The gateway goes on while no server answers, for the 20 s: heartbeats (the loopback
  // server's interval is short) and dispatches keep flowing, into the log and the spool.
  const auto stopped = std::chrono::steady_clock::now();
  const auto heartbeats_before = srv->observations().heartbeats.size();
  while (std::chrono::steady_clock::now() - stopped < 20s) {
    burst(*srv, n, 5);
    std::this_thread::sleep_for(1s);
  }
  REQUIRE(settled(*srv, 10s));
  CHECK(rec.running());
  CHECK(srv->observations().heartbeats.size() > heartbeats_before + 20);  // 400 ms apart
  for (int i = 0; i < 3; ++i) nats.node(i).start();
  burst(*srv, n, 20);
  REQUIRE(settled(*srv, 10s));
  rec.signal(SIGINT);
  const int rec_code = rec.wait(45s);
  INFO(rec.err());
  REQUIRE(rec_code == 0);
  CHECK(rec.err().find("wait in the spool") != std::string::npos);

  const auto imported = dir / "imported.gwtape";
  std::string err;
  const int code =
      run_gwtape({"import", nats.urls(), "--out", imported.string()}, dir, "import", nullptr, &err);
  INFO(err);
  REQUIRE(code == 0);
  CHECK(require_same_frames(log, imported) > 80);
  CHECK(replay_summary(imported, dir, "replay").matches_live);
}
