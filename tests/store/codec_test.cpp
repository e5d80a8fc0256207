// Blocks and dictionaries: training on the log's own frames, and what it buys.
#include "gwtape/store/log_writer.h"

#include <catch2/catch_test_macros.hpp>

#include "gwtape/store/log_reader.h"
#include "gwtape/store/verify.h"
#include "store_test_util.h"
#ifdef GWTAPE_HAVE_FIXTURES
#include "gwtape/fixtures/generator.h"
#endif

namespace gwtape::store {
namespace {

using testing::column;
using testing::TempDir;

// Realistic traffic from the project's generator when it is built, else the small builder.
std::vector<Frame> traffic(int n) {
  std::vector<Frame> out;
#ifdef GWTAPE_HAVE_FIXTURES
  auto gen = fixtures::Generator::create({});
  REQUIRE(gen.ok());
  for (int i = 0; i < n; ++i) {
    auto g = gen->next();
    out.push_back(Frame{1, 1, g.ts_ns, g.direction, std::move(g.text)});
  }
#else
  out = testing::FrameBuilder().session(1, n);
#endif
  return out;
}

LogStats write(const std::string& path, const std::vector<Frame>& frames, WriterOptions opts,
               std::uint64_t dictionaries) {
  auto w = LogWriter::open(path, opts);
  REQUIRE(w.ok());
  RecordingInfo info;
  info.started_at_ns = frames.front().ts_ns;
  REQUIRE((*w)->begin_recording(info).ok());
  for (const auto& f : frames) REQUIRE((*w)->append(f).ok());
  REQUIRE((*w)->close().ok());
  CHECK((*w)->stats().dictionaries == dictionaries);
  auto v = verify(path);
  REQUIRE(v.ok());
  CHECK(v->ok());
  auto s = stats(path);
  REQUIRE(s.ok());
  return *s;
}

TEST_CASE("store: a dictionary is trained once enough frames are seen, and used") {
  TempDir dir;
  auto frames = traffic(8000);
  WriterOptions with;
  with.block_frames = 256;  // more, smaller blocks: where a dictionary pays
  with.dict_train_frames = 1500;
  with.dict_bytes = 32 << 10;
  WriterOptions without = with;
  without.dict_bytes = 0;
  LogStats a = write(dir.file("dict.gwtape"), frames, with, 1);
  LogStats b = write(dir.file("plain.gwtape"), frames, without, 0);
  CHECK(a.dictionaries == 1);
  CHECK(b.dictionaries == 0);
  // The dictionary (stored in the log, counted in frame_bytes) pays for itself.
  CHECK(a.frame_bytes < b.frame_bytes);
  INFO("with " << a.frame_bytes << " without " << b.frame_bytes);

  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(dir.file("dict.gwtape").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
          SQLITE_OK);
  // Blocks sealed before training were sealed again with it (reseal_early_blocks); every one
  // after has it.
  auto first_frame = column(db, "SELECT first_frame FROM dicts");
  REQUIRE(first_frame.size() == 1);
  CHECK(column(db, "SELECT count(*) FROM blocks WHERE dict IS NULL AND first + n > " +
                       first_frame[0]) == std::vector<std::string>{"0"});
  CHECK(column(db, "SELECT count(*) FROM blocks WHERE dict IS NULL") ==
        std::vector<std::string>{"0"});
  CHECK(column(db, "SELECT count(*) > 20 FROM blocks WHERE dict = 1") ==
        std::vector<std::string>{"1"});
  sqlite3_close(db);

  // And the frames come back exactly.
  auto r = LogReader::open(dir.file("dict.gwtape"));
  REQUIRE(r.ok());
  auto c = (*r)->frames();
  REQUIRE(c.ok());
  std::size_t i = 0;
  while (*(*c)->next()) {
    REQUIRE(i < frames.size());
    CHECK((*c)->frame().text == frames[i++].text);
  }
  CHECK(i == frames.size());
}

TEST_CASE("store: a large frame starts its own block") {
  TempDir dir;
  std::string path = dir.file("log.gwtape");
  std::vector<Frame> frames = traffic(300);
  frames.insert(frames.begin() + 100,
                Frame{1, 1, frames[100].ts_ns, Direction::kRecv, std::string(2 << 20, 'g')});
  WriterOptions opts;
  opts.block_bytes = 1 << 20;
  write(path, frames, opts, 0);
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  CHECK(column(db, "SELECT first || ':' || n FROM blocks ORDER BY first") ==
        std::vector<std::string>{"1:100", "101:1", "102:200"});
  sqlite3_close(db);
}

}  // namespace
}  // namespace gwtape::store
