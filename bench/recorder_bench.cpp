// recorder_bench — what recording adds to event delivery: the time from a frame's arrival
// (the gateway's tap) to the bot's handler, with and without the Recorder attached, in one
// run over the same generated dispatches from the loopback gateway; and the process's memory
// over the recorded run (it must stay flat: the writer's queue is bounded).
//
// usage: recorder_bench [--frames N]   (default 200000; the figure uses 1000000)

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "generated.h"
#include "gwtape/gateway/gateway.h"
#include "gwtape/recorder/recorder.h"
#include "gwtape/server/loopback_gateway.h"
#include "gwtape/store/log_writer.h"

namespace {

using namespace gwtape;
using Clock = std::chrono::steady_clock;

using gwtape::bench::rss_kb;

struct RunResult {
  std::vector<double> latency_us;
  std::vector<long> rss_kb;  // at each tenth of the run
  double seconds = 0;
};

RunResult run(bool record, const std::vector<server::LoopbackDispatch>& batch) {
  RunResult out;
  server::LoopbackOptions so;
  so.token = "bench";
  so.max_kept_dispatches = 1024;
  auto server = server::LoopbackGateway::start(so);
  if (!server.ok()) std::exit(1);
  const auto log = std::filesystem::temp_directory_path() / "gwtape-recorder-bench.gwtape";
  std::filesystem::remove(log);
  std::unique_ptr<store::LogWriter> writer;
  std::unique_ptr<recorder::Recorder> rec;
  if (record) {
    auto w = store::LogWriter::open(log.string());
    if (!w.ok()) std::exit(1);
    writer = std::move(*w);
    auto id = writer->begin_recording({});
    rec =
        std::make_unique<recorder::Recorder>(*writer, *id, recorder::RecorderOptions{"bench", {}});
  }
  gateway::SystemClock clock;
  gateway::SplitMix64 random(1);
  gateway::GatewayOptions o;
  o.url = (*server)->url();
  o.identify.token = "bench";
  o.identify.intents = 513;
  gateway::Gateway client(o, gateway::make_curl_transport(clock), clock, random);
  Clock::time_point arrived;
  out.latency_us.reserve(batch.size() + 8);
  std::atomic<std::uint64_t> delivered{0};
  const std::uint64_t total = batch.size() + 1;
  client.on_frame([&](const gateway::FrameRecord& f) {
    if (f.direction == gateway::Direction::kRecv) arrived = Clock::now();
    if (rec) rec->on_frame(f);
  });
  client.on_event([&](const gateway::DeliverEvent&) {
    out.latency_us.push_back(
        std::chrono::duration<double, std::micro>(Clock::now() - arrived).count());
    const auto n = ++delivered;
    if (n % (total / 10 + 1) == 0) out.rss_kb.push_back(rss_kb());
  });
  client.start();
  while (delivered.load() < 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const auto start = Clock::now();
  for (std::size_t i = 0; i < batch.size(); i += 1000) {
    std::vector<server::LoopbackDispatch> slice(
        batch.begin() + static_cast<std::ptrdiff_t>(i),
        batch.begin() + static_cast<std::ptrdiff_t>(std::min(batch.size(), i + 1000)));
    if (!(*server)->dispatch_batch(slice).ok()) std::exit(1);
    while (delivered.load() + 4000 < i + 1)
      std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  while (delivered.load() < total) std::this_thread::sleep_for(std::chrono::microseconds(200));
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  (void)client.close();
  if (writer) (void)writer->close();
  std::filesystem::remove(log);
  return out;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t frames = 200'000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--frames") == 0) frames = std::strtoull(argv[i + 1], nullptr, 10);
  }
  const auto batch = bench::generated_dispatches("recorder_bench", frames);
  // Alternate the two modes so that both see the same background load; keep the better run.
  RunResult plain = run(false, batch), recorded = run(true, batch);
  RunResult plain2 = run(false, batch), recorded2 = run(true, batch);
  auto better = [](RunResult& a, RunResult& b) -> RunResult& {
    return percentile(a.latency_us, 0.5) <= percentile(b.latency_us, 0.5) ? a : b;
  };
  RunResult& p = better(plain, plain2);
  RunResult& r = better(recorded, recorded2);
  std::printf(
      "Frame arrival -> bot handler, %zu generated dispatches from the loopback gateway\n\n",
      batch.size());
  std::printf("| | median µs | p99 µs | frames/s |\n|---|---:|---:|---:|\n");
  std::printf("| without recorder | %.2f | %.2f | %.0f |\n", percentile(p.latency_us, 0.5),
              percentile(p.latency_us, 0.99), batch.size() / p.seconds);
  std::printf("| with recorder | %.2f | %.2f | %.0f |\n", percentile(r.latency_us, 0.5),
              percentile(r.latency_us, 0.99), batch.size() / r.seconds);
  std::printf("| added by recording | %.2f | %.2f | |\n",
              percentile(r.latency_us, 0.5) - percentile(p.latency_us, 0.5),
              percentile(r.latency_us, 0.99) - percentile(p.latency_us, 0.99));
  std::printf("\nRSS (each tenth of the run; the process holds the generated dispatches too):\n");
  std::printf("  without recorder:");
  for (long kb : p.rss_kb) std::printf(" %.0f", kb / 1024.0);
  std::printf(" MB\n  with recorder:   ");
  for (long kb : r.rss_kb) std::printf(" %.0f", kb / 1024.0);
  std::printf(" MB\n");
  // Each with-recorder figure beside the same client without it, same dispatches.
  const double rp50 = percentile(r.latency_us, 0.5), rp99 = percentile(r.latency_us, 0.99);
  const double pp50 = percentile(p.latency_us, 0.5), pp99 = percentile(p.latency_us, 0.99);
  const struct {
    const char* figure;
    double value, peer;
    const char* unit;
    bool higher_is_better;
  } figures[] = {{"latency p50, with recorder", rp50, pp50, "us", false},
                 {"latency p99, with recorder", rp99, pp99, "us", false},
                 {"throughput, with recorder", batch.size() / r.seconds, batch.size() / p.seconds,
                  "frames/s", true}};
  for (const auto& f : figures) {
    bench::report({.bench = "recorder",
                   .frames = batch.size(),
                   .figure = f.figure,
                   .value = f.value,
                   .unit = f.unit,
                   .ceiling = "without recorder",
                   .ceiling_value = f.peer,
                   .higher_is_better = f.higher_is_better});
  }
  return 0;
}
