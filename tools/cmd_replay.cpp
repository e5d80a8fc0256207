// gwtape replay — a log through the gateway's own handle_op path, into the state cache.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "cli.h"
#include "gwtape/replay/replayer.h"
#include "import_nats.h"
#include "tool_args.h"

namespace gwtape::tools {
namespace {

constexpr std::string_view kReplayUsage =
    "usage: gwtape replay LOG [--recording ID] [--until-seq N] [--summary]\n"
    "                         [--dump-state FILE] [--speed realtime|N|max] [--skip-bad]\n"
    "       gwtape replay nats://HOST:PORT[,...] [--stream NAME] [--subject FILTER] [...]\n"
    "\n"
    "Feeds a recording back through the gateway's handle_op / handle_event (the code that ran\n"
    "live), with the recorded timestamps as the clock, and rebuilds the state cache. Prints\n"
    "what it rebuilt and the state digest, and whether it equals the digest the recorder\n"
    "stored at its clean stop. The identify and resume frames the library would send are\n"
    "compared with the recorded ones: a difference is reported as a divergence.\n"
    "\n"
    "  --recording ID     which recording (default: the first)\n"
    "  --until-seq N      stop after the dispatch with sequence N\n"
    "  --summary          print one JSON object: frames, dispatches, guilds, channels, roles,\n"
    "                     members, messages, digest, ...\n"
    "  --dump-state FILE  write the whole cache as canonical JSON\n"
    "  --speed S          realtime, a factor (2 = twice as fast), or max (default)\n"
    "  --skip-bad         report corrupt frames and go on; exit 4 at the end if any\n"
    "                     (default: stop at the first)\n"
    "  --stream NAME      with nats://: the JetStream stream `record --nats` wrote (default\n"
    "                     GWTAPE)\n"
    "  --subject FILTER   with nats://: only these subjects (NAME.<bot>.<shard>.>, ...)\n"
    "\n"
    "From nats://, the stream (or the slice --subject names) is read as `gwtape import` reads\n"
    "it, into a temporary log that is removed at exit, and replayed from there.\n"
    "\n"
    "Exit 0; 1 when the replay diverged from the recording (or, from nats://, the stream could\n"
    "not be read); 2 usage; 4 a bad or corrupt log.\n";

// A directory of our own under $TMPDIR (or /tmp), removed with everything in it.
class TempDir {
 public:
  bool make() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/gwtape-replay-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) return false;
    path_ = pattern;
    return true;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// "replaying [########............]  40%  120000/300000 frames  117.3 MB  session 2412.0 s"
std::string progress_bar(const replay::ReplayStats& so_far, std::uint64_t total, double session_s) {
  constexpr int kWidth = 24;
  const double done =
      total > 0 ? std::min(1.0, static_cast<double>(so_far.frames) / static_cast<double>(total))
                : 0.0;
  const int filled = static_cast<int>(done * kWidth);
  std::string bar = "replaying [";
  bar.append(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(kWidth - filled), '.');
  char tail[160];
  std::snprintf(tail, sizeof tail, "] %3.0f%%  %llu/%llu frames  %.1f MB  session %.1f s\033[K",
                100.0 * done, static_cast<unsigned long long>(so_far.frames),
                static_cast<unsigned long long>(total),
                static_cast<double>(so_far.frame_bytes) / 1e6, session_s);
  return bar.append(tail);
}

int run(const Args& args) {
  if (wants_help(kReplayCommand, args)) return kOk;
  int code = kOk;
  const auto flags = parse_flags(kReplayCommand, args,
                                 {{"--recording", true, false},
                                  {"--until-seq", true, false},
                                  {"--summary", false, false},
                                  {"--dump-state", true, false},
                                  {"--speed", true, false},
                                  {"--skip-bad", false, false},
                                  {"--stream", true, false},
                                  {"--subject", true, false}},
                                 code);
  if (!flags) return code;
  if (flags->positional.empty()) return usage_error(kReplayCommand, "LOG is required");
  if (flags->positional.size() > 1) return usage_error(kReplayCommand, "one LOG only");
  std::string path(flags->positional[0]);
  // From a stream: its slice into a temporary log first, by import's own code.
  const bool from_nats = path.rfind("nats://", 0) == 0;
  TempDir temp;
  if (!from_nats && (flags->has("--stream") || flags->has("--subject"))) {
    return usage_error(kReplayCommand, "--stream and --subject go with a nats:// source");
  }
  if (from_nats) {
    NatsSlice slice;
    if (int c = parse_nats_slice(kReplayCommand, *flags, slice); c != kOk) return c;
    if (!temp.make()) return report(kReplayCommand, kFailure, "cannot make a temporary directory");
    const std::string log = temp.path() + "/stream.gwtape";
    std::uint64_t frames = 0, skipped = 0;
    if (int c = import_nats_slice(kReplayCommand, slice, log, frames, skipped); c != kOk) return c;
    std::fprintf(stderr, "gwtape replay: %llu frames read from stream %s (%s)\n",
                 static_cast<unsigned long long>(frames), slice.stream.c_str(),
                 slice.filter.c_str());
    path = log;
  }
  const std::string dump(flags->get("--dump-state"));
  const bool summary = flags->has("--summary");
  replay::ReplayOptions options;
  options.skip_bad = flags->has("--skip-bad");
  if (flags->has("--recording")) {
    const auto id =
        parse_int_flag<std::int64_t>("--recording", flags->get("--recording"), 1, INT64_MAX);
    if (!id) return usage_error(kReplayCommand, id.error().message);
    options.recording_id = *id;
  }
  if (flags->has("--until-seq")) {
    // 0 (stop after the first dispatch) was always taken; sequences themselves start at 1.
    const auto seq =
        parse_int_flag<std::int64_t>("--until-seq", flags->get("--until-seq"), 0, INT64_MAX);
    if (!seq) return usage_error(kReplayCommand, seq.error().message);
    options.until_seq = *seq;
  }
  if (flags->has("--dump-state") && dump.empty()) {
    return usage_error(kReplayCommand, "--dump-state takes a file name");
  }
  double speed = 0;  // 0: max
  if (const std::string v(flags->get("--speed", "max")); v == "realtime") {
    speed = 1;
  } else if (v != "max") {
    auto factor = parse_positive_flag("--speed", v, "realtime, max or a finite factor > 0");
    if (!factor) return usage_error(kReplayCommand, factor.error().message);
    speed = *factor;
  }

  // Pacing, and a progress bar on a terminal (never into a pipe or a file).
  const bool progress = ::isatty(2) == 1;
  std::uint64_t total = 0;  // frames of the recording, known once the log is open
  std::int64_t first_ts = 0;
  const auto started = std::chrono::steady_clock::now();
  auto last_progress = started;
  options.before_frame = [&](std::int64_t ts, const replay::ReplayStats& so_far) {
    if (first_ts == 0) first_ts = ts;
    if (speed > 0) {
      const auto due =
          started + std::chrono::nanoseconds(static_cast<std::int64_t>((ts - first_ts) / speed));
      std::this_thread::sleep_until(due);
    }
    if (progress &&
        std::chrono::steady_clock::now() - last_progress > std::chrono::milliseconds(200)) {
      last_progress = std::chrono::steady_clock::now();
      std::fprintf(stderr, "\r%s", progress_bar(so_far, total, (ts - first_ts) / 1e9).c_str());
    }
  };
  auto replayer = replay::Replayer::open(path, options);
  if (!replayer.ok()) {
    std::fprintf(stderr, "gwtape replay: %s\n", replayer.error().message.c_str());
    return replayer.error().code == replay::Errc::kNotFound ? kUsage : kBadLog;
  }
  if (progress) {
    auto n = (*replayer)->frame_count();
    if (n.ok()) total = *n;
  }
  (*replayer)->on_problem([](std::int64_t id, const std::string& what) {
    if (id > 0) {
      std::fprintf(stderr, "gwtape replay: frame %lld: %s\n", static_cast<long long>(id),
                   what.c_str());
    } else {
      std::fprintf(stderr, "gwtape replay: skipped: %s\n", what.c_str());
    }
  });
  replay::Status st = (*replayer)->run();
  if (progress) std::fprintf(stderr, "\r\033[K");
  if (!st.ok()) {
    std::fprintf(stderr, "gwtape replay: %s\n", st.error().message.c_str());
    return kBadLog;
  }
  const auto& r = **replayer;
  const auto counts = r.cache().counts();
  const std::string digest = r.cache().digest_hex();
  const auto& live = r.recording().state_digest;
  if (!dump.empty()) {
    std::ofstream out(dump, std::ios::binary);
    out << r.cache().dump_json();
    if (!out) {
      std::fprintf(stderr, "gwtape replay: cannot write %s\n", dump.c_str());
      return kFailure;
    }
  }
  for (const auto& d : r.divergences()) {
    std::fprintf(stderr,
                 "gwtape replay: divergence at frame %lld:\n  recorded: %s\n  replayed: %s\n",
                 static_cast<long long>(d.frame_id), d.expected.c_str(), d.actual.c_str());
  }
  const auto& s = r.stats();
  if (summary) {
    std::printf(
        "{\"recording\":%lld,\"frames\":%llu,\"dispatches\":%llu,\"connections\":%llu,"
        "\"guilds\":%zu,\"channels\":%zu,\"threads\":%zu,\"roles\":%zu,\"members\":%zu,"
        "\"messages\":%zu,\"presences\":%zu,\"voice_states\":%zu,\"protocol_errors\":%llu,"
        "\"bad_frames\":%llu,\"divergences\":%zu,\"digest\":\"%s\",\"live_digest\":%s%s%s,"
        "\"digest_matches_live\":%s}\n",
        static_cast<long long>(r.recording().id), static_cast<unsigned long long>(s.frames),
        static_cast<unsigned long long>(s.dispatches),
        static_cast<unsigned long long>(s.connections), counts.guilds, counts.channels,
        counts.threads, counts.roles, counts.members, counts.messages, counts.presences,
        counts.voice_states, static_cast<unsigned long long>(s.protocol_errors),
        static_cast<unsigned long long>(s.bad_frames), r.divergences().size(), digest.c_str(),
        live ? "\"" : "", live ? live->c_str() : "null", live ? "\"" : "",
        live ? (*live == digest ? "true" : "false") : "null");
  } else {
    std::printf("recording %lld: %llu frames, %llu dispatches over %llu connections\n",
                static_cast<long long>(r.recording().id), static_cast<unsigned long long>(s.frames),
                static_cast<unsigned long long>(s.dispatches),
                static_cast<unsigned long long>(s.connections));
    std::printf("state: %zu guilds, %zu channels, %zu roles, %zu members, %zu messages\n",
                counts.guilds, counts.channels, counts.roles, counts.members, counts.messages);
    std::printf("digest: %s (%s)\n", digest.c_str(),
                !live             ? "no live digest recorded"
                : *live == digest ? "equals the live digest"
                                  : "DIFFERS from the live digest");
  }
  if (s.bad_frames > 0) {
    // --skip-bad went on past damage: the replay is what could be read, of a corrupt log. The
    // divergences that follow from a skipped identify or resume are the damage's, not the
    // library's.
    std::fprintf(stderr, "gwtape replay: %s: corrupt log: %llu corrupt frames skipped\n",
                 std::string(flags->positional[0]).c_str(),
                 static_cast<unsigned long long>(s.bad_frames));
    return kBadLog;
  }
  return r.divergences().empty() ? kOk : kFailure;
}

}  // namespace

const Command kReplayCommand{"replay", "replay a log through handle_op into the state cache",
                             kReplayUsage, &run};

}  // namespace gwtape::tools
