#include "record_session.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include "gwtape/gateway/clock.h"
#include "gwtape/gateway/gateway.h"
#include "gwtape/gateway/http.h"
#include "gwtape/gateway/state/cache.h"
#include "gwtape/recorder/recorder.h"
#include "gwtape/store/log_writer.h"
#include "gwtape/stream/identify_lease.h"
#include "gwtape/stream/jetstream.h"
#include "gwtape/stream/message.h"
#include "gwtape/stream/publisher.h"
#include "tool_args.h"

namespace gwtape::tools {
namespace {

// 4 for a file that is not a sound log of this version; 1 for what went wrong around a sound
// log (disk full, I/O errors, another writer), as docs/CLI.md lists them.
int exit_code_for(const store::Error& error) {
  switch (error.code) {
    case store::Errc::kNotALog:
    case store::Errc::kVersion:
    case store::Errc::kCorrupt:
      return kBadLog;
    default:
      return kFailure;
  }
}

// The wall clock the live gateway uses for frame times.
std::int64_t wall_ns() { return gateway::SystemClock().wall_ns(); }

std::uint64_t file_bytes(const std::string& path) {
  struct stat st {};
  std::uint64_t total = 0;
  for (const char* suffix : {"", "-wal"}) {
    if (::stat((path + suffix).c_str(), &st) == 0) total += static_cast<std::uint64_t>(st.st_size);
  }
  return total;
}

// One shard: its gateway, its recorder, its recording row.
struct Shard {
  std::int64_t recording_id = 0;
  std::unique_ptr<recorder::Recorder> recorder;
  std::unique_ptr<gateway::Gateway> gateway;
  std::atomic<std::uint64_t> dispatches{0};
  // The live state the events built; its digest goes into the recording at a clean stop, so a
  // replay of the log can be checked against it.
  gateway::state::Cache cache;
};

// Says once when JetStream stops acknowledging (frames then wait in the spool), and once when
// it acknowledges again.
void report_nats(const stream::Publisher& publisher, bool& reachable) {
  const auto st = publisher.stats();
  if (reachable && !st.reachable && st.retries > 0) {
    std::fprintf(stderr, "gwtape record: NATS: %s; %zu message(s) wait in the spool, retrying\n",
                 st.last_failure.c_str(), st.spooled);
    reachable = false;
  } else if (!reachable && st.reachable) {
    std::fprintf(stderr, "gwtape record: NATS: acknowledging again\n");
    reachable = true;
  }
}

// Says when the identify leases cannot be taken (identifies then wait), at most every 10 s.
void report_lease(const stream::IdentifyLease& lease, std::uint64_t& reported,
                  std::chrono::steady_clock::time_point& last) {
  const auto st = lease.stats();
  const auto now = std::chrono::steady_clock::now();
  if (st.failures > reported && now - last >= std::chrono::seconds(10)) {
    std::fprintf(stderr, "gwtape record: --nats-identify: %s; identifies wait for it\n",
                 st.last_failure.c_str());
    reported = st.failures;
    last = now;
  }
}

}  // namespace

int RecordSession::run(std::atomic<int>& signals) {
  // Where to connect, and how many shards.
  std::string url = args_.gateway_url;
  int max_concurrency = 1;
  std::optional<gateway::IdentifyLimiter::SessionStartLimit> starts;
  gateway::ConnectOptions connect;
  connect.ca_file = args_.ca_file;
  connect.max_message_bytes = args_.max_message_bytes;
  if (url.empty()) {
    auto info = gateway::gateway_bot(token_, args_.api_base, connect);
    if (!info.ok()) {
      std::fprintf(stderr, "gwtape record: %s\n", info.error().message.c_str());
      return kFailure;
    }
    url = info->url;
    if (args_.shard_count == 0) args_.shard_count = std::max(1, info->shards);
    max_concurrency = std::max(1, info->session_start_limit.max_concurrency);
    const auto& limit = info->session_start_limit;
    starts = gateway::IdentifyLimiter::SessionStartLimit{
        std::max(limit.total, limit.remaining), limit.remaining,
        gateway::SystemClock().now_ns() + limit.reset_after_ms * 1'000'000};
  }
  if (args_.shard_count == 0) args_.shard_count = 1;
  store::WriterOptions writer_options;
  writer_options.durability = args_.durability;
  std::unique_ptr<store::LogWriter> writer;  // none without --out
  if (!args_.out.empty()) {
    auto opened = store::LogWriter::open(args_.out, writer_options);
    if (!opened.ok()) {
      std::fprintf(stderr, "gwtape record: %s\n", opened.error().message.c_str());
      return exit_code_for(opened.error());
    }
    writer = std::move(*opened);
  }
  // --nats: the publisher connects in the background; frames wait in its spool meanwhile.
  std::unique_ptr<stream::Publisher> publisher;
  if (!args_.nats_urls.empty()) {
    stream::PublisherOptions po;
    po.jetstream.urls = args_.nats_urls;
    po.jetstream.stream = args_.nats_stream;
    po.jetstream.replicas = args_.nats_replicas;
    po.spool_bytes = args_.nats_spool_bytes;
    auto started = stream::Publisher::start(po);
    if (!started.ok()) {
      std::fprintf(stderr, "gwtape record: --nats: %s\n", started.error().message.c_str());
      return kUsage;
    }
    publisher = std::move(*started);
  }
  const std::string bot = stream::bot_of_token(token_.view());
  std::string redactions;
  for (const auto& r : args_.rules) redactions += r.spec() + "\n";

  gateway::SystemClock clock;
  gateway::SplitMix64 random(static_cast<std::uint64_t>(wall_ns()) ^
                             static_cast<std::uint64_t>(::getpid()));
  auto limiter = std::make_shared<gateway::IdentifyLimiter>(max_concurrency, starts);
  // --nats-identify: the identify buckets are the fleet's, through leases in a KV bucket.
  std::shared_ptr<stream::IdentifyLease> lease;
  if (args_.nats_identify) {
    stream::IdentifyLeaseOptions lo;
    lo.urls = args_.nats_urls;
    lo.bucket = args_.nats_identify_bucket;
    lo.bot = bot;
    lo.replicas = args_.nats_replicas;
    lo.hold_ns = limiter->spacing_ns() + stream::IdentifyLeaseOptions::kHoldMarginNs;
    auto opened = stream::IdentifyLease::open(lo, clock);
    if (!opened.ok()) {
      std::fprintf(stderr, "gwtape record: --nats-identify: %s\n", opened.error().message.c_str());
      return kUsage;
    }
    lease = std::move(*opened);
    limiter->set_coordinator(lease);
  }
  std::vector<int> shard_ids;
  if (args_.shard_id) {
    for (int i = *args_.shard_id; i <= args_.shard_last; ++i) shard_ids.push_back(i);
  } else {
    for (int i = 0; i < args_.shard_count; ++i) shard_ids.push_back(i);
  }
  std::vector<std::unique_ptr<Shard>> shards;
  std::atomic<int> fatal_code{0};
  std::string fatal_message;
  std::mutex fatal_mu;
  for (int id : shard_ids) {
    auto shard = std::make_unique<Shard>();
    store::RecordingInfo info;
    info.started_at_ns = wall_ns();
    info.gateway_url = url;
    info.compress = std::string(gateway::compression_name(args_.compress));
    info.intents = static_cast<std::int64_t>(args_.intents);
    if (args_.shard_count > 1 || args_.shard_id) {
      info.shard_id = id;
      info.shard_count = args_.shard_count;
    }
    info.tool_version = GWTAPE_VERSION;
    info.redactions = redactions;
    // With --nats the recording's id is the stream's (random, fleet-wide unique), and the log
    // keeps the same id, so an import of the stream and the log name the recording alike.
    std::int64_t id_for_stream = publisher ? stream::new_recording_id() : 0;
    if (writer) {
      auto rec =
          publisher ? writer->begin_recording(id_for_stream, info) : writer->begin_recording(info);
      if (!rec.ok()) {
        std::fprintf(stderr, "gwtape record: %s\n", rec.error().message.c_str());
        return exit_code_for(rec.error());
      }
      shard->recording_id = *rec;
    } else {
      shard->recording_id = id_for_stream;
    }
    shard->recorder = std::make_unique<recorder::Recorder>(
        writer.get(), shard->recording_id, recorder::RecorderOptions{token_, args_.rules});
    if (publisher) {
      stream::RecordingKey key{args_.nats_stream, bot, std::to_string(id), shard->recording_id};
      if (auto st = publisher->append(stream::encode_begin(key, info)); !st.ok()) {
        std::fprintf(stderr, "gwtape record: NATS: %s\n", st.error().message.c_str());
        return kFailure;
      }
      // With --out the log is the spool's overflow (the writer outlives the publisher).
      shard->recorder->publish_to(*publisher, std::move(key), args_.out);
    }
    gateway::GatewayOptions o;
    o.url = url;
    o.compress = args_.compress;
    o.identify.token = token_;
    o.identify.intents = args_.intents;
    if (args_.shard_count > 1 || args_.shard_id) {
      o.identify.shard = std::array<std::int32_t, 2>{id, args_.shard_count};
    }
    o.connect = connect;
    shard->gateway = std::make_unique<gateway::Gateway>(o, gateway::make_curl_transport(clock),
                                                        clock, random, limiter);
    shard->recorder->attach(*shard->gateway);
    Shard* s = shard.get();
    s->gateway->on_event([s](const gateway::DeliverEvent& e) {
      ++s->dispatches;
      s->cache.apply(e.event);
    });
    s->gateway->on_error([id](const gateway::Error& e) {
      std::fprintf(stderr, "gwtape record: shard %d: %s\n", id, e.message.c_str());
    });
    s->gateway->on_fatal([&, id](const gateway::Error& e) {
      std::lock_guard lock(fatal_mu);
      fatal_message = "shard " + std::to_string(id) + ": " + e.message;
      fatal_code = e.code == gateway::Errc::kFatalClose ? kFatal : kFailure;
    });
    shards.push_back(std::move(shard));
  }
  // Identify pacing is the shared limiter's: the shards start at once and identify in bucket
  // order (0..max_concurrency-1 first), whichever thread reaches the limiter first.
  limiter->start_in_order(shard_ids, clock.now_ns());
  for (auto& s : shards) s->gateway->start();

  const bool tty = ::isatty(1) == 1 && writer;
  bool nats_reachable = true;  // said once per outage
  std::uint64_t lease_failures = 0;
  auto lease_said = std::chrono::steady_clock::now() - std::chrono::seconds(10);
  const auto started = std::chrono::steady_clock::now();
  auto last_status = started;
  std::uint64_t last_events = 0;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::uint64_t events = 0;
    bool all_ended = true;
    for (auto& s : shards) {
      events += s->dispatches.load();
      all_ended &= s->gateway->phase() == gateway::Phase::kFatallyClosed;
    }
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    // A log that stopped taking frames (disk full, I/O error, a frame refused) ends the
    // recording now: going on would only receive what is no longer written.
    bool writing = !writer || writer->status().ok();
    if (publisher) writing = writing && publisher->status().ok();
    for (auto& s : shards) writing = writing && s->recorder->status().ok();
    if (publisher) report_nats(*publisher, nats_reachable);
    if (lease) report_lease(*lease, lease_failures, lease_said);
    if (!writing || signals.load() > 0 || fatal_code.load() != 0 || all_ended ||
        (args_.max_events && events >= args_.max_events) ||
        (args_.duration_s > 0 && elapsed >= args_.duration_s)) {
      break;
    }
    if (tty && std::chrono::steady_clock::now() - last_status >= std::chrono::seconds(1)) {
      const double dt =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - last_status).count();
      const auto ws = writer->stats();
      std::printf("\r%-10s events %llu (%.0f/s)  frames %llu  raw %.1f MB  on disk %.1f MB   ",
                  std::string(gateway::phase_name(shards[0]->gateway->phase())).c_str(),
                  static_cast<unsigned long long>(events), (events - last_events) / dt,
                  static_cast<unsigned long long>(ws.frames_committed), ws.bytes_appended / 1e6,
                  file_bytes(args_.out) / 1e6);
      std::fflush(stdout);
      last_status = std::chrono::steady_clock::now();
      last_events = events;
    }
  }
  if (tty) std::printf("\n");
  // Stop: close 1000 on every shard, then flush and end the recordings.
  for (auto& s : shards) (void)s->gateway->close();
  // The first writer error, once: every later call returns the same one.
  std::optional<store::Error> write_error;
  std::string refused;  // a frame the writer refused while it went on (too large...)
  auto keep = [&](store::Status st) {
    if (!st.ok() && !write_error) write_error = std::move(st).error();
  };
  if (writer) keep(writer->status());
  std::uint64_t events = 0;
  for (auto& s : shards) {
    events += s->dispatches.load();
    if (auto st = s->recorder->status(); !st.ok() && refused.empty()) refused = st.error().message;
  }
  for (auto& s : shards) {
    if (write_error) break;  // the writer stopped: nothing more reaches the log
    // The digest is stored only after a clean stop: a fatal close or a failed writer leaves it
    // NULL (the state is then not a session's complete state).
    std::optional<std::string> digest;
    if (fatal_code.load() == 0 && refused.empty()) digest = s->cache.digest_hex();
    const std::int64_t ended = wall_ns();
    s->recorder->publish_end(ended, digest);
    if (writer) keep(writer->end_recording(s->recording_id, ended, digest));
  }
  if (writer) keep(writer->close());
  // What the log holds: frames of committed transactions, not frames received.
  const std::uint64_t frames = writer ? writer->stats().frames_committed : 0;
  // JetStream: what is still spooled is published now (an outage is waited out this long).
  std::string nats_error;
  std::uint64_t published = 0, spilled = 0;
  if (publisher) {
    if (auto st = publisher->close(std::chrono::seconds(30)); !st.ok()) {
      nats_error = st.error().message;
    }
    const auto stats = publisher->stats();
    published = stats.acknowledged;
    spilled = stats.spilled;
  }
  int code = fatal_code.load() != 0 ? fatal_code.load() : kOk;
  if (write_error) {
    std::fprintf(stderr, "gwtape record: %s\n", write_error->message.c_str());
    code = exit_code_for(*write_error);
  } else if (!refused.empty()) {
    std::fprintf(stderr, "gwtape record: %s\n", refused.c_str());
    code = kFailure;
  }
  if (!nats_error.empty()) {
    std::fprintf(stderr, "gwtape record: NATS: %s%s\n", nats_error.c_str(),
                 writer ? " (every frame is in the log given with --out)" : "");
    if (code == kOk) code = kFailure;
  }
  if (!fatal_message.empty()) std::fprintf(stderr, "gwtape record: %s\n", fatal_message.c_str());
  if (writer) {
    std::fprintf(stderr, "gwtape record: %llu frames (%llu dispatches received) written to %s\n",
                 static_cast<unsigned long long>(frames), static_cast<unsigned long long>(events),
                 args_.out.c_str());
  }
  if (publisher) {
    std::fprintf(stderr,
                 "gwtape record: %llu messages acknowledged by JetStream (stream %s, %llu "
                 "dispatches received)\n",
                 static_cast<unsigned long long>(published), args_.nats_stream.c_str(),
                 static_cast<unsigned long long>(events));
    if (spilled > 0) {
      std::fprintf(stderr,
                   "gwtape record: NATS: %llu of them read back from %s (the spool was full)\n",
                   static_cast<unsigned long long>(spilled), args_.out.c_str());
    }
  }
  return code;
}

}  // namespace gwtape::tools
