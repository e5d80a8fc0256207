// bench/generated.h — the fixtures generator's dispatches (READY left out) as the loopback
// gateway's batch items: the traffic the gateway benchmarks flood a client with. Benchmark
// code, not part of the library.
//
// Thread-safety: pure function. Lifetimes: the vector owns its strings.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench_util.h"
#include "gwtape/fixtures/generator.h"
#include "gwtape/gateway/envelope.h"
#include "gwtape/server/loopback_gateway.h"

namespace gwtape::bench {

// `count` dispatches; `text_bytes`, when given, gets the size of their whole frames' text.
inline std::vector<server::LoopbackDispatch> generated_dispatches(
    const char* bench, std::size_t count, std::uint64_t* text_bytes = nullptr) {
  auto gen = fixtures::Generator::create({});
  if (!gen.ok()) std::exit(fail(bench, gen.error().message));
  std::vector<server::LoopbackDispatch> out;
  gateway::EnvelopeParser envelopes;
  while (out.size() < count) {
    auto f = gen->next();
    if (f.direction != fixtures::Direction::kRecv) continue;
    auto env = envelopes.parse(f.text);
    if (!env.ok() || env->op != gateway::OpCode::kDispatch || env->t == "READY") continue;
    out.push_back({std::string(env->t), std::string(env->d)});
    if (text_bytes != nullptr) *text_bytes += f.text.size();
  }
  return out;
}

}  // namespace gwtape::bench
