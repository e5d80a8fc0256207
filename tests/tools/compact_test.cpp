// gwtape compact: the compacted log reads as before (verify, query, replay, export, stats), is
// smaller, refuses a log being written, and survives SIGKILL at any moment as the old or the
// new log.
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch_test_macros.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "gwtape/store/log_writer.h"
#include "tools_test_util.h"

namespace gwtape::tools::testing {
namespace {

std::int64_t pragma(const std::string& path, const char* name) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, (std::string("PRAGMA ") + name).c_str(), -1, &s, nullptr) ==
          SQLITE_OK);
  REQUIRE(sqlite3_step(s) == SQLITE_ROW);
  const std::int64_t v = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(db);
  return v;
}

std::int64_t json_field(const std::string& json, const std::string& name) {
  const auto at = json.find("\"" + name + "\":");
  REQUIRE(at != std::string::npos);
  return std::stoll(json.substr(at + name.size() + 3));
}

// What the commands print for a log, compared before and after compaction.
struct Views {
  std::string exported, replayed, queried;
};

Views views_of(const std::string& log) {
  Views v;
  auto e = gwtape({"export", log});
  REQUIRE(e.exit_code == 0);
  v.exported = e.out;
  // Generated logs diverge from what this client would send (the generator's identify): the
  // replay's verdict, whichever it is, must be the same after compaction.
  auto r = gwtape({"replay", log, "--summary"});
  v.replayed = std::to_string(r.exit_code) + "\n" + r.out + r.err;
  auto q = gwtape({"query", log,
                   "SELECT t, count(*), sum(size), sum(length(json)) FROM events "
                   "WHERE t IS NOT NULL GROUP BY t ORDER BY t"});
  REQUIRE(q.exit_code == 0);
  v.queried = q.out;
  return v;
}

LogSpec spec_of(std::uint64_t frames, fixtures::Profile profile, std::uint64_t seed) {
  LogSpec s;
  s.frames = frames;
  s.generator.seed = seed;
  s.generator.profile = profile;
  if (profile == fixtures::Profile::kRepetitive) {
    s.generator.guilds = 2;
    s.generator.members_per_guild = 40;
  }
  return s;
}

}  // namespace

TEST_CASE("compact: the compacted log reads the same, verifies, and is smaller") {
  TempDir dir;
  const std::string log = dir.file("log.gwtape");
  LogSpec a = spec_of(3000, fixtures::Profile::kRepetitive, 7);
  a.reconnects = {{1200, Reconnect::kOp7Resume}};
  LogSpec b = spec_of(1500, fixtures::Profile::kDefault, 8);
  b.end_recording = false;
  write_log(log, {a, b});
  const Views before = views_of(log);
  const std::string first_two[] = {gwtape({"export", log, "--recording", "1"}).out,
                                   gwtape({"export", log, "--recording", "2"}).out};
  auto stats_before = gwtape({"stats", log, "--json"});
  REQUIRE(stats_before.exit_code == 0);

  auto c = gwtape({"compact", log});
  INFO(c.err);
  REQUIRE(c.exit_code == 0);
  CHECK(c.out.find(log + ": compacted: ") == 0);
  CHECK(pragma(log, "user_version") == 2);
  auto v = gwtape({"verify", log});
  INFO(v.err);
  CHECK(v.exit_code == 0);
  const Views after = views_of(log);
  CHECK(after.exported == before.exported);
  CHECK(after.replayed == before.replayed);
  CHECK(after.queried == before.queried);
  auto stats_after = gwtape({"stats", log, "--json"});
  REQUIRE(stats_after.exit_code == 0);
  CHECK(json_field(stats_after.out, "frame_bytes") < json_field(stats_before.out, "frame_bytes"));
  CHECK(json_field(stats_after.out, "frames") == json_field(stats_before.out, "frames"));

  // Compacting again re-packs; a recording appended later gets ordinary blocks.
  REQUIRE(
      gwtape({"compact", log, "--level", "3", "--block-kib", "64", "--dict-kib", "16"}).exit_code ==
      0);
  CHECK(views_of(log).exported == before.exported);
  {
    auto w = store::LogWriter::open(log);
    REQUIRE(w);
    store::RecordingInfo info;
    info.started_at_ns = 1000;
    auto rec = (*w)->begin_recording(info);
    REQUIRE(rec);
    for (int i = 0; i < 600; ++i) {
      store::Frame f;
      f.recording_id = *rec;
      f.conn = 1;
      f.ts_ns = 1000 + i;
      f.text = "{\"op\":11,\"n\":" + std::to_string(i) + "}";
      REQUIRE((*w)->append(std::move(f)));
    }
    REQUIRE((*w)->close());
  }
  CHECK(gwtape({"verify", log}).exit_code == 0);
  for (const char* rec : {"1", "2"}) {
    INFO("recording " << rec);
    CHECK(gwtape({"export", log, "--recording", rec}).out == first_two[rec[0] - '1']);
  }
  auto q = gwtape(
      {"query", log, "SELECT count(*), sum(length(json)) FROM events WHERE recording_id = 3"});
  CHECK(q.out.find("600") != std::string::npos);
}

