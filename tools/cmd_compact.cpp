// gwtape compact — re-packs a finished log's frame text into large blocks at a high zstd level
// (store::compact), in place and crash-safe, for cold storage.
#include <cstdio>
#include <string>

#include "cli.h"
#include "gwtape/store/compact.h"
#include "tool_args.h"

namespace gwtape::tools {
namespace {

constexpr std::string_view kCompactUsage =
    "usage: gwtape compact [--level N] [--block-kib N] [--dict-kib N] LOG\n"
    "\n"
    "Re-packs the frame text of a finished log for cold storage: every block and pending\n"
    "frame becomes part of a few large blocks (4 MiB of text each by default) compressed at\n"
    "zstd level 19 with long-distance matching (no dictionary unless --dict-kib).\n"
    "Frames, recordings, indexes and the events view are unchanged: verify, query, replay,\n"
    "export and stats read the compacted log as before, and one frame by id costs one block's\n"
    "decompression (a few ms). The log becomes schema version 2 (docs/SCHEMA.md).\n"
    "\n"
    "In place and crash-safe: the rewrite is one SQLite transaction (then a VACUUM, another);\n"
    "if the process dies at any moment the log is the old one or the new one. A log that a\n"
    "recording still has open is refused (exit 4); compact it once the recorder has stopped.\n"
    "Compacting again is allowed (it re-packs). Later recordings appended to a compacted log\n"
    "get ordinary blocks.\n"
    "\n"
    "  --level N      zstd level, 1..22 (default 19)\n"
    "  --block-kib N  frame text per block, 64..262144 KiB (default 4096): larger packs\n"
    "                 tighter, smaller reads one frame faster\n"
    "  --dict-kib N   train one dictionary of N KiB over the whole log, 1..4096; 0 (default):\n"
    "                 none (on generated traffic a dictionary made the log larger)\n"
    "\n"
    "Prints \"LOG: compacted: ...\" with the stored frame bytes before and after.\n"
    "exit: 0 done; 2 bad flags; 4 a missing, foreign or corrupt log, or one in use (the log is\n"
    "unchanged); 1 other failures (disk full: the log is unchanged).\n";

int run(const Args& args) {
  if (wants_help(kCompactCommand, args)) return kOk;
  int code = kOk;
  auto flags = parse_flags(
      kCompactCommand, args,
      {{"--level", true, false}, {"--block-kib", true, false}, {"--dict-kib", true, false}}, code);
  if (!flags) return code;
  if (flags->positional.size() != 1) return usage_error(kCompactCommand, "expected one LOG");
  store::CompactOptions options;
  if (flags->has("--level")) {
    auto n = parse_int_flag<int>("--level", flags->get("--level"), 1, 22);
    if (!n) return usage_error(kCompactCommand, n.error().message);
    options.level = *n;
  }
  if (flags->has("--block-kib")) {
    auto n = parse_int_flag<std::int64_t>("--block-kib", flags->get("--block-kib"), 64, 262144);
    if (!n) return usage_error(kCompactCommand, n.error().message);
    options.block_bytes = static_cast<std::size_t>(*n) << 10;
  }
  if (flags->has("--dict-kib")) {
    auto n = parse_int_flag<std::int64_t>("--dict-kib", flags->get("--dict-kib"), 0, 4096);
    if (!n) return usage_error(kCompactCommand, n.error().message);
    options.dict_bytes = static_cast<std::size_t>(*n) << 10;
  }
  const std::string path(flags->positional[0]);
  auto r = store::compact(path, options);
  if (!r) return report_store_error(kCompactCommand, r.error());
  std::printf(
      "%s: compacted: %lld frames; %lld blocks and %lld pending -> %lld blocks; stored frame "
      "bytes %lld -> %lld; file %lld -> %lld bytes\n",
      path.c_str(), static_cast<long long>(r->frames), static_cast<long long>(r->blocks_before),
      static_cast<long long>(r->pending_before), static_cast<long long>(r->blocks_after),
      static_cast<long long>(r->stored_before), static_cast<long long>(r->stored_after),
      static_cast<long long>(r->file_before), static_cast<long long>(r->file_after));
  return kOk;
}

}  // namespace

const Command kCompactCommand{
    "compact", "re-pack a finished log into large blocks for cold storage", kCompactUsage, &run};

}  // namespace gwtape::tools
