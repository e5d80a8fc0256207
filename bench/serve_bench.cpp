// serve_bench — dispatches per second `gwtape serve --speed max` (replay::LogServer) delivers
// from a log to 1 and to 8 clients at once, plain and with each transport compression; beside
// it, its peer measured in the same run: the same client receiving the same dispatches from the
// loopback gateway fed from memory (gateway_bench's path, no log to read). And the process's
// memory as the log grows 4x (the log is streamed, never loaded).
//
// usage: serve_bench [--frames N]   (default 50000 generated frames in the log)
// Clients and server share the process and the machine's cores: the figures are for the whole.

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "gwtape/fixtures/generator.h"
#include "gwtape/gateway/envelope.h"
#include "gwtape/gateway/gateway.h"
#include "gwtape/replay/log_server.h"
#include "gwtape/server/loopback_gateway.h"
#include "gwtape/store/log_writer.h"

namespace {

using namespace gwtape;
using bench::Clock;
using bench::seconds_since;

constexpr const char* kBench = "serve_bench";

// A generated session (HELLO, identify, READY, guilds, traffic) as a log of `frames` frames;
// returns its dispatches after READY.
std::vector<server::LoopbackDispatch> write_log(const std::string& path, std::size_t frames) {
  std::filesystem::remove(path);
  auto writer = store::LogWriter::open(path);
  if (!writer.ok()) std::exit(bench::fail(kBench, writer.error().message));
  auto rec = (*writer)->begin_recording({});
  if (!rec.ok()) std::exit(bench::fail(kBench, rec.error().message));
  auto gen = fixtures::Generator::create({});
  if (!gen.ok()) std::exit(bench::fail(kBench, gen.error().message));
  std::vector<server::LoopbackDispatch> dispatches;
  gateway::EnvelopeParser envelopes;
  for (std::size_t i = 0; i < frames; ++i) {
    auto f = gen->next();
    const bool send = f.direction == fixtures::Direction::kSend;
    if (!send) {
      auto env = envelopes.parse(f.text);
      if (env.ok() && env->op == gateway::OpCode::kDispatch && env->t != "READY")
        dispatches.push_back({std::string(env->t), std::string(env->d)});
    }
    auto st = (*writer)->append({*rec, 1, f.ts_ns,
                                 send ? store::Direction::kSend : store::Direction::kRecv,
                                 std::move(f.text)});
    if (!st.ok()) std::exit(bench::fail(kBench, st.error().message));
  }
  if (auto st = (*writer)->close(); !st.ok()) std::exit(bench::fail(kBench, st.error().message));
  return dispatches;
}

// One client of this library, counting what it is delivered.
struct Client {
  gateway::SystemClock clock;
  gateway::SplitMix64 random{1};
  std::unique_ptr<gateway::Gateway> gateway;
  std::atomic<std::uint64_t> delivered{0};

