// store/sqlite_util.h — small RAII wrappers over SQLite statements and error conversion.
//
// Thread-safety: as the connection they belong to. Lifetimes: a Stmt must be destroyed before
// its connection is closed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "gwtape/store/errors.h"
#include "sqlite_api.h"

namespace gwtape::store {

// The store code for a SQLite result code (SQLITE_FULL -> kFull, SQLITE_CORRUPT -> kCorrupt...).
Errc errc_from_sqlite(int rc);

// "<context>: <sqlite message> (<code name>)" with the code mapped by errc_from_sqlite.
Error sqlite_error(sqlite3* db, int rc, std::string_view context);

// A prepared statement, reset after each use.
class Stmt {
 public:
  Stmt() = default;
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(Stmt&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Stmt& operator=(Stmt&& other) noexcept {
    if (this != &other) {
      sqlite3_finalize(stmt_);
      stmt_ = other.stmt_;
      other.stmt_ = nullptr;
    }
    return *this;
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  static Result<Stmt> prepare(sqlite3* db, std::string_view sql);

  sqlite3_stmt* get() const { return stmt_; }
  explicit operator bool() const { return stmt_ != nullptr; }

  void bind(int i, std::int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void bind_null(int i) { sqlite3_bind_null(stmt_, i); }
  // The bytes are not copied: they must stay valid until reset().
  void bind_text(int i, std::string_view v) {
    sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8);
  }
  void bind_blob(int i, std::string_view v) {
    sqlite3_bind_blob64(stmt_, i, v.empty() ? "" : v.data(), v.size(), SQLITE_STATIC);
  }
  int step() { return sqlite3_step(stmt_); }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  // Bytes of a text or blob column, valid until the next step or reset.
  std::string_view bytes(int col) const {
    const void* p = sqlite3_column_blob(stmt_, col);
    int n = sqlite3_column_bytes(stmt_, col);
    return p ? std::string_view(static_cast<const char*>(p), static_cast<std::size_t>(n))
             : std::string_view();
  }

 private:
  explicit Stmt(sqlite3_stmt* s) : stmt_(s) {}
  sqlite3_stmt* stmt_ = nullptr;
};

// Runs SQL without results (one or more statements).
Status exec(sqlite3* db, std::string_view sql, std::string_view context);

}  // namespace gwtape::store
