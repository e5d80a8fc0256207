// What the corruption soak (corruption_soak_test.cpp) found, each as a damage made on purpose.
#include <sqlite3.h>

#include <catch2/catch_test_macros.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "timed_run.h"
#include "tools_test_util.h"

namespace gwtape::tools::testing {
namespace {

constexpr std::size_t kPage = 4096;

// The page numbers of overflow pages that point on to another one (not a chain's last).
std::vector<std::uint32_t> linked_overflow_pages(const std::string& path,
                                                 const std::string& bytes) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT pageno FROM dbstat WHERE pagetype = 'overflow'", -1, &st,
                             nullptr) == SQLITE_OK);
  std::vector<std::uint32_t> pages;
  while (sqlite3_step(st) == SQLITE_ROW) {
    const auto page = static_cast<std::uint32_t>(sqlite3_column_int64(st, 0));
    const std::size_t at = (page - 1) * kPage;
    REQUIRE(at + 4 <= bytes.size());
    if (bytes[at] || bytes[at + 1] || bytes[at + 2] || bytes[at + 3]) pages.push_back(page);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return pages;
}

// A 400-frame log recorded by `gwtape demo` in `dir` (no dictionary: fewer than 4096 frames).
std::string demo_log_in(TempDir& dir) {
  const std::string log = dir.file("demo.gwtape");
  const Run demo = gwtape({"demo", "--out", log, "--frames", "400", "--seed", "14"});
  INFO(demo.err);
  REQUIRE(demo.exit_code == 0);
  return log;
}

}  // namespace

// Soak seed 14, mutation 28 (4090 random bytes over a page of a block's overflow chain): SQLite's
// dbstat, which `stats` reads, answers SQLITE_FULL ("database or disk is full") for an overflow
// pointer beyond the largest page number a database may have, and stats exited 1 as for a full
// disk. On a read-only connection nothing can be full: it is a corrupt log, exit 4.
TEST_CASE("tools: an overflow pointer past the last possible page is a corrupt log, exit 4",
          "[tools][corruption]") {
  TempDir dir;
  const std::string log = demo_log_in(dir);
  std::string bytes = read_file(log);
  const auto pages = linked_overflow_pages(log, bytes);
  REQUIRE(!pages.empty());  // blocks of compressed frames are larger than a page
  // 0x50000000: above SQLite's default max_page_count (0x3fffffff), below its hard limit.
  const std::size_t at = (pages[pages.size() / 2] - 1) * kPage;
  bytes[at] = 0x50;
  bytes[at + 1] = bytes[at + 2] = bytes[at + 3] = 0;
  write_file(log, bytes);

  const Run stats = gwtape({"stats", log, "--json"});
  INFO(stats.err);
  CHECK(stats.exit_code == 4);
  CHECK(stats.err.find("corrupt or truncated log") != std::string::npos);
  CHECK(stats.err.find(log) != std::string::npos);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"verify", log},
        {"replay", log, "--summary"},
        {"export", log, "--out", dir.file("x.jsonl")},
        {"query", log, "SELECT sum(length(json)) FROM events"}}) {
    const Run run = gwtape(args);
    INFO(args[0] << ": " << run.err);
    CHECK((run.exit_code == 0 || run.exit_code == 4));
  }
  CHECK(read_file(log) == bytes);
}

