// size_bench — what storing frames costs, on both generator profiles, beside what a user could
// make of the same frames with zstd, measured in one run (sizes are deterministic; times are
// not, on a shared machine):
//   raw JSONL; one whole-file zstd -3 and -19 of the frames as JSONL (libzstd in-process);
//   each frame alone, zstd -3, no dictionary; the log as recorded (LogWriter, frame_bytes); the
//   same log after `compact` (frame_bytes) — each as a ratio to whole-file zstd -3; ingest
//   frames/s, compaction seconds, one frame by id from the compacted log (ms).
//
// usage: size_bench [--frames N[,N...]] [--profiles default,repetitive] [--big] [--dir DIR]
//                   [--no19] [--no-compact] [--no-reseal] [--block-frames N] [--block-kib N]
//                   [--dict-kb N]
//                   [--level N] [--train-frames N]
//                   [--retrain-frames N] [--compact-level N] [--compact-block-kib N]
//                   [--compact-dict-kib N]
// --big adds 1M frames. Prints a Markdown table (docs/PERFORMANCE.md, section "Size").
#include <unistd.h>
#include <zstd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bench_util.h"
#include "gwtape/fixtures/generator.h"
#include "gwtape/store/compact.h"
#include "gwtape/store/log_reader.h"
#include "gwtape/store/log_writer.h"
#include "gwtape/store/verify.h"

namespace {

using gwtape::bench::Clock;
using gwtape::bench::seconds_since;
namespace store = gwtape::store;
namespace fixtures = gwtape::fixtures;

int fail(const std::string& what) { return gwtape::bench::fail("size_bench", what); }

std::size_t zstd_size(const std::string& data, int level) {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level);
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const std::size_t n = ZSTD_compress2(c, out.data(), out.size(), data.data(), data.size());
  ZSTD_freeCCtx(c);
  return ZSTD_isError(n) ? 0 : n;
}

