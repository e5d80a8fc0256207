// FrameQuery::read_ahead: a cursor whose reading runs on a thread of its own returns exactly
// what the plain cursor returns, errors included, on real log files.
#include <sqlite3.h>

#include <catch2/catch_test_macros.hpp>
#include <string>
#include <vector>

#include "gwtape/store/log_reader.h"
#include "gwtape/store/log_writer.h"
#include "store_test_util.h"

namespace gwtape::store {
namespace {

using testing::FrameBuilder;
using testing::TempDir;

template <class T>
std::string opt(const std::optional<T>& v) {
  if (!v) return "-";
  if constexpr (std::is_same_v<T, std::string>) {
    return *v;
  } else {
    return std::to_string(*v);
  }
}

// Every result of a scan, one line each: a frame's fields and text, or the error.
std::vector<std::string> scan(LogReader& reader, FrameQuery query, bool read_ahead) {
  query.read_ahead = read_ahead;
  std::vector<std::string> out;
  auto cursor = reader.frames(query);
  if (!cursor.ok()) return {"open: " + cursor.error().message};
  for (int guard = 0; guard < 100'000; ++guard) {
    auto more = (*cursor)->next();
    if (!more.ok()) {
      out.push_back("error: " + more.error().message);
      continue;
    }
    if (!*more) {
      // The end stays the end.
      auto again = (*cursor)->next();
      if (!again.ok() || *again) out.push_back("moved past the end");
      return out;
    }
    const StoredFrame& f = (*cursor)->frame();
    if (f.text.capacity() < f.text.size() + kTextPadding) out.push_back("no padding");
    out.push_back(std::to_string(f.id) + " " + std::to_string(f.recording_id) + " " +
                  std::to_string(f.conn) + " " + std::to_string(f.ts_ns) + " " +
                  direction_name(f.direction) + " " + opt(f.op) + " " + opt(f.s) + " " + opt(f.t) +
                  " " + opt(f.guild_id) + " " + opt(f.channel_id) + " " + f.text);
  }
  out.push_back("runaway scan");
  return out;
}

// At `ts_ns`: a recording's times never go back (the writer refuses it).
Frame big_frame(std::int64_t rec, std::int64_t ts_ns, std::size_t bytes, char fill) {
  return Frame{rec, 1, ts_ns, Direction::kRecv,
               R"({"t":"GUILD_CREATE","s":1,"op":0,"d":{"id":"1","name":")" +
                   std::string(bytes, fill) + R"("}})"};
}

