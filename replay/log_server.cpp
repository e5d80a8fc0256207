// The log -> server adapter of `gwtape serve`: one stream (a thread with its own log cursor)
// per client, feeding the loopback gateway's per-session hooks.
#include "gwtape/replay/log_server.h"

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "gwtape/server/loopback_gateway.h"
#include "gwtape/store/log_reader.h"
#include "serve_json.h"

namespace gwtape::replay {

namespace {

struct FaultName {
  std::string_view name;
  ServeFaultKind kind;
};
constexpr FaultName kFaultNames[] = {
    {"reconnect", ServeFaultKind::kReconnect},
    {"invalid", ServeFaultKind::kInvalid},
    {"invalid-resumable", ServeFaultKind::kInvalidResumable},
    {"drop", ServeFaultKind::kDrop},
    {"zombie", ServeFaultKind::kZombie},
    {"heartbeat", ServeFaultKind::kHeartbeat},
};

server::SessionFault to_server(ServeFaultKind k) {
  switch (k) {
    case ServeFaultKind::kReconnect:
      return server::SessionFault::kReconnect;
    case ServeFaultKind::kInvalid:
      return server::SessionFault::kInvalid;
    case ServeFaultKind::kInvalidResumable:
      return server::SessionFault::kInvalidResumable;
    case ServeFaultKind::kClose:
      return server::SessionFault::kClose;
    case ServeFaultKind::kDrop:
      return server::SessionFault::kDrop;
    case ServeFaultKind::kZombie:
      return server::SessionFault::kZombie;
    case ServeFaultKind::kHeartbeat:
      return server::SessionFault::kHeartbeatRequest;
  }
  return server::SessionFault::kReconnect;
}

template <class T>
bool parse_whole(std::string_view s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

}  // namespace

Result<ServeFault> parse_serve_fault(std::string_view spec) {
  auto bad = [&](std::string_view why) {
    return make_error(Errc::kInvalidArgument,
                      "--fault \"" + std::string(spec) + "\": " + std::string(why));
  };
  const auto at = spec.rfind('@');
  if (at == std::string_view::npos) return bad("expected KIND@SEQ");
  std::string_view kind = spec.substr(0, at);
  ServeFault f;
  if (!parse_whole(spec.substr(at + 1), f.seq) || f.seq < 2) {
    return bad("SEQ must be a whole number >= 2 (READY is 1)");
  }
  if (kind.starts_with("close:")) {
    int code = 0;
    if (!parse_whole(kind.substr(6), code) || code < 1000 || code > 4999) {
      return bad("close takes a code from 1000 to 4999");
    }
    f.kind = ServeFaultKind::kClose;
    f.code = static_cast<std::uint16_t>(code);
    return f;
  }
  for (const auto& n : kFaultNames) {
    if (n.name == kind) {
      f.kind = n.kind;
      return f;
    }
  }
  return bad(
      "KIND is reconnect, invalid, invalid-resumable, close:CODE, drop, zombie or heartbeat");
}

namespace {

struct Stream {
  std::string session;  // guarded by Impl::mu
  bool orphaned = false;
  std::int64_t position = 1;  // READY
  std::vector<bool> fired;
};

}  // namespace

struct LogServer::Impl {
  static constexpr std::size_t kBatch = 64;  // dispatches per round trip to the io thread
  ServeOptions opt;
  std::int64_t recording = 0;
  std::int64_t ready_id = 0;
  std::string ready_d;
  gateway::SystemClock system_clock;
  gateway::Clock* clock = nullptr;
  std::unique_ptr<server::LoopbackGateway> server;

  mutable std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  bool serving = false;  // `server` is set: streams may use it
  std::deque<std::shared_ptr<Stream>> orphans;
  std::vector<std::thread> threads;
  std::size_t stream_count = 0;

  ~Impl() { stop(); }

  void stop() {
    {
      std::lock_guard lock(mu);
      if (stopping && threads.empty()) return;
      stopping = true;
    }
    cv.notify_all();
    if (server) server->stop();
    std::vector<std::thread> joined;
    {
      std::lock_guard lock(mu);
      joined.swap(threads);
    }
    for (auto& t : joined) t.join();
  }

  // io thread: a new session either adopts a stream left by a fault, or starts its own.
  void on_identified(const std::string& sid) {
    std::lock_guard lock(mu);
    if (stopping) return;
    if (!orphans.empty()) {
      auto st = orphans.front();
      orphans.pop_front();
      st->session = sid;
      st->orphaned = false;
      cv.notify_all();
      return;
    }
    auto st = std::make_shared<Stream>();
    st->session = sid;
    st->fired.assign(opt.faults.size(), false);
    ++stream_count;
    threads.emplace_back([this, st] { run(st); });
  }