  Client(const std::string& url, gateway::Compression compress) {
    gateway::GatewayOptions o;
    o.url = url;
    o.compress = compress;
    o.identify.token = "bench";
    o.identify.intents = gateway::intents::kGuilds;
    gateway =
        std::make_unique<gateway::Gateway>(o, gateway::make_curl_transport(clock), clock, random);
    gateway->on_event([this](const gateway::DeliverEvent&) { ++delivered; });
    gateway->start();
  }
  ~Client() { (void)gateway->close(); }
};

struct Row {
  double seconds = 0;
  std::uint64_t dispatches = 0;  // over all clients
  long rss_growth_kb = 0;
};

// Waits until every client has `each` events (READY included); false after 300 s.
bool wait_all(const std::vector<std::unique_ptr<Client>>& clients, std::uint64_t each) {
  const auto start = Clock::now();
  for (const auto& c : clients) {
    while (c->delivered.load() < each) {
      if (seconds_since(start) > 300) return false;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  return true;
}

Row serve_row(const std::string& log, std::size_t dispatches, gateway::Compression compress,
              int clients) {
  const long rss_before = bench::rss_kb();
  replay::ServeOptions so;
  so.log_path = log;
  auto server = replay::LogServer::start(so);
  if (!server.ok()) std::exit(bench::fail(kBench, server.error().message));
  std::vector<std::unique_ptr<Client>> cs;
  const auto start = Clock::now();
  for (int i = 0; i < clients; ++i)
    cs.push_back(std::make_unique<Client>((*server)->url(), compress));
  if (!wait_all(cs, dispatches + 1)) std::exit(bench::fail(kBench, "a client did not get it all"));
  Row row;
  row.seconds = seconds_since(start);
  row.dispatches = static_cast<std::uint64_t>(clients) * dispatches;
  row.rss_growth_kb = bench::rss_kb() - rss_before;
  cs.clear();
  (*server)->stop();
  return row;
}

// The peer: the loopback gateway sends the same dispatches from memory to one client.
Row loopback_row(const std::vector<server::LoopbackDispatch>& dispatches,
                 gateway::Compression compress) {
  server::LoopbackOptions so;
  so.token = "bench";
  so.max_kept_dispatches = 1024;
  auto server = server::LoopbackGateway::start(so);
  if (!server.ok()) std::exit(bench::fail(kBench, server.error().message));
  std::vector<std::unique_ptr<Client>> cs;
  cs.push_back(std::make_unique<Client>((*server)->url(), compress));
  Client& c = *cs.front();
  while (c.delivered.load() < 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const auto start = Clock::now();
  for (std::size_t i = 0; i < dispatches.size(); i += 1000) {
    std::vector<server::LoopbackDispatch> slice(
        dispatches.begin() + static_cast<std::ptrdiff_t>(i),
        dispatches.begin() + static_cast<std::ptrdiff_t>(std::min(dispatches.size(), i + 1000)));
    if (!(*server)->dispatch_batch(slice).ok()) std::exit(bench::fail(kBench, "dispatch_batch"));
    while (c.delivered.load() + 4000 < i + 1)
      std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  if (!wait_all(cs, dispatches.size() + 1)) std::exit(bench::fail(kBench, "client fell behind"));
  Row row;
  row.seconds = seconds_since(start);
  row.dispatches = dispatches.size();
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t frames = 50'000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--frames") == 0) frames = std::strtoull(argv[i + 1], nullptr, 10);
  }
  const auto dir = std::filesystem::temp_directory_path() / "gwtape-serve-bench";
  std::filesystem::create_directories(dir);
  const std::string log = (dir / "source.gwtape").string();
  const auto dispatches = write_log(log, frames);
  std::printf("serve --speed max: %zu dispatches from a %zu-frame log (%.1f MB on disk)\n\n",
              dispatches.size(), frames, std::filesystem::file_size(log) / 1e6);
  std::printf("%-12s %-26s %8s %12s %10s\n", "compression", "source", "clients", "dispatches/s",
              "vs peer");
  for (auto compress : {gateway::Compression::kNone, gateway::Compression::kZlibStream,
                        gateway::Compression::kZstdStream}) {
    const char* name = gateway::compression_name(compress).data();
    const Row peer = loopback_row(dispatches, compress);
    const double peer_rate = peer.dispatches / peer.seconds;
    std::printf("%-12s %-26s %8d %12.0f %10s\n", name, "loopback gateway, memory", 1, peer_rate,
                "(peer)");
    for (int clients : {1, 8}) {
      const Row r = serve_row(log, dispatches.size(), compress, clients);
      const double rate = r.dispatches / r.seconds;
      std::printf("%-12s %-26s %8d %12.0f %9.2fx\n", name, "serve, from the log", clients, rate,
                  rate / peer_rate);
      bench::report({.bench = "serve",
                     .frames = frames,
                     .figure = std::string(name) + ", " + std::to_string(clients) +
                               (clients == 1 ? " client" : " clients"),
                     .value = rate,
                     .unit = "dispatches/s",
                     .ceiling = "loopback gateway from memory",
                     .ceiling_value = peer_rate});
    }
  }
  // Memory against the log's size: the same serve, one client, from a log 4x as long.
  const std::string big = (dir / "source-4x.gwtape").string();
  const auto big_dispatches = write_log(big, frames * 4);
  const Row small_row = serve_row(log, dispatches.size(), gateway::Compression::kNone, 1);
  const Row big_row = serve_row(big, big_dispatches.size(), gateway::Compression::kNone, 1);
  std::printf(
      "\nmemory: serving the %.1f MB log grew the process by %.1f MiB; the %.1f MB log (4x) "
      "by %.1f MiB (peak RSS %.1f MiB)\n",
      std::filesystem::file_size(log) / 1e6, small_row.rss_growth_kb / 1024.0,
      std::filesystem::file_size(big) / 1e6, big_row.rss_growth_kb / 1024.0,
      bench::peak_rss_kb() / 1024.0);
  std::filesystem::remove_all(dir);
  return 0;
}
