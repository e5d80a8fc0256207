// What goes wrong around NATS: servers that do not answer (the recording goes on, the spool
// holds the frames and delivers them in order once a server comes), a spool that fills, a
// filter that matches nothing, bad flags.
#include <signal.h>

#include <catch2/catch_test_macros.hpp>
#include <thread>

#include "recorder/record_child.h"
#include "stream/nats_servers.h"
#include "stream/stream_test_util.h"

using namespace gwtape;
using namespace gwtape::testing;
using namespace std::chrono_literals;

TEST_CASE("record --nats: no server yet; the spool holds the frames until one answers",
          "[stream][cli]") {
  const auto dir = fresh_dir("nats-late");
  const int port = free_port();
  const std::string url = "nats://127.0.0.1:" + std::to_string(port);
  auto srv = start_gateway();
  const auto log = dir / "live.gwtape";
  Child rec({"record", "--out", log.string(), "--gateway", srv->url(), "--nats", url}, kStreamToken,
            dir);
  REQUIRE(srv->wait_until_identified(10s));
  int n = 0;
  burst(*srv, n, 25);
  REQUIRE(settled(*srv, 10s));
  std::this_thread::sleep_for(1s);
  CHECK(rec.running());
  // Said clearly, with the server it tried.
  CHECK(rec.err().find("NATS") != std::string::npos);
  CHECK(rec.err().find(std::to_string(port)) != std::string::npos);
  NatsServer late("late", dir / "nats", port);
  late.start();
  burst(*srv, n, 25);
  REQUIRE(settled(*srv, 10s));
  rec.signal(SIGINT);
  const int rec_code = rec.wait(40s);
  INFO(rec.err());
  REQUIRE(rec_code == 0);
  const auto imported = dir / "imported.gwtape";
  REQUIRE(run_gwtape({"import", url, "--out", imported.string()}, dir, "import") == 0);
  CHECK(require_same_frames(log, imported) > 50);
}

TEST_CASE("record --out --nats: past the spool's bound the log is the spool, nothing lost",
          "[stream][cli]") {
  const auto dir = fresh_dir("nats-spill");
  const int port = free_port();
  const std::string url = "nats://127.0.0.1:" + std::to_string(port);
  auto srv = start_gateway();
  const auto log = dir / "live.gwtape";
  // An 8 KiB spool and no server: what does not fit is read back from the log later, across a
  // resume and a lost connection (their ends are messages of the stream too).
  Child rec({"record", "--out", log.string(), "--gateway", srv->url(), "--nats", url,
             "--nats-spool-bytes", "8192"},
            kStreamToken, dir);
  REQUIRE(srv->wait_until_identified(10s));
  int n = 0;
  burst(*srv, n, 40);
  REQUIRE(srv->request_reconnect().ok());
  burst(*srv, n, 40);
  REQUIRE(srv->wait_for_resumes(1, 10s));
  REQUIRE(srv->drop().ok());
  burst(*srv, n, 40);
  REQUIRE(srv->wait_for_resumes(2, 10s));
  REQUIRE(settled(*srv, 10s));
  CHECK(rec.running());
  NatsServer late("late", dir / "nats", port);
  late.start();
  burst(*srv, n, 20);
  REQUIRE(settled(*srv, 10s));
  rec.signal(SIGINT);
  const int rec_code = rec.wait(40s);
  INFO(rec.err());
  REQUIRE(rec_code == 0);
  CHECK(rec.err().find("read back from") != std::string::npos);
  const auto imported = dir / "imported.gwtape";
  REQUIRE(run_gwtape({"import", url, "--out", imported.string()}, dir, "import") == 0);
  CHECK(require_same_frames(log, imported) > 140);
  auto reader = store::LogReader::open(imported.string());
  REQUIRE(reader.ok());
  auto ends = (*reader)->connection_ends(std::nullopt);
  REQUIRE(ends.ok());
  CHECK(ends->size() >= 2);  // the reconnect and the drop, read back from the log
  reader->reset();
  CHECK(replay_summary(imported, dir, "replay").matches_live);
}

