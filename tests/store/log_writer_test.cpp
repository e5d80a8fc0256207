// Round trips through LogWriter, LogReader and the `events` view, byte for byte.
#include "gwtape/store/log_writer.h"

#include <catch2/catch_test_macros.hpp>

#include "gwtape/store/log_reader.h"
#include "gwtape/store/sql_functions.h"
#include "gwtape/store/verify.h"
#include "store_test_util.h"

namespace gwtape::store {
namespace {

using testing::column;
using testing::FrameBuilder;
using testing::TempDir;

RecordingInfo info(std::int64_t t0 = 1'000'000'000) {
  RecordingInfo i;
  i.started_at_ns = t0;
  i.gateway_url = "wss://gateway.discord.gg/?v=10&encoding=json";
  i.tool_version = "test";
  i.redactions = "MESSAGE_CREATE:$.d.content";
  return i;
}

// Frames that stress the byte-for-byte promise.
std::vector<Frame> awkward_frames(std::int64_t rec) {
  std::vector<std::string> texts = {
      "",                                              // empty frame
      std::string("\xff\xfe\x80 not utf-8 \xc3", 14),  // invalid UTF-8
      std::string("nul\0inside", 10),                  // embedded NUL
      "{not json",                                     // does not parse
      R"({"op":"x","d":null})",                        // parses, wrong type
      R"({"op":0,"s":1,"t":"READY","d":{"v":10}})",
  };
  std::string big(3 << 20, 'x');  // multi-MB, not JSON
  for (std::size_t i = 0; i < big.size(); i += 97) big[i] = static_cast<char>('a' + i % 26);
  texts.push_back(big);
  texts.push_back(R"({"t":"MESSAGE_CREATE","s":2,"op":0,"d":{"content":")" +
                  std::string(2 << 20, 'm') + R"(","channel_id":"5","guild_id":"6"}})");
  std::vector<Frame> out;
  std::int64_t ts = 900'000'000;  // before the session that follows them (on connection 1)
  for (auto& t : texts) out.push_back(Frame{rec, 0, ts += 1000, Direction::kRecv, t});
  return out;
}

