#include "gwtape/replay/replayer.h"

#include <sqlite3.h>
#include <sys/wait.h>

#include <catch2/catch_test_macros.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "gwtape/fixtures/generator.h"
#include "gwtape/recorder/recorder.h"
#include "gwtape/store/log_writer.h"
#include "live_gateway_util.h"

using namespace gwtape;
using namespace std::chrono_literals;

namespace {

constexpr const char* kToken = "replay-test-token";

std::filesystem::path fresh(const char* name) {
  auto dir = std::filesystem::temp_directory_path() / "gwtape-replayer-test";
  std::filesystem::create_directories(dir);
  auto p = dir / name;
  std::filesystem::remove(p);
  return p;
}

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string message(int i, const char* channel = "41771983423143937") {
  return R"({"id":")" + std::to_string(9000 + i) + R"(","channel_id":")" + channel +
         R"(","guild_id":"197038439483310086","content":"m)" + std::to_string(i) +
         R"(","author":{"id":"80351110224678912","username":"nelly"}})";
}

struct LiveRecording {
  std::string digest;
  std::uint64_t dispatches = 0;
};

// A live session (the real client against the loopback gateway, recorded by the Recorder),
// with resumes and a re-identify; returns the live cache's digest, stored in the log too.
LiveRecording record_live(const std::filesystem::path& log) {
  server::LoopbackOptions so;
  so.token = kToken;
  so.heartbeat_interval = 300ms;
  so.guilds.push_back({197038439483310086ULL, "replayed guild", ""});
  auto srv = server::LoopbackGateway::start(so);
  REQUIRE(srv.ok());
  auto writer = store::LogWriter::open(log.string());
  REQUIRE(writer.ok());
  store::RecordingInfo info;
  info.gateway_url = (*srv)->url();
  info.intents = gateway::intents::kGuilds | gateway::intents::kGuildMessages;
  auto rec_id = (*writer)->begin_recording(info);
  REQUIRE(rec_id.ok());
  recorder::Recorder rec(**writer, *rec_id, {kToken, {}});
  gateway::state::Cache cache;
  LiveRecording out;
  {
    std::atomic<std::int64_t> last_seq{0};
    std::atomic<std::uint64_t> delivered{0};
    std::atomic<int> readys{0};  // a re-identify restarts the sequence
    testing::LiveClient client((*srv)->url(), kToken, gateway::Compression::kZstdStream, {},
                               [&](gateway::Gateway& g) {
                                 rec.attach(g);
                                 g.on_event([&](const gateway::DeliverEvent& e) {
                                   cache.apply(e.event);
                                   if (e.event.type == gateway::EventType::kReady) ++readys;
                                   last_seq = e.seq;
                                   ++delivered;
                                 });
                               });
    auto wait_seq = [&](int session, std::int64_t s) {
      const auto deadline = std::chrono::steady_clock::now() + 10s;
      while ((readys.load() != session || last_seq.load() < s) &&
             std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(5ms);
      }
      REQUIRE(readys.load() == session);
      REQUIRE(last_seq.load() >= s);
    };
    REQUIRE((*srv)->wait_until_identified(10s));
    int n = 0;
    auto burst = [&](int count) {
      std::int64_t s = 0;
      for (int i = 0; i < count; ++i) s = *(*srv)->dispatch("MESSAGE_CREATE", message(++n));
      return s;
    };
    burst(30);
    REQUIRE((*srv)->request_reconnect().ok());
    burst(10);
    REQUIRE((*srv)->wait_for_resumes(1, 10s));
    REQUIRE((*srv)->drop().ok());
    burst(10);
    REQUIRE((*srv)->wait_for_resumes(2, 10s));
    REQUIRE((*srv)
                ->dispatch("MESSAGE_DELETE", R"({"id":"9001","channel_id":"41771983423143937"})")
                .ok());
    wait_seq(1, burst(5));
    // A re-identify: the new READY replaces what the old session knew.
    REQUIRE((*srv)->invalidate_session(false).ok());
    REQUIRE((*srv)->wait_for_identifies(2, 10s));
    wait_seq(2, burst(7));
    (void)client.close();
    out.dispatches = delivered.load();
  }
  out.digest = cache.digest_hex();
  REQUIRE((*writer)->end_recording(*rec_id, 1, out.digest).ok());
  REQUIRE((*writer)->close().ok());
  return out;
}

}  // namespace

