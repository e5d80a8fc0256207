// store/compact.cpp — re-packing a finished log into large, strongly compressed blocks, in
// place, as one transaction (docs/SCHEMA.md, "Compacted logs").
#include "gwtape/store/compact.h"

#include <sys/stat.h>

#include <algorithm>
#include <deque>
#include <future>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "codec.h"
#include "frame_source.h"
#include "schema.h"
#include "sqlite_util.h"

namespace gwtape::store {
namespace {

// Frames larger than this are not dictionary samples (they would dominate training).
constexpr std::size_t kMaxSampleBytes = 64 << 10;

std::int64_t file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<std::int64_t>(st.st_size) : 0;
}

// Runs `sql` (one statement) and calls `row` for each row.
template <typename F>
Status each_row(sqlite3* db, const std::string& path, std::string_view sql, F&& row) {
  auto s = Stmt::prepare(db, sql);
  if (!s) return make_error(s.error().code, path + ": " + s.error().message);
  int rc;
  while ((rc = s->step()) == SQLITE_ROW) row(*s);
  if (rc != SQLITE_DONE) return sqlite_error(db, rc, path);
  return {};
}

struct NewBlock {
  std::int64_t first = 0;
  std::int64_t n = 0;
  std::future<Result<std::string>> data;
};

class Compactor {
 public:
  Compactor(std::string path, const CompactOptions& options)
      : path_(std::move(path)), options_(options) {}

  Result<CompactReport> run() {
    if (options_.level < 1 || options_.level > 22)
      return make_error(Errc::kInvalidArgument, "compact: level must be 1..22");
    if (options_.block_bytes < 1024 || options_.block_bytes > (256u << 20))
      return make_error(Errc::kInvalidArgument, "compact: block bytes must be 1 KiB..256 MiB");
    if (options_.dict_bytes != 0 &&
        (options_.dict_bytes < 1024 || options_.dict_bytes > (4u << 20)))
      return make_error(Errc::kInvalidArgument,
                        "compact: dictionary bytes must be 0 or 1 KiB..4 MiB");
    report_.file_before = file_size(path_);
    auto db = open_for_writing(path_, "");
    if (!db) return std::move(db).error();
    db_ = db->get();
    if (auto st = take_alone(); !st) return std::move(st).error();
    if (auto st = exec(db_, "BEGIN IMMEDIATE", path_ + ": compact"); !st)
      return std::move(st).error();
    Status st = rewrite();
    if (!st) {
      (void)exec(db_, "ROLLBACK", path_);
      return std::move(st).error();
    }
    if (auto c = exec(db_, "COMMIT", path_ + ": compact: commit"); !c) {
      (void)exec(db_, "ROLLBACK", path_);
      return std::move(c).error();
    }
    if (options_.vacuum) {
      if (auto v = exec(db_, "VACUUM", path_ + ": compact: vacuum"); !v)
        return std::move(v).error();
    }
    db->reset();
    report_.file_after = file_size(path_);
    return report_;
  }

 private:
  // Leaves WAL mode (which only a connection alone on the file may do) and keeps the file
  // locked until the end, so no writer starts meanwhile; from here every transaction is
  // rolled back from its journal if the process dies.
  Status take_alone() {
    if (auto st = exec(db_, "PRAGMA busy_timeout = 0; PRAGMA locking_mode = EXCLUSIVE",
                       path_ + ": compact");
        !st)
      return st;
    std::string mode;
    auto st = each_row(db_, path_, "PRAGMA journal_mode = DELETE",
                       [&](Stmt& s) { mode = std::string(s.bytes(0)); });
    if (!st || mode != "delete") {
      return make_error(Errc::kBusy,
                        path_ +
                            ": in use by another process (a recording still being written?): "
                            "compact needs the log alone" +
                            (st ? std::string() : " (" + st.error().message + ")"));
    }
    return exec(db_, "PRAGMA synchronous = FULL", path_ + ": compact");
  }

