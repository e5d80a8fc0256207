// The `connections` table: how each connection ended, written in order with the frames and
// read back by recording; logs written before the table still open, and a writer adds it.
#include <sqlite3.h>

#include <catch2/catch_test_macros.hpp>

#include "gwtape/store/log_reader.h"
#include "gwtape/store/log_writer.h"
#include "gwtape/store/sql_functions.h"
#include "gwtape/store/verify.h"
#include "store_test_util.h"

namespace gwtape::store {
namespace {

using testing::column;
using testing::FrameBuilder;
using testing::TempDir;

ConnectionEnd end_of(std::int64_t rec, std::uint32_t conn, ClosedBy by, std::optional<int> code,
                     std::string reason) {
  return ConnectionEnd{rec, conn, 1'000'000'000 + conn, by, code, std::move(reason)};
}

TEST_CASE("store: connection ends round-trip by recording, a later one replacing an earlier") {
  TempDir dir;
  const std::string path = dir.file("ends.gwtape");
  {
    auto w = LogWriter::open(path);
    REQUIRE(w.ok());
    auto a = (*w)->begin_recording({});
    auto b = (*w)->begin_recording({});
    REQUIRE((a.ok() && b.ok()));
    for (const Frame& f : FrameBuilder().session(*a, 50)) REQUIRE((*w)->append(f).ok());
    REQUIRE((*w)->connection_ended(end_of(*a, 1, ClosedBy::kServer, 4000, "unknown")).ok());
    REQUIRE((*w)->connection_ended(end_of(*b, 1, ClosedBy::kLost, std::nullopt, "reset")).ok());
    REQUIRE((*w)->connection_ended(end_of(*a, 2, ClosedBy::kClient, 1000, "")).ok());
    // The same connection again: the last word stands.
    REQUIRE((*w)->connection_ended(end_of(*a, 1, ClosedBy::kServer, 4009, "timed out")).ok());
    // Not an open recording: refused, nothing written.
    auto bad = (*w)->connection_ended(end_of(99, 1, ClosedBy::kLost, std::nullopt, "x"));
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().code == Errc::kInvalidArgument);
    CHECK(bad.error().message.find("no open recording 99") != std::string::npos);
    REQUIRE((*w)->close().ok());
    CHECK((*w)->connection_ended(end_of(*a, 3, ClosedBy::kLost, std::nullopt, "")).error().code ==
          Errc::kClosed);
  }
  auto r = LogReader::open(path);
  REQUIRE(r.ok());
  auto all = (*r)->connection_ends();
  REQUIRE(all.ok());
  REQUIRE(all->size() == 3);
  CHECK(((*all)[0].recording_id == 1 && (*all)[0].conn == 1 && (*all)[0].code == 4009));
  CHECK((*all)[0].reason == "timed out");
  CHECK((*all)[0].ts_ns == 1'000'000'001);
  CHECK(((*all)[1].recording_id == 1 && (*all)[1].conn == 2));
  CHECK(((*all)[1].closed_by == ClosedBy::kClient && (*all)[1].code == 1000));
  CHECK(((*all)[2].recording_id == 2 && (*all)[2].closed_by == ClosedBy::kLost));
  CHECK_FALSE((*all)[2].code.has_value());
  auto second = (*r)->connection_ends(2);
  REQUIRE(second.ok());
  REQUIRE(second->size() == 1);
  CHECK(second->front().reason == "reset");
  // The table is plain SQL for users, beside the events view.
  auto db = open_query_connection(path);
  REQUIRE(db.ok());
  CHECK(column(db->get(),
               "SELECT group_concat(closed_by || ':' || ifnull(code, '-'), ' ') "
               "FROM connections") == std::vector<std::string>{"server:4009 client:1000 lost:-"});
  auto v = verify(path);
  REQUIRE(v.ok());
  CHECK(v->ok());
}

TEST_CASE("store: a log from before the connections table opens, and a writer adds the table") {
  TempDir dir;
  const std::string path = dir.file("old.gwtape");
  {
    auto w = LogWriter::open(path);
    REQUIRE(w.ok());
    auto rec = (*w)->begin_recording({});
    REQUIRE(rec.ok());
    for (const Frame& f : FrameBuilder().session(*rec, 20)) REQUIRE((*w)->append(f).ok());
    REQUIRE((*w)->close().ok());
  }
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
  REQUIRE(sqlite3_exec(raw, "DROP TABLE connections", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(raw);
  {
    auto r = LogReader::open(path);
    REQUIRE(r.ok());
    auto ends = (*r)->connection_ends();
    REQUIRE(ends.ok());
    CHECK(ends->empty());
    // SQL naming the table still runs on a query connection: an empty view stands in.
    auto db = open_query_connection(path);
    REQUIRE(db.ok());
    CHECK(column(db->get(), "SELECT count(*) FROM connections") == std::vector<std::string>{"0"});
  }
  auto w = LogWriter::open(path);
  REQUIRE(w.ok());
  REQUIRE((*w)->begin_recording({}).ok());
  REQUIRE((*w)->connection_ended(end_of(2, 1, ClosedBy::kServer, 4000, "again")).ok());
  REQUIRE((*w)->close().ok());
  auto r = LogReader::open(path);
  REQUIRE(r.ok());
  auto ends = (*r)->connection_ends();
  REQUIRE(ends.ok());
  REQUIRE(ends->size() == 1);
  CHECK(ends->front().reason == "again");
}

}  // namespace
}  // namespace gwtape::store
