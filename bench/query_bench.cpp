// query_bench — `gwtape query` speed on a generated session, beside its peer, in one run:
//   a filter on t and guild_id answered from the indexes (ms), with its EXPLAIN QUERY PLAN,
//   beside the same filter with the indexes disabled (a scan of the frame rows);
//   full scans that decompress every frame (`json ->> '$.d.content' LIKE '%x%'`, and
//   `instr(json, 'x')`, what grep does), in MB/s of frame text, beside
//   `zstdcat frames.jsonl.zst | grep -c x` on a whole-file `zstd -3` JSONL of the same frames.
//
// usage: query_bench [--frames N] [--dir DIR] [--keep]
// Prints a Markdown table (docs/PERFORMANCE.md, section "Query").
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "bench_util.h"
#include "gwtape/fixtures/generator.h"
#include "gwtape/store/log_writer.h"
#include "gwtape/store/sql_functions.h"

namespace {

using gwtape::bench::Clock;
using gwtape::bench::seconds_since;
namespace store = gwtape::store;

int fail(const std::string& what) { return gwtape::bench::fail("query_bench", what); }

// Runs `sql` with ?1 bound to `param` (when not 0); returns the first column of the last row
// as text, and the time taken; "<error ...>" on failure.
struct Timed {
  std::string value;
  double seconds = 0;
  std::int64_t rows = 0;
};

Timed run(sqlite3* db, const std::string& sql, std::int64_t param = 0) {
  Timed t;
  const auto start = Clock::now();
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK)
    return {std::string("<error: ") + sqlite3_errmsg(db) + ">", 0, 0};
  if (param) sqlite3_bind_int64(s, 1, param);
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    ++t.rows;
    const auto* v = sqlite3_column_text(s, 0);
    t.value = v ? reinterpret_cast<const char*>(v) : "NULL";
  }
  if (rc != SQLITE_DONE) t.value = std::string("<error: ") + sqlite3_errmsg(db) + ">";
  sqlite3_finalize(s);
  t.seconds = seconds_since(start);
  return t;
}

// The best of `n` runs (the first warms the page cache and the block cache).
Timed best_of(int n, sqlite3* db, const std::string& sql, std::int64_t param = 0) {
  Timed best = run(db, sql, param);
  for (int i = 1; i < n; ++i) {
    Timed t = run(db, sql, param);
    if (t.seconds < best.seconds) best = t;
  }
  return best;
}

std::string plan(sqlite3* db, const std::string& sql, std::int64_t param) {
  sqlite3_stmt* s = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(db, ("EXPLAIN QUERY PLAN " + sql).c_str(), -1, &s, nullptr) != SQLITE_OK)
    return sqlite3_errmsg(db);
  sqlite3_bind_int64(s, 1, param);
  while (sqlite3_step(s) == SQLITE_ROW)
    out += std::string("    ") + reinterpret_cast<const char*>(sqlite3_column_text(s, 3)) + "\n";
  sqlite3_finalize(s);
  return out;
}

