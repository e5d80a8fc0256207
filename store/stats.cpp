// store/stats.cpp — store::stats: what the frames cost, from SQLite's dbstat.
#include <utility>

#include "gwtape/store/verify.h"
#include "schema.h"
#include "sqlite_util.h"

namespace gwtape::store {
namespace {

// Tables whose pages hold frame text: compressed blocks, pending frames, dictionaries.
bool is_frame_data(std::string_view name) {
  return name == "blocks" || name == "pending" || name == "dicts";
}

}  // namespace

Result<LogStats> stats(const std::string& path) {
  auto db = open_checked_read_only(path);
  if (!db) return std::move(db).error();
  sqlite3* h = db->get();
  LogStats out;
  auto query = [&](const char* sql, auto&& row) -> Status {
    auto s = Stmt::prepare(h, sql);
    if (!s) return make_error(s.error().code, path + ": " + s.error().message);
    int rc;
    while ((rc = s->step()) == SQLITE_ROW) row(*s);
    if (rc != SQLITE_DONE) return sqlite_error(h, rc, path + ": stats");
    return {};
  };
  Status st = query(
      "SELECT (SELECT count(*) FROM frames), (SELECT coalesce(sum(size), 0) FROM frames), "
      "(SELECT count(*) FROM blocks), (SELECT count(*) FROM dicts), "
      "(SELECT count(*) FROM recordings), "
      "(SELECT page_count FROM pragma_page_count) * (SELECT page_size FROM pragma_page_size)",
      [&](Stmt& s) {
        out.frames = s.int64(0);
        out.raw_bytes = s.int64(1);
        out.blocks = s.int64(2);
        out.dictionaries = s.int64(3);
        out.recordings = s.int64(4);
        out.file_bytes = s.int64(5);
      });
  if (!st) return std::move(st).error();
  std::int64_t in_tables = 0;
  st = query("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC", [&](Stmt& s) {
    TableBytes t{std::string(s.bytes(0)), s.int64(1), is_frame_data(s.bytes(0))};
    in_tables += t.bytes;
    if (t.frame_data) out.frame_bytes += t.bytes;
    out.tables.push_back(std::move(t));
  });
  if (!st) return std::move(st).error();
  // Pages in no table (the free list) belong to meta_bytes, so the two add up to the file.
  if (out.file_bytes > in_tables)
    out.tables.push_back({"(free pages)", out.file_bytes - in_tables, false});
  out.meta_bytes = out.file_bytes - out.frame_bytes;
  return out;
}

}  // namespace gwtape::store