std::vector<std::size_t> split_sizes(const std::string& list) {
  std::vector<std::size_t> out;
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ','))
    out.push_back(static_cast<std::size_t>(std::atoll(item.c_str())));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::size_t> sizes = {20000, 100000};
  std::vector<std::string> profiles = {"default", "repetitive"};
  std::string dir = std::filesystem::temp_directory_path().string();
  bool with19 = true;
  bool do_compact = true;
  store::WriterOptions wopts;
  wopts.durability = store::Durability::kNoSync;
  store::CompactOptions copts;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--big") {
      sizes.push_back(1000000);
      continue;
    }
    if (a == "--no19") {
      with19 = false;
      continue;
    }
    if (a == "--no-compact") {
      do_compact = false;
      continue;
    }
    if (a == "--no-reseal") {
      wopts.reseal_early_blocks = false;
      continue;
    }
    if (i + 1 >= argc) return fail("missing value for " + a);
    const std::string v = argv[++i];
    const long long n = std::atoll(v.c_str());
    if (a == "--frames") {
      sizes = split_sizes(v);
    } else if (a == "--profiles") {
      profiles.clear();
      std::stringstream ss(v);
      std::string p;
      while (std::getline(ss, p, ',')) profiles.push_back(p);
    } else if (a == "--dir") {
      dir = v;
    } else if (a == "--block-frames") {
      wopts.block_frames = static_cast<int>(n);
    } else if (a == "--block-kib") {
      wopts.block_bytes = static_cast<std::size_t>(n) << 10;
    } else if (a == "--dict-kb") {
      wopts.dict_bytes = static_cast<std::size_t>(n) << 10;
    } else if (a == "--level") {
      wopts.zstd_level = static_cast<int>(n);
    } else if (a == "--train-frames") {
      wopts.dict_train_frames = static_cast<std::size_t>(n);
    } else if (a == "--retrain-frames") {
      wopts.dict_retrain_frames = static_cast<std::size_t>(n);
    } else if (a == "--compact-level") {
      copts.level = static_cast<int>(n);
    } else if (a == "--compact-block-kib") {
      copts.block_bytes = static_cast<std::size_t>(n) << 10;
    } else if (a == "--compact-dict-kib") {
      copts.dict_bytes = static_cast<std::size_t>(n) << 10;
    } else {
      return fail("unknown option " + a);
    }
  }

  std::printf(
      "size_bench: writer %d-frame/%zu KiB blocks, level %d, %zu KiB dictionary trained at %zu "
      "frames%s, retrained every %zu; compact level %d, %zu KiB blocks, %zu KiB dictionary\n\n",
      wopts.block_frames, wopts.block_bytes >> 10, wopts.zstd_level, wopts.dict_bytes >> 10,
      wopts.dict_train_frames, wopts.reseal_early_blocks ? " (earlier blocks resealed)" : "",
      wopts.dict_retrain_frames, copts.level, copts.block_bytes >> 10, copts.dict_bytes >> 10);
  std::printf(
      "| profile | frames | raw MB | zstd -3 MB | raw | zstd -19 | per-frame zstd -3 | recorded | "
      "compacted | ingest frames/s | compact s | one frame by id, compacted |\n"
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const std::string& profile : profiles) {
    for (const std::size_t n : sizes) {
      fixtures::GeneratorOptions g;
      if (profile == "repetitive") {
        g.profile = fixtures::Profile::kRepetitive;
        g.guilds = 2;
        g.members_per_guild = 40;
      } else if (profile != "default") {
        return fail("unknown profile " + profile);
      }
      auto gen = fixtures::Generator::create(g);
      if (!gen.ok()) return fail(gen.error().message);
      std::vector<store::Frame> frames;
      frames.reserve(n);
      std::string jsonl;
      std::size_t per_frame = 0;
      {
        ZSTD_CCtx* c = ZSTD_createCCtx();
        ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 3);
        std::string out;
        fixtures::GeneratedFrame f;
        for (std::size_t i = 0; i < n; ++i) {
          gen->next(f);
          jsonl.append(f.text).push_back('\n');
          out.resize(ZSTD_compressBound(f.text.size()));
          per_frame += ZSTD_compress2(c, out.data(), out.size(), f.text.data(), f.text.size());
          frames.push_back(store::Frame{1, 1, f.ts_ns, f.direction, f.text});
        }
        ZSTD_freeCCtx(c);
      }
      const double raw = static_cast<double>(jsonl.size());
      const double z3 = static_cast<double>(zstd_size(jsonl, 3));
      const double z19 = with19 ? static_cast<double>(zstd_size(jsonl, 19)) : 0;
      jsonl = {};

      const std::string log = dir + "/size_bench-" + std::to_string(::getpid()) + ".gwtape";
      for (const char* s : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(log + s);
      auto start = Clock::now();
      {
        auto w = store::LogWriter::open(log, wopts);
        if (!w.ok()) return fail(w.error().message);
        store::RecordingInfo info;
        info.started_at_ns = frames.empty() ? 0 : frames[0].ts_ns;
        auto rec = (*w)->begin_recording(info);
        if (!rec.ok()) return fail(rec.error().message);
        for (const store::Frame& f : frames) {
          store::Frame copy = f;
          copy.recording_id = *rec;
          if (auto st = (*w)->append(std::move(copy)); !st.ok()) return fail(st.error().message);
        }
        if (auto st = (*w)->close(); !st.ok()) return fail(st.error().message);
      }
      const double ingest = static_cast<double>(n) / seconds_since(start);
      auto recorded = store::stats(log);
      if (!recorded.ok()) return fail(recorded.error().message);

      double compact_s = 0, lookup_ms = 0;
      std::int64_t compacted_bytes = 0;
      if (do_compact) {
        start = Clock::now();
        auto c = store::compact(log, copts);
        if (!c.ok()) return fail(c.error().message);
        compact_s = seconds_since(start);
        auto compacted = store::stats(log);
        if (!compacted.ok()) return fail(compacted.error().message);
        compacted_bytes = compacted->frame_bytes;

        // One frame by id: one reader, random ids (each almost always in another block than
        // the last, so each lookup decompresses a whole block).
        auto r = store::LogReader::open(log);
        if (!r.ok()) return fail(r.error().message);
        std::mt19937_64 rng(42);
        const int lookups = 200;
        start = Clock::now();
        for (int i = 0; i < lookups; ++i) {
          const auto id = static_cast<std::int64_t>(rng() % n) + 1;
          auto got = (*r)->get(id);
          if (!got.ok()) return fail(got.error().message);
          if (got->text != frames[static_cast<std::size_t>(id - 1)].text)
            return fail("frame " + std::to_string(id) + " differs after compaction");
        }
        lookup_ms = seconds_since(start) * 1e3 / lookups;
      }
      for (const char* s : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(log + s);

      std::printf(
          "| %s | %zu | %.1f | %.2f | %.2fx | %.2fx | %.2fx | **%.2fx** | **%.2fx** | %.0fk | %.1f "
          "| %.1f ms |\n",
          profile.c_str(), n, raw / 1e6, z3 / 1e6, raw / z3, with19 ? z19 / z3 : 0.0,
          static_cast<double>(per_frame) / z3, static_cast<double>(recorded->frame_bytes) / z3,
          static_cast<double>(compacted_bytes) / z3, ingest / 1e3, compact_s, lookup_ms);
      // Bytes per frame, each beside whole-file zstd -3 of the same frames (lower is better).
      const double per = static_cast<double>(n);
      gwtape::bench::report({.bench = "size",
                             .frames = n,
                             .figure = "recorded, " + profile,
                             .value = static_cast<double>(recorded->frame_bytes) / per,
                             .unit = "B/frame",
                             .ceiling = "whole-file zstd -3",
                             .ceiling_value = z3 / per,
                             .higher_is_better = false});
      if (do_compact) {
        gwtape::bench::report({.bench = "size",
                               .frames = n,
                               .figure = "compacted, " + profile,
                               .value = static_cast<double>(compacted_bytes) / per,
                               .unit = "B/frame",
                               .ceiling = "whole-file zstd -3",
                               .ceiling_value = z3 / per,
                               .higher_is_better = false});
      }
      std::fflush(stdout);
    }
  }
  return 0;
}
