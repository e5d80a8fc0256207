// store/sqlite_util.cpp — SQLite error conversion and statement helpers.
#include "sqlite_util.h"

#include <string>

#include "gwtape/store/sql_functions.h"

namespace gwtape::store {

void SqliteCloser::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

Errc errc_from_sqlite(int rc) {
  switch (rc & 0xff) {
    case SQLITE_FULL:
      return Errc::kFull;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Errc::kBusy;
    case SQLITE_NOTADB:
      return Errc::kNotALog;
    case SQLITE_CORRUPT:
      return Errc::kCorrupt;
    case SQLITE_READONLY:
      return Errc::kReadOnly;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_NOLFS:
      return Errc::kIo;
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
    case SQLITE_MISMATCH:
      return Errc::kInvalidArgument;
    default:
      return Errc::kInternal;
  }
}

Error sqlite_error(sqlite3* db, int rc, std::string_view context) {
  std::string msg(context);
  msg += ": ";
  const char* detail = db ? sqlite3_errmsg(db) : nullptr;
  // sqlite3_errmsg describes the connection's last error, which is this one when the failure
  // came from a call on that connection; otherwise fall back to the code's own text.
  if (!detail || (sqlite3_errcode(db) & 0xff) != (rc & 0xff)) detail = sqlite3_errstr(rc);
  msg += detail;
  return make_error(errc_from_sqlite(rc), std::move(msg));
}

Result<Stmt> Stmt::prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(s);
    return sqlite_error(db, rc, "prepare \"" + std::string(sql.substr(0, 60)) + "\"");
  }
  return Stmt(s);
}

Status exec(sqlite3* db, std::string_view sql, std::string_view context) {
  std::string text(sql);
  int rc = sqlite3_exec(db, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(db, rc, context);
  return {};
}

}  // namespace gwtape::store