std::vector<Frame> write_log(const std::string& path, const WriterOptions& opts,
                             const std::vector<Frame>& extra = {}) {
  auto w = LogWriter::open(path, opts);
  REQUIRE(w.ok());
  auto rec = (*w)->begin_recording(info());
  REQUIRE(rec.ok());
  REQUIRE(*rec == 1);
  std::vector<Frame> frames = awkward_frames(*rec);
  auto session = FrameBuilder().session(*rec, 700);
  frames.insert(frames.end(), session.begin(), session.end());
  frames.insert(frames.end(), extra.begin(), extra.end());
  for (const auto& f : frames) REQUIRE((*w)->append(f).ok());
  REQUIRE((*w)->end_recording(*rec, 9'000'000'000, "abc123").ok());
  REQUIRE((*w)->close().ok());
  return frames;
}

void check_round_trip(const std::string& path, const std::vector<Frame>& frames) {
  auto r = LogReader::open(path);
  REQUIRE(r.ok());
  auto cursor = (*r)->frames();
  REQUIRE(cursor.ok());
  std::size_t i = 0;
  for (;;) {
    auto more = (*cursor)->next();
    REQUIRE(more.ok());
    if (!*more) break;
    REQUIRE(i < frames.size());
    const StoredFrame& f = (*cursor)->frame();
    CHECK(f.id == static_cast<std::int64_t>(i + 1));
    CHECK(f.text == frames[i].text);
    CHECK(f.ts_ns == frames[i].ts_ns);
    CHECK(f.conn == frames[i].conn);
    CHECK(f.direction == frames[i].direction);
    ++i;
  }
  CHECK(i == frames.size());

  // The same through the `events` view on a project connection.
  auto db = open_query_connection(path);
  REQUIRE(db.ok());
  auto json = column(db->get(), "SELECT json FROM events ORDER BY id");
  REQUIRE(json.size() == frames.size());
  for (std::size_t k = 0; k < frames.size(); ++k) CHECK(json[k] == frames[k].text);
  auto sizes = column(db->get(), "SELECT sum(size = length(CAST(json AS BLOB))) FROM events");
  CHECK(sizes == std::vector<std::string>{std::to_string(frames.size())});
}

TEST_CASE("store: frames round-trip byte for byte through the reader and the events view") {
  TempDir dir;
  std::string path = dir.file("log.gwtape");
  WriterOptions opts;
  opts.dict_train_frames = 200;
  auto frames = write_log(path, opts);
  check_round_trip(path, frames);

  auto r = LogReader::open(path);
  REQUIRE(r.ok());
  SECTION("fields extracted at write time, NULL when the frame does not parse") {
    for (std::int64_t id : {1, 2, 3, 4, 5, 7}) {
      auto f = (*r)->get(id);
      REQUIRE(f.ok());
      CHECK(!f->op.has_value());
      CHECK(!f->t.has_value());
    }
    auto ready = (*r)->get(6);
    REQUIRE(ready.ok());
    CHECK(ready->op == 0);
    CHECK(ready->s == 1);
    CHECK(ready->t == "READY");
    auto msg = (*r)->get(8);
    REQUIRE(msg.ok());
    CHECK(msg->t == "MESSAGE_CREATE");
    CHECK(msg->guild_id == 6u);
    CHECK(msg->channel_id == 5u);
    auto db = open_query_connection(path);
    REQUIRE(db.ok());
    CHECK(column(db->get(), "SELECT count(*) FROM events WHERE op IS NULL") ==
          std::vector<std::string>{"6"});
    CHECK(column(db->get(), "SELECT typeof(json) FROM events WHERE id = 1") ==
          std::vector<std::string>{"text"});
    CHECK(column(db->get(), "SELECT direction FROM events WHERE id = 9") ==
          std::vector<std::string>{"send"});
    CHECK(column(db->get(),
                 "SELECT json ->> '$.d.guild_id' = CAST(guild_id AS TEXT) FROM events "
                 "WHERE id = 20") == std::vector<std::string>{"1"});
  }
  SECTION("recordings are listed with their end and digest") {
    auto recs = (*r)->recordings();
    REQUIRE(recs.ok());
    REQUIRE(recs->size() == 1);
    CHECK((*recs)[0].ended_at_ns == 9'000'000'000);
    CHECK((*recs)[0].state_digest == "abc123");
    CHECK((*recs)[0].info.redactions == "MESSAGE_CREATE:$.d.content");
  }
  SECTION("get of a missing id is kNotFound") {
    auto f = (*r)->get(100000);
    REQUIRE(!f.ok());
    CHECK(f.error().code == Errc::kNotFound);
  }
  SECTION("verify finds nothing wrong") {
    auto v = verify(path);
    REQUIRE(v.ok());
    INFO((v->problem ? v->problem->message : ""));
    CHECK(v->ok());
    CHECK(v->frames == static_cast<std::int64_t>(frames.size()));
  }
}

TEST_CASE("store: a reopened writer continues the log, pending frames included") {
  TempDir dir;
  std::string path = dir.file("log.gwtape");
  FrameBuilder b;
  std::vector<Frame> all;
  WriterOptions opts;
  opts.block_frames = 64;
  for (int run = 0; run < 3; ++run) {
    auto w = LogWriter::open(path, opts);
    REQUIRE(w.ok());
    auto rec = (*w)->begin_recording(info());
    REQUIRE(rec.ok());
    auto frames = b.session(*rec, 100 + run * 7);
    for (const auto& f : frames) REQUIRE((*w)->append(f).ok());
    REQUIRE((*w)->flush().ok());
    all.insert(all.end(), frames.begin(), frames.end());
    // Readers see flushed frames while the writer is open, pending ones included.
    auto r = LogReader::open(path);
    REQUIRE(r.ok());
    auto last = (*r)->get(static_cast<std::int64_t>(all.size()));
    REQUIRE(last.ok());
    CHECK(last->text == all.back().text);
    if (run < 2) {
      REQUIRE((*w)->close().ok());
    }  // the last one closes in its destructor
  }
  check_round_trip(path, all);
  auto v = verify(path);
  REQUIRE(v.ok());
  CHECK(v->ok());
}

TEST_CASE("store: interleaved recordings, filters and sequences") {
  TempDir dir;
  std::string path = dir.file("log.gwtape");
  auto w = LogWriter::open(path);
  REQUIRE(w.ok());
  auto a = (*w)->begin_recording(info());
  auto b = (*w)->begin_recording(info(2'000'000'000));
  REQUIRE((a.ok() && b.ok()));
  FrameBuilder fb;
  auto fa = fb.session(*a, 300);
  auto fbs = fb.session(*b, 300, 2'000'000'000);
  for (std::size_t i = 0; i < 300; ++i) {
    REQUIRE((*w)->append(fa[i]).ok());
    REQUIRE((*w)->append(fbs[i]).ok());
  }
  CHECK(!(*w)->append(Frame{99, 0, 0, Direction::kRecv, "x"}).ok());
  // A recording's connections follow one another and its times never go back: what verify
  // and replay check a log's rows by (a frame that breaks it is a damaged row).
  const Frame last = fa.back();
  auto back_conn = (*w)->append(Frame{*a, last.conn - 1, last.ts_ns, Direction::kRecv, "x"});
  REQUIRE(!back_conn.ok());
  CHECK(back_conn.error().message.find("after connection 1") != std::string::npos);
  auto back_time = (*w)->append(Frame{*a, last.conn, last.ts_ns - 1, Direction::kRecv, "x"});
  REQUIRE(!back_time.ok());
  CHECK(back_time.error().message.find("before the previous frame's") != std::string::npos);
  // The same time, or the next connection, is in order; the other recording is unaffected.
  REQUIRE((*w)->append(Frame{*a, last.conn, last.ts_ns, Direction::kRecv, "{}"}).ok());
  REQUIRE((*w)->append(Frame{*a, last.conn + 1, last.ts_ns, Direction::kRecv, "{}"}).ok());
  REQUIRE((*w)->close().ok());
  CHECK((*w)->append(fa[0]).error().code == Errc::kClosed);

  auto r = LogReader::open(path);
  REQUIRE(r.ok());
  FrameQuery q;
  q.recording_id = *b;
  auto c = (*r)->frames(q);
  REQUIRE(c.ok());
  std::size_t i = 0;
  while (*(*c)->next()) {
    CHECK((*c)->frame().text == fbs[i].text);
    CHECK((*c)->frame().ts_ns == fbs[i].ts_ns);
    ++i;
  }
  CHECK(i == 300);
  q.from_seq = 100;
  c = (*r)->frames(q);
  REQUIRE(c.ok());
  REQUIRE(*(*c)->next());
  CHECK((*c)->frame().s == 100);
  CHECK((*c)->frame().recording_id == *b);
  auto v = verify(path);
  REQUIRE(v.ok());
  CHECK(v->ok());
}

TEST_CASE("store: read-only connections refuse writes") {
  TempDir dir;
  std::string path = dir.file("log.gwtape");
  write_log(path, {});
  auto db = open_query_connection(path);
  REQUIRE(db.ok());
  for (const char* sql : {"DELETE FROM frames", "INSERT INTO recordings(started_at) VALUES(1)",
                          "DROP VIEW events", "PRAGMA user_version = 7"}) {
    char* err = nullptr;
    int rc = sqlite3_exec(db->get(), sql, nullptr, nullptr, &err);
    sqlite3_free(err);
    CHECK(rc == SQLITE_READONLY);
  }
  auto r = LogReader::open(path);
  REQUIRE(r.ok());
}

TEST_CASE("store: cursors leave padding after the text; names = false skips the lookups") {
  TempDir dir;
  const std::string path = dir.file("names.gwtape");
  auto frames = testing::FrameBuilder(4).session(1, 300);
  {
    auto w = LogWriter::open(path);
    REQUIRE(w.ok());
    REQUIRE((*w)->begin_recording({}).ok());
    for (const Frame& f : frames) REQUIRE((*w)->append(f).ok());
    REQUIRE((*w)->close().ok());
  }
  auto r = LogReader::open(path);
  REQUIRE(r.ok());
  FrameQuery light;
  light.names = false;
  auto full = (*r)->frames();
  auto bare = (*r)->frames(light);
  REQUIRE(full.ok());
  REQUIRE(bare.ok());
  std::size_t n = 0, named = 0;
  for (;;) {
    auto a = (*full)->next();
    auto b = (*bare)->next();
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    REQUIRE(*a == *b);
    if (!*a) break;
    const StoredFrame& x = (*full)->frame();
    const StoredFrame& y = (*bare)->frame();
    CHECK(y.id == x.id);
    CHECK(y.ts_ns == x.ts_ns);
    CHECK(y.conn == x.conn);
    CHECK(y.direction == x.direction);
    CHECK(y.op == x.op);
    CHECK(y.s == x.s);
    CHECK(y.text == x.text);
    CHECK_FALSE(y.t.has_value());
    CHECK_FALSE(y.guild_id.has_value());
    CHECK_FALSE(y.channel_id.has_value());
    named += x.t.has_value();
    CHECK(x.text.capacity() >= x.text.size() + kTextPadding);
    CHECK(y.text.capacity() >= y.text.size() + kTextPadding);
    ++n;
  }
  CHECK(n == frames.size());
  CHECK(named > 200);  // the full cursor does fill the names
  FrameQuery one;
  one.recording_id = 1;
  CHECK(*(*r)->count(one) == static_cast<std::int64_t>(frames.size()));
  one.from_id = 101;
  CHECK(*(*r)->count(one) == static_cast<std::int64_t>(frames.size()) - 100);
  one.recording_id = 2;
  CHECK(*(*r)->count(one) == 0);
}

}  // namespace
}  // namespace gwtape::store
