// gateway_bench — frames per second through CurlTransport + Gateway from the loopback
// gateway, plain and with each transport compression, over generated dispatches; and the
// client's memory over the run (it must stay flat: nothing accumulates per frame).
//
// usage: gateway_bench [--frames N]
// The server runs in the same process (its io thread), so the two cores are shared by the
// server's compression and the client's work: the figures are for the pair.

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

using gwtape::bench::rss_kb;

struct Row {
  const char* name;
  double seconds = 0;
  std::uint64_t frames = 0, bytes = 0;
  long rss_first_kb = 0, rss_last_kb = 0;
};

Row run(gateway::Compression compress, const std::vector<server::LoopbackDispatch>& batch,
        std::uint64_t bytes) {
  Row row{gateway::compression_name(compress).data()};
  server::LoopbackOptions so;
  so.token = "bench";
  so.max_kept_dispatches = 1024;  // the server forgets old dispatches: its memory stays small
  auto server = server::LoopbackGateway::start(so);
  if (!server.ok()) {
    std::fprintf(stderr, "gateway_bench: %s\n", server.error().message.c_str());
    std::exit(1);
  }
  gateway::SystemClock clock;
  gateway::SplitMix64 random(1);
  gateway::GatewayOptions o;
  o.url = (*server)->url();
  o.compress = compress;
  o.identify.token = "bench";
  o.identify.intents = gateway::intents::kGuilds;
  gateway::Gateway client(o, gateway::make_curl_transport(clock), clock, random);
  std::atomic<std::uint64_t> delivered{0};
  const std::uint64_t total = batch.size() + 1;  // + READY
  std::atomic<long> rss_first{0};
  client.on_event([&](const gateway::DeliverEvent&) {
    const auto n = ++delivered;
    if (n == total / 10) rss_first = rss_kb();
  });
  client.start();
  while (delivered.load() < 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const auto start = std::chrono::steady_clock::now();
  // In slices, so the server's queue stays bounded too.
  for (std::size_t i = 0; i < batch.size(); i += 1000) {
    std::vector<server::LoopbackDispatch> slice(
        batch.begin() + static_cast<std::ptrdiff_t>(i),
        batch.begin() + static_cast<std::ptrdiff_t>(std::min(batch.size(), i + 1000)));
    if (!(*server)->dispatch_batch(slice).ok()) std::exit(1);
    while (delivered.load() + 4000 < i + 1)
      std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  while (delivered.load() < total) std::this_thread::sleep_for(std::chrono::microseconds(200));
  row.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  row.frames = batch.size();
  row.bytes = bytes;
  row.rss_first_kb = rss_first.load();
  // Here, not in the handler: the last event's handler may not have returned yet.
  row.rss_last_kb = rss_kb();
  (void)client.close();
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t frames = 100'000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--frames") == 0) frames = std::strtoull(argv[i + 1], nullptr, 10);
  }
  // Generated dispatches, after the opening (the server makes its own READY).
  std::uint64_t bytes = 0;
  const auto batch = bench::generated_dispatches("gateway_bench", frames, &bytes);
  std::printf(
      "Live client throughput, %zu generated dispatches (%.1f MB), loopback server in "
      "the same process\n\n",
      batch.size(), static_cast<double>(bytes) / 1e6);
  std::printf(
      "| compression | frames/s | MB/s | client+server RSS at 10%% | at 100%% |\n"
      "|---|---:|---:|---:|---:|\n");
  // The peer of each compressed row is the uncompressed one, measured first.
  double plain = 0;
  for (auto c : {gateway::Compression::kNone, gateway::Compression::kZlibStream,
                 gateway::Compression::kZstdStream}) {
    Row r = run(c, batch, bytes);
    std::printf("| %s | %.0f | %.0f | %.1f MB | %.1f MB |\n", r.name, r.frames / r.seconds,
                static_cast<double>(r.bytes) / 1e6 / r.seconds, r.rss_first_kb / 1024.0,
                r.rss_last_kb / 1024.0);
    const double rate = r.frames / r.seconds;
    const bool none = c == gateway::Compression::kNone;
    if (none) plain = rate;
    bench::report({.bench = "gateway",
                   .frames = batch.size(),
                   .figure = r.name,
                   .value = rate,
                   .unit = "frames/s",
                   .ceiling = none ? "" : "none (uncompressed)",
                   .ceiling_value = none ? 0 : plain});
  }
  return 0;
}