TEST_CASE("record --nats without --out: a full spool stops the recording with an error",
          "[stream][cli]") {
  const auto dir = fresh_dir("nats-spool-full");
  const std::string url = "nats://127.0.0.1:" + std::to_string(free_port());
  auto srv = start_gateway();
  Child rec({"record", "--gateway", srv->url(), "--nats", url, "--nats-spool-bytes", "8192"},
            kStreamToken, dir);
  REQUIRE(srv->wait_until_identified(10s));
  int n = 0;
  for (int i = 0; i < 40 && rec.running(); ++i) {
    (void)srv->dispatch("MESSAGE_CREATE", message_json(++n));
    std::this_thread::sleep_for(20ms);
  }
  // Never a silent drop: the recording stops, saying what filled and what was not published.
  // (The publisher's close waits for the servers before giving up on what is spooled.)
  const int code = rec.wait(45s);
  INFO(rec.err());
  CHECK(code == 1);
  CHECK(rec.err().find("spool is full") != std::string::npos);
  CHECK(rec.err().find("not published") != std::string::npos);
}

TEST_CASE("import nats://: no server, a filter that matches nothing, bad flags", "[stream][cli]") {
  const auto dir = fresh_dir("nats-import-bad");
  std::string err;
  const std::string nobody = "nats://127.0.0.1:" + std::to_string(free_port());
  const auto t0 = std::chrono::steady_clock::now();
  CHECK(run_gwtape({"import", nobody, "--out", (dir / "x.gwtape").string()}, dir, "nobody", nullptr,
                   &err) == 1);
  CHECK(std::chrono::steady_clock::now() - t0 < 20s);
  CHECK(err.find(nobody) != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "x.gwtape"));

  NatsCluster nats(dir / "nats", 1);
  auto srv = start_gateway();
  Child rec({"record", "--gateway", srv->url(), "--nats", nats.urls()}, kStreamToken, dir);
  REQUIRE(srv->wait_until_identified(10s));
  int n = 0;
  burst(*srv, n, 5);
  REQUIRE(settled(*srv, 10s));
  rec.signal(SIGINT);
  REQUIRE(rec.wait(40s) == 0);

  CHECK(run_gwtape({"import", nats.urls(), "--subject", "GWTAPE.nobody.>", "--out",
                    (dir / "y.gwtape").string()},
                   dir, "nomatch", nullptr, &err) == 1);
  CHECK(err.find("matches") != std::string::npos);
  CHECK(err.find("GWTAPE.nobody.>") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "y.gwtape"));
  CHECK(
      run_gwtape({"import", nats.urls(), "--stream", "OTHER", "--out", (dir / "z.gwtape").string()},
                 dir, "nostream", nullptr, &err) == 1);
  CHECK(err.find("no stream OTHER") != std::string::npos);

  // replay nats:// reads the same way, and says so the same way.
  CHECK(run_gwtape({"replay", nats.urls(), "--subject", "GWTAPE.nobody.>"}, dir, "replay-nomatch",
                   nullptr, &err) == 1);
  CHECK(err.find("GWTAPE.nobody.>") != std::string::npos);
  CHECK(run_gwtape({"replay", nats.urls(), "--stream", "OTHER"}, dir, "replay-nostream", nullptr,
                   &err) == 1);
  CHECK(err.find("no stream OTHER") != std::string::npos);
  CHECK(run_gwtape({"replay", (dir / "y.gwtape").string(), "--stream", "GWTAPE"}, dir,
                   "replay-stream-flag", nullptr, &err) == 2);
  CHECK(err.find("nats://") != std::string::npos);
  CHECK(run_gwtape({"import", nats.urls(), "--subject", "ELSEWHERE.>", "--out",
                    (dir / "w.gwtape").string()},
                   dir, "outside", nullptr, &err) == 2);
  CHECK(run_gwtape(
            {"import", nats.urls(), "--since", "yesterday", "--out", (dir / "w.gwtape").string()},
            dir, "since", nullptr, &err) == 2);
  CHECK(err.find("--since") != std::string::npos);
  CHECK(run_gwtape({"record", "--out", (dir / "r.gwtape").string(), "--nats-stream", "S"}, dir,
                   "record-flags", nullptr, &err) == 2);
  CHECK(err.find("--nats") != std::string::npos);
  CHECK(run_gwtape({"record", "--nats", "http://127.0.0.1:1"}, dir, "record-url", nullptr, &err) ==
        2);
  CHECK(err.find("nats://") != std::string::npos);
  CHECK(run_gwtape({"record", "--nats", nats.urls(), "--nats-replicas", "9"}, dir,
                   "record-replicas", nullptr, &err) == 2);
}