  bool pause_until(std::int64_t deadline) {
    for (;;) {
      const auto now = clock->now_ns();
      if (now >= deadline) return true;
      {
        std::lock_guard lock(mu);
        if (stopping) return false;
      }
      clock->sleep_until(std::min(deadline, now + 50'000'000));
    }
  }

  // Until the stream's session is live (with room on its connection when `room`); false when
  // the stream is over: stopping, the client gone for good, or away past adopt_timeout.
  bool wait_live(Stream& st, bool room) {
    auto since = std::chrono::steady_clock::now();
    for (;;) {
      std::string sid;
      bool orphaned = false;
      {
        std::lock_guard lock(mu);
        if (stopping) return false;
        sid = st.session;
        orphaned = st.orphaned;
      }
      auto state = server->session_state(sid);
      if (!state.ok()) return false;
      if (state->live && (!room || state->backlog < opt.max_backlog)) {
        std::lock_guard lock(mu);
        if (st.session == sid && st.orphaned) {
          st.orphaned = false;  // resumed: nobody adopts it any more
          std::erase_if(orphans, [&](const auto& o) { return o.get() == &st; });
        }
        if (st.session == sid) return true;
        continue;  // adopted meanwhile: look at the new session
      }
      if (state->live) {
        since = std::chrono::steady_clock::now();  // only slow: keep waiting
      } else if ((state->ended && !orphaned) ||
                 std::chrono::steady_clock::now() - since > opt.adopt_timeout) {
        std::lock_guard lock(mu);
        std::erase_if(orphans, [&](const auto& o) { return o.get() == &st; });
        return false;
      }
      std::unique_lock lock(mu);
      cv.wait_for(lock, std::chrono::milliseconds(state->live ? 1 : 5));
    }
  }

  void do_fault(const std::shared_ptr<Stream>& st, const ServeFault& f) {
    std::string sid;
    if (f.kind == ServeFaultKind::kHeartbeat) {
      {
        std::lock_guard lock(mu);
        sid = st->session;
      }
      (void)server->fault(sid, server::SessionFault::kHeartbeatRequest);
      return;
    }
    {
      // Adoptable before the client can react, so that its re-identify cannot be missed.
      std::lock_guard lock(mu);
      st->orphaned = true;
      orphans.push_back(st);
      sid = st->session;
    }
    (void)server->fault(sid, to_server(f.kind), f.code);
  }

  void run(std::shared_ptr<Stream> st) {
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return serving || stopping; });
      if (stopping) return;
    }
    auto reader = store::LogReader::open(opt.log_path);
    if (!reader.ok()) return;
    // Dispatches go to the io thread in batches: one round trip (and one look at the client's
    // backlog) per batch, not per dispatch. A batch is sent before a pause, before a fault,
    // when full, and at the end of the recording.
    std::vector<server::LoopbackDispatch> batch;
    std::int64_t last_sent = clock->now_ns();
    auto flush = [&] {
      if (batch.empty()) return true;
      if (!wait_live(*st, true)) return false;
      std::string sid;
      {
        std::lock_guard lock(mu);
        sid = st->session;
      }
      if (!server->dispatch_batch_to(sid, batch).ok()) return false;
      st->position += static_cast<std::int64_t>(batch.size());
      batch.clear();
      last_sent = clock->now_ns();
      return true;
    };
    do {
      store::FrameQuery q;
      q.recording_id = recording;
      q.from_id = ready_id + 1;
      auto cursor = (*reader)->frames(q);
      if (!cursor.ok()) return;
      std::optional<std::int64_t> prev_ts;
      // The recorded session's last s: a dispatch at or below it is a resume's replay of one
      // the live client already had (recorded twice, delivered once); a READY starts anew.
      bool any_s = false;
      std::int64_t last_s = 0;
      for (;;) {
        auto more = (*cursor)->next();
        if (!more.ok()) {
          if (more.error().code == store::Errc::kCorrupt) continue;  // skip the bad frame
          return;
        }
        if (!*more) break;
        const store::StoredFrame& f = (*cursor)->frame();
        if (f.direction != store::Direction::kRecv || f.op != 0 || !f.t) continue;
        if (*f.t == "READY") any_s = false;
        if (*f.t == "READY" || *f.t == "RESUMED") continue;
        if (f.s) {
          if (any_s && *f.s <= last_s) continue;
          any_s = true;
          last_s = *f.s;
        }
        auto d = detail::raw_field(f.text, "d");
        if (!d) continue;
        if (opt.speed > 0 && prev_ts) {
          // Clamped: a tiny --speed must not overflow the cast (a year is long enough).
          const auto gap = std::min(static_cast<double>(f.ts_ns - *prev_ts) / opt.speed, 3.2e16);
          if (gap > 0 && (!flush() || !pause_until(last_sent + static_cast<std::int64_t>(gap)))) {
            return;
          }
        }
        prev_ts = f.ts_ns;
        const std::int64_t pos = st->position + static_cast<std::int64_t>(batch.size()) + 1;
        for (std::size_t i = 0; i < opt.faults.size(); ++i) {
          if (opt.faults[i].seq != pos || st->fired[i]) continue;
          if (!flush() || !wait_live(*st, false)) return;
          st->fired[i] = true;
          do_fault(st, opt.faults[i]);
        }
        batch.push_back({std::string(*f.t), std::move(*d)});
        if (batch.size() >= kBatch && !flush()) return;
      }
      if (!flush()) return;
    } while (opt.loop);
  }
};

