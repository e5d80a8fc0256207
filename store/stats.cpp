// store/stats.cpp — store::stats: what the frames cost, from SQLite's dbstat.
#include <map>
#include <unordered_map>
#include <utility>
#include <vector>

#include "gwtape/store/verify.h"
#include "schema.h"
#include "sqlite_util.h"

namespace gwtape::store {
namespace {

// Tables whose pages hold frame text: compressed blocks, pending frames, dictionaries.
bool is_frame_data(std::string_view name) {
  return name == "blocks" || name == "pending" || name == "dicts";
}

// Shares each block's compressed size among the recordings of its frames, in proportion to
// their text (the remainder goes to the largest share), and adds pending frames as they are.
class ShareCounter {
 public:
  explicit ShareCounter(std::map<std::int64_t, RecordingBytes>& out) : out_(out) {}

  void pending(std::int64_t id, std::int64_t bytes) { pending_[id] = bytes; }

  // Frames come in id order; blocks were all given first, also in order of `first`.
  void frame(std::int64_t id, std::int64_t rec, std::int64_t size) {
    RecordingBytes& r = out_[rec];
    r.recording_id = rec;
    r.frames++;
    r.raw_bytes += size;
    if (auto p = pending_.find(id); p != pending_.end()) {
      r.stored_bytes += p->second;
      return;
    }
    while (next_block_ < blocks_.size() && blocks_[next_block_].first <= id) {
      finish_block();
      block_end_ = blocks_[next_block_].first + blocks_[next_block_].n;
      block_bytes_ = blocks_[next_block_].bytes;
      ++next_block_;
    }
    if (id < block_end_) in_block_[rec] += size;
  }
  void add_block(std::int64_t first, std::int64_t n, std::int64_t bytes) {
    blocks_.push_back({first, n, bytes});
  }
  void finish_block() {
    if (in_block_.empty()) return;
    std::int64_t raw = 0;
    for (const auto& [rec, size] : in_block_) raw += size;
    std::int64_t given = 0;
    std::int64_t largest = in_block_.begin()->first;
    for (const auto& [rec, size] : in_block_) {
      // A block holds at most 512 KiB of text, or one frame: the product fits.
      std::int64_t share = raw > 0 ? block_bytes_ * size / raw : 0;
      out_[rec].stored_bytes += share;
      given += share;
      if (size > in_block_[largest]) largest = rec;
    }
    out_[largest].stored_bytes += block_bytes_ - given;
    in_block_.clear();
  }

 private:
  struct Block {
    std::int64_t first, n, bytes;
  };
  std::map<std::int64_t, RecordingBytes>& out_;
  std::vector<Block> blocks_;
  std::size_t next_block_ = 0;
  std::int64_t block_end_ = 0, block_bytes_ = 0;
  std::map<std::int64_t, std::int64_t> in_block_;  // recording -> its text in this block
  std::unordered_map<std::int64_t, std::int64_t> pending_;
};

}  // namespace

Result<LogStats> stats(const std::string& path) {
  auto db = open_checked_read_only(path);
  if (!db) return std::move(db).error();
  sqlite3* h = db->get();
  // Temporary tables (dbstat's GROUP BY) in memory: then nothing here writes a file.
  if (int rc = sqlite3_exec(h, "PRAGMA temp_store=MEMORY", nullptr, nullptr, nullptr);
      rc != SQLITE_OK) {
    return sqlite_error(h, rc, path + ": stats");
  }
  LogStats out;
  auto query = [&](const char* sql, auto&& row) -> Status {
    auto s = Stmt::prepare(h, sql);
    if (!s) return make_error(s.error().code, path + ": " + s.error().message);
    int rc;
    while ((rc = s->step()) == SQLITE_ROW) row(*s);
    // dbstat answers SQLITE_FULL ("database or disk is full") for a page chain that runs past
    // what it can hold, which only a damaged file has: on this read-only connection, with
    // temporary storage in memory, nothing can be full.
    if ((rc & 0xff) == SQLITE_FULL) {
      return make_error(Errc::kCorrupt, path + ": corrupt or truncated log: stats: " +
                                            std::string(sqlite3_errmsg(h)));
    }
    if (rc != SQLITE_DONE) return sqlite_error(h, rc, path + ": stats");
    return {};
  };
  Status st = query(
      "SELECT (SELECT count(*) FROM frames), (SELECT coalesce(sum(size), 0) FROM frames), "
      "(SELECT count(*) FROM blocks), (SELECT count(*) FROM dicts), "
      "(SELECT count(*) FROM recordings), "
      "(SELECT page_count FROM pragma_page_count) * (SELECT page_size FROM pragma_page_size)",
      [&](Stmt& s) {
        out.frames = s.int64(0);
        out.raw_bytes = s.int64(1);
        out.blocks = s.int64(2);
        out.dictionaries = s.int64(3);
        out.recordings = s.int64(4);
        out.file_bytes = s.int64(5);
      });
  if (!st) return std::move(st).error();
  std::int64_t in_tables = 0;
  st = query("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC", [&](Stmt& s) {
    TableBytes t{std::string(s.bytes(0)), s.int64(1), is_frame_data(s.bytes(0))};
    in_tables += t.bytes;
    if (t.frame_data) out.frame_bytes += t.bytes;
    out.tables.push_back(std::move(t));
  });
  if (!st) return std::move(st).error();
  // Pages in no table (the free list) belong to meta_bytes, so the two add up to the file.
  if (out.file_bytes > in_tables)
    out.tables.push_back({"(free pages)", out.file_bytes - in_tables, false});
  out.meta_bytes = out.file_bytes - out.frame_bytes;

  std::map<std::int64_t, RecordingBytes> per;
  st = query("SELECT id FROM recordings ORDER BY id",
             [&](Stmt& s) { per[s.int64(0)].recording_id = s.int64(0); });
  ShareCounter shares(per);
  // length() of a blob reads its size from the record header, not the overflow pages.
  if (st)
    st = query("SELECT first, n, length(data) FROM blocks ORDER BY first",
               [&](Stmt& s) { shares.add_block(s.int64(0), s.int64(1), s.int64(2)); });
  if (st)
    st = query("SELECT id, length(data) FROM pending",
               [&](Stmt& s) { shares.pending(s.int64(0), s.int64(1)); });
  if (st)
    st = query("SELECT id, rec, size FROM frames ORDER BY id",
               [&](Stmt& s) { shares.frame(s.int64(0), s.int64(1), s.int64(2)); });
  if (!st) return std::move(st).error();
  shares.finish_block();
  for (auto& [id, r] : per) out.per_recording.push_back(r);
  return out;
}

}  // namespace gwtape::store
