// gwtape demo — the main job end to end, on generated traffic and a loopback gateway:
// record a live session (with a reconnect) into a log, replay the log through the same
// handle_op path, and check that the replayed state is the state the live client had.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "cli.h"
#include "gwtape/fixtures/generator.h"
#include "gwtape/gateway/clock.h"
#include "gwtape/gateway/envelope.h"
#include "gwtape/gateway/gateway.h"
#include "gwtape/gateway/state/cache.h"
#include "gwtape/recorder/recorder.h"
#include "gwtape/replay/replayer.h"
#include "gwtape/server/loopback_gateway.h"
#include "gwtape/store/log_writer.h"
#include "gwtape/store/verify.h"
#include "tool_args.h"

namespace gwtape::tools {
namespace {

constexpr std::string_view kDemoUsage =
    "usage: gwtape demo [--out LOG] [--frames N] [--seed N]\n"
    "\n"
    "The whole job on bundled, generated traffic — no token, no network beyond 127.0.0.1:\n"
    "  1. a gateway that behaves like Discord starts on loopback and plays a generated v10\n"
    "     session (GUILD_CREATEs, then mostly MESSAGE_CREATE), with a reconnect (op 7) midway;\n"
    "  2. the gwtape client connects over libcurl's WebSocket API (zstd-stream) and records\n"
    "     every frame, both ways, into LOG, while its cache follows the events;\n"
    "  3. LOG is replayed through the same handle_op path into a fresh cache, and the two\n"
    "     state digests are compared.\n"
    "\n"
    "  --out LOG    the log to write (default: gwtape-demo.gwtape; replaced if it exists)\n"
    "  --frames N   generated dispatches to play, 100 to 1000000 (default 20000)\n"
    "  --seed N     generator seed, 0 to 2^64-1 (default 1): same seed, same session\n";

constexpr std::uint64_t kMaxDemoFrames = 1'000'000;

constexpr const char* kToken = "demo-token-never-written";

// The wall clock the live gateway uses for frame times.
std::int64_t wall_ns() { return gateway::SystemClock().wall_ns(); }

int fail(const std::string& what) {
  std::fprintf(stderr, "gwtape demo: %s\n", what.c_str());
  return kFailure;
}

int run(const Args& args) {
  if (wants_help(kDemoCommand, args)) return kOk;
  std::string out = "gwtape-demo.gwtape";
  std::uint64_t frames = 20000;
  fixtures::GeneratorOptions gen_options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view flag;
    std::string value;
    if (!take_flag(args, i, flag, value))
      return usage_error(kDemoCommand, "missing value for " + std::string(flag));
    if (flag == "--out") {
      out = value;
      continue;
    }
    if (flag == "--frames") {
      // The whole session is generated up front (about 1 kB a dispatch): a million is plenty.
      auto n = parse_int_flag<std::uint64_t>(flag, value, 100, kMaxDemoFrames);
      if (!n) return usage_error(kDemoCommand, n.error().message);
      frames = *n;
    } else if (flag == "--seed") {
      auto n = parse_int_flag<std::uint64_t>(flag, value, 0, UINT64_MAX);
      if (!n) return usage_error(kDemoCommand, n.error().message);
      gen_options.seed = *n;
    } else {
      return usage_error(kDemoCommand, "unknown flag " + std::string(flag));
    }
  }
  // The generated session: its dispatches, as the loopback gateway will send them.
  auto gen = fixtures::Generator::create(gen_options);
  if (!gen.ok()) return fail(gen.error().message);
  std::vector<server::LoopbackDispatch> batch;
  gateway::EnvelopeParser envelopes;
  while (batch.size() < frames) {
    auto f = gen->next();
    if (f.direction != fixtures::Direction::kRecv) continue;
    auto env = envelopes.parse(f.text);
    if (!env.ok() || env->op != gateway::OpCode::kDispatch || env->t == "READY") continue;
    batch.push_back({std::string(env->t), std::string(env->d)});
  }

  // 1. The loopback gateway.
  server::LoopbackOptions so;
  so.token = kToken;
  so.heartbeat_interval = std::chrono::milliseconds(500);
  auto server = server::LoopbackGateway::start(so);
  if (!server.ok()) return fail(server.error().message);
  std::printf("gwtape demo\n\n1. loopback gateway at %s, %zu generated dispatches\n",
              (*server)->url().c_str(), batch.size());

