// The corruption soak: random bit flips, overwritten spans and truncations of real logs (recorded
// by `gwtape demo` from the loopback gateway, one with a trained dictionary), each given to verify,
// replay (and replay --skip-bad), export, stats and query as processes. Every answer is exit 0 or
// 4, never a signal or a hang (each run has a deadline), and no command changes the file it reads.
//
// Bounded by a count and a time: GWTAPE_SOAK_MUTATIONS (default 150), GWTAPE_SOAK_SECONDS
// (default 45; past it the test stops early, after at least 20 mutations, and says how far it
// got), GWTAPE_SOAK_SEED (default 14).
// scripts/soak runs the long version; GWTAPE_SOAK_KEEP=DIR keeps every failing file there.
#include <catch2/catch_test_macros.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "timed_run.h"
#include "tools_test_util.h"

namespace gwtape::tools::testing {
namespace {

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

constexpr std::size_t kPage = 4096;  // the store's SQLite page size

// One damage to the bytes of a log; `what` says what was done, to reproduce a finding.
std::string mutate(std::string& bytes, std::mt19937_64& rng) {
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % (n ? n : 1)); };
  auto flip = [&](std::size_t at) {
    const int bit = static_cast<int>(rng() % 8);
    bytes[at] = static_cast<char>(bytes[at] ^ (1 << bit));
    return "flip bit " + std::to_string(bit) + " at " + std::to_string(at);
  };
  switch (rng() % 6) {
    case 0:  // one bit anywhere
      return flip(pick(bytes.size()));
    case 1: {  // a few bits anywhere
      std::string what;
      for (int i = 0, n = 2 + static_cast<int>(rng() % 15); i < n; ++i)
        what += flip(pick(bytes.size())) + "; ";
      return what;
    }
    case 2:  // one bit in the first page: header, schema
      return flip(pick(std::min(bytes.size(), kPage)));
    case 3: {  // a span of random bytes, up to a page
      const std::size_t at = pick(bytes.size());
      const std::size_t n = std::min(bytes.size() - at, 1 + pick(kPage));
      for (std::size_t i = 0; i < n; ++i) bytes[at + i] = static_cast<char>(rng());
      return "random bytes [" + std::to_string(at) + ", +" + std::to_string(n) + ")";
    }
    case 4: {  // truncated anywhere
      const std::size_t n = pick(bytes.size());
      bytes.resize(n);
      return "truncated to " + std::to_string(n);
    }
    default: {  // truncated at a page boundary (a file that lost its tail)
      const std::size_t pages = bytes.size() / kPage;
      const std::size_t n = kPage * pick(pages);
      bytes.resize(n);
      return "truncated to page " + std::to_string(n / kPage);
    }
  }
}

}  // namespace

