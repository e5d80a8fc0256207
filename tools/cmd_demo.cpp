// gwtape demo — the main job on bundled, generated traffic: a session from the deterministic
// generator goes through the same handle_op / handle_event path a live connection takes, and
// the program prints what it saw. Later versions record, replay and query it.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "cli.h"
#include "gwtape/fixtures/generator.h"
#include "gwtape/gateway/protocol.h"

namespace gwtape::tools {
namespace {

constexpr std::string_view kDemoUsage =
    "usage: gwtape demo [--frames N] [--seed N] [--guilds N]\n"
    "\n"
    "Generates a realistic v10 session (HELLO, READY, GUILD_CREATEs, then mostly\n"
    "MESSAGE_CREATE traffic) and runs every received frame through the gateway's\n"
    "handle_op / handle_event, as a live connection would; prints what it saw.\n"
    "No token and no network are used.\n"
    "\n"
    "  --frames N   frames to generate (default 20000)\n"
    "  --seed N     generator seed (default 1): same seed, same session\n"
    "  --guilds N   guilds in the session (default 3)\n";

struct Tally {
  std::uint64_t frames = 0, recv = 0, send = 0, bytes = 0;
  std::uint64_t delivered = 0, typed = 0, raw = 0, unknown = 0, errors = 0;
  std::uint64_t identify_asked = 0, heartbeats_asked = 0, reconnects = 0;
  std::map<std::string, std::uint64_t> by_event;
  std::vector<std::string> unknown_names;
  std::vector<std::string> error_samples;
};

void apply(Tally& tally, gateway::Actions& actions) {
  using namespace gateway;
  for (Action& action : actions) {
    if (auto* d = std::get_if<DeliverEvent>(&action)) {
      ++tally.delivered;
      const std::string name(d->event.name());
      ++tally.by_event[name];
      if (d->event.type == EventType::kUnknown) {
        ++tally.unknown;
        if (std::find(tally.unknown_names.begin(), tally.unknown_names.end(), name) ==
            tally.unknown_names.end()) {
          tally.unknown_names.push_back(name);
        }
      } else if (is_typed(d->event.type)) {
        ++tally.typed;
      } else {
        ++tally.raw;
      }
    } else if (auto* s = std::get_if<SendCommand>(&action)) {
      if (s->command == gateway::Command::kIdentify) ++tally.identify_asked;
      if (s->command == gateway::Command::kHeartbeat) ++tally.heartbeats_asked;
    } else if (auto* e = std::get_if<ProtocolError>(&action)) {
      ++tally.errors;
      if (tally.error_samples.size() < 3) tally.error_samples.push_back(e->error.message);
    } else if (std::holds_alternative<Reconnect>(action)) {
      ++tally.reconnects;
    }
  }
}

int run(const Args& args) {
  if (wants_help(kDemoCommand, args)) return kOk;
  fixtures::GeneratorOptions opts;
  std::uint64_t frames = 20000;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view flag = args[i];
    if (i + 1 >= args.size())
      return usage_error(kDemoCommand, "missing value for " + std::string(flag));
    auto value = parse_uint(args[++i]);
    if (!value) {
      return usage_error(kDemoCommand, std::string(flag) + " takes a whole number, got \"" +
                                           std::string(args[i]) + "\"");
    }
    if (flag == "--frames" && *value >= 1) {
      frames = *value;
    } else if (flag == "--seed") {
      opts.seed = *value;
    } else if (flag == "--guilds" && *value >= 1 && *value <= 1000) {
      opts.guilds = static_cast<int>(*value);
    } else {
      return usage_error(kDemoCommand, "unknown flag or value out of range: " + std::string(flag));
    }
  }
  auto generator = fixtures::Generator::create(opts);
  if (!generator.ok()) {
    std::fprintf(stderr, "gwtape demo: %s\n", generator.error().message.c_str());
    return kFailure;
  }

