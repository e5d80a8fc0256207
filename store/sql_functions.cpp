// store/sql_functions.cpp — gwtape_frame(id) and gwtape_version() for the `events` view.
//
// Compiled into the library and, with GWTAPE_SQLITE_EXTENSION, into the loadable extension.
#include "gwtape/store/sql_functions.h"

#include <memory>
#include <string>

#include "frame_source.h"
#include "sqlite_api.h"

namespace gwtape::store {
namespace {

// Per-connection state: the last block decompressed and the dictionaries, so a scan of
// `events` in id order decompresses each block once. No statement stays prepared between
// calls (see FrameSource), so sqlite3_close is never refused because of us.
struct FunctionState {
  explicit FunctionState(sqlite3* db) : source(db, label(db), /*keep_statements=*/false) {}
  static std::string label(sqlite3* db) {
    const char* name = sqlite3_db_filename(db, "main");
    return name && *name ? name : "log";
  }
  FrameSource source;
};

void frame_function(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  if (argc != 1 || sqlite3_value_type(argv[0]) == SQLITE_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  auto* state = static_cast<FunctionState*>(sqlite3_user_data(ctx));
  auto text = state->source.text(sqlite3_value_int64(argv[0]));
  if (!text) {
    if (text.error().code == Errc::kNotFound) {
      sqlite3_result_null(ctx);
    } else {
      sqlite3_result_error(ctx, text.error().message.c_str(), -1);
      sqlite3_result_error_code(ctx, SQLITE_CORRUPT);
    }
    return;
  }
  // Text, not blob, so JSON functions apply; the bytes are returned exactly, even when they
  // are not valid UTF-8, and an empty frame is '' rather than NULL.
  sqlite3_result_text64(ctx, text->empty() ? "" : text->data(), text->size(), SQLITE_TRANSIENT,
                        SQLITE_UTF8);
}

void version_function(sqlite3_context* ctx, int, sqlite3_value**) {
  sqlite3_result_text(ctx, GWTAPE_VERSION_STRING, -1, SQLITE_STATIC);
}

void destroy_state(void* p) { delete static_cast<FunctionState*>(p); }

}  // namespace

int register_sql_functions(sqlite3* db) {
  auto* state = new FunctionState(db);
  // Innocuous: it reads only the log's own frames, so it also works in views when a user runs
  // with trusted_schema off. Not deterministic: its result depends on the log's rows.
  int rc = sqlite3_create_function_v2(db, "gwtape_frame", 1, SQLITE_UTF8 | SQLITE_INNOCUOUS, state,
                                      frame_function, nullptr, nullptr, destroy_state);
  if (rc != SQLITE_OK) return rc;  // destroy_state already ran
  return sqlite3_create_function_v2(db, "gwtape_version", 0,
                                    SQLITE_UTF8 | SQLITE_INNOCUOUS | SQLITE_DETERMINISTIC, nullptr,
                                    version_function, nullptr, nullptr, nullptr);
}

}  // namespace gwtape::store
