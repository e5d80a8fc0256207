// What `gwtape import` and `gwtape stats` need from the store: recordings with ids chosen by
// the caller, a tail sealed at close even right after a commit, and bytes per recording.
#include "gwtape/store/log_writer.h"

#include <catch2/catch_test_macros.hpp>

#include "gwtape/store/log_reader.h"
#include "gwtape/store/verify.h"
#include "store_test_util.h"

namespace gwtape::store {
namespace {

using testing::column;
using testing::FrameBuilder;
using testing::TempDir;

TEST_CASE("store: begin_recording with an id keeps it; the next free id follows the largest") {
  TempDir dir;
  const std::string path = dir.file("log.gwtape");
  auto w = LogWriter::open(path);
  REQUIRE(w.ok());
  RecordingInfo info;
  info.started_at_ns = 5;
  auto seven = (*w)->begin_recording(7, info);
  REQUIRE(seven.ok());
  CHECK(*seven == 7);
  REQUIRE((*w)->append(Frame{7, 1, 6, Direction::kRecv, "{\"op\":11}"}).ok());
  auto next = (*w)->begin_recording(info);
  REQUIRE(next.ok());
  CHECK(*next == 8);
  CHECK((*w)->begin_recording(0, info).error().code == Errc::kInvalidArgument);
  REQUIRE((*w)->close().ok());
  auto r = LogReader::open(path);
  REQUIRE(r.ok());
  auto recs = (*r)->recordings();
  REQUIRE(recs.ok());
  REQUIRE(recs->size() == 2);
  CHECK((*recs)[0].id == 7);
  CHECK((*r)->get(1)->recording_id == 7);

  // An id already taken stops the writer, like any failed insert; the log keeps its commits.
  auto w2 = LogWriter::open(path);
  REQUIRE(w2.ok());
  CHECK(!(*w2)->begin_recording(7, info).ok());
  CHECK(!(*w2)->append(Frame{8, 1, 9, Direction::kRecv, "x"}).ok());
  (void)(*w2)->close();
  CHECK(verify(path)->ok());
}

TEST_CASE("store: close right after a commit still seals the tail into a block") {
  for (int round = 0; round < 5; ++round) {
    TempDir dir;
    const std::string path = dir.file("log.gwtape");
    WriterOptions opts;
    opts.durability = Durability::kNoSync;
    opts.block_frames = 256;  // 300 frames: one full block and the tail
    auto w = LogWriter::open(path, opts);
    REQUIRE(w.ok());
    RecordingInfo info;
    info.started_at_ns = 1'000'000'000;
    auto rec = (*w)->begin_recording(info);
    REQUIRE(rec.ok());
    for (auto& f : FrameBuilder(round).session(*rec, 300)) REQUIRE((*w)->append(f).ok());
    REQUIRE((*w)->end_recording(*rec, 2'000'000'000, std::nullopt).ok());  // commits
    REQUIRE((*w)->close().ok());
    auto v = verify(path);
    REQUIRE(v.ok());
    CHECK(v->ok());
    CHECK(v->frames == 300);
    CHECK(v->pending == 0);
    CHECK(v->blocks == 2);
  }
}

TEST_CASE("store: stats shares the compressed bytes among recordings") {
  TempDir dir;
  const std::string path = dir.file("log.gwtape");
  auto w = LogWriter::open(path);
  REQUIRE(w.ok());
  RecordingInfo info;
  info.started_at_ns = 1'000'000'000;
  auto a = (*w)->begin_recording(info);
  auto b = (*w)->begin_recording(info);
  auto empty = (*w)->begin_recording(info);
  REQUIRE((a.ok() && b.ok() && empty.ok()));
  FrameBuilder fb;
  auto fa = fb.session(*a, 900);
  auto fbs = fb.session(*b, 300);
  std::int64_t raw_a = 0, raw_b = 0;
  for (std::size_t i = 0; i < 900; ++i) {
    REQUIRE((*w)->append(fa[i]).ok());
    raw_a += static_cast<std::int64_t>(fa[i].text.size());
    if (i % 3 == 0) {
      REQUIRE((*w)->append(fbs[i / 3]).ok());
      raw_b += static_cast<std::int64_t>(fbs[i / 3].text.size());
    }
  }
  REQUIRE((*w)->flush().ok());
  // Measured while some frames are still pending (not sealed), and again after close.
  for (int pass = 0; pass < 2; ++pass) {
    if (pass == 1) REQUIRE((*w)->close().ok());
    auto s = stats(path);
    REQUIRE(s.ok());
    REQUIRE(s->per_recording.size() == 3);
    const auto &ra = s->per_recording[0], &rb = s->per_recording[1], &re = s->per_recording[2];
    CHECK(ra.recording_id == *a);
    CHECK(ra.frames == 900);
    CHECK(rb.frames == 300);
    CHECK(re.frames == 0);
    CHECK(re.stored_bytes == 0);
    CHECK(ra.raw_bytes == raw_a);
    CHECK(rb.raw_bytes == raw_b);
    // Every compressed byte is given to exactly one recording, in proportion to its text.
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    const auto total = std::stoll(column(db,
                                         "SELECT (SELECT coalesce(sum(length(data)), 0) FROM "
                                         "blocks) + (SELECT coalesce(sum(length(data)), 0) FROM "
                                         "pending)")[0]);
    sqlite3_close(db);
    CHECK(ra.stored_bytes + rb.stored_bytes == total);
    const double share = static_cast<double>(ra.stored_bytes) / static_cast<double>(total);
    const double text_share = static_cast<double>(raw_a) / static_cast<double>(raw_a + raw_b);
    CHECK(share > text_share - 0.05);
    CHECK(share < text_share + 0.05);
  }
}

}  // namespace
}  // namespace gwtape::store