TEST_CASE("compact: usage errors exit 2, bad logs 4, a log being written is refused") {
  TempDir dir;
  CHECK(gwtape({"compact"}).exit_code == 2);
  CHECK(gwtape({"compact", "a", "b"}).exit_code == 2);
  CHECK(gwtape({"compact", dir.file("x"), "--level", "23"}).exit_code == 2);
  CHECK(gwtape({"compact", dir.file("x"), "--block-kib", "1"}).exit_code == 2);
  auto help = gwtape({"compact", "--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.rfind("usage: gwtape compact", 0) == 0);
  auto missing = gwtape({"compact", dir.file("missing.gwtape")});
  CHECK(missing.exit_code == 4);
  write_file(dir.file("text.gwtape"), "just text\n");
  auto text = gwtape({"compact", dir.file("text.gwtape")});
  CHECK(text.exit_code == 4);
  CHECK(read_file(dir.file("text.gwtape")) == "just text\n");

  const std::string log = dir.file("live.gwtape");
  write_log(log, {spec_of(800, fixtures::Profile::kDefault, 3)});
  const std::string bytes = read_file(log);
  {
    auto w = store::LogWriter::open(log);
    REQUIRE(w);
    auto busy = gwtape({"compact", log});
    CHECK(busy.exit_code == 4);
    CHECK(busy.err.find("in use by another process") != std::string::npos);
    REQUIRE((*w)->close());
  }
  CHECK(gwtape({"verify", log}).exit_code == 0);
  CHECK(gwtape({"compact", log}).exit_code == 0);
}

// SIGKILL at evenly spread instants of a compaction (timed once uninterrupted): every log left
// verifies and exports the same frames, as version 1 (old) or 2 (new). Level 6 keeps the run
// (and the test) short; the steps and transactions are those of every level.
TEST_CASE("compact: SIGKILL at any moment leaves the old or the new log") {
  TempDir dir;
  const std::string original = dir.file("original.gwtape");
  LogSpec spec = spec_of(4000, fixtures::Profile::kRepetitive, 11);
  spec.end_recording = false;
  write_log(original, {spec});
  const std::string bytes = read_file(original);
  const std::string exported = gwtape({"export", original}).out;
  REQUIRE(!exported.empty());
  const std::string program = std::string(GWTAPE_BINARY_DIR) + "/tools/gwtape";
  const std::string log = dir.file("log.gwtape");
  auto fresh = [&] {
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) ::unlink((log + suffix).c_str());
    write_file(log, bytes);
  };

  fresh();
  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(gwtape({"compact", log, "--level", "6"}).exit_code == 0);
  const auto full = std::chrono::steady_clock::now() - t0;
  const auto span = std::chrono::duration_cast<std::chrono::microseconds>(full);
  INFO("uninterrupted compaction: " << span.count() << " us");

  constexpr int kKills = 20;
  int old_logs = 0, new_logs = 0;
  for (int i = 0; i < kKills; ++i) {
    fresh();
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      // The child: stdout and stderr to /dev/null, then the program.
      const int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, 1);
      ::dup2(null, 2);
      ::execl(program.c_str(), program.c_str(), "compact", log.c_str(), "--level", "6",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    // From just after the start to a little past the uninterrupted duration (process start-up
    // included), so the kill lands in every phase: open, read, compress, commit, vacuum.
    std::this_thread::sleep_for(span * (i + 1) / kKills + std::chrono::milliseconds(i % 3));
    ::kill(pid, SIGKILL);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    INFO("kill " << i << " after " << (span.count() * (i + 1) / kKills) << " us");
    auto v = gwtape({"verify", log});
    INFO(v.err);
    REQUIRE(v.exit_code == 0);
    auto e = gwtape({"export", log});
    REQUIRE(e.exit_code == 0);
    REQUIRE(e.out == exported);
    const std::int64_t version = pragma(log, "user_version");
    CHECK((version == 1 || version == 2));
    (version == 1 ? old_logs : new_logs)++;
  }
  // The early kills (5% into the run, process start-up included) land before the commit: the
  // kills did reach the phases where only the old log can be left.
  INFO("old " << old_logs << ", new " << new_logs);
  CHECK(old_logs > 0);
}

}  // namespace gwtape::tools::testing
