// How each connection ended, recorded live (the `connections` table) and taken by the replay:
// server close codes through Protocol::on_closed, lost connections, the bot's own closes. A
// log whose recorded end is changed makes the replay diverge where the library would decide
// differently; a log without the table falls back to following the recorded sends.
#include <sqlite3.h>

#include <atomic>
#include <catch2/catch_test_macros.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "gwtape/recorder/recorder.h"
#include "gwtape/replay/replayer.h"
#include "gwtape/store/log_reader.h"
#include "gwtape/store/log_writer.h"
#include "live_gateway_util.h"

using namespace gwtape;
using namespace std::chrono_literals;

namespace {

constexpr const char* kToken = "connection-end-test-token";
constexpr std::uint64_t kGuild = 197038439483310086ULL;

std::filesystem::path fresh(const char* name) {
  auto dir = std::filesystem::temp_directory_path() / "gwtape-connection-end-test";
  std::filesystem::create_directories(dir);
  auto p = dir / name;
  std::filesystem::remove(p);
  return p;
}

void exec(const std::filesystem::path& log, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(log.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  INFO(sql << ": " << (err ? err : ""));
  sqlite3_free(err);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

// Records a session whose six connections end in six ways; returns the live cache's digest.
std::string record_session(const std::filesystem::path& log) {
  server::LoopbackOptions so;
  so.token = kToken;
  // Long: each connection here ends the way the test makes it end, none for want of an ACK
  // on a slow machine.
  so.heartbeat_interval = 8s;
  so.guilds.push_back({kGuild, "closing guild", ""});
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
  std::atomic<std::int64_t> last_seq{0};
  {
    testing::LiveClient client((*srv)->url(), kToken, gateway::Compression::kNone, {},
                               [&](gateway::Gateway& g) {
                                 rec.attach(g);
                                 g.on_event([&](const gateway::DeliverEvent& e) {
                                   cache.apply(e.event);
                                   last_seq = e.seq;
                                 });
                               });
    int n = 0;
    auto burst = [&] {
      std::int64_t s = 0;
      for (int i = 0; i < 5; ++i) {
        ++n;
        s = *(*srv)->dispatch("MESSAGE_CREATE",
                              R"({"id":")" + std::to_string(7000 + n) +
                                  R"(","channel_id":"41771983423143937","guild_id":")" +
                                  std::to_string(kGuild) + R"(","content":"m)" + std::to_string(n) +
                                  R"(","author":{"id":"80351110224678912","username":"nelly"}})");
      }
      // (The setup's handler replaces the client's own: wait on ours.)
      const auto deadline = std::chrono::steady_clock::now() + 10s;
      while (last_seq.load() < s && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(2ms);
      }
      REQUIRE(last_seq.load() >= s);
    };
    REQUIRE((*srv)->wait_until_identified(10s));
    burst();
    REQUIRE((*srv)->close(4000, "unknown error").ok());  // 1: resumable
    REQUIRE((*srv)->wait_for_resumes(1, 10s));
    burst();
    REQUIRE((*srv)->close(4009, "session timed out").ok());  // 2: identify anew
    REQUIRE((*srv)->wait_for_identifies(2, 10s));
    burst();
    REQUIRE((*srv)->drop().ok());  // 3: lost, resumable
    REQUIRE((*srv)->wait_for_resumes(2, 10s));
    burst();
    client.gateway().identify();  // 4: the bot gives the session up (1000)
    REQUIRE((*srv)->wait_for_identifies(3, 10s));
    burst();
    client.gateway().reconnect();  // 5: the bot asks for a resume (4000)
    REQUIRE((*srv)->wait_for_resumes(3, 10s));
    burst();
    REQUIRE(client.close().ok());  // 6: the end (1000)
  }
  const std::string digest = cache.digest_hex();
  REQUIRE((*writer)->end_recording(*rec_id, 1, digest).ok());
  REQUIRE((*writer)->close().ok());
  return digest;
}

struct Replayed {
  std::string digest;
  std::vector<replay::Divergence> divergences;
};

Replayed replay_log(const std::filesystem::path& log) {
  auto r = replay::Replayer::open(log.string());
  REQUIRE(r.ok());
  REQUIRE((*r)->run().ok());
  return {(*r)->cache().digest_hex(), (*r)->divergences()};
}

}  // namespace

