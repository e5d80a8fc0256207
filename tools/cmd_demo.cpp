// gwtape demo — the whole story on generated traffic and loopback: record a live session (with
// a reconnect) into a log, replay it through the same handle_op path, serve the log as a live
// gateway (`gwtape serve`) and record that again, replay the second log, check that every
// state digest is the live client's, and query the log with SQL.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <sqlite3.h>

#include "cli.h"
#include "gwtape/fixtures/generator.h"
#include "gwtape/gateway/clock.h"
#include "gwtape/gateway/envelope.h"
#include "gwtape/gateway/gateway.h"
#include "gwtape/gateway/state/cache.h"
#include "gwtape/recorder/recorder.h"
#include "gwtape/replay/log_server.h"
#include "gwtape/replay/replayer.h"
#include "gwtape/server/loopback_gateway.h"
#include "gwtape/store/log_writer.h"
#include "gwtape/store/sql_functions.h"
#include "gwtape/store/verify.h"
#include "tool_args.h"

namespace gwtape::tools {
namespace {

using replay::Errc;
using replay::Result;

constexpr std::string_view kDemoUsage =
    "usage: gwtape demo [--out LOG] [--frames N] [--seed N]\n"
    "\n"
    "The whole story on bundled, generated traffic — no token, no network beyond 127.0.0.1:\n"
    "  1. a gateway that behaves like Discord starts on loopback and plays a generated v10\n"
    "     session (GUILD_CREATEs, then mostly MESSAGE_CREATE), with a reconnect (op 7) midway;\n"
    "  2. the gwtape client connects over libcurl's WebSocket API (zstd-stream) and records\n"
    "     every frame, both ways, into LOG, while its cache follows the events;\n"
    "  3. LOG is replayed through the same handle_op path into a fresh cache, and the two\n"
    "     state digests are compared;\n"
    "  4. LOG is served as a live gateway (what `gwtape serve` does) and the client records it\n"
    "     again into LOG-served.gwtape (beside LOG), whose replay must give the same digest;\n"
    "  5. one SQL query over LOG's events view.\n"
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

// LOG-served.gwtape beside LOG: "x/demo.gwtape" -> "x/demo-served.gwtape".
std::string served_path(const std::string& log) {
  const std::filesystem::path p(log);
  return (p.parent_path() / (p.stem().string() + "-served.gwtape")).string();
}

// The rows of `sql` over the log at `path` (the connection `gwtape query` uses), as text.
Result<std::vector<std::vector<std::string>>> query_rows(const std::string& path,
                                                         const std::string& sql) {
  auto db = store::open_query_connection(path);
  if (!db.ok()) return make_error(Errc::kLog, db.error().message);
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db->get(), sql.c_str(), -1, &raw, nullptr) != SQLITE_OK)
    return make_error(Errc::kLog, path + ": " + sqlite3_errmsg(db->get()));
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> st(raw, sqlite3_finalize);
  std::vector<std::vector<std::string>> rows;
  int rc;
  while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
    auto& row = rows.emplace_back();
    for (int c = 0; c < sqlite3_column_count(st.get()); ++c) {
      const auto* text = sqlite3_column_text(st.get(), c);
      row.emplace_back(text ? reinterpret_cast<const char*>(text) : "NULL");
    }
  }
  if (rc != SQLITE_DONE) return make_error(Errc::kLog, path + ": " + sqlite3_errmsg(db->get()));
  return rows;
}

// A replay of the log at `path` into a fresh cache.
struct Replayed {
  std::string digest;
  std::size_t divergences = 0;
  replay::ReplayStats stats;
  gateway::state::CacheCounts counts;
  double seconds = 0;
};

Result<Replayed> replay_log(const std::string& path) {
  const auto started = std::chrono::steady_clock::now();
  auto replayer = replay::Replayer::open(path);
  if (!replayer.ok()) return make_error(Errc::kLog, replayer.error().message);
  if (auto st = (*replayer)->run(); !st.ok()) return make_error(Errc::kLog, st.error().message);
  Replayed out;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  out.digest = (*replayer)->cache().digest_hex();
  out.divergences = (*replayer)->divergences().size();
  out.stats = (*replayer)->stats();
  out.counts = (*replayer)->cache().counts();
  return out;
}

