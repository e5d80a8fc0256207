// heartbeat_bench — how late the live client's heartbeats are under a flood, beside the same
// client on an idle connection (its ceiling: the timer's own lateness on this machine).
//
// usage: heartbeat_bench [--frames N] [--interval-ms MS]
// The loopback server (same process) sends N generated dispatches as fast as the client takes
// them, HELLO's interval set to MS. Lateness of beat k: when the server received it, less
// (first beat + k * interval) — the client's schedule is drift-free, so lateness does not
// accumulate; a beat held back by the flood shows as late. Rows: idle; flood with the
// default read-ahead; flood with read-ahead off (each event handed over before the next read).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
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
using std::chrono::milliseconds;

struct Row {
  const char* name;
  std::size_t beats = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0, seconds = 0;
  std::uint64_t frames = 0;
  std::size_t connections = 0;
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

// `handler_us`: what the bot's handler spends on each event (busy, on the loop's thread).
Row run(const char* name, const std::vector<server::LoopbackDispatch>* batch, milliseconds interval,
        std::size_t max_pending, int handler_us, double idle_seconds) {
  Row row{name};
  server::LoopbackOptions so;
  so.token = "bench";
  so.heartbeat_interval = interval;
  so.max_kept_dispatches = 1024;
  auto server = server::LoopbackGateway::start(so);
  if (!server.ok()) std::exit(bench::fail("heartbeat_bench", server.error().message));
  gateway::SystemClock clock;
  gateway::SplitMix64 random(1);
  gateway::GatewayOptions o;
  o.url = (*server)->url();
  o.identify.token = "bench";
  o.identify.intents = gateway::intents::kGuilds;
  o.max_pending_events = max_pending;
  gateway::Gateway client(o, gateway::make_curl_transport(clock), clock, random);
  std::atomic<std::uint64_t> delivered{0};
  client.on_event([&](const gateway::DeliverEvent&) {
    if (handler_us > 0) {
      const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(handler_us);
      while (std::chrono::steady_clock::now() < until) {
      }
    }
    ++delivered;
  });
  client.start();
  while (delivered.load() < 1) std::this_thread::sleep_for(milliseconds(1));
  if (!(*server)->wait_for_frames(1, 1, interval * 3)) std::exit(1);
  const auto start = std::chrono::steady_clock::now();
  if (batch == nullptr) {
    std::this_thread::sleep_for(std::chrono::duration<double>(idle_seconds));
  } else {
    // A reconnect (a beat taken for a zombie) loses what the server no longer keeps: the run
    // ends there and the row says so.
    auto lost = [&] { return client.connections() > 1; };
    for (std::size_t i = 0; i < batch->size() && !lost(); i += 1000) {
      std::vector<server::LoopbackDispatch> slice(
          batch->begin() + static_cast<std::ptrdiff_t>(i),
          batch->begin() + static_cast<std::ptrdiff_t>(std::min(batch->size(), i + 1000)));
      if (!(*server)->dispatch_batch(slice).ok()) std::exit(1);
      while (delivered.load() + 4000 < i + 1 && !lost()) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
    }
    while (delivered.load() < batch->size() + 1 && !lost()) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    row.frames = delivered.load() - 1;
  }
  const auto end = std::chrono::steady_clock::now();
  row.seconds = std::chrono::duration<double>(end - start).count();
  (void)client.close();
  const auto obs = (*server)->observations();
  row.connections = obs.connections.size();
  // Beats of the first connection; lateness against the schedule of its first beat.
  std::vector<std::chrono::steady_clock::time_point> beats;
  for (const auto& f : obs.frames) {
    if (f.connection == 1 && f.op == 1 && f.at <= end) beats.push_back(f.at);
  }
  // The schedule is drift-free: beat k is due at anchor + k * interval. The anchor is the
  // earliest any beat allows (so the most punctual beat is 0 ms late).
  auto shifted = [&](std::size_t k) { return beats[k] - interval * static_cast<long>(k); };
  std::vector<double> late;
  if (!beats.empty()) {
    auto anchor = shifted(0);
    for (std::size_t k = 1; k < beats.size(); ++k) anchor = std::min(anchor, shifted(k));
    for (std::size_t k = 0; k < beats.size(); ++k) {
      if (beats[k] < start) continue;
      late.push_back(std::chrono::duration<double, std::milli>(shifted(k) - anchor).count());
    }
  }
  row.beats = late.size();
  row.p50_ms = percentile(late, 0.50);
  row.p99_ms = percentile(late, 0.99);
  row.max_ms = late.empty() ? 0 : *std::max_element(late.begin(), late.end());
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t frames = 1'000'000;
  long interval_ms = 100;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--frames") == 0) frames = std::strtoull(argv[i + 1], nullptr, 10);
    if (std::strcmp(argv[i], "--interval-ms") == 0)
      interval_ms = std::strtol(argv[i + 1], nullptr, 10);
  }
  if (frames == 0 || interval_ms <= 0) return bench::fail("heartbeat_bench", "bad arguments");
  const auto batch = bench::generated_dispatches("heartbeat_bench", frames);
  const milliseconds interval(interval_ms);
  const Row flood = run("flood, read-ahead (default)", &batch, interval, 8192, 0, 0);
  const Row direct = run("flood, read-ahead off", &batch, interval, 0, 0, 0);
  const Row slow = run("flood, 20 us handler, read-ahead", &batch, interval, 8192, 20, 0);
  const Row slow_direct = run("flood, 20 us handler, read-ahead off", &batch, interval, 0, 20, 0);
  const Row idle = run("idle (ceiling)", nullptr, interval, 8192, 0, flood.seconds);
  std::printf(
      "Heartbeat lateness, interval %ld ms, %zu generated dispatches, loopback server in "
      "the same process (lateness as the server received the beats)\n\n",
      interval_ms, batch.size());
  std::printf(
      "| run | frames/s | beats | p50 | p99 | max | p99 / interval | connections |\n"
      "|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const Row& r : {idle, flood, direct, slow, slow_direct}) {
    std::printf("| %s | %.0f | %zu | %.2f ms | %.2f ms | %.2f ms | %.3f | %zu |\n", r.name,
                r.frames / r.seconds, r.beats, r.p50_ms, r.p99_ms, r.max_ms,
                r.p99_ms / static_cast<double>(interval_ms), r.connections);
  }
  // A row with fewer than two beats has no lateness to speak of (null); one that reconnected
  // says so in its name (a loaded machine: see docs/PERFORMANCE.md, Heartbeats).
  for (const Row* r : {&flood, &direct}) {
    std::string figure = std::string("p99 lateness, ") + r->name;
    if (r->connections > 1) figure += ", reconnected";
    bench::report({.bench = "heartbeat",
                   .frames = batch.size(),
                   .figure = figure,
                   .value = r->beats >= 2 ? r->p99_ms : NAN,
                   .unit = "ms",
                   .ceiling = "idle connection",
                   .ceiling_value = idle.p99_ms,
                   .higher_is_better = false});
  }
  return 0;
}