TEST_CASE("replay takes each connection's recorded end, and diverges when it is changed",
          "[replay][connections]") {
  const auto log = fresh("ends.gwtape");
  const std::string live = record_session(log);

  // What the recorder kept: one row per connection, in the six ways they ended.
  {
    auto reader = store::LogReader::open(log.string());
    REQUIRE(reader.ok());
    auto ends = (*reader)->connection_ends();
    REQUIRE(ends.ok());
    // On a failure, every row: which connection ended how (a flake once recorded 10).
    for (const auto& end : *ends) {
      UNSCOPED_INFO("conn " << end.conn << " closed by " << static_cast<int>(end.closed_by)
                            << " code " << (end.code ? std::to_string(*end.code) : "none") << " \""
                            << end.reason << "\" at " << end.ts_ns);
    }
    REQUIRE(ends->size() == 6);
    const auto& e = *ends;
    for (std::uint32_t i = 0; i < 6; ++i) CHECK(e[i].conn == i + 1);
    CHECK((e[0].closed_by == store::ClosedBy::kServer && e[0].code == 4000));
    CHECK(e[0].reason == "unknown error");
    CHECK((e[1].closed_by == store::ClosedBy::kServer && e[1].code == 4009));
    CHECK((e[2].closed_by == store::ClosedBy::kLost && !e[2].code));
    CHECK((e[3].closed_by == store::ClosedBy::kClient && e[3].code == 1000));
    CHECK((e[4].closed_by == store::ClosedBy::kClient && e[4].code == 4000));
    CHECK((e[5].closed_by == store::ClosedBy::kClient && e[5].code == 1000));
    for (const auto& end : e) CHECK(end.ts_ns > 0);
  }

  // Replayed as recorded: the live digest, no divergence.
  const Replayed same = replay_log(log);
  CHECK(same.digest == live);
  for (const auto& d : same.divergences) {
    INFO("frame " << d.frame_id << "\n recorded " << d.expected << "\n replayed " << d.actual);
    CHECK(false);
  }

  // Had the server said 4009 instead of 4000, the library would have identified where the
  // log resumes: a divergence at that resume.
  const auto changed = fresh("changed.gwtape");
  std::filesystem::copy_file(log, changed);
  exec(changed, "UPDATE connections SET code = 4009 WHERE conn = 1");
  const Replayed d1 = replay_log(changed);
  REQUIRE(d1.divergences.size() >= 1);
  CHECK(d1.divergences[0].expected.rfind("{\"op\":6,", 0) == 0);
  CHECK(d1.divergences[0].actual.rfind("{\"op\":2,", 0) == 0);
  // And 4000 where live identified after 4009: resume expected, identify recorded.
  exec(changed, "UPDATE connections SET code = 4000 WHERE conn <= 2");
  const Replayed d2 = replay_log(changed);
  REQUIRE(d2.divergences.size() >= 1);
  CHECK(d2.divergences[0].expected.rfind("{\"op\":2,", 0) == 0);
  CHECK(d2.divergences[0].actual.rfind("{\"op\":6,", 0) == 0);

  // A log from before the table: the recorded sends are followed, the digest is the same.
  const auto old = fresh("old.gwtape");
  std::filesystem::copy_file(log, old);
  exec(old, "DROP TABLE connections");
  const Replayed followed = replay_log(old);
  CHECK(followed.digest == live);
  CHECK(followed.divergences.empty());
  // A writer adds the table back to such a log.
  {
    auto w = store::LogWriter::open(old.string());
    REQUIRE(w.ok());
    REQUIRE((*w)->close().ok());
    auto reader = store::LogReader::open(old.string());
    REQUIRE(reader.ok());
    auto ends = (*reader)->connection_ends();
    REQUIRE(ends.ok());
    CHECK(ends->empty());
  }
}
