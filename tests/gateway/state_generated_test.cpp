// state::Cache over a generated session (gwtape/fixtures/generator.h): 20k frames through
// Protocol::handle_op, every delivered event into the cache; sane counts, the same digest on
// two runs. Also a hidden benchmark of apply() alone ([.state-bench]).
#include "gwtape/gateway/state/cache.h"

#include <catch2/catch_test_macros.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <variant>
#include <vector>

#include "gwtape/fixtures/generator.h"
#include "gwtape/gateway/clock.h"
#include "gwtape/gateway/protocol.h"

namespace {

using gwtape::fixtures::Direction;
using gwtape::fixtures::GeneratedFrame;
using gwtape::fixtures::Generator;
using gwtape::fixtures::GeneratorOptions;
using gwtape::gateway::DeliverEvent;
using gwtape::gateway::Event;
using gwtape::gateway::Protocol;
using gwtape::gateway::ProtocolError;
using gwtape::gateway::SplitMix64;
using gwtape::gateway::state::Cache;
using gwtape::gateway::state::CacheOptions;

struct Run {
  std::size_t frames = 0;
  std::size_t dispatches = 0;
  std::size_t protocol_errors = 0;
};

GeneratorOptions options() {
  GeneratorOptions o;
  o.seed = 42;
  o.guilds = 4;
  o.channels_per_guild = 8;
  o.roles_per_guild = 6;
  o.members_per_guild = 150;
  return o;
}

// Feeds `frames` generated frames through a Protocol; delivered events go to `deliver`.
template <class Deliver>
Run run_session(const GeneratorOptions& opts, std::size_t frames, Deliver&& deliver) {
  auto gen = Generator::create(opts);
  REQUIRE(gen.ok());
  Protocol protocol;
  SplitMix64 random(7);
  Run run;
  GeneratedFrame f;
  bool connected = false;
  for (std::size_t i = 0; i < frames; ++i) {
    gen->next(f);
    if (!connected) {
      protocol.on_connected(f.ts_ns);
      connected = true;
    }
    if (f.direction == Direction::kSend) continue;  // the protocol's own beats are timing
    ++run.frames;
    for (auto& action : protocol.handle_op(f.text, f.ts_ns, random)) {
      if (auto* d = std::get_if<DeliverEvent>(&action)) {
        ++run.dispatches;
        deliver(std::move(d->event));
      } else if (std::holds_alternative<ProtocolError>(action)) {
        ++run.protocol_errors;
      }
    }
  }
  return run;
}

TEST_CASE("cache: a generated 20k-frame session gives sane counts and a stable digest", "[state]") {
  const GeneratorOptions opts = options();
  const CacheOptions cache_options{.messages_per_channel = 25};
  Cache first(cache_options);
  const Run run = run_session(opts, 20000, [&](Event&& e) { first.apply(std::move(e)); });
  CHECK(run.protocol_errors == 0);
  CHECK(run.dispatches > 19000);

  const auto& st = first.stats();
  const auto n = first.counts();
  CHECK(st.events == run.dispatches);
  CHECK(st.readys == 1);
  CHECK(st.applied > st.events * 9 / 10);  // mostly messages; interactions and unknowns ignored
  CHECK(st.ignored > 0);
  CHECK(n.guilds == static_cast<std::size_t>(opts.guilds));
  CHECK(n.unavailable_guilds == 0);
  CHECK(n.channels >= static_cast<std::size_t>(opts.guilds) * 3);
  CHECK(n.roles >= static_cast<std::size_t>(opts.guilds) * (opts.roles_per_guild + 1) / 2);
  CHECK(n.members >= static_cast<std::size_t>(opts.guilds) * opts.members_per_guild / 2);
  CHECK(n.presences > 0);
  CHECK(n.presences <= n.members);
  CHECK(n.messages > 0);
  CHECK(st.messages_evicted > 0);
  // The generator's events name guilds and channels that exist: none is unknown.
  CHECK(st.unknown_guild == 0);
  CHECK(st.unknown_channel == 0);
  CHECK(st.unknown_role == 0);
  // Messages: at most N per channel, each in a channel the cache knows, oldest first.
  std::size_t total = 0;
  for (auto gid : first.guild_ids()) {
    const auto* g = first.guild(gid);
    CHECK(g->guild.member_count >= g->members.size());
    for (auto set : {&g->channel_ids, &g->thread_ids}) {
      for (auto cid : *set) {
        const auto kept = first.messages(cid);
        CHECK(kept.size() <= cache_options.messages_per_channel);
        for (std::size_t i = 1; i < kept.size(); ++i) CHECK(kept[i - 1]->id < kept[i]->id);
        if (!kept.empty()) CHECK(first.channel(cid)->last_message_id >= kept.back()->id);
        total += kept.size();
      }
    }
  }
  CHECK(total == n.messages);
  UNSCOPED_INFO("dispatches " << run.dispatches << ", messages " << n.messages << ", members "
                              << n.members << ", unknown messages " << st.unknown_message
                              << ", unknown members " << st.unknown_member);

  // The same session again, in a fresh cache, through the copying apply this time.
  Cache second(cache_options);
  run_session(opts, 20000, [&](Event&& e) { second.apply(static_cast<const Event&>(e)); });
  CHECK(second.digest_hex() == first.digest_hex());
  CHECK(second.stats().unknown_message == st.unknown_message);

  // Keeping every message, each update, delete and reaction finds its message: the generator
  // names only messages it created and did not delete.
  Cache all({.messages_per_channel = 1'000'000});
  run_session(opts, 20000, [&](Event&& e) { all.apply(std::move(e)); });
  CHECK(all.stats().unknown_message == 0);
  CHECK(all.stats().messages_evicted == 0);
  CHECK(all.counts().messages > n.messages);

  // Another seed is another world.
  GeneratorOptions other = opts;
  other.seed = 43;
  Cache third(cache_options);
  run_session(other, 20000, [&](Event&& e) { third.apply(std::move(e)); });
  CHECK(third.digest_hex() != first.digest_hex());
}

// Not a test: apply() throughput, single thread, on a generated session whose frames are made
// beforehand. Frames are decoded in batches of 256 events and only the applying of each batch
// is timed, so that events are as warm as in a replay (decode then apply) and decoding is not
// counted. Best of three runs (the machine is shared). Run by hand:
//   test_gateway "[state-bench]"
TEST_CASE("cache: apply throughput on a generated session", "[.][state-bench]") {
  GeneratorOptions opts = options();
  opts.guilds = 3;
  opts.channels_per_guild = 20;
  opts.members_per_guild = 300;
  auto gen = Generator::create(opts);
  REQUIRE(gen.ok());
  std::vector<GeneratedFrame> frames(150000);
  for (auto& f : frames) gen->next(f);

  using Clock = std::chrono::steady_clock;
  struct Timing {
    std::size_t events = 0;
    double decode_s = 0;
    double apply_s = 0;
  };
  auto pass = [&](Cache& cache, bool copy) {
    Protocol protocol;
    SplitMix64 random(7);
    protocol.on_connected(frames.front().ts_ns);
    std::vector<Event> batch;
    batch.reserve(256);
    Timing t;
    auto flush = [&] {
      const auto t0 = Clock::now();
      for (Event& e : batch) {
        if (copy) {
          cache.apply(static_cast<const Event&>(e));
        } else {
          cache.apply(std::move(e));
        }
      }
      t.apply_s += std::chrono::duration<double>(Clock::now() - t0).count();
      t.events += batch.size();
      batch.clear();
    };
    for (auto& f : frames) {
      if (f.direction == Direction::kSend) continue;
      const auto t0 = Clock::now();
      for (auto& action : protocol.handle_op(f.text, f.ts_ns, random)) {
        if (auto* d = std::get_if<DeliverEvent>(&action)) batch.push_back(std::move(d->event));
      }
      t.decode_s += std::chrono::duration<double>(Clock::now() - t0).count();
      if (batch.size() >= 256) flush();
    }
    flush();
    return t;
  };
  Timing best_move, best_copy;
  std::string digest_move, digest_copy;
  for (int run = 0; run < 3; ++run) {
    Cache moving, copying;
    const Timing m = pass(moving, false);
    const Timing c = pass(copying, true);
    if (run == 0 || m.apply_s < best_move.apply_s) best_move = m;
    if (run == 0 || c.apply_s < best_copy.apply_s) best_copy = c;
    digest_move = moving.digest_hex();
    digest_copy = copying.digest_hex();
  }
  Cache last;
  pass(last, false);
  const auto t0 = Clock::now();
  const std::string digest = last.digest_hex();
  const double digest_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  const auto n = last.counts();
  std::printf(
      "%zu events: apply(Event&&) %.0f events/s, apply(const Event&) %.0f events/s "
      "(decode through handle_op: %.0f events/s); digest %.1f ms over a %zu-byte dump "
      "(%zu messages, %zu members)\n",
      best_move.events, best_move.events / best_move.apply_s, best_copy.events / best_copy.apply_s,
      best_move.events / best_move.decode_s, digest_ms, last.dump_json().size(), n.messages,
      n.members);
  CHECK(digest_copy == digest_move);
  CHECK(digest == digest_move);
}

}  // namespace
