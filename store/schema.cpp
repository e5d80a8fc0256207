// store/schema.cpp — schema version 1 and the checks every open goes through.
#include "schema.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include "sqlite_util.h"

namespace gwtape::store {

// Physical layout (docs/SCHEMA.md): one narrow `frames` row per frame; frame text in sealed
// zstd `blocks` of consecutive ids, or in `pending` until its block fills; event names and
// snowflakes as small integer codes into lookup tables; two partial indexes.
const char* const kSchemaSql = R"sql(
CREATE TABLE recordings(
  id INTEGER PRIMARY KEY,
  started_at INTEGER NOT NULL,
  ended_at INTEGER,
  gateway_url TEXT,
  api_version INTEGER,
  encoding TEXT,
  compress TEXT,
  intents INTEGER,
  shard_id INTEGER,
  shard_count INTEGER,
  tool_version TEXT,
  state_digest TEXT,
  redactions TEXT);
CREATE TABLE event_names(code INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE guild_ids(code INTEGER PRIMARY KEY, id INTEGER NOT NULL UNIQUE);
CREATE TABLE channel_ids(code INTEGER PRIMARY KEY, id INTEGER NOT NULL UNIQUE);
CREATE TABLE frames(
  id INTEGER PRIMARY KEY,
  rec INTEGER NOT NULL,
  cd INTEGER NOT NULL,
  dts INTEGER NOT NULL,
  op INTEGER,
  s INTEGER,
  t INTEGER,
  g INTEGER,
  c INTEGER,
  size INTEGER NOT NULL);
CREATE INDEX frames_t ON frames(t, g) WHERE t IS NOT NULL;
CREATE INDEX frames_g ON frames(g) WHERE g IS NOT NULL;
CREATE TABLE dicts(id INTEGER PRIMARY KEY, first_frame INTEGER NOT NULL, data BLOB NOT NULL);
CREATE TABLE blocks(first INTEGER PRIMARY KEY, n INTEGER NOT NULL, dict INTEGER,
                    data BLOB NOT NULL);
CREATE TABLE pending(id INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE VIEW events AS
SELECT f.id AS id,
       f.rec AS recording_id,
       f.cd >> 1 AS conn,
       r.started_at + f.dts AS ts_ns,
       CASE f.cd & 1 WHEN 0 THEN 'recv' ELSE 'send' END AS direction,
       f.op AS op,
       f.s AS s,
       n.name AS t,
       g.id AS guild_id,
       c.id AS channel_id,
       f.size AS size,
       gwtape_frame(f.id) AS json
  FROM frames f
  JOIN recordings r ON r.id = f.rec
  LEFT JOIN event_names n ON n.code = f.t
  LEFT JOIN guild_ids g ON g.code = f.g
  LEFT JOIN channel_ids c ON c.code = f.c;
)sql";

// Added to version 1 (logs written before it lack it; a writer adds it): how each connection
// ended. Readers of older builds ignore it.
const char* const kConnectionsSql = R"sql(
CREATE TABLE IF NOT EXISTS connections(
  rec INTEGER NOT NULL,
  conn INTEGER NOT NULL,
  closed_at INTEGER NOT NULL,
  closed_by TEXT NOT NULL,
  code INTEGER,
  reason TEXT NOT NULL,
  PRIMARY KEY(rec, conn)) WITHOUT ROWID;
)sql";

namespace {

const char* const kRequiredObjects[] = {"recordings",  "event_names", "guild_ids",
                                        "channel_ids", "frames",      "dicts",
                                        "blocks",      "pending",     "events"};

// Every column the store and the tools read, object by object. SQLite compiles a table's
// CREATE statement only for its column names, and a view only when a statement uses it, so a
// schema whose SQL text changed behind our back (a bit flip in sqlite_schema renaming `cd`)
// still opens, and a reader's first statement failed with "no such column". Compiling these at
// open (a few microseconds) reports such a log as corrupt before anything reads it.
struct ColumnProbe {
  const char* object;
  const char* sql;
};
const ColumnProbe kColumnProbes[] = {
    {"recordings",
     "SELECT id, started_at, ended_at, gateway_url, api_version, encoding, compress, intents, "
     "shard_id, shard_count, tool_version, state_digest, redactions FROM recordings"},
    {"event_names", "SELECT code, name FROM event_names"},
    {"guild_ids", "SELECT code, id FROM guild_ids"},
    {"channel_ids", "SELECT code, id FROM channel_ids"},
    {"frames", "SELECT id, rec, cd, dts, op, s, t, g, c, size FROM frames"},
    {"dicts", "SELECT id, first_frame, data FROM dicts"},
    {"blocks", "SELECT first, n, dict, data FROM blocks"},
    {"pending", "SELECT id, data FROM pending"},
    {"events",
     "SELECT id, recording_id, conn, ts_ns, direction, op, s, t, guild_id, channel_id, size, "
     "json FROM events"},
};
const ColumnProbe kConnectionsProbe = {
    "connections", "SELECT rec, conn, closed_at, closed_by, code, reason FROM connections"};

Error open_error(const std::string& path, sqlite3* db, int rc) {
  int code = rc & 0xff;
  if (code == SQLITE_NOTADB)
    return make_error(Errc::kNotALog, path + ": not a gwtape log (not a SQLite database)");
  if (code == SQLITE_CORRUPT)
    return make_error(Errc::kCorrupt, path + ": corrupt or truncated log: " +
                                          (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
  return sqlite_error(db, rc, path);
}

Result<int> pragma_int(sqlite3* db, const std::string& path, const char* pragma) {
  auto s = Stmt::prepare(db, std::string("PRAGMA ") + pragma);
  if (!s) return open_error(path, db, sqlite3_errcode(db));
  int rc = s->step();
  if (rc != SQLITE_ROW) return open_error(path, db, rc);
  return static_cast<int>(s->int64(0));
}

Status check_log(sqlite3* db, const std::string& path) {
  auto app = pragma_int(db, path, "application_id");
  if (!app) return std::move(app).error();
  auto s = Stmt::prepare(db, "SELECT name FROM sqlite_schema");
  if (!s) return open_error(path, db, sqlite3_errcode(db));
  std::string names = " ";
  int rc;
  int objects = 0;
  while ((rc = s->step()) == SQLITE_ROW) {
    names.append(s->bytes(0)).push_back(' ');
    ++objects;
  }
  if (rc != SQLITE_DONE) return open_error(path, db, rc);
  if (*app != kApplicationId) {
    if (objects == 0)
      return make_error(Errc::kNotALog, path + ": not a gwtape log (an empty SQLite database)");
    return make_error(Errc::kNotALog, path + ": not a gwtape log (a SQLite database of " +
                                          std::to_string(objects) + " other objects)");
  }
  auto version = pragma_int(db, path, "user_version");
  if (!version) return std::move(version).error();
  if (!readable_schema_version(*version))
    return make_error(Errc::kVersion, path + ": gwtape log of schema version " +
                                          std::to_string(*version) + "; this build reads 1 and 2");
  for (const char* name : kRequiredObjects) {
    if (names.find(std::string(" ") + name + " ") == std::string::npos)
      return make_error(Errc::kCorrupt,
                        path + ": corrupt or truncated log: schema incomplete: no " + name);
  }
  return {};
}

// REQUIRES: the SQL functions registered (the events view calls gwtape_frame).
Status check_columns(sqlite3* db, const std::string& path) {
  auto connections = has_connections_table(db, path);
  if (!connections) return std::move(connections).error();
  auto probe = [&](const ColumnProbe& p) -> Status {
    sqlite3_stmt* s = nullptr;
    const int rc = sqlite3_prepare_v2(db, p.sql, -1, &s, nullptr);
    sqlite3_finalize(s);
    if (rc == SQLITE_OK) return {};
    if ((rc & 0xff) != SQLITE_ERROR) return open_error(path, db, rc);
    return make_error(Errc::kCorrupt, path + ": corrupt or truncated log: schema of " + p.object +
                                          ": " + sqlite3_errmsg(db));
  };
  for (const ColumnProbe& p : kColumnProbes) {
    if (auto st = probe(p); !st) return st;
  }
  if (*connections) return probe(kConnectionsProbe);
  return {};
}

Result<SqliteHandle> open_sqlite(const std::string& path, int flags, const char* vfs) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, vfs);
  SqliteHandle db(raw);
  if (rc != SQLITE_OK) return open_error(path, raw, rc);
  sqlite3_extended_result_codes(raw, 0);
  return db;
}

Status check_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return make_error(Errc::kIo, path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return make_error(Errc::kNotALog, path + ": not a regular file");
  if (st.st_size == 0) return make_error(Errc::kNotALog, path + ": not a gwtape log (empty file)");
  return {};
}

void remove_db_files(const std::string& path) {
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) ::unlink((path + suffix).c_str());
}

// The first 100 bytes of the database file, read through SQLite's own VFS (which keeps this
// process's POSIX locks on the file intact, as a plain open()/close() would not).
Result<std::string> read_header(const std::string& path) {
  sqlite3_vfs* vfs = sqlite3_vfs_find(nullptr);
  std::string full(static_cast<std::size_t>(vfs->mxPathname) + 1, '\0');
  if (vfs->xFullPathname(vfs, path.c_str(), vfs->mxPathname + 1, full.data()) != SQLITE_OK)
    return make_error(Errc::kIo, path + ": cannot resolve the path");
  std::string storage(static_cast<std::size_t>(vfs->szOsFile), '\0');
  auto* file = reinterpret_cast<sqlite3_file*>(storage.data());
  int flags = 0;
  int rc = vfs->xOpen(vfs, full.c_str(), file, SQLITE_OPEN_READONLY | SQLITE_OPEN_MAIN_DB, &flags);
  if (rc != SQLITE_OK) return sqlite_error(nullptr, rc, path);
  std::string header(100, '\0');
  rc = file->pMethods->xRead(file, header.data(), 100, 0);
  file->pMethods->xClose(file);
  if (rc != SQLITE_OK) return make_error(Errc::kCorrupt, path + ": header unreadable");
  return header;
}

std::uint32_t big_endian32(std::string_view b, std::size_t at) {
  return (std::uint32_t{static_cast<unsigned char>(b[at])} << 24) |
         (std::uint32_t{static_cast<unsigned char>(b[at + 1])} << 16) |
         (std::uint32_t{static_cast<unsigned char>(b[at + 2])} << 8) |
         std::uint32_t{static_cast<unsigned char>(b[at + 3])};
}

// A read-only connection cannot rebuild the WAL index left by a writer that did not close
// cleanly (SQLITE_READONLY_RECOVERY), nor roll back a hot journal left by one that failed while
// the log was in rollback mode (SQLITE_READONLY_ROLLBACK). Once the header shows a log of this
// version, a brief read-write connection recovers it, as any SQLite reader with write access would,
// and a file that is not a log is never touched.
Status recover_wal(const std::string& path) {
  auto header = read_header(path);
  if (!header) return std::move(header).error();
  if (header->compare(0, 16, std::string("SQLite format 3\0", 16)) != 0 ||
      big_endian32(*header, 68) != static_cast<std::uint32_t>(kApplicationId))
    return make_error(Errc::kNotALog, path + ": not a gwtape log");
  if (!readable_schema_version(big_endian32(*header, 60)))
    return make_error(Errc::kVersion, path + ": gwtape log of schema version " +
                                          std::to_string(big_endian32(*header, 60)) +
                                          "; this build reads 1 and 2");
  auto db = open_sqlite(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (!db)
    return make_error(db.error().code,
                      path + ": needs recovery, which needs write access: " + db.error().message);
  return exec(db->get(), "SELECT count(*) FROM sqlite_schema",
              path + ": needs recovery, which needs write access");
}

bool needs_recovery(sqlite3* db) {
  int ext = sqlite3_extended_errcode(db);
  return ext == SQLITE_READONLY_RECOVERY || ext == SQLITE_READONLY_CANTINIT ||
         ext == SQLITE_READONLY_ROLLBACK;
}

}  // namespace

Result<SqliteHandle> open_checked_read_only(const std::string& path) {
  if (auto st = check_file(path); !st) return std::move(st).error();
  auto db = open_sqlite(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  if (!db) return db;
  if (auto st = check_log(db->get(), path); !st) {
    if (!needs_recovery(db->get())) return std::move(st).error();
    db->reset();
    if (auto rec = recover_wal(path); !rec) return std::move(rec).error();
    db = open_sqlite(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
    if (!db) return db;
    if (auto again = check_log(db->get(), path); !again) return std::move(again).error();
  }
  if (int rc = register_sql_functions(db->get()); rc != SQLITE_OK)
    return sqlite_error(db->get(), rc, path + ": register functions");
  if (auto st = check_columns(db->get(), path); !st) return std::move(st).error();
  return db;
}

Result<bool> has_connections_table(sqlite3* db, const std::string& path) {
  auto s = Stmt::prepare(db, "SELECT 1 FROM main.sqlite_schema WHERE name = 'connections'");
  if (!s) return std::move(s).error();
  const int rc = s->step();
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_error(db, rc, path + ": connections");
}

Result<SqliteHandle> open_for_writing(const std::string& path, const std::string& vfs) {
  {
    auto ro = open_checked_read_only(path);
    if (!ro) return ro;
  }
  auto db = open_sqlite(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        vfs.empty() ? nullptr : vfs.c_str());
  if (!db) return db;
  // Re-check on the writable connection: the file may have been replaced in between.
  if (auto st = check_log(db->get(), path); !st) return std::move(st).error();
  if (int rc = sqlite3_exec(db->get(), kConnectionsSql, nullptr, nullptr, nullptr); rc != SQLITE_OK)
    return sqlite_error(db->get(), rc, path + ": add the connections table");
  if (int rc = register_sql_functions(db->get()); rc != SQLITE_OK)
    return sqlite_error(db->get(), rc, path + ": register functions");
  return db;
}

Status create_log(const std::string& path, const std::string& vfs) {
  std::string tmp = path + ".creating-" + std::to_string(::getpid());
  remove_db_files(tmp);
  Status result;
  {
    auto db = open_sqlite(tmp, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                          vfs.empty() ? nullptr : vfs.c_str());
    if (!db) {
      result = std::move(db).error();
    } else {
      // Created in rollback-journal mode: once COMMIT returns the file alone is complete.
      std::string sql = "PRAGMA page_size=" + std::to_string(kPageSize) +
                        "; PRAGMA synchronous=FULL; BEGIN; " + kSchemaSql + kConnectionsSql +
                        "PRAGMA application_id=" + std::to_string(kApplicationId) +
                        "; PRAGMA user_version=" + std::to_string(kSchemaVersion) + "; COMMIT;";
      result = exec(db->get(), sql, path + ": create log");
      if (result) {
        sqlite3* raw = db->release();
        int rc = sqlite3_close(raw);
        if (rc != SQLITE_OK) {
          sqlite3_close_v2(raw);
          result = make_error(errc_from_sqlite(rc), path + ": create log: close failed");
        }
      }
    }
  }
  if (result && ::link(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    result = make_error(e == EEXIST ? Errc::kInvalidArgument : Errc::kIo,
                        path + ": create log: " + std::strerror(e));
  }
  remove_db_files(tmp);
  return result;
}

}  // namespace gwtape::store
