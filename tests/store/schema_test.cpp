// Opening files that are not logs of this version: a clear error, and the file unchanged.
#include "gwtape/store/log_reader.h"

#include <catch2/catch_test_macros.hpp>

#include <algorithm>
#include <filesystem>

#include "gwtape/store/log_writer.h"
#include "gwtape/store/verify.h"
#include "store_test_util.h"

namespace gwtape::store {
namespace {

using testing::FrameBuilder;
using testing::read_bytes;
using testing::TempDir;
using testing::write_bytes;

void make_log(const std::string& path, int frames) {
  auto w = LogWriter::open(path);
  REQUIRE(w.ok());
  auto rec = (*w)->begin_recording({});
  REQUIRE(rec.ok());
  for (auto& f : FrameBuilder().session(*rec, frames)) REQUIRE((*w)->append(std::move(f)).ok());
  REQUIRE((*w)->close().ok());
}

// Every way in refuses `path` with `code`, and leaves its bytes (and directory) as they were.
void check_refused(const TempDir& dir, const std::string& path, Errc code) {
  std::string before = read_bytes(path);
  auto entries = [&] {
    std::vector<std::string> names;
    for (auto& e : std::filesystem::directory_iterator(dir.path()))
      names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  };
  auto names_before = entries();
  auto r = LogReader::open(path);
  REQUIRE(!r.ok());
  CHECK(r.error().code == code);
  CHECK(r.error().message.find(path) == 0);
  auto w = LogWriter::open(path);
  REQUIRE(!w.ok());
  CHECK(w.error().code == code);
  auto v = verify(path);
  REQUIRE(!v.ok());
  CHECK(v.error().code == code);
  auto s = stats(path);
  REQUIRE(!s.ok());
  CHECK(read_bytes(path) == before);
  CHECK(entries() == names_before);
  INFO(r.error().message);
}

TEST_CASE("store: files that are not logs are refused unmodified") {
  TempDir dir;
  std::string path = dir.file("x.gwtape");
  SECTION("garbage") {
    std::string junk(10000, '\0');
    for (std::size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<char>(i * 7 + 3);
    write_bytes(path, junk);
    check_refused(dir, path, Errc::kNotALog);
  }
  SECTION("an empty file") {
    write_bytes(path, "");
    check_refused(dir, path, Errc::kNotALog);
  }
  SECTION("text") {
    write_bytes(path, "{\"op\":0}\n{\"op\":1}\n");
    check_refused(dir, path, Errc::kNotALog);
  }
  SECTION("a SQLite database that is not a log") {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES(1);", nullptr, nullptr,
                         nullptr) == SQLITE_OK);
    sqlite3_close(db);
    check_refused(dir, path, Errc::kNotALog);
  }
  SECTION("a log of another schema version") {
    make_log(path, 10);
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
    check_refused(dir, path, Errc::kVersion);
  }
  SECTION("a truncated log") {
    make_log(path, 3000);
    std::string bytes = read_bytes(path);
    REQUIRE(bytes.size() > 8 * 4096);
    write_bytes(path, bytes.substr(0, bytes.size() / 2));
    check_refused(dir, path, Errc::kCorrupt);
  }
  SECTION("a log cut inside its header") {
    make_log(path, 10);
    write_bytes(path, read_bytes(path).substr(0, 60));
    auto r = LogReader::open(path);
    REQUIRE(!r.ok());
    CHECK((r.error().code == Errc::kNotALog || r.error().code == Errc::kCorrupt));
  }
}

TEST_CASE("store: a missing file is kIo for readers and a new log for the writer") {
  TempDir dir;
  std::string path = dir.file("new.gwtape");
  auto r = LogReader::open(path);
  REQUIRE(!r.ok());
  CHECK(r.error().code == Errc::kIo);
  CHECK(!std::filesystem::exists(path));
  make_log(path, 5);
  auto again = LogReader::open(path);
  REQUIRE(again.ok());
  // Nothing is left of the creation's temporary file.
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path())) {
    (void)e;
    ++files;
  }
  CHECK(files == 1);
}

}  // namespace
}  // namespace gwtape::store
