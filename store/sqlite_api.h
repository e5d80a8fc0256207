// store/sqlite_api.h — the SQLite API, linked or through an extension's routine table.
//
// The library links libsqlite3. The loadable extension must call the SQLite of the program
// that loads it, through the `sqlite3_api` table; its sources are compiled a second time with
// GWTAPE_SQLITE_EXTENSION defined, so the same code serves both.
#pragma once

#ifdef GWTAPE_SQLITE_EXTENSION
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3
#else
#include <sqlite3.h>
#endif