  // 2. Record.
  std::filesystem::remove(out);
  auto writer = store::LogWriter::open(out);
  if (!writer.ok()) return fail(writer.error().message);
  store::RecordingInfo info;
  info.started_at_ns = wall_ns();
  info.gateway_url = (*server)->url();
  info.compress = "zstd-stream";
  info.intents = 513;
  info.tool_version = GWTAPE_VERSION;
  auto rec_id = (*writer)->begin_recording(info);
  if (!rec_id.ok()) return fail(rec_id.error().message);
  recorder::Recorder recorder(**writer, *rec_id, {kToken, {}});
  gateway::state::Cache live_cache;
  gateway::SystemClock clock;
  gateway::SplitMix64 random(gen_options.seed);
  gateway::GatewayOptions o;
  o.url = (*server)->url();
  o.compress = gateway::Compression::kZstdStream;
  o.identify.token = kToken;
  o.identify.intents = 513;
  gateway::Gateway client(o, gateway::make_curl_transport(clock), clock, random);
  recorder.attach(client);
  std::atomic<std::int64_t> last_seq{0};
  client.on_event([&](const gateway::DeliverEvent& e) {
    live_cache.apply(e.event);
    last_seq = e.seq;
  });
  client.on_error(
      [](const gateway::Error& e) { std::fprintf(stderr, "  (%s)\n", e.message.c_str()); });
  const auto started = std::chrono::steady_clock::now();
  client.start();
  if (!(*server)->wait_until_identified(std::chrono::seconds(10))) return fail("no identify");
  std::int64_t last = 0;
  for (std::size_t i = 0; i < batch.size(); i += 500) {
    std::vector<server::LoopbackDispatch> slice(
        batch.begin() + static_cast<std::ptrdiff_t>(i),
        batch.begin() + static_cast<std::ptrdiff_t>(std::min(batch.size(), i + 500)));
    auto s = (*server)->dispatch_batch(slice);
    if (!s.ok()) return fail(s.error().message);
    last = *s;
    if (i == batch.size() / 2 / 500 * 500) {
      (void)(*server)->request_reconnect();  // op 7 midway: the client resumes
    }
  }
  const std::int64_t final_seq = last + 1;  // + the RESUMED after the reconnect
  while (last_seq.load() < final_seq &&
         std::chrono::steady_clock::now() - started < std::chrono::seconds(60)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  (void)client.close();
  const double record_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const std::string live_digest = live_cache.digest_hex();
  if (auto st = (*writer)->end_recording(*rec_id, wall_ns(), live_digest); !st.ok()) {
    return fail(st.error().message);
  }
  if (auto st = (*writer)->close(); !st.ok()) return fail(st.error().message);
  const auto rs = recorder.stats();
  std::printf(
      "2. recorded %llu frames (%llu received, %llu sent; token masked %llu times) over "
      "%u connections in %.1f s\n",
      static_cast<unsigned long long>(rs.frames), static_cast<unsigned long long>(rs.received),
      static_cast<unsigned long long>(rs.sent), static_cast<unsigned long long>(rs.tokens_masked),
      client.connections(), record_s);
  if (auto stats = store::stats(out); stats.ok()) {
    std::printf(
        "   %s: %.1f MB of frames stored in %.1f MB (%.1fx smaller); %.0f B/frame of "
        "metadata\n",
        out.c_str(), stats->raw_bytes / 1e6, stats->file_bytes / 1e6,
        static_cast<double>(stats->raw_bytes) / static_cast<double>(stats->file_bytes),
        static_cast<double>(stats->meta_bytes) / static_cast<double>(stats->frames));
  }

  // 3. Replay.
  const auto replay_started = std::chrono::steady_clock::now();
  auto replayer = replay::Replayer::open(out);
  if (!replayer.ok()) return fail(replayer.error().message);
  if (auto st = (*replayer)->run(); !st.ok()) return fail(st.error().message);
  const double replay_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - replay_started).count();
  const auto& r = **replayer;
  const auto counts = r.cache().counts();
  const std::string replay_digest = r.cache().digest_hex();
  std::printf(
      "3. replayed %llu frames, %llu dispatches in %.2f s (%.0f frames/s): %zu guilds, "
      "%zu channels, %zu roles, %zu members, %zu messages\n",
      static_cast<unsigned long long>(r.stats().frames),
      static_cast<unsigned long long>(r.stats().dispatches), replay_s, r.stats().frames / replay_s,
      counts.guilds, counts.channels, counts.roles, counts.members, counts.messages);
  std::printf("   live digest   %s\n   replay digest %s  %s\n", live_digest.c_str(),
              replay_digest.c_str(), live_digest == replay_digest ? "(equal)" : "(DIFFERENT)");
  std::printf("   %zu divergences between the recorded and the replayed identify/resume\n",
              r.divergences().size());
  std::printf(
      "\nTry: gwtape replay %s --summary\n"
      "     gwtape query %s \"SELECT conn, closed_by, code, reason FROM connections\"\n",
      out.c_str(), out.c_str());
  return live_digest == replay_digest && r.divergences().empty() ? kOk : kFailure;
}

}  // namespace

const Command kDemoCommand{"demo", "record, replay and check a generated session on loopback",
                           kDemoUsage, &run};

}  // namespace gwtape::tools
