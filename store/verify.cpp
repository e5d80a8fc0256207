// store/verify.cpp — store::verify: integrity, checksums, dense ids, sequences.
#include "gwtape/store/verify.h"

#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "codec.h"
#include "gwtape/store/frame.h"
#include "schema.h"
#include "sqlite_util.h"

namespace gwtape::store {
namespace {

class Verifier {
 public:
  Verifier(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}

  Result<VerifyReport> run() {
    if (auto st = integrity(); !st) return std::move(st).error();
    if (!report_.problem) {
      // Each pass stops at its first problem; the earliest frame among them is reported.
      for (auto pass : {&Verifier::blocks, &Verifier::pending, &Verifier::frames}) {
        if (auto st = (this->*pass)(); !st) return std::move(st).error();
      }
      if (!report_.problem) {
        if (auto st = connections(); !st) return std::move(st).error();
      }
    }
    return std::move(report_);
  }

 private:
  void warning(std::int64_t frame, const std::string& what) {
    if (report_.warnings.size() < VerifyReport::kMaxWarnings)
      report_.warnings.push_back({frame, path_ + ": frame " + std::to_string(frame) + ": " + what});
  }

  void problem(std::optional<std::int64_t> frame, const std::string& what) {
    std::string msg = path_ + ": " + (frame ? "frame " + std::to_string(*frame) + ": " : "") + what;
    if (!report_.problem ||
        (frame && (!report_.problem->frame_id || *frame < *report_.problem->frame_id)))
      report_.problem = VerifyProblem{frame, std::move(msg)};
  }

  // Steps `sql`, calling row(stmt) until it returns false or the rows end.
  template <class F>
  Status each(const char* sql, F&& row) {
    auto s = Stmt::prepare(db_, sql);
    if (!s) return make_error(s.error().code, path_ + ": " + s.error().message);
    int rc;
    while ((rc = s->step()) == SQLITE_ROW) {
      if (!row(*s)) return {};
    }
    if (rc != SQLITE_DONE) {
      if ((rc & 0xff) == SQLITE_CORRUPT) {
        problem(std::nullopt, std::string("SQLite: ") + sqlite3_errmsg(db_));
        return {};
      }
      return sqlite_error(db_, rc, path_);
    }
    return {};
  }

  Status integrity() {
    return each("PRAGMA integrity_check", [&](Stmt& s) {
      if (s.bytes(0) != "ok") problem(std::nullopt, "integrity_check: " + std::string(s.bytes(0)));
      return false;
    });
  }

  Status blocks() {
    Status st = each("SELECT id, data FROM dicts ORDER BY id", [&](Stmt& s) {
      if (auto d = decoder_.add_dictionary(s.int64(0), s.bytes(1)); !d) {
        problem(std::nullopt, d.error().message);
        return false;
      }
      return true;
    });
    if (!st || report_.problem) return st;
    DecodedBlock block;
    return each("SELECT first, n, coalesce(dict, 0), data FROM blocks ORDER BY first",
                [&](Stmt& s) {
                  std::int64_t first = s.int64(0), n = s.int64(1);
                  std::string where = "block " + std::to_string(first) + ": ";
                  if (first != covered_end_) {
                    problem(covered_end_ < first ? covered_end_ : first,
                            first > covered_end_
                                ? "in no block (next block starts at " + std::to_string(first) + ")"
                                : where + "overlaps the previous block");
                    return false;
                  }
                  if (!has_checksum(s.bytes(3))) {
                    problem(first, where + "zstd frame without a content checksum");
                    return false;
                  }
                  if (auto d = decoder_.decode_block(s.bytes(3), s.int64(2), &block); !d) {
                    problem(first, where + d.error().message);
                    return false;
                  }
                  if (static_cast<std::int64_t>(block.count()) != n || n < 1) {
                    problem(first, where + "holds " + std::to_string(block.count()) +
                                       " frames, its row says " + std::to_string(n));
                    return false;
                  }
                  for (std::size_t i = 0; i < block.count(); ++i)
                    sizes_.push_back(block.frame(i).size());
                  covered_end_ = first + n;
                  report_.blocks++;
                  return true;
                });
  }

  Status pending() {
    std::string text;
    return each("SELECT id, data FROM pending ORDER BY id", [&](Stmt& s) {
      std::int64_t id = s.int64(0);
      if (id != covered_end_) {
        problem(std::min(id, covered_end_),
                id > covered_end_ ? "in no block and not pending" : "both in a block and pending");
        return false;
      }
      if (!has_checksum(s.bytes(1))) {
        problem(id, "pending zstd frame without a content checksum");
        return false;
      }
      if (auto d = decoder_.decode_pending(s.bytes(1), &text); !d) {
        problem(id, d.error().message);
        return false;
      }
      sizes_.push_back(text.size());
      covered_end_++;
      report_.pending++;
      return true;
    });
  }

