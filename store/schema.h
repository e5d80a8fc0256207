// store/schema.h — the log's on-disk format version, its schema, and opening a log safely.
//
// docs/SCHEMA.md is the written specification; this file is its code. A log is a SQLite file
// with application_id 'gwtp' and user_version kSchemaVersion. Any file is first opened
// read-only and checked, so a file that is not a log of this version is refused unmodified.
//
// Thread-safety: free functions. Lifetimes: the returned handle owns the connection.
#pragma once

#include <string>

#include "gwtape/store/errors.h"
#include "gwtape/store/sql_functions.h"

namespace gwtape::store {

// New logs are version 1; `compact` makes a log version 2 (larger blocks, one dictionary
// trained over the whole log; docs/SCHEMA.md). This build reads both, and appends to both.
inline constexpr int kSchemaVersion = 1;
inline constexpr int kCompactedSchemaVersion = 2;
inline bool readable_schema_version(long long v) { return v == 1 || v == 2; }
inline constexpr int kApplicationId = 0x67777470;  // 'gwtp'
inline constexpr int kPageSize = 4096;

// The whole schema, run once in the transaction that creates a log.
extern const char* const kSchemaSql;
// The `connections` table, IF NOT EXISTS: run with kSchemaSql, and by every writer's open.
extern const char* const kConnectionsSql;

// True when the log on `db` has the `connections` table (logs written before it do not).
// Errors: SQLite's, prefixed with `path`.
Result<bool> has_connections_table(sqlite3* db, const std::string& path);

// Opens an existing log read-only and checks it (application_id, version, schema readable).
// Errors: kIo (missing or unreadable), kNotALog (empty, not SQLite, not ours), kVersion,
// kCorrupt (truncated, malformed).
Result<SqliteHandle> open_checked_read_only(const std::string& path);

// Checks then reopens an existing log read-write through `vfs` (empty: the default).
Result<SqliteHandle> open_for_writing(const std::string& path, const std::string& vfs);

// Creates a new log at `path` atomically (written aside, then linked into place), or
// kInvalidArgument if a file appeared there meanwhile.
Status create_log(const std::string& path, const std::string& vfs);

}  // namespace gwtape::store
