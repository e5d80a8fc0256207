// replay_bench — replay throughput over a generated log, beside its ceiling and a peer, in one
// run (docs/PERFORMANCE.md, section "Replay"):
//   read      the log's frames read and decompressed (LogReader cursor), nothing else;
//   parse     simdjson DOM parse-only of the same frames, in memory (the ceiling);
//   walk      simdjson On-Demand of the same frames, in memory, every value visited (every
//             key, string, number, bool and null read): the ceiling for the whole
//             replay process (aim: replay >= 0.5x of it);
//   replay    gwtape::replay::Replayer::run: read + decompress + envelope + typed decode +
//             handle_op + the state cache;
//   nlohmann  the same reader, each received frame parsed with nlohmann::json and converted into
//             the same typed events (bench/nlohmann_decode.h), applied to the same cache: what
//             D++ users have. Its cache digest must equal the replay's, or the run fails.
// replay and nlohmann read with the cursor's read-ahead thread (FrameQuery::read_ahead, the
// replayer's default on two cores or more); replay-1 and nlohmann-1 are the same on one
// thread, the reading included. Every row's cache digest must be the same.
// Every row runs in a process of its own (this binary again, with --row), so the peak RSS and
// the CPU time it reports are that row's alone. Rows run round-robin, the best round is kept.
// Each row's process has its heap on transparent huge pages (GLIBC_TUNABLES=
// glibc.malloc.hugetlb=1), as `gwtape replay` runs itself, unless GLIBC_TUNABLES already names
// that setting (glibc.malloc.hugetlb=0: on 4 KiB pages, as before 2026-12-08).
//
// usage: replay_bench [--frames N] [--rounds N] [--dir DIR] [--log FILE] [--keep]
//   --log FILE  replay an existing log (first recording) instead of generating one
#include <simdjson.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "bench_util.h"
#include "gwtape/fixtures/generator.h"
#include "gwtape/gateway/state/cache.h"
#include "gwtape/replay/replayer.h"
#include "gwtape/store/log_reader.h"
#include "gwtape/store/log_writer.h"
#include "nlohmann_decode.h"

