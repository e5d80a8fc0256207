#include "gwtape/cassette/cassette.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "gwtape/gateway/clock.h"
#include "gwtape/gateway/gateway.h"
#include "gwtape/gateway/http.h"
#include "gwtape/gateway/state/cache.h"
#include "gwtape/recorder/recorder.h"
#include "gwtape/store/log_writer.h"

namespace gwtape::cassette {

using replay::Errc;
using replay::Status;

namespace {

// The wall clock the live gateway uses for frame times.
std::int64_t wall_ns() { return gateway::SystemClock().wall_ns(); }

// Records a bounded live session into options.path (written to a temporary name first, so a
// failed recording never leaves a half cassette behind).
Status record(const CassetteOptions& options, const std::string& token) {
  gateway::ConnectOptions connect;
  connect.ca_file = options.ca_file;
  std::string url = options.gateway_url;
  if (url.empty()) {
    auto info = gateway::gateway_bot(
        token, options.api_base.empty() ? gateway::kDefaultApiBase : options.api_base, connect);
    if (!info.ok()) return make_error(Errc::kIo, "cassette: " + info.error().message);
    url = info->url;
  }
  const std::string partial = options.path + ".recording";
  std::filesystem::remove(partial);
  auto writer = store::LogWriter::open(partial);
  if (!writer.ok()) return make_error(Errc::kIo, "cassette: " + writer.error().message);
  store::RecordingInfo info;
  info.started_at_ns = wall_ns();
  info.gateway_url = url;
  info.compress = std::string(gateway::compression_name(options.compress));
  info.intents = static_cast<std::int64_t>(options.intents);
  info.tool_version = "cassette";
  auto id = (*writer)->begin_recording(info);
  if (!id.ok()) return make_error(Errc::kIo, "cassette: " + id.error().message);
  recorder::Recorder rec(**writer, *id, {token, {}});
  gateway::state::Cache cache;
  gateway::SystemClock clock;
  gateway::SplitMix64 random(static_cast<std::uint64_t>(wall_ns()));
  gateway::GatewayOptions o;
  o.url = url;
  o.compress = options.compress;
  o.identify.token = token;
  o.identify.intents = options.intents;
  o.connect = connect;
  o.max_retries = 2;
  gateway::Gateway live(o, gateway::make_curl_transport(clock), clock, random);
  rec.attach(live);
  std::atomic<std::uint64_t> events{0};
  live.on_event([&](const gateway::DeliverEvent& e) {
    cache.apply(e.event);
    ++events;
  });
  live.start();
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<long>(options.max_seconds * 1000));
  while (events.load() < options.max_events && std::chrono::steady_clock::now() < deadline &&
         live.phase() != gateway::Phase::kFatallyClosed) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  gateway::Status ended = live.close();
  if (!ended.ok()) {
    (void)(*writer)->close();
    std::filesystem::remove(partial);
    return make_error(Errc::kIo, "cassette: recording failed: " + ended.error().message);
  }
  if (auto st = (*writer)->end_recording(*id, wall_ns(), cache.digest_hex()); !st.ok()) {
    return make_error(Errc::kIo, "cassette: " + st.error().message);
  }
  if (auto st = (*writer)->close(); !st.ok()) {
    return make_error(Errc::kIo, "cassette: " + st.error().message);
  }
  std::error_code ec;
  std::filesystem::rename(partial, options.path, ec);
  if (ec) return make_error(Errc::kIo, "cassette: " + options.path + ": " + ec.message());
  return {};
}

}  // namespace

replay::Result<std::unique_ptr<replay::Replayer>> Cassette::open(const CassetteOptions& options) {
  if (!std::filesystem::exists(options.path)) {
    const char* token = std::getenv(options.token_variable.c_str());
    if (token == nullptr || *token == '\0') {
      return make_error(Errc::kNotFound, "cassette " + options.path +
                                             " does not exist. Record it once with a "
                                             "bot token: " +
                                             options.token_variable +
                                             "=... and run this test again "
                                             "(or: gwtape record --out " +
                                             options.path + " --max-events " +
                                             std::to_string(options.max_events) +
                                             "), then commit the file.");
    }
    if (Status st = record(options, token); !st.ok()) return st.error();
  }
  return replay::Replayer::open(options.path, options.replay);
}

}  // namespace gwtape::cassette