TEST_CASE("store: a read-ahead cursor returns what the plain cursor returns") {
  TempDir dir;
  const std::string path = dir.file("ahead.gwtape");
  WriterOptions opts;
  opts.block_frames = 64;
  auto w = LogWriter::open(path, opts);
  REQUIRE(w.ok());
  auto a = (*w)->begin_recording({});
  auto b = (*w)->begin_recording({});
  REQUIRE((a.ok() && b.ok()));
  FrameBuilder fb;
  auto fa = fb.session(*a, 1500);
  auto fbs = fb.session(*b, 1500, 2'000'000'000);
  for (std::size_t i = 0; i < fa.size(); ++i) {
    REQUIRE((*w)->append(fa[i]).ok());
    REQUIRE((*w)->append(fbs[i]).ok());
    // Frames larger than a batch's text and than the capacity a batch item keeps.
    if (i == 700) REQUIRE((*w)->append(big_frame(*a, fa[i].ts_ns, 1'500'000, 'x')).ok());
    if (i == 900) REQUIRE((*w)->append(big_frame(*b, fbs[i].ts_ns, 100'000, 'y')).ok());
  }
  // Still open: the last frames are pending rows, not yet sealed into a block.
  REQUIRE((*w)->flush().ok());
  auto r = LogReader::open(path);
  REQUIRE(r.ok());

  std::vector<FrameQuery> queries(6);
  queries[1].recording_id = *b;
  queries[2].from_id = 777;
  queries[3].recording_id = *a;
  queries[3].from_seq = 50;
  queries[4].names = false;
  queries[5].from_id = 1'000'000;  // past the end
  for (std::size_t q = 0; q < queries.size(); ++q) {
    INFO("query " << q);
    const auto plain = scan(**r, queries[q], false);
    const auto ahead = scan(**r, queries[q], true);
    REQUIRE(plain.size() == ahead.size());
    for (std::size_t i = 0; i < plain.size(); ++i) {
      INFO("result " << i);
      CHECK(plain[i].substr(0, 200) == ahead[i].substr(0, 200));
      CHECK(plain[i] == ahead[i]);
    }
    if (q != 3) {
      auto n = (*r)->count(queries[q]);
      REQUIRE(n.ok());
      CHECK(static_cast<std::int64_t>(ahead.size()) == *n);
    }
  }
  CHECK(scan(**r, queries[0], true).size() == 3002);
  CHECK(scan(**r, queries[5], true).empty());
  REQUIRE((*w)->close().ok());
}

TEST_CASE("store: a read-ahead cursor reports a corrupt block in its place and goes on") {
  TempDir dir;
  const std::string path = dir.file("corrupt.gwtape");
  {
    WriterOptions opts;
    opts.block_frames = 64;
    auto w = LogWriter::open(path, opts);
    REQUIRE(w.ok());
    auto rec = (*w)->begin_recording({});
    REQUIRE(rec.ok());
    for (const Frame& f : FrameBuilder(3).session(*rec, 2000)) REQUIRE((*w)->append(f).ok());
    REQUIRE((*w)->close().ok());
  }
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db,
                         "UPDATE blocks SET data = substr(data, 1, length(data) / 2) || "
                         "x'00' || substr(data, length(data) / 2 + 2) "
                         "WHERE first = (SELECT first FROM blocks ORDER BY first LIMIT 1 OFFSET 5)",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
    CHECK(sqlite3_changes(db) == 1);
    sqlite3_close(db);
  }
  auto r = LogReader::open(path);
  REQUIRE(r.ok());
  const auto plain = scan(**r, {}, false);
  const auto ahead = scan(**r, {}, true);
  CHECK(plain == ahead);
  std::size_t errors = 0;
  std::size_t first_error = 0;
  for (std::size_t i = 0; i < ahead.size(); ++i) {
    if (ahead[i].rfind("error: ", 0) == 0) {
      if (errors++ == 0) first_error = i;
      CHECK(ahead[i].find("frame") != std::string::npos);
    }
  }
  CHECK(errors == 64);  // each frame of the corrupt block, in its place
  CHECK(first_error == 5 * 64);
  CHECK(ahead.size() == 2000);  // and every frame after it
}

TEST_CASE("store: a read-ahead cursor stops cleanly when dropped mid-scan") {
  TempDir dir;
  const std::string path = dir.file("drop.gwtape");
  {
    WriterOptions opts;
    opts.block_frames = 32;
    auto w = LogWriter::open(path, opts);
    REQUIRE(w.ok());
    auto rec = (*w)->begin_recording({});
    REQUIRE(rec.ok());
    for (const Frame& f : FrameBuilder(5).session(*rec, 5000)) REQUIRE((*w)->append(f).ok());
    REQUIRE((*w)->close().ok());
  }
  auto r = LogReader::open(path);
  REQUIRE(r.ok());
  FrameQuery q;
  q.read_ahead = true;
  for (int taken : {0, 1, 300, 1000}) {
    auto c = (*r)->frames(q);
    REQUIRE(c.ok());
    for (int i = 0; i < taken; ++i) {
      auto more = (*c)->next();
      REQUIRE(more.ok());
      REQUIRE(*more);
      CHECK((*c)->frame().id == i + 1);
    }
  }  // each cursor is destroyed with its worker blocked on a full queue or still reading
  // The plain cursor still reads the whole log on the same reader afterwards.
  CHECK(scan(**r, {}, false).size() == 5000);
  // A missing file: the read-ahead opens its own connection, and says why it cannot.
  auto gone = LogReader::open(path);
  REQUIRE(gone.ok());
  std::filesystem::remove(path);
  auto c = (*gone)->frames(q);
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().message.find("drop.gwtape") != std::string::npos);
}

}  // namespace
}  // namespace gwtape::store