  Status frames() {
    std::map<std::int64_t, SequenceTracker> recordings;
    Status st = each("SELECT id FROM recordings", [&](Stmt& s) {
      recordings[s.int64(0)];
      report_.recordings++;
      return true;
    });
    if (!st) return st;
    std::int64_t expected = 1;
    // Each recording's last frame: connection and time, which never go back in a sound log.
    std::map<std::int64_t, std::pair<std::uint32_t, std::int64_t>> last;
    st = each("SELECT id, rec, cd, op, s, size, dts FROM frames ORDER BY id", [&](Stmt& s) {
      std::int64_t id = s.int64(0);
      if (id != expected) {
        problem(expected, "missing: frame ids are not dense (next is " + std::to_string(id) + ")");
        return false;
      }
      ++expected;
      report_.frames++;
      auto rec = recordings.find(s.int64(1));
      if (rec == recordings.end()) {
        problem(id, "belongs to no recording (" + std::to_string(s.int64(1)) + ")");
        return false;
      }
      std::size_t index = static_cast<std::size_t>(id - 1);
      if (index >= sizes_.size()) {
        problem(id, "text missing: in no block and not pending");
        return false;
      }
      if (sizes_[index] != static_cast<std::uint64_t>(s.int64(5))) {
        problem(id, "stored text is " + std::to_string(sizes_[index]) + " bytes, its row says " +
                        std::to_string(s.int64(5)));
        return false;
      }
      const auto conn = static_cast<std::uint32_t>(s.int64(2) >> 1);
      const std::int64_t dts = s.int64(6);  // the recording's start is the same for both
      if (auto at = last.find(rec->first); at != last.end()) {
        if (auto bad = order_break(at->second.first, at->second.second, conn, dts)) {
          problem(id, "recording " + std::to_string(rec->first) + ": " + *bad);
          return false;
        }
      }
      last[rec->first] = {conn, dts};
      bool send = s.int64(2) & 1;
      std::optional<std::int64_t> op;
      if (!s.is_null(3)) op = s.int64(3);
      if (send && op == 2) {
        rec->second.identify();
      } else if (!send && op == 0 && !s.is_null(4)) {
        const std::int64_t seq = s.int64(4);
        const auto last = rec->second.last();
        const auto step = rec->second.dispatch(seq);
        if (step == SequenceTracker::Step::kNext) return true;
        std::string what = "recording " + std::to_string(rec->first) + ": dispatch sequence " +
                           std::to_string(seq) + " after " + std::to_string(*last);
        if (step == SequenceTracker::Step::kGap) {
          ++report_.seq_gaps;
          // seq > last: the difference fits in 64 unsigned bits, whatever their signs.
          const std::uint64_t skipped =
              static_cast<std::uint64_t>(seq) - static_cast<std::uint64_t>(*last) - 1;
          what += " (" + std::to_string(skipped) + " skipped)";
        } else {
          ++report_.seq_repeats;
          what += " (repeated, as a resume's replay)";
        }
        warning(id, what);
      }
      return true;
    });
    if (!st) return st;
    if (!report_.problem && static_cast<std::int64_t>(sizes_.size()) > report_.frames)
      problem(report_.frames + 1, "stored text without a frame row");
    return {};
  }

  // Each connection end belongs to a recording, says who closed, and has a close code or none.
  Status connections() {
    auto table = has_connections_table(db_, path_);
    if (!table) return std::move(table).error();
    if (!*table) return {};
    return each(
        "SELECT c.rec, c.conn, c.closed_by, c.code, r.id FROM connections c "
        "LEFT JOIN recordings r ON r.id = c.rec ORDER BY c.rec, c.conn",
        [&](Stmt& s) {
          const std::string where = "connection " + std::to_string(s.int64(1)) + " of recording " +
                                    std::to_string(s.int64(0)) + ": ";
          if (s.is_null(4)) {
            problem(std::nullopt, where + "no such recording");
          } else if (!closed_by_from_name(s.bytes(2))) {
            problem(std::nullopt, where + "closed_by '" + std::string(s.bytes(2)) +
                                      "' is not server, client or lost");
          } else if (!s.is_null(3) && (s.int64(3) < 0 || s.int64(3) > 0xFFFF)) {
            problem(std::nullopt,
                    where + "close code " + std::to_string(s.int64(3)) + " is not 0-65535");
          } else {
            return true;
          }
          return false;
        });
  }

  std::string path_;
  sqlite3* db_;
  VerifyReport report_;
  BlockDecoder decoder_;
  std::int64_t covered_end_ = 1;
  std::vector<std::uint64_t> sizes_;
};

}  // namespace

SequenceTracker::Step SequenceTracker::dispatch(std::int64_t s) {
  // As gateway::Sequence::observe, which the store cannot include (it sits below the client).
  if (!last_) {
    last_ = s;
    return Step::kNext;
  }
  if (s <= *last_) return Step::kRepeat;
  const Step step = s == *last_ + 1 ? Step::kNext : Step::kGap;
  last_ = s;
  return step;
}

Result<VerifyReport> verify(const std::string& path) {
  auto db = open_checked_read_only(path);
  if (!db) return std::move(db).error();
  return Verifier(path, db->get()).run();
}

}  // namespace gwtape::store