  gateway::Protocol protocol;
  gateway::SplitMix64 random(opts.seed);  // heartbeat jitter: injected, seeded
  Tally tally;
  fixtures::GeneratedFrame frame;
  const auto started = std::chrono::steady_clock::now();
  protocol.on_connected(0);
  for (std::uint64_t i = 0; i < frames; ++i) {
    generator->next(frame);
    ++tally.frames;
    tally.bytes += frame.text.size();
    if (frame.direction == fixtures::Direction::kSend) {
      ++tally.send;
      continue;
    }
    ++tally.recv;
    // The heartbeat timer, driven by the session's own clock (the frames' timestamps).
    while (protocol.next_deadline_ns() && *protocol.next_deadline_ns() <= frame.ts_ns) {
      const std::int64_t due = *protocol.next_deadline_ns();
      auto beat = protocol.on_timer(due);
      apply(tally, beat);
      if (tally.heartbeats_asked > 0 && !beat.empty() &&
          std::holds_alternative<gateway::SendCommand>(beat.front())) {
        protocol.on_heartbeat_sent(due);
      } else if (!beat.empty()) {
        break;  // a reconnect: the demo has no connection to reopen
      }
    }
    auto actions = protocol.handle_op(frame.text, frame.ts_ns, random, frame.text.capacity());
    apply(tally, actions);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  std::printf(
      "gwtape demo: a generated v10 session (seed %llu, %d guilds) through "
      "handle_op / handle_event\n\n",
      static_cast<unsigned long long>(opts.seed), opts.guilds);
  std::printf("  frames      %llu (%.1f MB of JSON): %llu received, %llu sent by the bot\n",
              static_cast<unsigned long long>(tally.frames), tally.bytes / 1e6,
              static_cast<unsigned long long>(tally.recv),
              static_cast<unsigned long long>(tally.send));
  std::printf("  session     %s, session_id %s, last s %lld\n",
              std::string(gateway::phase_name(protocol.phase())).c_str(),
              protocol.session_id().c_str(),
              static_cast<long long>(protocol.sequence().get().value_or(0)));
  std::printf("  heartbeat   every %lld ms; protocol asked for %llu identify, %llu heartbeats\n",
              static_cast<long long>(protocol.heartbeat_interval_ns() / 1'000'000),
              static_cast<unsigned long long>(tally.identify_asked),
              static_cast<unsigned long long>(tally.heartbeats_asked));
  std::printf(
      "  dispatches  %llu delivered: %llu typed, %llu documented but raw, %llu unknown "
      "(kept raw)\n",
      static_cast<unsigned long long>(tally.delivered),
      static_cast<unsigned long long>(tally.typed), static_cast<unsigned long long>(tally.raw),
      static_cast<unsigned long long>(tally.unknown));
  std::printf(
      "  problems    %llu decode errors, %llu reconnects asked, %llu duplicates, %llu "
      "gaps\n",
      static_cast<unsigned long long>(tally.errors),
      static_cast<unsigned long long>(tally.reconnects),
      static_cast<unsigned long long>(protocol.duplicates()),
      static_cast<unsigned long long>(protocol.gaps()));
  for (const std::string& e : tally.error_samples) std::printf("              %s\n", e.c_str());
  std::vector<std::pair<std::uint64_t, std::string>> top;
  for (const auto& [name, count] : tally.by_event) top.emplace_back(count, name);
  std::sort(top.rbegin(), top.rend());
  std::printf("\n  events by type:\n");
  for (const auto& [count, name] : top) {
    std::printf("    %-30s %8llu\n", name.c_str(), static_cast<unsigned long long>(count));
  }
  if (!tally.unknown_names.empty()) {
    std::printf("\n  unknown event names kept as raw events:");
    for (const std::string& n : tally.unknown_names) std::printf(" %s", n.c_str());
    std::printf("\n");
  }
  std::printf("\n  generated + decoded in %.2f s (%.0f frames/s)\n", seconds,
              tally.frames / seconds);
  return tally.errors == 0 ? kOk : kFailure;
}

}  // namespace

const Command kDemoCommand{"demo", "decode a generated session through handle_op (no network)",
                           kDemoUsage, &run};

}  // namespace gwtape::tools
