// `gwtape record` end to end: the real program against the loopback gateway, with faults;
// the log must hold every frame that reached the client, both ways, byte for byte, and
// never the token.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch_test_macros.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "gwtape/recorder/redact.h"
#include "gwtape/replay/replayer.h"
#include "gwtape/server/loopback_gateway.h"
#include "gwtape/store/log_reader.h"
#include "gwtape/store/verify.h"
#include "record_child.h"

using namespace gwtape;
using namespace std::chrono_literals;
using namespace gwtape::testing;

namespace {

constexpr const char* kToken = "record.TEST-token.0123456789";

std::unique_ptr<server::LoopbackGateway> start_server() {
  server::LoopbackOptions o;
  o.token = kToken;
  o.keep_sent = true;
  o.heartbeat_interval = 400ms;
  o.guilds.push_back({197038439483310086ULL, "recorded guild", ""});
  auto s = server::LoopbackGateway::start(o);
  REQUIRE(s.ok());
  return std::move(*s);
}

std::string message(int i) {
  return R"({"id":")" + std::to_string(5000 + i) + R"(","channel_id":"41771983423143937",)" +
         R"("content":"line \")" + std::to_string(i) + R"(\" caf\u00e9 \ud83d\udd25",)" +
         R"("author":{"id":"80351110224678912","username":"nelly"}})";
}

}  // namespace

TEST_CASE("record: a session with faults is in the log, both ways, byte for byte",
          "[recorder][cli]") {
  for (const char* compress : {"zstd-stream", "zlib-stream", "none"}) {
    INFO(compress);
    const auto dir = fresh_dir(compress);
    const auto log = dir / "session.gwtape";
    auto srv = start_server();
    Child child({"record", "--out", log.string(), "--gateway", srv->url(), "--compress", compress,
                 "--redact", "MESSAGE_UPDATE:$.d.content"},
                kToken, dir);
    REQUIRE(srv->wait_until_identified(10s));
    int n = 0;
    auto burst = [&](int count) {
      for (int i = 0; i < count; ++i) REQUIRE(srv->dispatch("MESSAGE_CREATE", message(++n)).ok());
    };
    burst(20);
    REQUIRE(srv->request_reconnect().ok());
    burst(10);
    REQUIRE(srv->wait_for_resumes(1, 10s));
    REQUIRE(srv->drop().ok());
    burst(10);
    REQUIRE(srv->wait_for_resumes(2, 10s));
    REQUIRE(srv->close(4000, "unknown error").ok());
    burst(10);
    REQUIRE(srv->wait_for_resumes(3, 10s));
    REQUIRE(srv->invalidate_session(true).ok());
    REQUIRE(srv->wait_for_resumes(4, 10s));
    burst(10);
    REQUIRE(srv->dispatch("MESSAGE_UPDATE", R"({"id":"5001","content":"private words"})").ok());
    // The client has everything once a heartbeat carries the last sequence.
    const std::int64_t last = srv->observations().last_seq;
    REQUIRE(srv->wait_for(
        [&](const server::Observations& o) {
          return !o.heartbeats.empty() && o.heartbeats.back() == last;
        },
        10s));
    child.signal(SIGINT);
    REQUIRE(child.wait() == 0);

    const auto obs = srv->observations();
    const auto frames = read_log(log);
    std::map<std::uint32_t, std::vector<std::string>> logged_recv, logged_send, sent, received;
    for (const auto& f : frames) {
      (f.direction == store::Direction::kRecv ? logged_recv : logged_send)[f.conn].push_back(
          f.text);
    }
    for (const auto& s : obs.sent) sent[static_cast<std::uint32_t>(s.connection)].push_back(s.text);
    for (const auto& r : obs.frames) {
      received[static_cast<std::uint32_t>(r.connection)].push_back(r.text);
    }
    REQUIRE(obs.connections.size() == 5);
    for (std::uint32_t conn = 1; conn <= 5; ++conn) {
      INFO("connection " << conn);
      // What the server sent, the log holds in order (a prefix on the dropped connection:
      // what was in flight at the drop never reached the client).
      const auto& got = logged_recv[conn];
      auto want = sent[conn];
      for (auto& w : want) {  // the redaction rule applies to what is logged
        if (w.find("private words") != std::string::npos) {
          recorder::redact(w, {*recorder::RedactionRule::parse("MESSAGE_UPDATE:$.d.content")});
        }
      }
      REQUIRE(got.size() <= want.size());
      if (conn != 2) CHECK(got.size() == want.size());
      for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == want[i]);
      // What the server received from the client, the log holds too, token masked.
      const auto& sends = logged_send[conn];
      REQUIRE(received[conn].size() <= sends.size());
      for (std::size_t i = 0; i < received[conn].size(); ++i) {
        std::string masked = received[conn][i];
        recorder::TokenMask(kToken).apply(masked);
        CHECK(sends[i] == masked);
      }
    }
    // The token is nowhere: not in any frame, the file, or the program's output.
    for (const auto& f : frames) CHECK(f.text.find(kToken) == std::string::npos);
    CHECK(slurp(log).find(kToken) == std::string::npos);
    CHECK(child.out().find(kToken) == std::string::npos);
    CHECK(child.err().find(kToken) == std::string::npos);
    // The redaction rule held, and the recording row lists it.
    bool redacted = false;
    for (const auto& f : frames) {
      CHECK(f.text.find("private words") == std::string::npos);
      redacted |= f.text.find(R"("content":"[redacted]")") != std::string::npos;
    }
    CHECK(redacted);
    auto reader = store::LogReader::open(log.string());
    REQUIRE(reader.ok());
    auto recs = (*reader)->recordings();
    REQUIRE(recs.ok());
    REQUIRE(recs->size() == 1);
    CHECK((*recs)[0].info.gateway_url == srv->url());
    CHECK((*recs)[0].info.compress == compress);
    CHECK((*recs)[0].info.redactions.find("MESSAGE_UPDATE:$.d.content") != std::string::npos);
    CHECK((*recs)[0].ended_at_ns.has_value());
  }
}

