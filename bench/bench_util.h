// bench/bench_util.h — the few helpers the benchmarks share: a wall clock, CPU time, resident
// memory and the failure report. Benchmark code, not part of the library.
//
// Thread-safety: pure functions (fail writes to stderr). Lifetimes: nothing is kept.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
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

}  // namespace gwtape::bench
