// bench/bench_util.h — the few helpers every benchmark writes the same way: a wall clock and
// the failure report. Benchmark code, not part of the library.
//
// Thread-safety: pure functions (fail writes to stderr). Lifetimes: nothing is kept.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

namespace gwtape::bench {

using Clock = std::chrono::steady_clock;

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Prints "<bench>: <what>" to stderr and returns 1, for `return fail(...)` from main.
inline int fail(const char* bench, const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", bench, what.c_str());
  return 1;
}

}  // namespace gwtape::bench