TEST_CASE("record: a fatal close exits 3 with the code and its meaning", "[recorder][cli]") {
  const auto dir = fresh_dir("fatal");
  auto srv = start_server();
  Child child({"record", "--out", (dir / "f.gwtape").string(), "--gateway", srv->url()},
              "not-the-right-token", dir);
  REQUIRE(child.wait() == 3);
  CHECK(child.err().find("4004") != std::string::npos);
  CHECK(child.err().find("authentication failed") != std::string::npos);
  CHECK(child.err().find("not-the-right-token") == std::string::npos);
  CHECK(srv->connections() == 1);
}

TEST_CASE("record: usage errors exit 2 with a clear message", "[recorder][cli]") {
  const auto dir = fresh_dir("usage");
  {
    Child child({"record", "--out", (dir / "u.gwtape").string()}, nullptr, dir);
    CHECK(child.wait() == 2);
    CHECK(child.err().find("DISCORD_TOKEN") != std::string::npos);
  }
  {
    Child child({"record", "--out", (dir / "u.gwtape").string(), "--shard", "4/4"}, kToken, dir);
    CHECK(child.wait() == 2);
    CHECK(child.err().find("--shard") != std::string::npos);
  }
  {
    Child child({"record", "--out", (dir / "u.gwtape").string(), "--redact", "content"}, kToken,
                dir);
    CHECK(child.wait() == 2);
    CHECK(child.err().find("--redact \"content\"") != std::string::npos);
  }
}

TEST_CASE("record: without --gateway the URL and shards come from /gateway/bot",
          "[recorder][cli]") {
  const auto dir = fresh_dir("shards");
  server::LoopbackOptions o;
  o.token = kToken;
  o.recommended_shards = 2;
  o.guilds.push_back({197038439483310086ULL, "g", ""});
  auto srv = server::LoopbackGateway::start(o);
  REQUIRE(srv.ok());
  const std::string api = "http://127.0.0.1:" + std::to_string((*srv)->port()) + "/api/v10";
  const auto log = dir / "s.gwtape";
  Child child({"record", "--out", log.string(), "--api", api, "--compress", "none"}, kToken, dir);
  // Two shards, identified 5 s apart (max_concurrency 1): both within the timeout.
  REQUIRE((*srv)->wait_for_identifies(2, 15s));
  child.signal(SIGTERM);
  REQUIRE(child.wait() == 0);
  auto reader = store::LogReader::open(log.string());
  REQUIRE(reader.ok());
  auto recs = (*reader)->recordings();
  REQUIRE(recs.ok());
  REQUIRE(recs->size() == 2);
  CHECK((*recs)[0].info.shard_id == 0);
  CHECK((*recs)[1].info.shard_id == 1);
  CHECK((*recs)[0].info.shard_count == 2);
}