  Status rewrite() {
    Status st = each_row(db_, path_,
                         "SELECT (SELECT count(*) FROM blocks), (SELECT count(*) FROM pending), "
                         "(SELECT count(*) FROM dicts), "
                         "(SELECT coalesce(sum(length(data)), 0) FROM blocks) + "
                         "(SELECT coalesce(sum(length(data)), 0) FROM pending) + "
                         "(SELECT coalesce(sum(length(data)), 0) FROM dicts)",
                         [&](Stmt& s) {
                           report_.blocks_before = s.int64(0);
                           report_.pending_before = s.int64(1);
                           report_.dicts_before = s.int64(2);
                           report_.stored_before = s.int64(3);
                         });
    if (!st) return st;
    std::vector<std::int64_t> sizes;  // sizes[id - 1]
    st = each_row(db_, path_, "SELECT id, size FROM frames ORDER BY id", [&](Stmt& s) {
      if (s.int64(0) != static_cast<std::int64_t>(sizes.size()) + 1) dense_ = false;
      sizes.push_back(s.int64(1));
    });
    if (!st) return st;
    if (!dense_)
      return make_error(Errc::kCorrupt,
                        path_ + ": corrupt or truncated log: frame ids are not dense");
    report_.frames = static_cast<std::int64_t>(sizes.size());
    if (sizes.empty()) return {};

    FrameSource source(db_, path_, true);
    std::string dict;
    if (options_.dict_bytes > 0) {
      auto d = train(source, sizes);
      if (!d) return std::move(d).error();
      dict = std::move(*d);
    }

    // Compress groups on up to 4 threads, each with its own context; results in order.
    const std::size_t threads = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 4);
    std::deque<NewBlock> blocks;
    std::vector<NewBlock> done;
    std::vector<std::string> group;
    std::size_t group_bytes = 0;
    std::int64_t group_first = 1;
    auto flush = [&]() -> Status {
      if (group.empty()) return {};
      if (blocks.size() >= threads) {
        blocks.front().data.wait();
        done.push_back(std::move(blocks.front()));
        blocks.pop_front();
      }
      NewBlock b;
      b.first = group_first;
      b.n = static_cast<std::int64_t>(group.size());
      b.data = std::async(std::launch::async,
                          [texts = std::move(group), level = options_.level, &dict]() {
                            std::vector<std::string_view> views(texts.begin(), texts.end());
                            ColdCompressor c(level, dict);
                            return c.compress_block(views);
                          });
      blocks.push_back(std::move(b));
      group = {};
      group_bytes = 0;
      return {};
    };
    for (std::int64_t id = 1; id <= report_.frames; ++id) {
      auto text = source.text(id);
      if (!text) return std::move(text).error();
      if (!group.empty() && group_bytes + text->size() > options_.block_bytes) {
        if (auto f = flush(); !f) return f;
      }
      if (group.empty()) group_first = id;
      group.emplace_back(*text);
      group_bytes += text->size();
    }
    if (auto f = flush(); !f) return f;
    while (!blocks.empty()) {
      done.push_back(std::move(blocks.front()));
      blocks.pop_front();
    }

    std::int64_t dict_id = 0;
    st = each_row(db_, path_, "SELECT coalesce(max(id), 0) + 1 FROM dicts",
                  [&](Stmt& s) { dict_id = s.int64(0); });
    if (!st) return st;
    if (auto e = exec(db_, "DELETE FROM blocks; DELETE FROM pending; DELETE FROM dicts",
                      path_ + ": compact");
        !e)
      return e;
    if (!dict.empty()) {
      auto ins = Stmt::prepare(db_, "INSERT INTO dicts(id, first_frame, data) VALUES(?1, 1, ?2)");
      if (!ins) return std::move(ins).error();
      ins->bind(1, dict_id);
      ins->bind_blob(2, dict);
      if (int rc = ins->step(); rc != SQLITE_DONE)
        return sqlite_error(db_, rc, path_ + ": compact");
      report_.stored_after += static_cast<std::int64_t>(dict.size());
    }
    auto ins =
        Stmt::prepare(db_, "INSERT INTO blocks(first, n, dict, data) VALUES(?1, ?2, ?3, ?4)");
    if (!ins) return std::move(ins).error();
    for (NewBlock& b : done) {
      auto data = b.data.get();
      if (!data) return make_error(data.error().code, path_ + ": compact: " + data.error().message);
      ins->bind(1, b.first);
      ins->bind(2, b.n);
      if (dict.empty()) {
        ins->bind_null(3);
      } else {
        ins->bind(3, dict_id);
      }
      ins->bind_blob(4, *data);
      const int rc = ins->step();
      ins->reset();
      if (rc != SQLITE_DONE) return sqlite_error(db_, rc, path_ + ": compact");
      report_.stored_after += static_cast<std::int64_t>(data->size());
      ++report_.blocks_after;
    }
    return exec(db_, "PRAGMA user_version = " + std::to_string(kCompactedSchemaVersion),
                path_ + ": compact");
  }

  // A dictionary trained on frames sampled evenly (by bytes) across the whole log.
  Result<std::string> train(FrameSource& source, const std::vector<std::int64_t>& sizes) {
    std::int64_t total = 0;
    for (auto s : sizes)
      if (s > 0 && static_cast<std::size_t>(s) <= kMaxSampleBytes) total += s;
    const double keep =
        total <= static_cast<std::int64_t>(options_.sample_bytes)
            ? 1.0
            : static_cast<double>(options_.sample_bytes) / static_cast<double>(total);
    std::vector<std::string> samples;
    double credit = 0;
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      if (sizes[i] <= 0 || static_cast<std::size_t>(sizes[i]) > kMaxSampleBytes) continue;
      credit += keep;
      if (credit < 1.0) continue;
      credit -= 1.0;
      auto text = source.text(static_cast<std::int64_t>(i) + 1);
      if (!text) return std::move(text).error();
      samples.emplace_back(*text);
    }
    auto dict = train_dictionary(samples, options_.dict_bytes);
    if (!dict) return std::string();  // too few samples: no dictionary
    return dict;
  }

  std::string path_;
  CompactOptions options_;
  sqlite3* db_ = nullptr;
  bool dense_ = true;
  CompactReport report_;
};

}  // namespace

Result<CompactReport> compact(const std::string& path, const CompactOptions& options) {
  return Compactor(path, options).run();
}

}  // namespace gwtape::store
