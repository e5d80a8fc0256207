// store/frame_source.cpp — block lookup, decompression and the last-block cache.
#include "frame_source.h"

#include <string>
#include <utility>

namespace gwtape::store {

FrameSource::FrameSource(sqlite3* db, std::string label, bool keep_statements)
    : db_(db), label_(std::move(label)), keep_statements_(keep_statements) {}

Error FrameSource::error(std::int64_t id, const Error& e) const {
  return make_error(e.code, label_ + ": frame " + std::to_string(id) + ": " + e.message);
}

Result<Stmt*> FrameSource::statement(Stmt* slot, std::string_view sql) {
  if (!keep_statements_) slot = &scratch_;
  if (!*slot || !keep_statements_) {
    auto s = Stmt::prepare(db_, sql);
    if (!s) return std::move(s).error();
    *slot = std::move(*s);
  }
  return slot;
}

Status FrameSource::load_dictionary(std::int64_t dict_id, std::int64_t frame_id) {
  auto st = statement(&dict_stmt_, "SELECT data FROM dicts WHERE id = ?1");
  if (!st) return std::move(st).error();
  Stmt& s = **st;
  s.bind(1, dict_id);
  int rc = s.step();
  Status result;
  if (rc == SQLITE_ROW) {
    result = decoder_.add_dictionary(dict_id, s.bytes(0));
  } else if (rc == SQLITE_DONE) {
    result = make_error(Errc::kCorrupt, "dictionary " + std::to_string(dict_id) + " missing");
  } else {
    result = sqlite_error(db_, rc, "read dictionary " + std::to_string(dict_id));
  }
  s.reset();
  if (!result) return error(frame_id, result.error());
  return {};
}

Result<std::string_view> FrameSource::text(std::int64_t id) {
  if (block_n_ > 0 && id >= block_first_ && id < block_first_ + block_n_)
    return block_.frame(static_cast<std::size_t>(id - block_first_));
  auto r = lookup(id);
  if (!keep_statements_) scratch_ = Stmt();
  return r;
}

Result<std::string_view> FrameSource::lookup(std::int64_t id) {
  auto bs = statement(&block_stmt_,
                      "SELECT first, n, dict, data FROM blocks WHERE first <= ?1 "
                      "ORDER BY first DESC LIMIT 1");
  if (!bs) return std::move(bs).error();
  Stmt& b = **bs;
  b.bind(1, id);
  int rc = b.step();
  if (rc == SQLITE_ROW && id < b.int64(0) + b.int64(1)) {
    std::int64_t first = b.int64(0), n = b.int64(1);
    std::int64_t dict = b.is_null(2) ? 0 : b.int64(2);
    if (dict != 0 && !decoder_.has_dictionary(dict)) {
      // Reading the dictionary runs another statement: keep the block's bytes meanwhile.
      std::string data(b.bytes(3));
      b.reset();
      if (auto st = load_dictionary(dict, id); !st) return std::move(st).error();
      block_n_ = 0;
      if (auto st = decoder_.decode_block(data, dict, &block_); !st) return error(id, st.error());
    } else {
      block_n_ = 0;
      Status st = decoder_.decode_block(b.bytes(3), dict, &block_);
      b.reset();
      if (!st) return error(id, st.error());
    }
    if (block_.count() != static_cast<std::size_t>(n)) {
      return error(id,
                   make_error(Errc::kCorrupt, "block " + std::to_string(first) + " holds " +
                                                  std::to_string(block_.count()) +
                                                  " frames, its row says " + std::to_string(n)));
    }
    block_first_ = first;
    block_n_ = n;
    return block_.frame(static_cast<std::size_t>(id - first));
  }
  b.reset();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return error(id, sqlite_error(db_, rc, "read block"));

  auto ps = statement(&pending_stmt_, "SELECT data FROM pending WHERE id = ?1");
  if (!ps) return std::move(ps).error();
  Stmt& p = **ps;
  p.bind(1, id);
  rc = p.step();
  if (rc == SQLITE_ROW) {
    Status st = decoder_.decode_pending(p.bytes(0), &pending_);
    p.reset();
    if (!st) return error(id, st.error());
    return std::string_view(pending_);
  }
  p.reset();
  if (rc == SQLITE_DONE)
    return make_error(Errc::kNotFound, label_ + ": no frame " + std::to_string(id));
  return error(id, sqlite_error(db_, rc, "read pending frame"));
}

}  // namespace gwtape::store
