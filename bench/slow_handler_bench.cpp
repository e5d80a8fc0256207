// slow_handler_bench — the client's memory while a handler far slower than the gateway works
// through a flood, beside the same client with a handler that does nothing (its peer).
//
// usage: slow_handler_bench [--frames N] [--seconds S]   (defaults 200000 and 8)
// The loopback gateway runs in a child process of its own and sends each row's N dispatches at
// once, far more than a slow handler gets through in a row's S seconds; each row's client runs
// in a fresh child too, so that the resident set measured (sampled every 10 ms) is one
// client's alone, with nothing left over from an earlier row. A row ends when its client has
// every dispatch or after S seconds. The handler sleeps (a bot waiting on its database or on
// REST). What bounds the client is its read-ahead queue (`max_pending_events`): once it is
// full the loop stops reading and the rest waits in TCP and in the server's process; a client
// that read all it was sent would hold the whole flood.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "generated.h"
#include "gwtape/gateway/gateway.h"
#include "gwtape/server/loopback_gateway.h"

namespace {

using namespace gwtape;
using bench::Clock;
using bench::seconds_since;

constexpr const char* kBench = "slow_handler_bench";

struct Spec {
  const char* name;
  int handler_us;
  std::size_t max_pending;
};
constexpr Spec kRows[] = {
    {"no-op handler (peer)", 0, 8192},
    {"100 us handler", 100, 8192},
    {"1 ms handler", 1000, 8192},
    {"1 ms handler, read-ahead 1024", 1000, 1024},
};

// What a client child measured: dispatches delivered and how fast, and RSS (KiB) after READY,
// at the end of each quarter of the row's time, and at its peak.
struct Measured {
  std::uint64_t delivered = 0;
  double rate = 0;
  long base_kb = 0;
  long quarter_kb[4] = {};
  long peak_kb = 0;
  std::uint64_t connections = 0;
};

void write_all(int fd, const void* data, std::size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w <= 0) std::_Exit(1);
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

bool read_all(int fd, void* data, std::size_t n) {
  char* p = static_cast<char*>(data);
  while (n > 0) {
    const ssize_t r = ::read(fd, p, n);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

// The server child: the URL and the flood's size (its `d`s and names, in MB) to `out`, then
// for the k-th identify the whole flood, at once.
[[noreturn]] void serve(int out, std::size_t frames) {
  const auto flood = bench::generated_dispatches(kBench, frames);
  server::LoopbackOptions so;
  so.token = "bench";
  so.max_kept_dispatches = 1024;
  auto server = server::LoopbackGateway::start(so);
  if (!server.ok()) std::_Exit(bench::fail(kBench, server.error().message));
  const std::string url = (*server)->url();
  const std::uint32_t len = static_cast<std::uint32_t>(url.size());
  write_all(out, &len, sizeof len);
  write_all(out, url.data(), url.size());
  double bytes = 0;
  for (const auto& d : flood) bytes += static_cast<double>(d.t.size() + d.d_json.size());
  const double mb = bytes / 1e6;
  write_all(out, &mb, sizeof mb);
  for (std::size_t k = 1; k <= std::size(kRows); ++k) {
    if (!(*server)->wait_for_identifies(k, std::chrono::minutes(5))) std::_Exit(1);
    if (!(*server)->dispatch_batch(flood).ok()) std::_Exit(1);
  }
  pause();  // until the parent's SIGTERM
  std::_Exit(0);
}

// A client child: one row, what it measured to `out`.
[[noreturn]] void client(int out, const std::string& url, const Spec& spec, std::size_t frames,
                         double seconds) {
  gateway::SystemClock clock;
  gateway::SplitMix64 random(1);
  gateway::GatewayOptions o;
  o.url = url;
  o.identify.token = "bench";
  o.identify.intents = gateway::intents::kGuilds;
  o.max_pending_events = spec.max_pending;
  gateway::Gateway g(o, gateway::make_curl_transport(clock), clock, random);
  std::atomic<std::uint64_t> delivered{0};
  g.on_event([&](const gateway::DeliverEvent&) {
    if (spec.handler_us > 0)
      std::this_thread::sleep_for(std::chrono::microseconds(spec.handler_us));
    ++delivered;
  });
  g.start();
  while (delivered.load() < 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  Measured r;
  r.base_kb = bench::rss_kb();
  const auto start = Clock::now();
  std::vector<std::pair<double, long>> samples;  // (seconds since start, RSS)
  while (delivered.load() < frames + 1 && seconds_since(start) < seconds) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    samples.emplace_back(seconds_since(start), bench::rss_kb());
  }
  const double elapsed = seconds_since(start);
  r.delivered = delivered.load() - 1;
  r.rate = static_cast<double>(r.delivered) / elapsed;
  for (const auto& [t, rss] : samples) {
    r.peak_kb = std::max(r.peak_kb, rss);
    for (int q = 0; q < 4; ++q) {
      if (t <= elapsed * (q + 1) / 4) r.quarter_kb[q] = rss;  // the last sample in quarter q
    }
  }
  r.connections = g.connections();
  (void)g.close();
  write_all(out, &r, sizeof r);
  std::_Exit(0);
}

double mib(long kb) { return static_cast<double>(kb) / 1024.0; }

}  // namespace

int main(int argc, char** argv) {
  std::size_t frames = 200'000;
  double seconds = 8;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--frames") == 0) frames = std::strtoull(argv[i + 1], nullptr, 10);
    if (std::strcmp(argv[i], "--seconds") == 0) seconds = std::strtod(argv[i + 1], nullptr);
  }
  if (frames < 1 || !(seconds > 0)) return bench::fail(kBench, "bad --frames or --seconds");
  // Forked before this process starts any thread: each child is a whole process of its own.
  int url_pipe[2];
  if (pipe(url_pipe) != 0) return bench::fail(kBench, "pipe");
  const pid_t server = fork();
  if (server == 0) {
    close(url_pipe[0]);
    serve(url_pipe[1], frames);
  }
  close(url_pipe[1]);
  std::uint32_t len = 0;
  std::string url;
  if (read_all(url_pipe[0], &len, sizeof len)) {
    url.resize(len);
    if (!read_all(url_pipe[0], url.data(), len)) url.clear();
  }
  double flood_mb = 0;
  if (!read_all(url_pipe[0], &flood_mb, sizeof flood_mb)) url.clear();
  close(url_pipe[0]);
  if (url.empty()) return bench::fail(kBench, "the server child did not start");

  std::printf(
      "A flood of %zu generated dispatches (%.1f MB of d) sent at once; a row ends when the\n"
      "client has them all or after %.0f s. The client's resident set (RSS) growth after READY,\n"
      "in MiB, at the end of each quarter of the row; the server in another process.\n\n",
      frames, flood_mb, seconds);
  std::printf(
      "| handler | read-ahead | delivered | dispatches/s | 1/4 | 2/4 | 3/4 | 4/4 | peak | "
      "connections |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  int failed = 0;
  Measured peer;
  for (const Spec& spec : kRows) {
    int out[2];
    if (pipe(out) != 0) return bench::fail(kBench, "pipe");
    const pid_t child = fork();
    if (child == 0) {
      close(out[0]);
      client(out[1], url, spec, frames, seconds);
    }
    close(out[1]);
    Measured r;
    const bool got = read_all(out[0], &r, sizeof r);
    close(out[0]);
    int status = 0;
    waitpid(child, &status, 0);
    if (!got) {
      std::fprintf(stderr, "%s: the row \"%s\" failed\n", kBench, spec.name);
      failed = 1;
      break;
    }
    std::printf("| %s | %zu | %llu | %.0f | %.1f | %.1f | %.1f | %.1f | %.1f | %llu |\n", spec.name,
                spec.max_pending, static_cast<unsigned long long>(r.delivered), r.rate,
                mib(r.quarter_kb[0] - r.base_kb), mib(r.quarter_kb[1] - r.base_kb),
                mib(r.quarter_kb[2] - r.base_kb), mib(r.quarter_kb[3] - r.base_kb),
                mib(r.peak_kb - r.base_kb), static_cast<unsigned long long>(r.connections));
    // Each slow row's peak growth beside the no-op handler's (the first row, its peer).
    if (&spec == &kRows[0]) {
      peer = r;
    } else {
      bench::report({.bench = "slow_handler",
                     .frames = frames,
                     .figure = std::string("peak RSS growth, ") + spec.name,
                     .value = mib(r.peak_kb - r.base_kb),
                     .unit = "MiB",
                     .ceiling = kRows[0].name,
                     .ceiling_value = mib(peer.peak_kb - peer.base_kb),
                     .higher_is_better = false,
                     .peak_rss_kib = r.peak_kb});
    }
    std::fflush(stdout);
  }
  kill(server, SIGTERM);
  waitpid(server, nullptr, 0);
  return failed;
}
