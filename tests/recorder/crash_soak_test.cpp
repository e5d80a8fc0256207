// The crash soak: `gwtape record --durability full` against the loopback gateway, SIGKILLed at
// a random moment (before the log exists, while it is created, during identify, in a flood of
// dispatches), over zlib-stream and zstd-stream. After every kill the log (when there is one)
// opens, verifies (in process and `gwtape verify`), replays (`gwtape replay --summary`), and
// holds what the recorder had committed: its received frames are a byte-exact prefix of what
// the server sent on the connection, and every message the server received from it is there
// too (the recorder appends a sent frame before sending it, and under --durability full an
// append returns once the frame is on disk), so nothing the client acknowledged is missing.
//
// Bounded by GWTAPE_SOAK_KILLS (default 16) and GWTAPE_SOAK_SECONDS (default 60; at least 8
// kills run whatever they take);
// GWTAPE_SOAK_SEED (default 14) picks the moments. scripts/soak runs the long version.
#include <signal.h>

#include <catch2/catch_test_macros.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <thread>

#include "gwtape/server/loopback_gateway.h"
#include "gwtape/store/verify.h"
#include "record_child.h"

using namespace gwtape;
using namespace gwtape::testing;

namespace {

constexpr const char* kToken = "record.TEST-token.crash-soak";

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

struct KillResult {
  bool log_exists = false;
  bool recording = false;          // this run's recording row is in the log
  std::size_t recv = 0, sent = 0;  // frames of the log
  std::int64_t last_ack = -1;      // the last heartbeat's d the server saw
};

// One run: record, kill after `delay`, check the log. Appends to `log` when it exists.
KillResult kill_once(const std::filesystem::path& dir, const std::filesystem::path& log,
                     const char* compress, std::chrono::milliseconds delay, std::mt19937_64& rng) {
  server::LoopbackOptions o;
  o.token = kToken;
  o.heartbeat_interval = 250ms;
  o.keep_sent = true;
  auto started = server::LoopbackGateway::start(o);
  REQUIRE(started.ok());
  auto& srv = **started;
  const std::size_t recordings_before =
      std::filesystem::exists(log) ? store::verify(log.string())->recordings : 0;
  Child child({"record", "--out", log.string(), "--gateway", srv.url(), "--compress", compress,
               "--durability", "full"},
              kToken, dir);
  const auto kill_at = std::chrono::steady_clock::now() + delay;
  int next_id = 1;
  while (std::chrono::steady_clock::now() < kill_at) {
    if (srv.identifies() > 0) {
      // A burst of dispatches of mixed sizes, as a busy guild sends them.
      std::vector<server::LoopbackDispatch> batch;
      for (int i = 0, n = 1 + static_cast<int>(rng() % 8); i < n; ++i) {
        batch.push_back({"MESSAGE_CREATE", R"({"id":")" + std::to_string(next_id++) +
                                               R"(","channel_id":"1","content":")" +
                                               std::string(rng() % 600, 'x') + R"("})"});
      }
      REQUIRE(srv.dispatch_batch(batch).ok());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1 + rng() % 10));
  }
  REQUIRE(child.running());  // nothing ended it before the kill
  child.signal(SIGKILL);
  REQUIRE(child.wait() == 128 + SIGKILL);
  const auto obs = srv.observations();
  srv.stop();

  KillResult result;
  result.log_exists = std::filesystem::exists(log);
  if (!result.log_exists) {
    // Killed before the writer created it: it cannot have connected.
    CHECK(obs.connections.empty());
    return result;
  }
  auto report = store::verify(log.string());
  INFO((report.ok() ? "" : report.error().message));
  REQUIRE(report.ok());
  INFO((report->problem ? report->problem->message : ""));
  REQUIRE(!report->problem);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"verify", log.string()},
        std::vector<std::string>{"replay", log.string(), "--summary"}}) {
    Child check(args, nullptr, dir);
    const int code = check.wait(60s);
    INFO(args[0] << ": " << check.err());
    if (report->recordings == 0 && args[0] == "replay") {
      // Killed between creating the log and beginning its recording: nothing to replay.
      REQUIRE(code == 2);
      REQUIRE(check.err().find("no recording in the log") != std::string::npos);
      continue;
    }
    REQUIRE(code == 0);
  }
  // The frames of this run's recording (the last one, if it got that far).
  std::vector<store::StoredFrame> recv, sent;
  if (report->recordings > static_cast<std::int64_t>(recordings_before)) {
    // The newest recording (which may have no frame yet: killed before it connected).
    auto reader = store::LogReader::open(log.string());
    REQUIRE(reader.ok());
    auto recordings = (*reader)->recordings();
    REQUIRE(recordings.ok());
    REQUIRE(!recordings->empty());
    const std::int64_t rec = recordings->back().id;
    result.recording = true;
    const auto frames = read_log(log);
    for (const auto& f : frames) {
      if (f.recording_id != rec) continue;
      (f.direction == store::Direction::kRecv ? recv : sent).push_back(f);
    }
  }
  // The recording row is committed before the gateway starts: no recording, no connection.
  if (report->recordings == static_cast<std::int64_t>(recordings_before)) {
    CHECK(obs.connections.empty());
  }
  // Connection by connection (a loaded machine can make the client take a connection for a
  // zombie and resume on a new one): the log's connection N is the server's connection N.
  std::map<int, std::vector<std::string>> server_sent, server_received;
  for (const auto& f : obs.sent) {
    if (!f.binary) server_sent[f.connection].push_back(f.text);
  }
  for (const auto& f : obs.frames) server_received[f.connection].push_back(f.text);
  std::map<int, std::vector<const store::StoredFrame*>> log_recv, log_sent;
  for (const auto& f : recv) log_recv[static_cast<int>(f.conn)].push_back(&f);
  for (const auto& f : sent) log_sent[static_cast<int>(f.conn)].push_back(&f);
  for (const auto& c : obs.connections) {
    INFO("connection " << c.id << ": client close " << c.client_close_code.value_or(0) << " "
                       << c.client_close_reason << ", server close "
                       << c.server_close_code.value_or(0) << ", dropped " << c.dropped_by_server);
    const auto& got = log_recv[c.id];
    const auto& server = server_sent[c.id];
    REQUIRE(got.size() <= server.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      INFO("received frame " << i);
      REQUIRE(got[i]->text == server[i]);
    }
    // Everything the server got was committed first; at most one more was appended unsent.
    const auto& mine = log_sent[c.id];
    const auto& theirs = server_received[c.id];
    INFO("server received " << theirs.size() << ", log holds " << mine.size());
    REQUIRE(mine.size() >= theirs.size());
    REQUIRE(mine.size() <= theirs.size() + 1);
    for (std::size_t i = 0; i < theirs.size(); ++i) {
      INFO("sent frame " << i << ": " << mine[i]->text);
      if (mine[i]->op == 2 || mine[i]->op == 6) {
        // The token is masked in the log, and only there.
        CHECK(mine[i]->text.find(kToken) == std::string::npos);
        CHECK(theirs[i].find(kToken) != std::string::npos);
      } else {
        REQUIRE(mine[i]->text == theirs[i]);
      }
    }
  }
  // No connection of the log that the server did not see.
  for (const auto& [conn, frames] : log_recv)
    REQUIRE(conn <= static_cast<int>(obs.connections.size()));
  for (const auto& [conn, frames] : log_sent)
    REQUIRE(conn <= static_cast<int>(obs.connections.size()));
  std::int64_t last_s = 0;
  for (const auto& f : recv) last_s = std::max(last_s, f.s.value_or(0));
  for (const auto& hb : obs.heartbeats) {
    result.last_ack = std::max(result.last_ack, hb.value_or(0));
  }
  CHECK(last_s >= result.last_ack);  // every dispatch the client acknowledged is in the log
  result.recv = recv.size();
  result.sent = sent.size();
  return result;
}

}  // namespace