TEST_CASE("record: a second SIGINT exits at once and leaves a valid log; a redacted log replays",
          "[recorder][cli]") {
  const auto dir = fresh_dir("twice");
  const auto log = dir / "twice.gwtape";
  auto srv = start_server();
  Child child({"record", "--out", log.string(), "--gateway", srv->url(), "--redact",
               "MESSAGE_CREATE:$.d.content"},
              kToken, dir);
  REQUIRE(srv->wait_until_identified(10s));
  for (int i = 0; i < 50; ++i) REQUIRE(srv->dispatch("MESSAGE_CREATE", message(i)).ok());
  const std::int64_t last = srv->observations().last_seq;
  REQUIRE(srv->wait_for(
      [&](const server::Observations& o) {
        return !o.heartbeats.empty() && o.heartbeats.back() == last;
      },
      10s));
  // The default durability loses at most the last 200 ms: after a pause, all of it is safe.
  std::this_thread::sleep_for(600ms);
  child.signal(SIGINT);
  child.signal(SIGINT);
  const int code = child.wait();
  CHECK((code == 130 || code == 0));  // at once, or the clean stop won the race
  // Whatever the exit, the log opens, verifies, and holds a prefix of the session.
  auto report = store::verify(log.string());
  REQUIRE(report.ok());
  CHECK(report->ok());
  auto frames = read_log(log);
  CHECK_FALSE(frames.empty());
  for (const auto& f : frames) CHECK(f.text.find("line \\\"") == std::string::npos);
  // The redacted log still replays: the cache holds the marker instead of the content.
  auto replayer = replay::Replayer::open(log.string());
  REQUIRE(replayer.ok());
  REQUIRE((*replayer)->run().ok());
  const auto* m = (*replayer)->cache().message(gateway::Snowflake{41771983423143937ULL},
                                               gateway::Snowflake{5001});
  REQUIRE(m != nullptr);
  CHECK(m->content == "[redacted]");
  CHECK((*replayer)->stats().dispatches >= 2);
}

TEST_CASE("record: a status line on a terminal, none when stdout is not one", "[recorder][cli]") {
  const auto dir = fresh_dir("tty");
  auto srv = start_server();
  const std::string program = GWTAPE_BINARY_DIR "/tools/gwtape";
  const std::string out = (dir / "tty.txt").string();
  // `script` gives the program a pseudo-terminal; --duration ends the recording by itself.
  const std::string cmd = "DISCORD_TOKEN='" + std::string(kToken) + "' script -qec '" + program +
                          " record --out " + (dir / "tty.gwtape").string() + " --gateway " +
                          srv->url() + " --duration 2.5' /dev/null > " + out + " 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  const std::string screen = slurp(out);
  CHECK(screen.find("events ") != std::string::npos);
  CHECK(screen.find("frames ") != std::string::npos);
  CHECK(screen.find('\r') != std::string::npos);  // refreshed in place
  CHECK(screen.find(kToken) == std::string::npos);
  // Not a terminal: no status line. (Flags written as --flag=VALUE this time.)
  Child child({"record", "--out=" + (dir / "pipe.gwtape").string(), "--gateway=" + srv->url(),
               "--duration=1.5"},
              kToken, dir);
  REQUIRE(child.wait() == 0);
  CHECK(child.out().find("events ") == std::string::npos);
  CHECK(std::filesystem::file_size(dir / "pipe.gwtape") > 0);
}