TEST_CASE("replay rebuilds the live state: same digest, every time, no divergence",
          "[replay][replayer]") {
  const auto log = fresh("live.gwtape");
  const LiveRecording live = record_live(log);
  REQUIRE(live.digest.size() == 64);
  for (int round = 0; round < 2; ++round) {
    replay::ReplayOptions options;
    options.read_ahead = round == 0;  // the log read on a thread of its own, then not
    auto r = replay::Replayer::open(log.string(), options);
    REQUIRE(r.ok());
    std::uint64_t events = 0;
    (*r)->on_event([&](const gateway::DeliverEvent&) { ++events; });
    REQUIRE((*r)->run().ok());
    CHECK((*r)->cache().digest_hex() == live.digest);
    CHECK((*r)->recording().state_digest == live.digest);
    CHECK(events == live.dispatches);
    CHECK((*r)->stats().connections >= 4);
    for (const auto& d : (*r)->divergences()) {
      INFO("frame " << d.frame_id << "\n recorded " << d.expected << "\n replayed " << d.actual);
      CHECK(false);
    }
    // The re-identify's READY replaced the old session: only what came after counts.
    CHECK((*r)->cache().counts().guilds == 1);
  }
  // A fresh process: the command line gives the same digest.
  const std::string cmd =
      std::string(GWTAPE_BINARY_DIR "/tools/gwtape replay ") + log.string() + " --summary";
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096] = {};
  const std::size_t got = std::fread(buf, 1, sizeof buf - 1, p);
  CHECK(::pclose(p) == 0);
  const std::string out(buf, got);
  CHECK(out.find("\"digest\":\"" + live.digest + "\"") != std::string::npos);
  CHECK(out.find("\"digest_matches_live\":true") != std::string::npos);

  // The op 7 made the client close with 4000 (to resume). Had live closed with 1000, the
  // protocol's own close would differ from the recorded one: a divergence, named.
  const auto changed = fresh("live-changed.gwtape");
  std::filesystem::copy_file(log, changed);
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(changed.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db,
                         "UPDATE connections SET code = 1000 WHERE conn = 1 AND "
                         "closed_by = 'client' AND code = 4000",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    CHECK(sqlite3_changes(db) == 1);
    sqlite3_close(db);
  }
  auto r = replay::Replayer::open(changed.string());
  REQUIRE(r.ok());
  REQUIRE((*r)->run().ok());
  REQUIRE_FALSE((*r)->divergences().empty());
  const auto& first = (*r)->divergences().front();
  CHECK(first.expected.rfind("close 1000 (", 0) == 0);
  CHECK(first.actual == "close 4000");
  CHECK(first.frame_id > 0);
}

TEST_CASE("replay stops at a corrupt frame with its id, or skips it with skip_bad",
          "[replay][replayer]") {
  const auto log = fresh("corrupt.gwtape");
  {
    auto writer = store::LogWriter::open(log.string());
    REQUIRE(writer.ok());
    auto rec = (*writer)->begin_recording({});
    REQUIRE(rec.ok());
    auto gen = fixtures::Generator::create({});
    REQUIRE(gen.ok());
    for (int i = 0; i < 3000; ++i) {
      auto f = gen->next();
      REQUIRE((*writer)->append({*rec, 1, f.ts_ns, f.direction, std::move(f.text)}).ok());
    }
    REQUIRE((*writer)->close().ok());
  }
  auto clean = replay::Replayer::open(log.string());
  REQUIRE(clean.ok());
  REQUIRE((*clean)->run().ok());
  const auto all = (*clean)->stats().frames;
  CHECK(all == 3000);
  // Flip one byte in the middle of the second block's compressed data.
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(log.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db,
                         "UPDATE blocks SET data = substr(data, 1, length(data) / 2) || "
                         "x'00' || substr(data, length(data) / 2 + 2) "
                         "WHERE first = (SELECT first FROM blocks ORDER BY first LIMIT 1 OFFSET 1)",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    CHECK(sqlite3_changes(db) == 1);
    sqlite3_close(db);
  }
  auto stops = replay::Replayer::open(log.string());
  REQUIRE(stops.ok());
  auto st = (*stops)->run();
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == replay::Errc::kCorrupt);
  CHECK(st.error().message.find("frame") != std::string::npos);
  CHECK((*stops)->stats().frames < all);
  replay::ReplayOptions skip;
  skip.skip_bad = true;
  auto skips = replay::Replayer::open(log.string(), skip);
  REQUIRE(skips.ok());
  std::vector<std::string> problems;
  (*skips)->on_problem([&](std::int64_t, const std::string& what) { problems.push_back(what); });
  REQUIRE((*skips)->run().ok());
  CHECK((*skips)->stats().bad_frames > 0);
  CHECK(problems.size() >= (*skips)->stats().bad_frames);
  CHECK((*skips)->stats().frames + (*skips)->stats().bad_frames == all);
}