// What the live client recorded.
struct Recorded {
  std::string digest;  // of its cache, stored in the recording
  recorder::RecorderStats stats;
  unsigned connections = 0;
  double seconds = 0;
};

// Records the gateway at `url` into a new log at `path` with the live client (libcurl,
// zstd-stream) until it has the dispatch with the sequence `drive` returns (drive runs once
// the client started: it makes the server send), or 60 s.
Result<Recorded> record_from(const std::string& url, const std::string& path, std::uint64_t seed,
                             const std::function<Result<std::int64_t>()>& drive) {
  std::filesystem::remove(path);
  auto writer = store::LogWriter::open(path);
  if (!writer.ok()) return make_error(Errc::kLog, writer.error().message);
  store::RecordingInfo info;
  info.started_at_ns = wall_ns();
  info.gateway_url = url;
  info.compress = "zstd-stream";
  info.intents = 513;
  info.tool_version = GWTAPE_VERSION;
  auto rec_id = (*writer)->begin_recording(info);
  if (!rec_id.ok()) return make_error(Errc::kLog, rec_id.error().message);
  recorder::Recorder recorder(**writer, *rec_id, {kToken, {}});
  gateway::state::Cache live_cache;
  gateway::SystemClock clock;
  gateway::SplitMix64 random(seed);
  gateway::GatewayOptions o;
  o.url = url;
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
  auto final_seq = drive();
  if (!final_seq.ok()) {
    (void)client.close();
    return final_seq.error();
  }
  while (last_seq.load() < *final_seq &&
         std::chrono::steady_clock::now() - started < std::chrono::seconds(60)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  (void)client.close();
  Recorded out;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  out.digest = live_cache.digest_hex();
  out.stats = recorder.stats();
  out.connections = client.connections();
  if (auto st = (*writer)->end_recording(*rec_id, wall_ns(), out.digest); !st.ok())
    return make_error(Errc::kLog, st.error().message);
  if (auto st = (*writer)->close(); !st.ok()) return make_error(Errc::kLog, st.error().message);
  return out;
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
  // Discord's interval: a shorter one would hold its ACK behind the flood (the zombie rule,
  // docs/RELIABILITY.md#resource-limits).
  so.heartbeat_interval = std::chrono::milliseconds(41250);
  auto server = server::LoopbackGateway::start(so);
  if (!server.ok()) return fail(server.error().message);
  std::printf("gwtape demo\n\n1. loopback gateway at %s, %zu generated dispatches\n",
              (*server)->url().c_str(), batch.size());

  // 2. Record.
  auto recorded =
      record_from((*server)->url(), out, gen_options.seed, [&]() -> Result<std::int64_t> {
        if (!(*server)->wait_until_identified(std::chrono::seconds(10)))
          return make_error(Errc::kIo, "no identify");
        std::int64_t last = 0;
        for (std::size_t i = 0; i < batch.size(); i += 500) {
          std::vector<server::LoopbackDispatch> slice(
              batch.begin() + static_cast<std::ptrdiff_t>(i),
              batch.begin() + static_cast<std::ptrdiff_t>(std::min(batch.size(), i + 500)));
          auto s = (*server)->dispatch_batch(slice);
          if (!s.ok()) return make_error(Errc::kIo, s.error().message);
          last = *s;
          if (i == batch.size() / 2 / 500 * 500) {
            (void)(*server)->request_reconnect();  // op 7 midway: the client resumes
          }
        }
        return last + 1;  // + the RESUMED after the reconnect
      });
  if (!recorded.ok()) return fail(recorded.error().message);
  const std::string& live_digest = recorded->digest;
  const auto& rs = recorded->stats;
  std::printf(
      "2. recorded %llu frames (%llu received, %llu sent; token masked %llu times) over "
      "%u connections in %.1f s\n",
      static_cast<unsigned long long>(rs.frames), static_cast<unsigned long long>(rs.received),
      static_cast<unsigned long long>(rs.sent), static_cast<unsigned long long>(rs.tokens_masked),
      recorded->connections, recorded->seconds);
  if (auto stats = store::stats(out); stats.ok()) {
    std::printf(
        "   %s: %.1f MB of frames stored in %.1f MB (%.1fx smaller); %.0f B/frame of "
        "metadata\n",
        out.c_str(), stats->raw_bytes / 1e6, stats->file_bytes / 1e6,
        static_cast<double>(stats->raw_bytes) / static_cast<double>(stats->file_bytes),
        static_cast<double>(stats->meta_bytes) / static_cast<double>(stats->frames));
  }

  // 3. Replay.
  auto replayed = replay_log(out);
  if (!replayed.ok()) return fail(replayed.error().message);
  const Replayed& r = *replayed;
  std::printf(
      "3. replayed %llu frames, %llu dispatches in %.2f s (%.0f frames/s): %zu guilds, "
      "%zu channels, %zu roles, %zu members, %zu messages\n",
      static_cast<unsigned long long>(r.stats.frames),
      static_cast<unsigned long long>(r.stats.dispatches), r.seconds, r.stats.frames / r.seconds,
      r.counts.guilds, r.counts.channels, r.counts.roles, r.counts.members, r.counts.messages);
  std::printf("   live digest   %s\n   replay digest %s  %s\n", live_digest.c_str(),
              r.digest.c_str(), live_digest == r.digest ? "(equal)" : "(DIFFERENT)");
  std::printf("   %zu divergences between the recorded and the replayed identify/resume\n",
              r.divergences);

  // 4. Serve the log as a live gateway and record it again.
  const std::string served = served_path(out);
  auto expected = query_rows(out,
                             "SELECT count(*) FROM (SELECT DISTINCT s FROM events WHERE "
                             "direction = 'recv' AND op = 0 AND t NOT IN ('READY', 'RESUMED'))");
  if (!expected.ok()) return fail(expected.error().message);
  const std::int64_t stream_end = 1 + std::stoll(expected->at(0).at(0));  // READY is 1
  replay::ServeOptions serve_options;
  serve_options.log_path = out;
  serve_options.heartbeat_interval = std::chrono::milliseconds(41250);
  auto log_server = replay::LogServer::start(serve_options);
  if (!log_server.ok()) return fail(log_server.error().message);
  auto again = record_from((*log_server)->url(), served, gen_options.seed,
                           [&]() -> Result<std::int64_t> { return stream_end; });
  (*log_server)->stop();
  if (!again.ok()) return fail(again.error().message);
  auto replayed_again = replay_log(served);
  if (!replayed_again.ok()) return fail(replayed_again.error().message);
  const Replayed& r2 = *replayed_again;
  std::printf(
      "4. served %s as a live gateway (gwtape serve) at %s; the client recorded %llu frames "
      "into %s in %.1f s\n",
      out.c_str(), (*log_server)->url().c_str(),
      static_cast<unsigned long long>(again->stats.frames), served.c_str(), again->seconds);
  std::printf("   its replay digest %s  %s\n", r2.digest.c_str(),
              r2.digest == live_digest && again->digest == live_digest ? "(equal to the live one)"
                                                                       : "(DIFFERENT)");

  // 5. One SQL query over the events view.
  const char* sql =
      "SELECT t, count(*) AS n FROM events WHERE op = 0 GROUP BY t ORDER BY n DESC LIMIT 5";
  auto rows = query_rows(out, sql);
  if (!rows.ok()) return fail(rows.error().message);
  std::printf("5. gwtape query %s \"%s\"\n", out.c_str(), sql);
  for (const auto& row : *rows) std::printf("   %-24s %s\n", row[0].c_str(), row[1].c_str());

  std::printf(
      "\nTry: gwtape replay %s --summary\n"
      "     gwtape query %s \"SELECT conn, closed_by, code, reason FROM connections\"\n"
      "     gwtape serve %s --listen 127.0.0.1:8080   (then point a bot at ws://127.0.0.1:8080)\n",
      out.c_str(), out.c_str(), out.c_str());
  const bool all_equal = live_digest == r.digest && r2.digest == live_digest &&
                         again->digest == live_digest && r.divergences == 0 && r2.divergences == 0;
  return all_equal ? kOk : kFailure;
}

}  // namespace

const Command kDemoCommand{"demo", "record, replay and check a generated session on loopback",
                           kDemoUsage, &run};

}  // namespace gwtape::tools
