// store/frame_source.h — a frame's text by id, on one connection, for readers and SQL.
//
// Finds the block holding a frame (or its pending row), decompresses it with its dictionary and
// keeps it, so frames read in id order decompress each block once. Sealed blocks and
// dictionaries never change once committed, so the cache stays valid while the writer appends.
//
// Thread-safety: as its connection. Lifetimes: the connection must outlive the FrameSource; a
// returned view is valid until the next call.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "codec.h"
#include "gwtape/store/errors.h"
#include "sqlite_util.h"

namespace gwtape::store {

class FrameSource {
 public:
  // `label` starts error messages (the log's path). With `keep_statements` false the
  // statements are prepared per lookup, so nothing stays open on the connection between
  // calls (what a SQL function must do: the connection may be closed with sqlite3_close).
  FrameSource(sqlite3* db, std::string label, bool keep_statements);

  // The text of frame `id`. Errors: kNotFound, kCorrupt ("<label>: frame 1042: zstd: ...").
  Result<std::string_view> text(std::int64_t id);

  // Drops the cached block (after the log may have been rewritten by a rollback).
  void forget() { block_n_ = 0; }

 private:
  Result<std::string_view> lookup(std::int64_t id);
  Result<Stmt*> statement(Stmt* slot, std::string_view sql);
  Status load_dictionary(std::int64_t dict_id, std::int64_t frame_id);
  Error error(std::int64_t id, const Error& e) const;

  sqlite3* db_;
  std::string label_;
  bool keep_statements_;
  Stmt block_stmt_, pending_stmt_, dict_stmt_, scratch_;
  BlockDecoder decoder_;
  DecodedBlock block_;
  std::int64_t block_first_ = 0;
  std::int64_t block_n_ = 0;
  std::string pending_;
};

}  // namespace gwtape::store
