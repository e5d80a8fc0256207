// gwtape/store/sql_functions.h — the SQL functions the `events` view calls.
//
// The `events` view (docs/SCHEMA.md) returns each frame's text through `gwtape_frame(id)`,
// which finds the frame's block, decompresses it with its dictionary and keeps the last block
// so a scan in id order decompresses each block once. Every connection the project opens on a
// log registers these functions; the loadable extension (`.load gwtape` in the sqlite3 shell)
// registers the same ones. `open_query_connection` is the connection `gwtape query` uses.
//
// Thread-safety: the functions keep per-connection state; a connection is used by one thread
// at a time, as SQLite requires. Lifetimes: the state lives as long as the connection.
#pragma once

#include <memory>
#include <string>

#include "gwtape/store/errors.h"

struct sqlite3;

namespace gwtape::store {

// Registers gwtape_frame(id) and gwtape_version() on `db`. Returns a SQLite result code.
int register_sql_functions(sqlite3* db);

// Closes with sqlite3_close_v2 when the handle goes away.
struct SqliteCloser {
  void operator()(sqlite3* db) const;
};
using SqliteHandle = std::unique_ptr<sqlite3, SqliteCloser>;

// A read-only connection on a checked log (as LogReader::open checks it), with the functions
// registered: what `gwtape query` runs user SQL on. On a log from before the `connections`
// table, an empty temporary `connections` view stands in for it.
Result<SqliteHandle> open_query_connection(const std::string& path);

}  // namespace gwtape::store