namespace {

using gwtape::bench::Clock;
using gwtape::bench::seconds_since;
namespace store = gwtape::store;

int fail(const std::string& what) { return gwtape::bench::fail("replay_bench", what); }

// What one row measured, as the child prints it on one line.
struct Measure {
  std::uint64_t frames = 0;  // frames the row went through (both directions)
  std::uint64_t bytes = 0;   // their text
  double seconds = 0;
  std::string digest = "-";
  std::uint64_t cache_entities = 0;
};

// ---- the rows (child side) ----------------------------------------------------------------

// Calls fn with every frame of the log's first recording; returns what went wrong, or "".
template <class Fn>
std::string for_each_frame(const std::string& log, bool read_ahead, Fn&& fn) {
  auto reader = store::LogReader::open(log);
  if (!reader.ok()) return reader.error().message;
  auto recordings = (*reader)->recordings();
  if (!recordings.ok() || recordings->empty()) return log + ": no recording";
  store::FrameQuery query;
  query.recording_id = recordings->front().id;
  query.names = false;  // as the replayer reads
  query.read_ahead = read_ahead;
  auto cursor = (*reader)->frames(query);
  if (!cursor.ok()) return cursor.error().message;
  for (;;) {
    auto more = (*cursor)->next();
    if (!more.ok()) return more.error().message;
    if (!*more) return "";
    fn((*cursor)->frame());
  }
}

// Visits every value under `v` with On-Demand, reading each scalar; counts them into n.
simdjson::error_code walk(simdjson::ondemand::value v, std::uint64_t& n) {
  namespace od = simdjson::ondemand;
  od::json_type type;
  if (auto e = v.type().get(type)) return e;
  switch (type) {
    case od::json_type::object: {
      od::object object;
      if (auto e = v.get_object().get(object)) return e;
      for (auto field : object) {
        std::string_view key;
        od::value value;
        if (auto e = field.unescaped_key().get(key)) return e;
        if (auto e = field.value().get(value)) return e;
        if (auto e = walk(value, n)) return e;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::array: {
      od::array array;
      if (auto e = v.get_array().get(array)) return e;
      for (auto element : array) {
        od::value value;
        if (auto e = element.get(value)) return e;
        if (auto e = walk(value, n)) return e;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::string: {
      std::string_view text;
      ++n;
      return v.get_string().get(text);
    }
    case od::json_type::number: {
      od::number number;
      ++n;
      return v.get_number().get(number);
    }
    case od::json_type::boolean: {
      bool b = false;
      ++n;
      return v.get_bool().get(b);
    }
    case od::json_type::null: {
      ++n;
      return v.is_null() ? simdjson::SUCCESS : simdjson::INCORRECT_TYPE;
    }
  }
  return simdjson::INCORRECT_TYPE;
}

std::uint64_t entities(const gwtape::gateway::state::Cache& cache) {
  const auto c = cache.counts();
  return c.guilds + c.channels + c.threads + c.private_channels + c.roles + c.members +
         c.presences + c.voice_states + c.emojis + c.stickers + c.messages;
}

// Runs one row into m; returns what went wrong, or "".
std::string run_row(const std::string& row, const std::string& log, Measure& m) {
  const auto start = Clock::now();
  std::string problem;
  if (row == "read") {
    problem = for_each_frame(log, false, [&](const store::StoredFrame& f) {
      ++m.frames;
      m.bytes += f.text.size();
    });
    m.seconds = seconds_since(start);
  } else if (row == "parse" || row == "walk") {
    // Frames are gathered in batches with simdjson's padding; only the parses are timed.
    simdjson::dom::parser parser;
    simdjson::ondemand::parser walker;
    std::vector<std::string> batch;
    double parse_s = 0;
    std::uint64_t parsed = 0, values = 0;
    auto parse_batch = [&] {
      const auto t0 = Clock::now();
      for (const std::string& t : batch) {
        if (row == "parse") {
          simdjson::dom::element root;
          parsed += parser.parse(t.data(), t.size(), false).get(root) == simdjson::SUCCESS;
          continue;
        }
        simdjson::ondemand::document doc;
        simdjson::ondemand::value root;
        parsed += walker.iterate(t.data(), t.size(), t.capacity()).get(doc) == simdjson::SUCCESS &&
                  doc.get_value().get(root) == simdjson::SUCCESS &&
                  walk(root, values) == simdjson::SUCCESS;
      }
      parse_s += seconds_since(t0);
      batch.clear();
    };
    problem = for_each_frame(log, false, [&](const store::StoredFrame& f) {
      ++m.frames;
      m.bytes += f.text.size();
      std::string& t = batch.emplace_back();
      t.reserve(f.text.size() + simdjson::SIMDJSON_PADDING);
      t.assign(f.text);
      if (batch.size() == 10'000) parse_batch();
    });
    parse_batch();
    if (problem.empty() && parsed != m.frames) problem = "simdjson refused a frame of the log";
    if (row == "walk" && values < m.frames) problem = "the walk read fewer values than frames";
    m.seconds = parse_s;
  } else if (row == "replay" || row == "replay-1") {
    gwtape::replay::ReplayOptions options;
    options.read_ahead = row == "replay";
    auto replayer = gwtape::replay::Replayer::open(log, options);
    if (!replayer.ok()) return replayer.error().message;
    if (auto run = (*replayer)->run(); !run.ok()) return run.error().message;
    m.seconds = seconds_since(start);
    m.frames = (*replayer)->stats().frames;
    m.bytes = (*replayer)->stats().frame_bytes;
    m.digest = (*replayer)->cache().digest_hex();
    m.cache_entities = entities((*replayer)->cache());
  } else if (row == "nlohmann" || row == "nlohmann-1") {
    gwtape::gateway::state::Cache cache;
    gwtape::gateway::Event event;
    problem = for_each_frame(log, row == "nlohmann", [&](const store::StoredFrame& f) {
      ++m.frames;
      m.bytes += f.text.size();
      if (f.direction != store::Direction::kRecv) return;
      if (gwtape::bench::decode_frame_nlohmann(f.text, event)) cache.apply(std::move(event));
    });
    m.seconds = seconds_since(start);
    m.digest = cache.digest_hex();
    m.cache_entities = entities(cache);
  } else {
    return "unknown row " + row;
  }
  return problem;
}

// ---- the parent ---------------------------------------------------------------------------

struct RowResult {
  Measure best;
  double best_cpu = 0;   // CPU seconds (user + system) of the best round's process
  long peak_rss_kb = 0;  // the largest over rounds
  bool ok = true;
};

// Runs `self --row ROW --log LOG` and reads its one-line result.
bool spawn_row(const char* self, const std::string& row, const std::string& log, Measure& m,
               double& cpu, long& rss_kb) {
  int fds[2];
  if (pipe(fds) != 0) return false;
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    execl(self, self, "--row", row.c_str(), "--log", log.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;)
    out.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  rusage usage{};
  if (wait4(pid, &status, 0, &usage) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return false;
  }
  char digest[80] = {};
  unsigned long long frames = 0, bytes = 0, ents = 0;
  if (std::sscanf(out.c_str(), "%llu %llu %lf %79s %llu %ld", &frames, &bytes, &m.seconds, digest,
                  &ents, &rss_kb) != 6) {
    return false;
  }
  m.frames = frames;
  m.bytes = bytes;
  m.digest = digest;
  m.cache_entities = ents;
  cpu = gwtape::bench::cpu_seconds(usage);
  return true;
}

// Writes `n` generated frames (default generator options) as one recording; returns what went
// wrong, or "".
std::string write_log(const std::string& path, std::size_t n) {
  auto gen = gwtape::fixtures::Generator::create({});
  if (!gen.ok()) return gen.error().message;
  auto w = store::LogWriter::open(path);
  if (!w.ok()) return w.error().message;
  gwtape::fixtures::GeneratedFrame g;
  gen->next(g);
  store::RecordingInfo info;
  info.started_at_ns = g.ts_ns;
  auto rec = (*w)->begin_recording(info);
  if (!rec.ok()) return rec.error().message;
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) gen->next(g);
    if (auto st = (*w)->append(store::Frame{*rec, 1, g.ts_ns, g.direction, std::move(g.text)});
        !st.ok()) {
      return st.error().message;
    }
  }
  if (auto st = (*w)->close(); !st.ok()) return st.error().message;
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = 1'000'000;
  int rounds = 3;
  std::string dir = std::filesystem::temp_directory_path().string(), log, row;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--keep") {
      keep = true;
      continue;
    }
    if (i + 1 >= argc) return fail("missing value for " + a);
    const std::string v = argv[++i];
    if (a == "--frames") {
      n = std::strtoull(v.c_str(), nullptr, 10);
    } else if (a == "--rounds") {
      rounds = std::atoi(v.c_str());
    } else if (a == "--dir") {
      dir = v;
    } else if (a == "--log") {
      log = v;
    } else if (a == "--row") {
      row = v;
    } else {
      return fail("unknown option " + a + " (see the comment at the top of replay_bench.cpp)");
    }
  }
  if (!row.empty()) {  // child: one row, one line on stdout
    Measure m;
    if (auto problem = run_row(row, log, m); !problem.empty()) return fail(row + ": " + problem);
    std::printf("%llu %llu %.9f %s %llu %ld\n", static_cast<unsigned long long>(m.frames),
                static_cast<unsigned long long>(m.bytes), m.seconds, m.digest.c_str(),
                static_cast<unsigned long long>(m.cache_entities), gwtape::bench::peak_rss_kb());
    return 0;
  }

  const bool generated = log.empty();
  if (generated) {
    log = dir + "/replay_bench-" + std::to_string(::getpid()) + ".gwtape";
    std::fprintf(stderr, "replay_bench: writing %zu generated frames to %s\n", n, log.c_str());
    if (auto problem = write_log(log, n); !problem.empty()) return fail(problem);
  }
  if (const char* t = std::getenv("GLIBC_TUNABLES");
      t == nullptr || std::strstr(t, "glibc.malloc.hugetlb") == nullptr) {
    const std::string value = (t != nullptr && *t != '\0' ? std::string(t) + ":" : std::string()) +
                              "glibc.malloc.hugetlb=1";
    ::setenv("GLIBC_TUNABLES", value.c_str(), 1);
  }
  std::fprintf(stderr, "replay_bench: rows run with GLIBC_TUNABLES=%s\n",
               std::getenv("GLIBC_TUNABLES"));
  const char* names[] = {"read", "parse", "walk", "replay", "nlohmann", "replay-1", "nlohmann-1"};
  std::map<std::string, RowResult> results;
  for (int r = 0; r < rounds; ++r) {
    for (const char* name : names) {
      Measure m;
      double cpu = 0;
      long rss = 0;
      RowResult& res = results[name];
      if (!spawn_row(argv[0], name, log, m, cpu, rss)) return fail(std::string(name) + " failed");
      if (res.best.seconds == 0 || m.seconds < res.best.seconds) {
        res.best = m;
        res.best_cpu = cpu;
      }
      res.peak_rss_kb = std::max(res.peak_rss_kb, rss);
    }
  }
  const RowResult& parse = results["parse"];
  const RowResult& walked = results["walk"];
  const RowResult& replay = results["replay"];
  const RowResult& peer = results["nlohmann"];
  const RowResult& replay1 = results["replay-1"];
  const RowResult& peer1 = results["nlohmann-1"];
  const double mb = static_cast<double>(replay.best.bytes) / 1e6;
  const auto file_bytes = std::filesystem::file_size(log);
  std::printf("Replay of %llu frames (%.1f MB of frame text, log file %.1f MB), best of %d\n\n",
              static_cast<unsigned long long>(replay.best.frames), mb,
              static_cast<double>(file_bytes) / 1e6, rounds);
  std::printf(
      "| row | frames/s | MB/s | vs parse-only | CPU s of the process | peak RSS |\n"
      "|---|---:|---:|---:|---:|---:|\n");
  const std::pair<const char*, const char*> labels[] = {
      {"read", "read + decompress only (LogReader cursor)"},
      {"parse", "simdjson DOM parse only, in memory (ceiling)"},
      {"walk", "simdjson On-Demand, every value read, in memory (ceiling)"},
      {"replay", "gwtape replay: read + decompress + decode + handle_op + cache"},
      {"nlohmann", "nlohmann::json: read + decompress + parse + convert + cache"},
      {"replay-1", "gwtape replay, one thread (no read-ahead)"},
      {"nlohmann-1", "nlohmann::json, one thread (no read-ahead)"}};
  for (const auto& [name, label] : labels) {
    const RowResult& res = results[name];
    std::printf("| %s | %.0f | %.0f | %.0f%% | %.2f | %.1f MB |\n", label,
                static_cast<double>(res.best.frames) / res.best.seconds,
                static_cast<double>(res.best.bytes) / 1e6 / res.best.seconds,
                100.0 * parse.best.seconds / res.best.seconds, res.best_cpu,
                static_cast<double>(res.peak_rss_kb) / 1024.0);
  }
  const bool same = replay.best.digest == peer.best.digest &&
                    replay1.best.digest == replay.best.digest &&
                    peer1.best.digest == replay.best.digest;
  std::printf("\ngwtape replay vs nlohmann::json: %.1fx the frames/s (%.1fx on one thread)\n",
              peer.best.seconds / replay.best.seconds, peer1.best.seconds / replay1.best.seconds);
  std::printf("gwtape replay vs a simdjson On-Demand walk: %.2fx the frames/s (aim: >= 0.5x)\n",
              walked.best.seconds / replay.best.seconds);
  std::printf("cache after replay: %llu entities, digest %s\n",
              static_cast<unsigned long long>(replay.best.cache_entities),
              replay.best.digest.c_str());
  std::printf("the other rows' caches: %s\n",
              same ? "the same digest"
                   : ("a DIFFERENT digest: " + replay1.best.digest + ", " + peer.best.digest +
                      ", " + peer1.best.digest)
                         .c_str());
  auto rate = [](const RowResult& res) {
    return static_cast<double>(res.best.frames) / res.best.seconds;
  };
  for (const char* name : {"read", "replay", "nlohmann", "replay-1", "nlohmann-1"}) {
    const RowResult& res = results[name];
    gwtape::bench::report({.bench = "replay",
                           .frames = n,
                           .figure = name,
                           .value = rate(res),
                           .unit = "frames/s",
                           .ceiling = "simdjson DOM parse",
                           .ceiling_value = rate(parse),
                           .peak_rss_kib = res.peak_rss_kb});
  }
  // The whole replay against On-Demand reading every value of the same frames (aim >= 0.5).
  gwtape::bench::report({.bench = "replay",
                         .frames = n,
                         .figure = "replay vs On-Demand walk",
                         .value = rate(replay),
                         .unit = "frames/s",
                         .ceiling = "simdjson On-Demand walk",
                         .ceiling_value = rate(walked),
                         .peak_rss_kib = replay.peak_rss_kb});
  // The aim is a multiple of the peer: this ratio is above 1.
  gwtape::bench::report({.bench = "replay",
                         .frames = n,
                         .figure = "replay vs nlohmann",
                         .value = rate(replay),
                         .unit = "frames/s",
                         .ceiling = "nlohmann::json",
                         .ceiling_value = rate(peer),
                         .peak_rss_kib = replay.peak_rss_kb});
  if (generated && !keep) {
    for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(log + s);
  }
  return same ? 0 : 1;
}