// fuzz_log: a log whose frames b-tree has rowids out of order and whose blocks are unreadable
// (fuzz/corpus/log/regression_frames_out_of_order.bin). `replay --skip-bad` skipped frames 12
// and 37 in turn for ever (millions of "skipped" lines, never an exit); every command now ends.
TEST_CASE("tools: replay --skip-bad on frames out of order ends", "[tools][corruption]") {
  TempDir dir;
  const std::string log = dir.file("damaged.gwtape");
  write_file(log,
             read_file(GWTAPE_SOURCE_DIR "/fuzz/corpus/log/regression_frames_out_of_order.bin"));
  const std::string bytes = read_file(log);
  REQUIRE(!bytes.empty());
  const std::vector<std::vector<std::string>> commands = {
      {"replay", log, "--summary", "--skip-bad"},
      {"replay", log, "--summary"},
      {"verify", log},
      {"export", log, "--out", dir.file("x.jsonl")},
  };
  const auto runs =
      run_all(GWTAPE_BINARY_DIR "/tools/gwtape", commands, std::chrono::seconds(20), dir.path());
  for (std::size_t i = 0; i < runs.size(); ++i) {
    INFO(commands[i][0] << " " << (commands[i].size() > 3 ? commands[i][3] : "") << ": "
                        << runs[i].err.substr(0, 500));
    CHECK(!runs[i].timed_out);
    CHECK((runs[i].exit_code == 0 || runs[i].exit_code == 4));
  }
  CHECK(runs[0].err.find("out of order") != std::string::npos);
  CHECK(read_file(log) == bytes);
}

// Corruption soak, seed 14 (17 of 150 mutations once replay --skip-bad was among the commands):
// with a compressed block damaged, replay --skip-bad skipped its frames, then reported the
// identify the skip made diverge and exited 1, as for a library whose identify changed. A
// replay that skipped corrupt frames exits 4 (the summary still printed, bad_frames counted).
TEST_CASE("tools: replay --skip-bad that skipped frames exits 4", "[tools][corruption]") {
  TempDir dir;
  const std::string log = demo_log_in(dir);
  std::string bytes = read_file(log);
  // The first block's data: the first overflow page (a 400-frame demo has no dictionary).
  const auto pages = linked_overflow_pages(log, bytes);
  REQUIRE(!pages.empty());
  bytes[(pages.front() - 1) * kPage + 100] ^= 0x10;
  write_file(log, bytes);

  const Run stop = gwtape({"replay", log, "--summary"});
  INFO(stop.err);
  CHECK(stop.exit_code == 4);
  const Run skip = gwtape({"replay", log, "--summary", "--skip-bad"});
  INFO(skip.err);
  CHECK(skip.exit_code == 4);
  CHECK(skip.err.find("gwtape replay: skipped: ") != std::string::npos);
  CHECK(skip.err.find("corrupt frames skipped") != std::string::npos);
  CHECK(skip.out.find("\"bad_frames\":0,") == std::string::npos);
  CHECK(skip.out.find("\"bad_frames\":") != std::string::npos);
}

// Corruption soak, seed 15, mutation 673 (one bit of a frame row's `cd`): the row moved to a
// connection that never was, and replay met a connection that ended early: a divergence, exit
// 1, as for a library whose behaviour changed, while verify said ok. The rows of a recording
// follow the order the recorder writes (connections one after another, times never going
// back); replay and verify now call a row that breaks it a corrupt log, exit 4.
TEST_CASE("tools: a frame row moved to another connection or time is a corrupt log, exit 4",
          "[tools][corruption]") {
  TempDir dir;
  const std::string demo_log = demo_log_in(dir);
  const std::pair<const char*, const char*> damages[] = {
      {"UPDATE frames SET cd = cd + 2 WHERE id = 200",
       "frame 201: connection 1 after connection 2"},
      {"UPDATE frames SET dts = dts - 5000000000 WHERE id = 200",
       "frame 200: recorded 4"},  // about 5 s before frame 199 (the demo takes under a second)
  };
  for (const auto& [sql, what] : damages) {
    const std::string log = dir.file("damaged.gwtape");
    write_file(log, read_file(demo_log));
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(log.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
    INFO(sql);
    const Run verify = gwtape({"verify", log});
    INFO(verify.err);
    CHECK(verify.exit_code == 4);
    const Run stop = gwtape({"replay", log, "--summary"});
    INFO(stop.err);
    CHECK(stop.exit_code == 4);
    CHECK(stop.err.find(log + ": corrupt log: " + what) != std::string::npos);
    const Run skip = gwtape({"replay", log, "--summary", "--skip-bad"});
    INFO(skip.err);
    CHECK(skip.exit_code == 4);
    CHECK(skip.out.find("\"bad_frames\":1,") != std::string::npos);
  }
}

}  // namespace gwtape::tools::testing
