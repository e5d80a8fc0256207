// decode_bench — envelope + typed decode throughput over generated frames, printed beside
// simdjson's own parse-only throughput of the same bytes in the same run (our ceiling).
//
// usage: decode_bench [--frames N] [--rounds N]
// Prints a Markdown table; the best of N rounds is kept for each row (shared, noisy machine).
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "bench_util.h"
#include "gwtape/fixtures/generator.h"
#include "gwtape/gateway/envelope.h"
#include "gwtape/gateway/events.h"
#include "gwtape/gateway/protocol.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Row {
  const char* name;
  double best_seconds = 1e300;
  std::uint64_t checksum = 0;  // keeps the work observable
};

// The rows run round-robin, one pass each per round, so that every row sees the same
// background load; each keeps its best pass.
struct Bench {
  std::vector<std::pair<Row*, std::function<std::uint64_t()>>> rows;
  void add(Row& row, std::function<std::uint64_t()> fn) { rows.emplace_back(&row, std::move(fn)); }
  void run(int rounds) {
    for (int r = 0; r < rounds; ++r) {
      for (auto& [row, fn] : rows) {
        const auto start = Clock::now();
        row->checksum += fn();
        const double s = std::chrono::duration<double>(Clock::now() - start).count();
        if (s < row->best_seconds) row->best_seconds = s;
      }
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::size_t frames = 100'000;
  int rounds = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--frames") == 0) frames = std::strtoull(argv[i + 1], nullptr, 10);
    if (std::strcmp(argv[i], "--rounds") == 0) rounds = std::atoi(argv[i + 1]);
  }
  auto gen = gwtape::fixtures::Generator::create({});
  if (!gen.ok()) {
    std::fprintf(stderr, "decode_bench: %s\n", gen.error().message.c_str());
    return 1;
  }
  // The frames the gateway receives, each with simdjson's padding after it.
  std::vector<std::string> texts;
  std::uint64_t bytes = 0;
  while (texts.size() < frames) {
    auto f = gen->next();
    if (f.direction != gwtape::fixtures::Direction::kRecv) continue;
    f.text.reserve(f.text.size() + simdjson::SIMDJSON_PADDING);
    bytes += f.text.size();
    texts.push_back(std::move(f.text));
  }

  Bench bench;
  Row parse_only{"simdjson DOM parse only (ceiling)"};
  simdjson::dom::parser dom;
  bench.add(parse_only, [&]() -> std::uint64_t {
    std::uint64_t n = 0;
    for (const std::string& t : texts) {
      simdjson::dom::element root;
      if (dom.parse(t.data(), t.size(), false).get(root) == simdjson::SUCCESS) ++n;
    }
    return n;
  });

  Row envelope_only{"gwtape envelope only"};
  gwtape::gateway::EnvelopeParser envelopes;
  bench.add(envelope_only, [&]() -> std::uint64_t {
    std::uint64_t n = 0;
    for (const std::string& t : texts) n += envelopes.parse(t).ok();
    return n;
  });

  Row typed{"gwtape envelope + typed decode, one pass"};
  bench.add(typed, [&]() -> std::uint64_t {
    std::uint64_t n = 0;
    gwtape::gateway::Event event;
    for (const std::string& t : texts) {
      bool decoded = false;
      auto env = envelopes.parse(t, event, decoded);
      n += env.ok() && decoded;
    }
    return n;
  });

  Row two_pass{"gwtape envelope, then typed decode of d"};
  gwtape::gateway::EventDecoder decoder;
  bench.add(two_pass, [&]() -> std::uint64_t {
    std::uint64_t n = 0;
    for (const std::string& t : texts) {
      auto env = envelopes.parse(t);
      if (!env.ok() || env->op != gwtape::gateway::OpCode::kDispatch) continue;
      n += decoder.decode(env->t, env->padded_d()).ok();
    }
    return n;
  });

  Row handled{"gwtape handle_op (envelope + decode + protocol)"};
  bench.add(handled, [&]() -> std::uint64_t {
    gwtape::gateway::Protocol protocol;
    gwtape::gateway::SplitMix64 random(1);
    protocol.on_connected(0);
    std::uint64_t n = 0;
    std::int64_t now = 0;
    for (const std::string& t : texts) n += protocol.handle_op(t, ++now, random).size();
    return n;
  });

  bench.run(rounds);
  const double mb = static_cast<double>(bytes) / 1e6;
  std::printf(
      "Decode throughput, %zu received frames (%.1f MB, %.0f B/frame), best of %d rounds\n\n",
      texts.size(), mb, static_cast<double>(bytes) / texts.size(), rounds);
  std::printf("| path | MB/s | frames/s | vs parse-only |\n|---|---:|---:|---:|\n");
  for (const Row* row : {&parse_only, &envelope_only, &typed, &two_pass, &handled}) {
    std::printf("| %s | %.0f | %.0f | %.0f%% |\n", row->name, mb / row->best_seconds,
                texts.size() / row->best_seconds,
                100.0 * parse_only.best_seconds / row->best_seconds);
  }
  const char* figures[] = {"envelope only", "typed decode, one pass", "typed decode, two passes",
                           "handle_op"};
  const Row* rows[] = {&envelope_only, &typed, &two_pass, &handled};
  for (int i = 0; i < 4; ++i) {
    gwtape::bench::report({.bench = "decode",
                           .frames = texts.size(),
                           .figure = figures[i],
                           .value = texts.size() / rows[i]->best_seconds,
                           .unit = "frames/s",
                           .ceiling = "simdjson DOM parse",
                           .ceiling_value = texts.size() / parse_only.best_seconds});
  }
  return 0;
}