TEST_CASE("corruption soak: damaged logs give exit 0 or 4, never a crash or a hang",
          "[tools][soak][corruption]") {
  const std::uint64_t count = env_number("GWTAPE_SOAK_MUTATIONS", 150);
  const auto budget = std::chrono::seconds(env_number("GWTAPE_SOAK_SECONDS", 45));
  const std::uint64_t seed = env_number("GWTAPE_SOAK_SEED", 14);
  const char* keep = std::getenv("GWTAPE_SOAK_KEEP");
  std::mt19937_64 rng(seed);

  TempDir dir;
  // Two real logs, recorded by `gwtape demo` (the client over libcurl against the loopback
  // gateway, a reconnect midway): a small one, and one long enough for the writer to train a
  // zstd dictionary (4096 frames).
  const std::string small = dir.file("small.gwtape"), large = dir.file("large.gwtape");
  for (const auto& [log, frames] : {std::pair{small, "400"}, std::pair{large, "4600"}}) {
    const Run demo = gwtape({"demo", "--out", log, "--frames", frames, "--seed", "14"});
    INFO(demo.err);
    REQUIRE(demo.exit_code == 0);
  }
  const std::vector<std::string> originals = {read_file(small), read_file(large)};
  for (const auto& o : originals) REQUIRE(o.size() > 4 * kPage);
  // The undamaged logs pass every command: the soak measures damage, not a broken command.
  const std::string program = GWTAPE_BINARY_DIR "/tools/gwtape";
  auto commands = [&](const std::string& log) {
    return std::vector<std::vector<std::string>>{
        {"verify", log},
        {"replay", log, "--summary"},
        {"replay", log, "--summary", "--skip-bad"},
        {"export", log, "--out", dir.file("export.jsonl")},
        {"stats", log, "--json"},
        {"query", log, "SELECT count(*), sum(length(json)), max(s) FROM events", "--format", "csv"},
        {"shapes", log, "--json"},
    };
  };
  const char* names[] = {"verify", "replay", "replay --skip-bad", "export", "stats",
                         "query",  "shapes"};
  for (const std::string& log : {small, large}) {
    for (const auto& r : run_all(program, commands(log), std::chrono::seconds(30), dir.path())) {
      INFO(r.err);
      REQUIRE(r.exit_code == 0);
    }
  }

  std::map<std::string, std::map<int, int>> codes;  // command -> exit code -> runs
  std::vector<std::string> failures;
  const auto started = std::chrono::steady_clock::now();
  std::uint64_t done = 0;
  const std::string damaged = dir.file("damaged.gwtape");
  // The time bound must not hide the count: the first kFloor mutations run whatever they take
  // (about 150 in 30 s in the Release build; the sanitizer build's processes are about ten times
  // slower, and share CI's two cores with other tests).
  constexpr std::uint64_t kFloor = 20;
  for (; done < count && (done < kFloor || std::chrono::steady_clock::now() - started < budget);
       ++done) {
    const std::size_t which = rng() % originals.size();
    std::string bytes = originals[which];
    const std::string what = (which ? "large: " : "small: ") + mutate(bytes, rng);
    write_file(damaged, bytes);
    const auto runs = run_all(program, commands(damaged), std::chrono::seconds(20), dir.path());
    const bool unchanged = read_file(damaged) == bytes;
    bool failed = !unchanged;
    std::string report = "mutation " + std::to_string(done) + " (" + what + "):";
    if (!unchanged) report += " the file changed;";
    for (std::size_t i = 0; i < runs.size(); ++i) {
      ++codes[names[i]][runs[i].exit_code];
      if (runs[i].exit_code == 0 || runs[i].exit_code == 4) continue;
      failed = true;
      report += std::string(" ") + names[i] + " " +
                (runs[i].timed_out ? "hung" : "exit " + std::to_string(runs[i].exit_code)) + ": " +
                runs[i].err.substr(0, 300) + ";";
      if (runs[i].timed_out) {
        report += " the end of its stderr: " + runs[i].err_tail + "; its threads:\n" +
                  (runs[i].stacks.empty() ? "(no gdb)" : runs[i].stacks);
      }
    }
    for (const char* side : {"-wal", "-shm", "-journal"}) {
      if (file_exists(damaged + side)) {
        failed = true;
        report += std::string(" left ") + side + ";";
        std::filesystem::remove(damaged + side);
      }
    }
    if (failed) {
      failures.push_back(report);
      if (keep) {
        std::filesystem::create_directories(keep);
        write_file(std::string(keep) + "/mutation-" + std::to_string(seed) + "-" +
                       std::to_string(done) + ".gwtape",
                   bytes);
      }
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::string summary = "corruption soak: seed " + std::to_string(seed) + ", " +
                        std::to_string(done) + " of " + std::to_string(count) + " mutations in " +
                        std::to_string(seconds) + " s, " + std::to_string(failures.size()) +
                        " failing;";
  // "replay 0:140 4:10;": how many runs of each command ended with each exit code.
  for (const auto& [name, by_code] : codes) {
    summary.append(" ").append(name);
    for (const auto& [code, n] : by_code) {
      summary.append(" ").append(std::to_string(code)).append(":").append(std::to_string(n));
    }
    summary.append(";");
  }
  std::printf("%s\n", summary.c_str());
  for (const auto& f : failures) std::printf("%s\n", f.c_str());
  std::fflush(stdout);
  INFO(summary);
  for (std::size_t i = 0; i < failures.size() && i < 5; ++i) UNSCOPED_INFO(failures[i]);
  CHECK(failures.empty());
}

}  // namespace gwtape::tools::testing