TEST_CASE("record: a full disk stops the recording at once; the summary counts what the log holds",
          "[recorder][cli]") {
  const auto dir = fresh_dir("full");
  const auto log = dir / "full.gwtape";
  auto srv = start_server();
  // The WAL reaches 256 KiB within a second or two of the traffic below; --duration is far off.
  constexpr int kDurationS = 20;
  Child child({"record", "--out", log.string(), "--gateway", srv->url(), "--compress", "none",
               "--duration", std::to_string(kDurationS)},
              kToken, dir, 256 * 1024);
  REQUIRE(srv->wait_until_identified(10s));
  const auto started = std::chrono::steady_clock::now();
  // Content that compresses badly, so the log grows about as fast as the traffic.
  std::uint64_t x = 88172645463325252ULL;
  auto noise = [&] {
    std::string s;
    for (int i = 0; i < 128; ++i) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      s += std::to_string(x % 100000000);
    }
    return s;
  };
  int code = -1;
  for (int n = 0; code < 0 && std::chrono::steady_clock::now() - started < 30s;) {
    for (int i = 0; i < 10; ++i) {
      (void)srv->dispatch("MESSAGE_CREATE", R"({"id":")" + std::to_string(++n) +
                                                R"(","channel_id":"1","content":")" + noise() +
                                                R"("})");
    }
    code = child.wait(50ms);
  }
  const auto took = std::chrono::steady_clock::now() - started;
  const std::string err = child.err();
  INFO(err);
  CHECK(code == 1);  // not 4: the log is sound, the disk is not
  CHECK(took < std::chrono::seconds(kDurationS / 2));
  // The message names the log and the error; the gateway was closed with 1000.
  CHECK(err.find("gwtape record: " + log.string() + ": ") != std::string::npos);
  // A write cut short at the limit is SQLite's "disk is full"; one past it, EFBIG, an I/O error.
  CHECK((err.find("database or disk is full") != std::string::npos ||
         err.find("disk I/O error") != std::string::npos));
  const auto obs = srv->observations();
  REQUIRE_FALSE(obs.connections.empty());
  CHECK(obs.connections.back().client_close_code == 1000);
  // "N frames ... written": N is what the log holds, a sound prefix of the session.
  const auto at = err.find(" frames (");
  REQUIRE(at != std::string::npos);
  const auto line = err.rfind("gwtape record: ", at);
  const std::uint64_t written = std::stoull(err.substr(line + 15, at - line - 15));
  auto report = store::verify(log.string());
  REQUIRE(report.ok());
  CHECK(report->ok());
  const auto frames = read_log(log);
  CHECK(frames.size() == written);
  CHECK(written > 0);
}

TEST_CASE("record: a gateway that skips sequence numbers is recorded and verifies, with a warning",
          "[recorder][cli]") {
  const auto dir = fresh_dir("gap");
  const auto log = dir / "gap.gwtape";
  auto srv = start_server();
  Child child({"record", "--out", log.string(), "--gateway", srv->url(), "--compress", "none"},
              kToken, dir);
  REQUIRE(srv->wait_until_identified(10s));
  for (int i = 0; i < 5; ++i) REQUIRE(srv->dispatch("MESSAGE_CREATE", message(i)).ok());
  // A dispatch 3 past the next number, as a gateway may send (the library counts the gap).
  const std::int64_t skipped_to = srv->observations().last_seq + 4;
  REQUIRE(srv->send_raw(R"({"t":"MESSAGE_CREATE","s":)" + std::to_string(skipped_to) +
                        R"(,"op":0,"d":)" + message(99) + "}")
              .ok());
  REQUIRE(srv->wait_for(
      [&](const server::Observations& o) {
        return !o.heartbeats.empty() && o.heartbeats.back() == skipped_to;
      },
      10s));
  child.signal(SIGINT);
  REQUIRE(child.wait() == 0);
  auto report = store::verify(log.string());
  REQUIRE(report.ok());
  INFO((report->problem ? report->problem->message : ""));
  CHECK(report->ok());
  CHECK(report->seq_gaps == 1);
  CHECK(report->seq_repeats == 0);
  REQUIRE(report->warnings.size() == 1);
  CHECK(report->warnings[0].message.find("(3 skipped)") != std::string::npos);
}
