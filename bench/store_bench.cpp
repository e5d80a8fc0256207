// store_bench — the log's costs on a generated session, each beside its ceiling or peer,
// measured in one run:
//   ingest frames/s of LogWriter    vs  plain SQLite inserts of the uncompressed frames;
//   frame_bytes                     vs  one whole-file zstd -3 of the same frames as JSONL;
//   meta_bytes per frame, whole file vs raw text, one frame by id (µs), full scans (MB/s).
//
// usage: store_bench [--frames N] [--dir DIR] [--block-frames N] [--block-kib N] [--dict-kb N]
//                    [--level N]
//                    [--train-frames N] [--commit-ms N] [--nosync] [--keep]
// Prints a Markdown table (docs/PERFORMANCE.md, section "Store").
#include <sqlite3.h>
#include <unistd.h>
#include <zstd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "bench_util.h"
#include "gwtape/fixtures/generator.h"
#include "gwtape/store/log_reader.h"
#include "gwtape/store/log_writer.h"
#include "gwtape/store/sql_functions.h"
#include "gwtape/store/verify.h"

namespace {

using gwtape::bench::Clock;
using gwtape::bench::cpu_seconds;
using gwtape::bench::seconds_since;
namespace store = gwtape::store;

struct Frames {
  std::vector<store::Direction> direction;
  std::vector<std::int64_t> ts;
  std::vector<std::string> text;
  std::uint64_t bytes = 0;
};

int fail(const std::string& what) { return gwtape::bench::fail("store_bench", what); }

// The ceiling: the same frames as uncompressed rows, one prepared insert each, transactions
// of 200 ms worth of frames at most, WAL and synchronous=FULL like the writer's default.
double plain_sqlite_seconds(const std::string& path, const Frames& f) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db,
               "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA secure_delete=OFF;"
               "CREATE TABLE frames(id INTEGER PRIMARY KEY, ts INTEGER, dir INTEGER, text BLOB);",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* ins = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO frames VALUES(?1, ?2, ?3, ?4)", -1, &ins, nullptr);
  auto start = Clock::now();
  auto txn_start = start;
  sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
  for (std::size_t i = 0; i < f.text.size(); ++i) {
    sqlite3_bind_int64(ins, 1, static_cast<std::int64_t>(i + 1));
    sqlite3_bind_int64(ins, 2, f.ts[i]);
    sqlite3_bind_int(ins, 3, static_cast<int>(f.direction[i]));
    sqlite3_bind_blob(ins, 4, f.text[i].data(), static_cast<int>(f.text[i].size()), SQLITE_STATIC);
    sqlite3_step(ins);
    sqlite3_reset(ins);
    if ((i & 1023) == 0 && seconds_since(txn_start) > 0.2) {
      sqlite3_exec(db, "COMMIT; BEGIN", nullptr, nullptr, nullptr);
      txn_start = Clock::now();
    }
  }
  sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_finalize(ins);
  sqlite3_close(db);  // checkpoints the WAL, as LogWriter::close does
  return seconds_since(start);
}

