// store/extension.cpp — the loadable SQLite extension: `.load path/to/gwtape` in the sqlite3
// shell registers the same SQL functions the project's own connections have, so the `events`
// view works there (docs/SCHEMA.md has a worked example).
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

#include "gwtape/store/sql_functions.h"

extern "C" {

// The entry point SQLite derives from the file name gwtape.so.
__attribute__((visibility("default"))) int sqlite3_gwtape_init(sqlite3* db, char** error,
                                                               const sqlite3_api_routines* api) {
  SQLITE_EXTENSION_INIT2(api);
  int rc = gwtape::store::register_sql_functions(db);
  if (rc != SQLITE_OK && error) *error = sqlite3_mprintf("gwtape: cannot register functions");
  return rc;
}

// The generic name, for programs that load it with an explicit entry point or none.
__attribute__((visibility("default"))) int sqlite3_extension_init(sqlite3* db, char** error,
                                                                  const sqlite3_api_routines* api) {
  return sqlite3_gwtape_init(db, error, api);
}

}  // extern "C"