TEST_CASE("crash soak: record --durability full killed at random moments keeps every frame",
          "[recorder][cli][soak][crash]") {
  const std::uint64_t kills = env_number("GWTAPE_SOAK_KILLS", 16);
  const auto budget = std::chrono::seconds(env_number("GWTAPE_SOAK_SECONDS", 60));
  const std::uint64_t seed = env_number("GWTAPE_SOAK_SEED", 14);
  std::mt19937_64 rng(seed);
  const auto dir = fresh_dir("crash-soak");
  const auto started = std::chrono::steady_clock::now();
  std::uint64_t done = 0, no_log = 0, no_recording = 0, empty = 0, appended = 0, frames = 0;
  std::map<std::string, int> by_compression;
  std::filesystem::path log;
  // The time bound must not hide the count: the first kFloor kills run whatever they take.
  constexpr std::uint64_t kFloor = 8;
  for (; done < kills && (done < kFloor || std::chrono::steady_clock::now() - started < budget);
       ++done) {
    const char* compress = done % 2 ? "zlib-stream" : "zstd-stream";
    // One run in four records into the log the previous kill left: a writer reopens it.
    if (done % 4 != 3 || log.empty() || !std::filesystem::exists(log)) {
      log = dir / ("kill-" + std::to_string(done) + ".gwtape");
    } else {
      ++appended;
    }
    // Mostly while frames flow; one in five in the first 150 ms (startup, log creation).
    const auto delay = std::chrono::milliseconds(rng() % 5 == 0 ? rng() % 150 : 150 + rng() % 900);
    INFO("kill " << done << " (" << compress << ", after " << delay.count() << " ms, " << log
                 << ")");
    const KillResult r = kill_once(dir, log, compress, delay, rng);
    ++by_compression[compress];
    no_log += !r.log_exists;
    no_recording += r.log_exists && !r.recording;
    empty += r.recording && r.recv == 0;
    frames += r.recv + r.sent;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf(
      "crash soak: seed %llu, %llu of %llu kills in %.1f s (zstd-stream %d, zlib-stream %d); "
      "%llu before the log existed, %llu before the run's recording began, %llu before its first "
      "frame, %llu into an existing log; %llu frames checked\n",
      static_cast<unsigned long long>(seed), static_cast<unsigned long long>(done),
      static_cast<unsigned long long>(kills), seconds, by_compression["zstd-stream"],
      by_compression["zlib-stream"], static_cast<unsigned long long>(no_log),
      static_cast<unsigned long long>(no_recording), static_cast<unsigned long long>(empty),
      static_cast<unsigned long long>(appended), static_cast<unsigned long long>(frames));
  std::fflush(stdout);
}