std::size_t whole_file_zstd3(const Frames& f) {
  std::string jsonl;
  jsonl.reserve(f.bytes + f.text.size());
  for (const auto& t : f.text) jsonl.append(t).push_back('\n');
  std::string out(ZSTD_compressBound(jsonl.size()), '\0');
  return ZSTD_compress(out.data(), out.size(), jsonl.data(), jsonl.size(), 3);
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = 1'000'000;
  std::string dir = std::filesystem::temp_directory_path().string();
  store::WriterOptions opts;
  bool keep = false;
  for (int i = 1; i < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--nosync" || a == "--keep") {
      if (a == "--nosync") opts.durability = store::Durability::kNoSync;
      if (a == "--keep") keep = true;
      --i;
      continue;
    }
    if (i + 1 >= argc) return fail("missing value for " + a);
    long long v = std::atoll(argv[i + 1]);
    if (a == "--frames")
      n = static_cast<std::size_t>(v);
    else if (a == "--dir")
      dir = argv[i + 1];
    else if (a == "--block-frames")
      opts.block_frames = static_cast<int>(v);
    else if (a == "--block-kib")
      opts.block_bytes = static_cast<std::size_t>(v) << 10;
    else if (a == "--dict-kb")
      opts.dict_bytes = static_cast<std::size_t>(v) << 10;
    else if (a == "--level")
      opts.zstd_level = static_cast<int>(v);
    else if (a == "--commit-ms")
      opts.commit_interval = std::chrono::milliseconds(v);
    else if (a == "--train-frames")
      opts.dict_train_frames = static_cast<std::size_t>(v);
    else
      return fail("unknown option " + a);
  }
  auto gen = gwtape::fixtures::Generator::create({});
  if (!gen.ok()) return fail(gen.error().message);
  Frames f;
  f.text.reserve(n);
  gwtape::fixtures::GeneratedFrame g;
  for (std::size_t i = 0; i < n; ++i) {
    gen->next(g);
    f.direction.push_back(g.direction);
    f.ts.push_back(g.ts_ns);
    f.bytes += g.text.size();
    f.text.push_back(g.text);
  }
  std::string base = dir + "/store_bench-" + std::to_string(::getpid());
  std::string plain = base + ".plain.sqlite", log = base + ".gwtape";
  auto cleanup = [&] {
    for (const auto& p : {plain, log})
      for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(p + s);
  };
  cleanup();

  const double plain_cpu0 = cpu_seconds();
  double plain_s = plain_sqlite_seconds(plain, f);
  const double plain_cpu = cpu_seconds() - plain_cpu0;

  const double ours_cpu0 = cpu_seconds();
  auto start = Clock::now();
  auto w = store::LogWriter::open(log, opts);
  if (!w.ok()) return fail(w.error().message);
  store::RecordingInfo info;
  info.started_at_ns = f.ts.empty() ? 0 : f.ts[0];
  auto rec = (*w)->begin_recording(info);
  if (!rec.ok()) return fail(rec.error().message);
  for (std::size_t i = 0; i < n; ++i) {
    // A copy, as the recorder hands over frames it keeps no use for (the copy is timed too).
    auto st = (*w)->append(store::Frame{*rec, 1, f.ts[i], f.direction[i], f.text[i]});
    if (!st.ok()) return fail(st.error().message);
  }
  if (auto st = (*w)->close(); !st.ok()) return fail(st.error().message);
  double ours_s = seconds_since(start);
  const double ours_cpu = cpu_seconds() - ours_cpu0;
  auto ws = (*w)->stats();

  std::size_t zstd3 = whole_file_zstd3(f);
  auto s = store::stats(log);
  if (!s.ok()) return fail(s.error().message);

  auto r = store::LogReader::open(log);
  if (!r.ok()) return fail(r.error().message);
  std::mt19937_64 rng(42);
  const int lookups = 2000;
  start = Clock::now();
  std::size_t got = 0;
  for (int i = 0; i < lookups; ++i) {
    auto fr = (*r)->get(static_cast<std::int64_t>(rng() % n) + 1);
    if (!fr.ok()) return fail(fr.error().message);
    got += fr->text.size();
  }
  double get_us = seconds_since(start) * 1e6 / lookups;

  start = Clock::now();
  auto c = (*r)->frames();
  std::size_t scanned = 0;
  for (;;) {
    auto more = (*c)->next();
    if (!more.ok()) return fail(more.error().message);
    if (!*more) break;
    scanned += (*c)->frame().text.size();
  }
  double cursor_s = seconds_since(start);

  auto db = store::open_query_connection(log);
  if (!db.ok()) return fail(db.error().message);
  sqlite3_stmt* q = nullptr;
  sqlite3_prepare_v2(db->get(), "SELECT sum(length(CAST(json AS BLOB))) FROM events", -1, &q,
                     nullptr);
  start = Clock::now();
  sqlite3_step(q);
  std::int64_t view_bytes = sqlite3_column_int64(q, 0);
  sqlite3_finalize(q);
  double view_s = seconds_since(start);

  double mb = static_cast<double>(f.bytes) / 1e6;
  std::printf(
      "Store: %zu generated frames, %.1f MB of frame text (%.0f B/frame), block of %d "
      "frames, %zu KiB dictionary, zstd level %d\n\n",
      n, mb, static_cast<double>(f.bytes) / n, opts.block_frames, opts.dict_bytes >> 10,
      opts.zstd_level);
  std::printf("| measure | gwtape | ceiling / peer | ratio |\n|---|---:|---:|---:|\n");
  std::printf("| ingest, frames/s (open to close) | %.0f | %.0f (plain SQLite rows) | %.2f |\n",
              n / ours_s, n / plain_s, plain_s / ours_s);
  // CPU time of all threads (the caller's appends, the writer, the sealer, the WAL syncer):
  // what one core would take to ingest the same frames.
  std::printf(
      "| ingest, frames per CPU-second (all threads) | %.0f | %.0f (plain SQLite rows) | %.2f |\n",
      n / ours_cpu, n / plain_cpu, plain_cpu / ours_cpu);
  std::printf("| frame_bytes, B/frame | %.1f | %.1f (whole-file zstd -3 JSONL) | %.2fx |\n",
              static_cast<double>(s->frame_bytes) / n, static_cast<double>(zstd3) / n,
              static_cast<double>(s->frame_bytes) / static_cast<double>(zstd3));
  std::printf("| meta_bytes, B/frame | %.1f | 64 (aim) | |\n",
              static_cast<double>(s->meta_bytes) / n);
  std::printf("| whole file vs raw text | %.1f MB | %.1f MB | %.3f |\n", s->file_bytes / 1e6, mb,
              s->file_bytes / 1e6 / mb);
  std::printf("| one frame by id (random), µs | %.1f | | |\n", get_us);
  std::printf("| scan, LogReader cursor, MB/s | %.0f | | |\n", scanned / 1e6 / cursor_s);
  std::printf("| scan, events view json, MB/s | %.0f | | |\n", view_bytes / 1e6 / view_s);
  std::printf(
      "\nwriter: %llu blocks, %llu dictionaries, %llu commits, %llu back-pressure waits "
      "(%.0f ms)\n",
      static_cast<unsigned long long>(ws.blocks_sealed),
      static_cast<unsigned long long>(ws.dictionaries), static_cast<unsigned long long>(ws.commits),
      static_cast<unsigned long long>(ws.backpressure_waits), ws.backpressure_ns / 1e6);
  std::printf("tables:");
  for (const auto& t : s->tables)
    std::printf(" %s %.1f B/frame;", t.name.c_str(), static_cast<double>(t.bytes) / n);
  std::printf("\n");
  using gwtape::bench::report;
  report({.bench = "store",
          .frames = n,
          .figure = "ingest",
          .value = n / ours_s,
          .unit = "frames/s",
          .ceiling = "plain SQLite rows",
          .ceiling_value = n / plain_s});
  report({.bench = "store",
          .frames = n,
          .figure = "ingest per CPU-second",
          .value = n / ours_cpu,
          .unit = "frames/CPU-s",
          .ceiling = "plain SQLite rows",
          .ceiling_value = n / plain_cpu});
  report({.bench = "store",
          .frames = n,
          .figure = "frame_bytes",
          .value = static_cast<double>(s->frame_bytes) / n,
          .unit = "B/frame",
          .ceiling = "whole-file zstd -3",
          .ceiling_value = static_cast<double>(zstd3) / n,
          .higher_is_better = false});
  (void)got;
  if (keep) {
    std::printf("kept %s\n", log.c_str());
  } else {
    cleanup();
  }
  return 0;
}