TEST_CASE("gwtape replay --speed paces on the recorded times", "[replay][replayer]") {
  // Three frames recorded 1 s apart: at 10x they take about 0.2 s to replay, at max no wait.
  const auto log = fresh("paced.gwtape");
  {
    auto writer = store::LogWriter::open(log.string());
    REQUIRE(writer.ok());
    auto rec = (*writer)->begin_recording({});
    REQUIRE(rec.ok());
    const std::int64_t t0 = 1'700'000'000'000'000'000;
    const char* frames[] = {R"({"op":10,"d":{"heartbeat_interval":41250}})", R"({"op":11})",
                            R"({"op":11})"};
    for (int i = 0; i < 3; ++i) {
      REQUIRE((*writer)
                  ->append({*rec, 1, t0 + i * 1'000'000'000LL, store::Direction::kRecv, frames[i]})
                  .ok());
    }
    REQUIRE((*writer)->close().ok());
  }
  auto timed = [&](const char* speed) {
    const std::string cmd = std::string(GWTAPE_BINARY_DIR "/tools/gwtape replay ") + log.string() +
                            " --speed " + speed + " > /dev/null";
    const auto start = std::chrono::steady_clock::now();
    REQUIRE(std::system(cmd.c_str()) == 0);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  const double paced = timed("10");
  CHECK(paced >= 0.19);
  CHECK(timed("max") < paced);
  CHECK(timed("realtime") >= 1.99);  // the recorded 2 s, as they happened
  // Anything else is a usage error (exit 2), with the flag named.
  for (const char* bad : {"0", "-1", "fast", "2x", ""}) {
    const std::string cmd = std::string(GWTAPE_BINARY_DIR "/tools/gwtape replay ") + log.string() +
                            " --speed '" + bad + "' > /dev/null 2>&1";
    const int status = std::system(cmd.c_str());
    INFO(bad);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 2);
  }
}

TEST_CASE("gwtape replay draws a progress bar on a terminal only", "[replay][replayer]") {
  // 13 frames over 1.2 s, replayed in real time: the bar (redrawn every 200 ms) shows up a few
  // times, with the recording's frame count as its total.
  const auto log = fresh("progress.gwtape");
  {
    auto writer = store::LogWriter::open(log.string());
    REQUIRE(writer.ok());
    auto rec = (*writer)->begin_recording({});
    REQUIRE(rec.ok());
    const std::int64_t t0 = 1'700'000'000'000'000'000;
    REQUIRE((*writer)
                ->append({*rec, 1, t0, store::Direction::kRecv,
                          R"({"op":10,"d":{"heartbeat_interval":41250}})"})
                .ok());
    for (int i = 1; i < 13; ++i) {
      REQUIRE(
          (*writer)
              ->append({*rec, 1, t0 + i * 100'000'000LL, store::Direction::kRecv, R"({"op":11})"})
              .ok());
    }
    REQUIRE((*writer)->close().ok());
  }
  const auto screen_file = log.parent_path() / "progress.txt";
  const std::string replay =
      std::string(GWTAPE_BINARY_DIR "/tools/gwtape replay ") + log.string() + " --speed realtime";
  // `script` gives the program a pseudo-terminal.
  const std::string cmd =
      "script -qec '" + replay + "' /dev/null > " + screen_file.string() + " 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  const std::string screen = slurp(screen_file);
  CHECK(screen.find("replaying [") != std::string::npos);
  CHECK(screen.find("/13 frames") != std::string::npos);
  CHECK(screen.find('%') != std::string::npos);
  CHECK(screen.find("\r\033[K") != std::string::npos);  // erased before the result is printed
  CHECK(screen.find("recording 1: 13 frames") != std::string::npos);
  // Into a file: no bar. (Flags written as --flag=VALUE this time.)
  const auto plain_file = log.parent_path() / "plain.txt";
  const std::string replay_eq = std::string(GWTAPE_BINARY_DIR "/tools/gwtape replay ") +
                                log.string() + " --speed=realtime --recording=1";
  REQUIRE(std::system((replay_eq + " > " + plain_file.string() + " 2>&1").c_str()) == 0);
  const std::string plain = slurp(plain_file);
  CHECK(plain.find("replaying") == std::string::npos);
  CHECK(plain.find("recording 1: 13 frames") != std::string::npos);
}
