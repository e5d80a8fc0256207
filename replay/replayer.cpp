#include "gwtape/replay/replayer.h"

#include <thread>

#include "gwtape/store/log_reader.h"
#include "log_transport.h"

namespace gwtape::replay {
namespace {

// The decode errors a protocol reports for a frame (as live); the others are the transport's.
bool is_protocol_error(gateway::Errc code) {
  switch (code) {
    case gateway::Errc::kParse:
    case gateway::Errc::kType:
    case gateway::Errc::kMissingField:
    case gateway::Errc::kOutOfRange:
    case gateway::Errc::kTooLarge:
      return true;
    default:
      return false;
  }
}

}  // namespace

struct Replayer::Impl {
  std::unique_ptr<store::LogReader> reader;
  store::Recording recording;
  RecordedClock clock;
  LatestRandom random;
  LogTransport* transport = nullptr;  // owned by the gateway
  std::unique_ptr<gateway::Gateway> gateway;
};

Replayer::Replayer(std::unique_ptr<Impl> impl, ReplayOptions options)
    : impl_(std::move(impl)), options_(std::move(options)), cache_(options_.cache) {}

Replayer::~Replayer() = default;

const store::Recording& Replayer::recording() const { return impl_->recording; }
const gateway::Protocol& Replayer::protocol() const { return impl_->gateway->protocol(); }
const std::vector<Divergence>& Replayer::divergences() const {
  return impl_->transport->divergences();
}
const ReplayStats& Replayer::stats() const { return impl_->transport->replay_stats(); }

Result<std::uint64_t> Replayer::frame_count() {
  store::FrameQuery query;
  query.recording_id = impl_->recording.id;
  auto n = impl_->reader->count(query);
  if (!n.ok()) return from_store(n.error());
  return static_cast<std::uint64_t>(*n);
}

Result<std::unique_ptr<Replayer>> Replayer::open(const std::string& path, ReplayOptions options) {
  auto reader = store::LogReader::open(path);
  if (!reader.ok()) {
    return from_store(reader.error());
  }
  auto recordings = (*reader)->recordings();
  if (!recordings.ok()) return from_store(recordings.error());
  auto impl = std::make_unique<Impl>();
  bool found = false;
  for (auto& r : *recordings) {
    if (!options.recording_id || r.id == *options.recording_id) {
      impl->recording = r;
      found = true;
      break;
    }
  }
  if (!found) {
    return make_error(
        Errc::kNotFound,
        path + ": " +
            (options.recording_id ? "no recording " + std::to_string(*options.recording_id)
                                  : std::string("no recording in the log")));
  }
  auto ends = (*reader)->connection_ends(impl->recording.id);
  if (!ends.ok()) return from_store(ends.error());
  impl->reader = std::move(*reader);
  auto replayer = std::unique_ptr<Replayer>(new Replayer(std::move(impl), options));
  Impl& im = *replayer->impl_;
  Replayer* self = replayer.get();

  // The gateway the live recorder ran, rebuilt from the recording row and the defaults: the
  // identify it sends is the one live sent (with the token marker the log holds).
  const store::RecordingInfo& info = im.recording.info;
  gateway::GatewayOptions o;
  o.url = info.gateway_url.empty() ? "ws://replay.invalid" : info.gateway_url;
  o.compress = gateway::Compression::kNone;  // the log holds the frames as they were inflated
  o.identify.token = store::kTokenMarker;
  o.identify.intents = static_cast<std::uint64_t>(info.intents);
  if (info.shard_id && info.shard_count) {
    o.identify.shard = std::array<std::int32_t, 2>{*info.shard_id, *info.shard_count};
  }
  if (o.identify.intents == 0) o.identify.intents = 1;  // a log of a tool that sent none
  // In virtual time a handler takes no time: nothing to read ahead of, and until_seq stops
  // at the frame it names.
  o.max_pending_events = 0;

  LogTransportHooks hooks;
  hooks.on_client_close = [self](const store::ConnectionEnd& end, bool last) {
    gateway::Gateway& g = *self->impl_->gateway;
    if (last) {
      (void)g.close();  // the recorder's stop
    } else if (end.code == 1000 || end.code == 1001) {
      g.identify();
    } else {
      g.reconnect();
    }
  };
  hooks.on_end = [self] { (void)self->impl_->gateway->close(); };
  hooks.before_frame = [self](std::int64_t ts, const ReplayStats& so_far) {
    if (self->options_.before_frame) self->options_.before_frame(ts, so_far);
  };
  hooks.on_skipped = [self](const std::string& what) {
    if (self->on_problem_) self->on_problem_(0, what);
  };
  auto transport = std::make_unique<LogTransport>(std::move(*ends), im.clock, std::move(hooks),
                                                  options.skip_bad, options.until_ts_ns);
  im.transport = transport.get();
  im.clock.set_horizon([t = im.transport] { return t->next_frame_ns(); });
  im.gateway =
      std::make_unique<gateway::Gateway>(std::move(o), std::move(transport), im.clock, im.random);
  im.gateway->on_event([self](gateway::DeliverEvent& deliver) {
    Impl& i = *self->impl_;
    ++i.transport->replay_stats().dispatches;
    if (self->on_event_) self->on_event_(deliver);
    const std::int64_t seq = deliver.seq;
    self->cache_.apply(std::move(deliver.event));
    if (self->options_.until_seq && seq >= *self->options_.until_seq) {
      i.transport->finish();
      (void)i.gateway->close();
    }
  });
  im.gateway->on_error([self](const gateway::Error& error) {
    if (!is_protocol_error(error.code)) return;
    ++self->impl_->transport->replay_stats().protocol_errors;
    if (self->on_problem_)
      self->on_problem_(self->impl_->transport->current_frame_id(), error.message);
  });
  return replayer;
}

Status Replayer::run() {
  store::FrameQuery query;
  query.recording_id = impl_->recording.id;
  query.names = false;  // op and s are all the replay reads of a row
  query.read_ahead = options_.read_ahead && std::thread::hardware_concurrency() > 1;
  auto cursor = impl_->reader->frames(query);
  if (!cursor.ok()) return from_store(cursor.error());
  impl_->transport->set_cursor(std::move(*cursor), impl_->reader->path());
  gateway::Status ran = impl_->gateway->run();
  if (const auto& bad = impl_->transport->log_error()) return from_store(*bad);
  // A session that ended for good ended the recording too: the replay has reached its end.
  if (!ran.ok() && ran.error().code != gateway::Errc::kFatalClose &&
      ran.error().code != gateway::Errc::kTooLarge) {
    return make_error(Errc::kLog, "replay: " + ran.error().message);
  }
  return {};
}

}  // namespace gwtape::replay
