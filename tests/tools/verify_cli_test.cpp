// gwtape verify, and what every command shares: --help, bad flags, missing and foreign files.
#include <sqlite3.h>

#include <catch2/catch_test_macros.hpp>

#include "tools_test_util.h"

namespace gwtape::tools::testing {
namespace {

const char* const kCommands[] = {"query",   "export", "import", "verify",
                                 "compact", "stats",  "shapes"};

TEST_CASE("tools: every command has --help (exit 0) and refuses unknown flags (exit 2)") {
  auto top = gwtape({"--help"});
  CHECK(top.exit_code == 0);
  for (const char* c : kCommands) {
    INFO(c);
    CHECK(top.out.find(std::string("  ") + c + " ") != std::string::npos);
    auto help = gwtape({c, "--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.out.rfind(std::string("usage: gwtape ") + c, 0) == 0);
    CHECK(help.out.find("exit:") != std::string::npos);
    auto bogus = gwtape({c, "log.gwtape", "--no-such-flag"});
    CHECK(bogus.exit_code == 2);
    CHECK(bogus.err.find("unknown flag --no-such-flag") != std::string::npos);
    CHECK(bogus.err.find("usage: gwtape") != std::string::npos);
    CHECK(gwtape({c}).exit_code == 2);
  }
}

TEST_CASE("tools: commands on a missing, empty, foreign or truncated file exit 4, no crash") {
  TempDir dir;
  LogSpec spec;
  spec.frames = 800;
  write_log(dir.file("good.gwtape"), {spec});
  const std::string good = read_file(dir.file("good.gwtape"));
  write_file(dir.file("empty.gwtape"), "");
  write_file(dir.file("text.gwtape"), "just text\n");
  write_file(dir.file("half.gwtape"), good.substr(0, good.size() / 2));
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(dir.file("other.db").c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "CREATE TABLE t(a)", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  for (const char* name :
       {"missing.gwtape", "empty.gwtape", "text.gwtape", "other.db", "half.gwtape"}) {
    const std::string path = dir.file(name);
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"query", path, "SELECT count(*) FROM events"},
          {"export", path},
          {"verify", path},
          {"compact", path},
          {"stats", path},
          {"stats", path, "--json"},
          {"shapes", path},
          {"shapes", path, "--json"}}) {
      INFO(args[0] << " " << name);
      auto r = gwtape(args);
      CHECK(r.exit_code == 4);
      CHECK(r.err.rfind("gwtape " + args[0] + ": " + path, 0) == 0);
    }
  }
  CHECK(read_file(dir.file("text.gwtape")) == "just text\n");
}

TEST_CASE("tools: verify passes a sound log and reports the first problem with its frame") {
  TempDir dir;
  LogSpec spec;
  spec.frames = 1200;
  spec.reconnects = {{500, Reconnect::kOp9Identify}};
  const std::string log = dir.file("a.gwtape");
  auto written = write_log(log, {spec});
  auto ok = gwtape({"verify", log});
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.rfind(log + ": ok: " + std::to_string(written.frames.size()) + " frames in ", 0) ==
        0);
  CHECK(ok.out.find(" blocks and 0 pending, 1 recordings\n") != std::string::npos);

  // A frame row whose size disagrees with its text: changed behind the store's back.
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(log.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "UPDATE frames SET size = size + 1 WHERE id = 777", nullptr, nullptr,
                         nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  auto bad = gwtape({"verify", log});
  CHECK(bad.exit_code == 4);
  CHECK(bad.out.empty());
  CHECK(bad.err.find("frame 777") != std::string::npos);

  // A sequence gap: the first received dispatch from frame 300 on gets another s. What the
  // gateway sent is not damage to the log: a warning naming the frame, and exit 0.
  LogSpec gap_spec;
  gap_spec.frames = 600;
  const std::string gap = dir.file("gap.gwtape");
  write_log(gap, {gap_spec});
  auto target = gwtape({"query", gap,
                        "SELECT min(id) FROM events WHERE id >= 300 AND op = 0 AND s IS NOT NULL "
                        "AND direction = 'recv'",
                        "--format", "csv"});
  REQUIRE(target.exit_code == 0);
  const std::string id =
      target.out.substr(target.out.find('\n') + 1,
                        target.out.find('\r', target.out.find('\n')) - target.out.find('\n') - 1);
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(gap.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, ("UPDATE frames SET s = s + 5 WHERE id = " + id).c_str(), nullptr,
                         nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  auto seq = gwtape({"verify", gap});
  CHECK(seq.exit_code == 0);
  CHECK(seq.err.find("gwtape verify: warning: " + gap + ": frame " + id + ": ") !=
        std::string::npos);
  CHECK(seq.err.find("sequence") != std::string::npos);
  CHECK(seq.out.find("; warnings: 1 sequence gaps, ") != std::string::npos);
}

}  // namespace
}  // namespace gwtape::tools::testing
