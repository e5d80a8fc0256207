// store::verify and store::stats on sound logs and on logs damaged on purpose.
#include "gwtape/store/verify.h"

#include <catch2/catch_test_macros.hpp>

#include "gwtape/store/log_writer.h"
#include "store_test_util.h"

namespace gwtape::store {
namespace {

using testing::FrameBuilder;
using testing::TempDir;

// Writes `count` builder frames (one recording), optionally with extra frames after them.
void write_session(const std::string& path, int count, const std::vector<std::string>& extra = {},
                   int block_frames = 64) {
  WriterOptions opts;
  opts.block_frames = block_frames;
  opts.dict_train_frames = 100;
  auto w = LogWriter::open(path, opts);
  REQUIRE(w.ok());
  RecordingInfo info;
  info.started_at_ns = 1'000'000'000;
  auto rec = (*w)->begin_recording(info);
  REQUIRE(rec.ok());
  for (auto& f : FrameBuilder().session(*rec, count)) REQUIRE((*w)->append(std::move(f)).ok());
  for (const auto& t : extra)
    REQUIRE((*w)->append(Frame{*rec, 2, 2'000'000'000, Direction::kRecv, t}).ok());
  REQUIRE((*w)->close().ok());
}

// Runs SQL on a log with a plain read-write connection (as a careless user or a bug would).
void tamper(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  INFO((err ? err : ""));
  sqlite3_free(err);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

TEST_CASE("store: verify accepts a sound log and counts it") {
  TempDir dir;
  std::string path = dir.file("log.gwtape");
  write_session(path, 1000);
  auto v = verify(path);
  REQUIRE(v.ok());
  INFO((v->problem ? v->problem->message : ""));
  CHECK(v->ok());
  CHECK(v->frames == 1000);
  CHECK(v->recordings == 1);
  CHECK(v->blocks == 16);  // 15 full blocks of 64 and the tail sealed at close
}

TEST_CASE("store: verify reports the first problem with its frame id") {
  TempDir dir;
  std::string path = dir.file("log.gwtape");
  write_session(path, 1000);

  SECTION("a block whose bytes changed fails its checksum") {
    // Flip one byte inside the compressed data of the block holding frames 129..192.
    tamper(path,
           "UPDATE blocks SET data = substr(data, 1, 40) || "
           "CASE WHEN substr(data, 41, 1) = X'00' THEN X'01' ELSE X'00' END || substr(data, 42) "
           "WHERE first = 129");
    auto v = verify(path);
    REQUIRE(v.ok());
    REQUIRE(!v->ok());
    CHECK(v->problem->frame_id == 129);
    CHECK(v->problem->message.find("frame 129") != std::string::npos);
  }
  SECTION("a missing block leaves frames without text") {
    tamper(path, "DELETE FROM blocks WHERE first = 321");
    auto v = verify(path);
    REQUIRE(v.ok());
    REQUIRE(!v->ok());
    CHECK(v->problem->frame_id == 321);
  }
  SECTION("ids must be dense") {
    tamper(path, "DELETE FROM frames WHERE id = 500");
    auto v = verify(path);
    REQUIRE(v.ok());
    REQUIRE(!v->ok());
    CHECK(v->problem->frame_id == 500);
  }
  SECTION("a dispatch sequence gap or repeat is a warning, not a problem") {
    // Frame 700 skips one number; the next dispatch then repeats 700's.
    tamper(path, "UPDATE frames SET s = s + 1 WHERE id = 700");
    auto v = verify(path);
    REQUIRE(v.ok());
    CHECK(v->ok());
    CHECK(v->seq_gaps == 1);
    CHECK(v->seq_repeats == 1);
    REQUIRE(v->warnings.size() == 2);
    CHECK(v->warnings[0].frame_id == 700);
    CHECK(v->warnings[0].message.find("frame 700: recording 1: dispatch sequence") !=
          std::string::npos);
    CHECK(v->warnings[0].message.find("(1 skipped)") != std::string::npos);
    CHECK(v->warnings[1].message.find("(repeated") != std::string::npos);
  }
  SECTION("only the first warnings are kept; all are counted") {
    tamper(path, "UPDATE frames SET s = s * 2 WHERE s IS NOT NULL");
    auto v = verify(path);
    REQUIRE(v.ok());
    CHECK(v->ok());
    CHECK(v->seq_gaps > static_cast<std::int64_t>(VerifyReport::kMaxWarnings));
    CHECK(v->warnings.size() == VerifyReport::kMaxWarnings);
  }
  SECTION("a connection end of no recording, or with an unknown closer or code") {
    const std::pair<const char*, const char*> cases[] = {
        {"INSERT INTO connections VALUES(9, 1, 5, 'server', 4000, '')", "no such recording"},
        {"INSERT INTO connections VALUES(1, 1, 5, 'nobody', 4000, '')", "'nobody'"},
        {"INSERT INTO connections VALUES(1, 2, 5, 'server', 70000, '')", "close code 70000"}};
    for (const auto& [sql, what] : cases) {
      tamper(path, "DELETE FROM connections");
      tamper(path, sql);
      auto v = verify(path);
      REQUIRE(v.ok());
      REQUIRE(!v->ok());
      CHECK_FALSE(v->problem->frame_id.has_value());
      CHECK(v->problem->message.find(what) != std::string::npos);
    }
    tamper(path, "DELETE FROM connections");
    tamper(path, "INSERT INTO connections VALUES(1, 1, 5, 'lost', NULL, 'reset')");
    auto v = verify(path);
    REQUIRE(v.ok());
    CHECK(v->ok());
  }
  // Corruption soak, seed 15, mutation 673: one bit of a row's `cd` moved frame 2818 to a
  // connection 3 that never was; replay diverged (exit 1) and verify said ok.
  SECTION("a row moved to another connection breaks the connections' order") {
    tamper(path, "UPDATE frames SET cd = cd + 2 WHERE id = 600");
    auto v = verify(path);
    REQUIRE(v.ok());
    REQUIRE(!v->ok());
    CHECK(v->problem->frame_id == 601);
    CHECK(v->problem->message.find("connection 1 after connection 2") != std::string::npos);
  }
  SECTION("a recorded time earlier than the frame before it") {
    tamper(path, "UPDATE frames SET dts = dts - 10000000 WHERE id = 600");
    auto v = verify(path);
    REQUIRE(v.ok());
    REQUIRE(!v->ok());
    CHECK(v->problem->frame_id == 600);
    CHECK(v->problem->message.find("times never go back") != std::string::npos);
  }
  SECTION("a size that disagrees with the stored text") {
    tamper(path, "UPDATE frames SET size = size + 1 WHERE id = 42");
    auto v = verify(path);
    REQUIRE(v.ok());
    REQUIRE(!v->ok());
    CHECK(v->problem->frame_id == 42);
  }
}

TEST_CASE("store: a new identify restarts the sequence") {
  TempDir dir;
  std::string path = dir.file("log.gwtape");
  // After the builder's session (sequence up to ~900), identify again and start from 1.
  std::vector<std::string> extra = {FrameBuilder::identify()};
  extra.push_back(R"({"op":0,"s":1,"t":"READY","d":{}})");
  extra.push_back(R"({"op":0,"s":2,"t":"GUILD_CREATE","d":{"id":"5"}})");
  WriterOptions opts;
  auto w = LogWriter::open(path, opts);
  REQUIRE(w.ok());
  auto rec = (*w)->begin_recording({});
  REQUIRE(rec.ok());
  for (auto& f : FrameBuilder().session(*rec, 100)) REQUIRE((*w)->append(std::move(f)).ok());
  REQUIRE((*w)->append(Frame{*rec, 2, 5'000'000'000, Direction::kSend, extra[0]}).ok());
  REQUIRE((*w)->append(Frame{*rec, 2, 5'000'000'001, Direction::kRecv, extra[1]}).ok());
  REQUIRE((*w)->append(Frame{*rec, 2, 5'000'000'002, Direction::kRecv, extra[2]}).ok());
  REQUIRE((*w)->close().ok());
  auto v = verify(path);
  REQUIRE(v.ok());
  INFO((v->problem ? v->problem->message : ""));
  CHECK(v->ok());
  CHECK(v->warnings.empty());
  CHECK(v->seq_gaps + v->seq_repeats == 0);
}

TEST_CASE("store: stats: frame_bytes plus meta_bytes is the file") {
  TempDir dir;
  std::string path = dir.file("log.gwtape");
  write_session(path, 3000, {}, 256);
  auto s = stats(path);
  REQUIRE(s.ok());
  CHECK(s->frames == 3000);
  CHECK(s->frame_bytes + s->meta_bytes == s->file_bytes);
  CHECK(s->file_bytes == static_cast<std::int64_t>(std::filesystem::file_size(path)));
  CHECK(s->frame_bytes < s->raw_bytes / 3);
  CHECK(s->meta_bytes < 64 * s->frames + 64 * 1024);  // the aim, plus the schema's fixed pages
  std::int64_t sum = 0;
  for (const auto& t : s->tables) sum += t.bytes;
  CHECK(sum == s->file_bytes);
}

}  // namespace
}  // namespace gwtape::store
