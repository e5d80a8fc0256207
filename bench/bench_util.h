// bench/bench_util.h — the few helpers the benchmarks share: a wall clock, CPU time, resident
// memory, the failure report and the machine-readable figure line bench/run collects.
// Benchmark code, not part of the library.
//
// Thread-safety: pure functions (fail writes to stderr, report to stdout). Lifetimes: nothing
// is kept.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

namespace gwtape::bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// User + system CPU time in `u`, in seconds.
inline double cpu_seconds(const rusage& u) {
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}
// CPU time of the whole process so far: every thread.
inline double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return cpu_seconds(u);
}

// The process's resident set now, in KiB.
inline long rss_kb() {
  std::ifstream in("/proc/self/statm");
  long pages = 0, resident = 0;
  in >> pages >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

// The process's peak resident set (VmHWM), in KiB. Not getrusage's ru_maxrss: that survives
// exec, so a child started by fork + exec would report its parent's peak.
inline long peak_rss_kb() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return 0;
  char line[256];
  long kb = 0;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::sscanf(line, "VmHWM: %ld kB", &kb) == 1) break;
  }
  std::fclose(f);
  return kb;
}

// Prints "<bench>: <what>" to stderr and returns 1, for `return fail(...)` from main.
inline int fail(const char* bench, const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", bench, what.c_str());
  return 1;
}

// One figure beside its ceiling or peer, measured in the same run on the same bytes.
struct Figure {
  const char* bench = "";    // the binary's name without "_bench": "replay"
  std::uint64_t frames = 0;  // the size the figure was measured at (0: not frame-sized)
  std::string figure{};      // what was measured: "replay", "ingest frames/s"
  double value = 0;
  const char* unit = "";
  std::string ceiling{};  // the ceiling or peer's name; empty when the figure has none
  double ceiling_value = 0;
  bool higher_is_better = true;  // frames/s: true; bytes, latency: false
  long peak_rss_kib = -1;        // -1: this process's peak (VmHWM)
};

// Writes `figure` as one line on stdout, beside the benchmark's human output, for bench/run:
//   BENCH {"bench":"replay","frames":100000,"figure":"replay","value":733831,
//          "unit":"frames/s","ceiling":"parse","ceiling_value":3299611,"ratio":0.222,
//          "better":"higher","peak_rss_kib":140288}
// ratio is value / ceiling_value (null without a ceiling). Names must not hold '"' or '\'.
inline void report(const Figure& f) {
  auto number = [](double v) {
    if (!std::isfinite(v)) return std::string("null");
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return std::string(buf);
  };
  const bool has_ceiling = !f.ceiling.empty();
  const double ratio = has_ceiling && f.ceiling_value != 0 ? f.value / f.ceiling_value : NAN;
  const std::string ceiling = has_ceiling ? "\"" + f.ceiling + "\"" : "null";
  const std::string ceiling_value = has_ceiling ? number(f.ceiling_value) : "null";
  std::printf(
      "BENCH {\"bench\":\"%s\",\"frames\":%llu,\"figure\":\"%s\",\"value\":%s,\"unit\":\"%s\","
      "\"ceiling\":%s,\"ceiling_value\":%s,\"ratio\":%s,\"better\":\"%s\",\"peak_rss_kib\":%ld}\n",
      f.bench, static_cast<unsigned long long>(f.frames), f.figure.c_str(), number(f.value).c_str(),
      f.unit, ceiling.c_str(), ceiling_value.c_str(), number(ratio).c_str(),
      f.higher_is_better ? "higher" : "lower",
      f.peak_rss_kib >= 0 ? f.peak_rss_kib : peak_rss_kb());
  std::fflush(stdout);
}

}  // namespace gwtape::bench