// Runs a shell pipeline; returns its first output line and the wall time.
Timed shell(const std::string& command) {
  Timed t;
  const auto start = Clock::now();
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return {"<popen failed>", 0, 0};
  char buf[256];
  while (std::fgets(buf, sizeof buf, p)) {
    if (t.value.empty()) t.value = buf;
  }
  const int status = ::pclose(p);
  t.seconds = seconds_since(start);
  while (!t.value.empty() && (t.value.back() == '\n' || t.value.back() == '\r')) t.value.pop_back();
  if (status != 0 && t.value.empty()) t.value = "<exit " + std::to_string(status) + ">";
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t frames = 1'000'000;
  std::string dir = std::filesystem::temp_directory_path() / "gwtape-query-bench";
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--frames" && i + 1 < argc) {
      frames = std::stoull(argv[++i]);
    } else if (a == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else if (a == "--keep") {
      keep = true;
    } else {
      std::fprintf(stderr, "usage: query_bench [--frames N] [--dir DIR] [--keep]\n");
      return 2;
    }
  }
  std::filesystem::create_directories(dir);
  const std::string log = dir + "/bench.gwtape", zst = dir + "/frames.jsonl.zst";
  std::filesystem::remove(log);
  std::filesystem::remove(zst);

  // The session: into the log, and as JSONL (one frame per line) through `zstd -3`.
  auto gen = gwtape::fixtures::Generator::create({});
  if (!gen.ok()) return fail(gen.error().message);
  store::WriterOptions options;
  options.durability = store::Durability::kNoSync;
  auto writer = store::LogWriter::open(log, options);
  if (!writer.ok()) return fail(writer.error().message);
  store::RecordingInfo info;
  info.started_at_ns = gen->options().start_unix_ms * 1'000'000;
  auto rec = (*writer)->begin_recording(info);
  if (!rec.ok()) return fail(rec.error().message);
  FILE* zstd = ::popen(("zstd -3 -q -f -o " + zst).c_str(), "w");
  if (!zstd) return fail("cannot run zstd");
  gwtape::fixtures::GeneratedFrame frame;
  std::uint64_t raw = 0;
  const auto write_start = Clock::now();
  for (std::uint64_t i = 0; i < frames; ++i) {
    gen->next(frame);
    raw += frame.text.size();
    std::fwrite(frame.text.data(), 1, frame.text.size(), zstd);
    std::fputc('\n', zstd);
    auto st = (*writer)->append({*rec, 1, frame.ts_ns, frame.direction, frame.text});
    if (!st.ok()) return fail(st.error().message);
  }
  if (auto st = (*writer)->close(); !st.ok()) return fail(st.error().message);
  if (::pclose(zstd) != 0) return fail("zstd failed");
  std::fprintf(stderr, "query_bench: wrote %llu frames (%.1f MB) in %.1f s\n",
               static_cast<unsigned long long>(frames), raw / 1e6, seconds_since(write_start));

  auto conn = store::open_query_connection(log);
  if (!conn.ok()) return fail(conn.error().message);
  sqlite3* db = conn->get();
  // The busiest guild, and a filter on it.
  const std::int64_t guild =
      std::stoll(run(db,
                     "SELECT guild_id FROM (SELECT guild_id, count(*) AS n FROM events WHERE t = "
                     "'MESSAGE_CREATE' GROUP BY guild_id ORDER BY n DESC LIMIT 1)")
                     .value);
  const std::string count_sql =
      "SELECT count(*) FROM events WHERE t = 'MESSAGE_CREATE' AND guild_id = ?1";
  const std::string rows_sql =
      "SELECT id, ts_ns, size FROM events WHERE t = 'GUILD_MEMBER_ADD' AND guild_id = ?1";
  const std::string json_sql =
      "SELECT json ->> '$.d.user.username' FROM events WHERE t = 'GUILD_MEMBER_ADD' AND "
      "guild_id = ?1";
  const std::string steered_sql =
      "SELECT id, ts_ns, size FROM events WHERE t = 'GUILD_MEMBER_ADD' AND +guild_id = ?1";
  const std::string noindex_sql =
      "SELECT count(*) FROM events WHERE +t = 'MESSAGE_CREATE' AND +guild_id = ?1";
  const Timed count_t = best_of(5, db, count_sql, guild);
  const Timed rows_t = best_of(5, db, rows_sql, guild);
  const Timed json_t = best_of(3, db, json_sql, guild);
  const Timed steered_t = best_of(5, db, steered_sql, guild);
  const Timed noindex_t = best_of(3, db, noindex_sql, guild);

  const Timed content = best_of(2, db,
                                "SELECT count(*) FROM events WHERE json ->> '$.d.content' LIKE "
                                "'%x%'");
  const Timed instr = best_of(2, db, "SELECT count(*) FROM events WHERE instr(json, 'x') > 0");
  const Timed grep = [&] {
    Timed best = shell("zstdcat " + zst + " | grep -c x");
    Timed again = shell("zstdcat " + zst + " | grep -c x");
    return again.seconds < best.seconds ? again : best;
  }();
  const Timed cat = shell("zstdcat " + zst + " | wc -c");
  const auto file_size = [](const std::string& p) {
    return static_cast<double>(std::filesystem::file_size(p));
  };
  auto mbs = [&](const Timed& t) { return raw / 1e6 / t.seconds; };

  std::printf(
      "Query benchmark: %llu frames, %.1f MB of frame text (%.0f B/frame); log %.1f MB, "
      "frames.jsonl.zst %.1f MB; busiest guild %lld\n\n",
      static_cast<unsigned long long>(frames), raw / 1e6, double(raw) / frames,
      file_size(log) / 1e6, file_size(zst) / 1e6, static_cast<long long>(guild));
  std::printf("EXPLAIN QUERY PLAN %s\n%s\n", count_sql.c_str(), plan(db, count_sql, guild).c_str());
  std::printf("| measure | result | time | rate |\n|---|---:|---:|---:|\n");
  std::printf(
      "| `t = 'MESSAGE_CREATE' AND guild_id = G`, count(*) (indexes) | %s rows | %.2f ms | |\n",
      count_t.value.c_str(), count_t.seconds * 1e3);
  std::printf(
      "| same filter, indexes disabled (`+t`, `+guild_id`): scan of frame rows | %s rows | "
      "%.1f ms | %.0fx slower |\n",
      noindex_t.value.c_str(), noindex_t.seconds * 1e3, noindex_t.seconds / count_t.seconds);
  std::printf(
      "| `t = 'GUILD_MEMBER_ADD' AND guild_id = G`, id, ts_ns, size | %lld rows | %.2f ms | |\n",
      static_cast<long long>(rows_t.rows), rows_t.seconds * 1e3);
  std::printf("| same, `+guild_id` (the planner steered to `frames_t`) | %lld rows | %.2f ms | |\n",
              static_cast<long long>(steered_t.rows), steered_t.seconds * 1e3);
  std::printf(
      "| same, `json ->> '$.d.user.username'` (decompresses their blocks) | %lld rows | "
      "%.1f ms | |\n",
      static_cast<long long>(json_t.rows), json_t.seconds * 1e3);
  std::printf(
      "| full scan `json ->> '$.d.content' LIKE '%%x%%'` | %s frames | %.2f s | %.0f MB/s |\n",
      content.value.c_str(), content.seconds, mbs(content));
  std::printf(
      "| full scan `instr(json, 'x') > 0` (what grep does) | %s frames | %.2f s | %.0f MB/s |\n",
      instr.value.c_str(), instr.seconds, mbs(instr));
  std::printf(
      "| `zstdcat frames.jsonl.zst \\| grep -c x` (2 processes) | %s lines | %.2f s | %.0f "
      "MB/s |\n",
      grep.value.c_str(), grep.seconds, mbs(grep));
  std::printf(
      "| `zstdcat frames.jsonl.zst \\| wc -c` (decompression alone) | %s bytes | %.2f s | "
      "%.0f MB/s |\n",
      cat.value.c_str(), cat.seconds, mbs(cat));
  std::printf(
      "\nratios: content scan / zstdcat|grep = %.2f; instr scan / zstdcat|grep = %.2f "
      "(MB/s over MB/s)\n",
      mbs(content) / mbs(grep), mbs(instr) / mbs(grep));
  using gwtape::bench::report;
  report({.bench = "query",
          .frames = frames,
          .figure = "filter t + guild_id (indexes)",
          .value = count_t.seconds * 1e3,
          .unit = "ms",
          .ceiling = "same filter, indexes disabled",
          .ceiling_value = noindex_t.seconds * 1e3,
          .higher_is_better = false});
  report({.bench = "query",
          .frames = frames,
          .figure = "scan json ->> LIKE",
          .value = mbs(content),
          .unit = "MB/s",
          .ceiling = "zstdcat | grep -c",
          .ceiling_value = mbs(grep)});
  report({.bench = "query",
          .frames = frames,
          .figure = "scan instr",
          .value = mbs(instr),
          .unit = "MB/s",
          .ceiling = "zstdcat | grep -c",
          .ceiling_value = mbs(grep)});
  const bool same = instr.value == grep.value;
  if (!same)
    std::printf("warning: instr count %s != grep count %s\n", instr.value.c_str(),
                grep.value.c_str());
  conn->reset();
  if (!keep) {
    std::filesystem::remove(log);
    std::filesystem::remove(zst);
  }
  return same ? 0 : 1;
}