Result<std::unique_ptr<LogServer>> LogServer::start(ServeOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->opt = std::move(options);
  impl->clock = impl->opt.clock != nullptr ? impl->opt.clock : &impl->system_clock;
  auto reader = store::LogReader::open(impl->opt.log_path);
  if (!reader.ok()) return from_store(reader.error());
  auto recordings = (*reader)->recordings();
  if (!recordings.ok()) return from_store(recordings.error());
  if (recordings->empty()) {
    return make_error(Errc::kLog, impl->opt.log_path + ": the log holds no recording");
  }
  impl->recording = impl->opt.recording_id.value_or(recordings->front().id);
  bool known = false;
  for (const auto& r : *recordings) known = known || r.id == impl->recording;
  if (!known) {
    return make_error(Errc::kNotFound,
                      impl->opt.log_path + ": no recording " + std::to_string(impl->recording));
  }
  {
    store::FrameQuery q;
    q.recording_id = impl->recording;
    auto cursor = (*reader)->frames(q);
    if (!cursor.ok()) return from_store(cursor.error());
    for (;;) {
      auto more = (*cursor)->next();
      if (!more.ok()) return from_store(more.error());
      if (!*more) break;
      const auto& f = (*cursor)->frame();
      if (f.direction == store::Direction::kRecv && f.op == 0 && f.t == "READY") {
        auto d = detail::raw_field(f.text, "d");
        if (!d) break;
        impl->ready_id = f.id;
        impl->ready_d = std::move(*d);
        break;
      }
    }
  }
  if (impl->ready_id == 0) {
    return make_error(Errc::kLog, impl->opt.log_path + ": recording " +
                                      std::to_string(impl->recording) + " has no READY to serve");
  }

  server::LoopbackOptions so;
  so.host = impl->opt.host;
  so.port = impl->opt.port;
  so.cert_file = impl->opt.cert_file;
  so.key_file = impl->opt.key_file;
  so.token = impl->opt.token;
  so.any_token = impl->opt.token.empty();
  so.allow_privileged = true;
  so.heartbeat_interval = impl->opt.heartbeat_interval;
  so.max_kept_dispatches = impl->opt.max_kept_dispatches;
  so.bad_seq_invalid_session = true;
  so.rest_user_json = detail::raw_field(impl->ready_d, "user").value_or("");
  so.rest_application_json = detail::application_json(impl->ready_d).value_or("");
  Impl* self = impl.get();
  so.ready_d = [self](const server::ReadyRequest& r) {
    return detail::rewrite_ready(self->ready_d, r.session_id, r.resume_gateway_url)
        .value_or(self->ready_d);
  };
  so.on_identified = [self](const std::string& sid) { self->on_identified(sid); };
  auto started = server::LoopbackGateway::start(std::move(so));
  if (!started.ok()) {
    const auto code = started.error().code;
    return make_error(code == server::Errc::kAddressInUse ? Errc::kAddressInUse
                      : code == server::Errc::kIo         ? Errc::kIo
                                                          : Errc::kInvalidArgument,
                      started.error().message);
  }
  {
    std::lock_guard lock(impl->mu);
    impl->server = std::move(*started);
    impl->serving = true;
  }
  impl->cv.notify_all();
  return std::unique_ptr<LogServer>(new LogServer(std::move(impl)));
}

LogServer::LogServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LogServer::~LogServer() = default;
void LogServer::stop() { impl_->stop(); }
const std::string& LogServer::url() const { return impl_->server->url(); }
std::uint16_t LogServer::port() const { return impl_->server->port(); }
std::int64_t LogServer::recording_id() const { return impl_->recording; }
std::size_t LogServer::streams() const {
  std::lock_guard lock(impl_->mu);
  return impl_->stream_count;
}

}  // namespace gwtape::replay
