#include "gwtape/server/loopback_gateway.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <thread>

#include "gateway_core.h"

namespace gwtape::server {

namespace asio = boost::asio;

std::string_view errc_name(Errc code) {
  switch (code) {
    case Errc::kInvalidArgument:
      return "invalid argument";
    case Errc::kIo:
      return "i/o error";
    case Errc::kTls:
      return "TLS error";
    case Errc::kNotRunning:
      return "not running";
    case Errc::kNoConnection:
      return "no connection";
    case Errc::kNoSession:
      return "no session";
    case Errc::kAddressInUse:
      return "address in use";
  }
  return "unknown error";
}

struct LoopbackGateway::Impl {
  // Declaration order is destruction order in reverse: the core (timers, acceptor, links)
  // goes before the io_context it uses.
  asio::io_context ioc{1};
  std::optional<asio::ssl::context> tls;
  std::unique_ptr<detail::GatewayCore> core;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;
  std::mutex mutex;  // guards `stopped` against control calls posting behind the shutdown
  bool stopped = false;

  ~Impl() { stop(); }

  void stop() {
    {
      std::lock_guard lock(mutex);
      if (stopped) return;
      stopped = true;
      asio::post(ioc, [this] { core->shutdown(); });
    }
    work.reset();
    if (thread.joinable()) thread.join();
  }

  // Runs f() on the io thread and returns its result; kNotRunning after stop().
  template <class R, class F>
  R run(F&& f) {
    std::promise<R> promise;
    auto future = promise.get_future();
    {
      std::lock_guard lock(mutex);
      if (stopped) return make_error(Errc::kNotRunning, "loopback gateway: stopped");
      asio::post(ioc, [&] { promise.set_value(f()); });
    }
    return future.get();
  }
  void run_setting(std::function<void()> f) {
    (void)run<Status>([&]() -> Status {
      f();
      return {};
    });
  }
};

namespace {

Status load_tls(asio::ssl::context& ctx, const LoopbackOptions& o) {
  boost::system::error_code ec;
  if (ctx.use_certificate_chain_file(o.cert_file, ec); ec) {
    return make_error(Errc::kTls,
                      "loopback gateway: certificate " + o.cert_file + ": " + ec.message());
  }
  if (ctx.use_private_key_file(o.key_file, asio::ssl::context::pem, ec); ec) {
    return make_error(Errc::kTls, "loopback gateway: key " + o.key_file + ": " + ec.message());
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<LoopbackGateway>> LoopbackGateway::start(LoopbackOptions options) {
  if (options.cert_file.empty() != options.key_file.empty()) {
    return make_error(Errc::kInvalidArgument,
                      "loopback gateway: cert_file and key_file go together");
  }
  if (options.fragment_size > 0 && options.fragment_size < 8) {
    return make_error(Errc::kInvalidArgument, "loopback gateway: fragment_size must be 0 or >= 8");
  }
  if (options.heartbeat_interval.count() <= 0 || options.max_message_bytes == 0) {
    return make_error(Errc::kInvalidArgument,
                      "loopback gateway: heartbeat_interval and max_message_bytes must be > 0");
  }
  auto impl = std::make_unique<Impl>();
  impl->stopped = true;  // nothing to stop until the thread runs
  asio::ssl::context* tls = nullptr;
  if (!options.cert_file.empty()) {
    try {
      impl->tls.emplace(asio::ssl::context::tls_server);
    } catch (const std::exception& e) {
      return make_error(Errc::kTls, std::string("loopback gateway: TLS context: ") + e.what());
    }
    if (auto st = load_tls(*impl->tls, options); !st) return st.error();
    tls = &*impl->tls;
  }
  impl->core = std::make_unique<detail::GatewayCore>(impl->ioc, tls, std::move(options));
  if (auto st = impl->core->listen(); !st) return st.error();
  impl->work.emplace(impl->ioc.get_executor());
  try {
    impl->thread = std::thread([ioc = &impl->ioc] {
      boost::system::error_code ec;
      ioc->run(ec);
    });
  } catch (const std::system_error& e) {
    return make_error(Errc::kIo, std::string("loopback gateway: thread: ") + e.what());
  }
  impl->stopped = false;
  return std::unique_ptr<LoopbackGateway>(new LoopbackGateway(std::move(impl)));
}

LoopbackGateway::LoopbackGateway(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LoopbackGateway::~LoopbackGateway() = default;

void LoopbackGateway::stop() { impl_->stop(); }
const std::string& LoopbackGateway::url() const { return impl_->core->url(); }
std::uint16_t LoopbackGateway::port() const { return impl_->core->port(); }

Result<std::int64_t> LoopbackGateway::dispatch(std::string_view event_name,
                                               std::string_view d_json) {
  return impl_->run<Result<std::int64_t>>(
      [&] { return impl_->core->dispatch(event_name, d_json); });
}
Result<std::int64_t> LoopbackGateway::dispatch_batch(
    const std::vector<LoopbackDispatch>& dispatches) {
  return impl_->run<Result<std::int64_t>>([&] { return impl_->core->dispatch_batch(dispatches); });
}
Status LoopbackGateway::send_raw(std::string_view text) {
  return impl_->run<Status>([&] { return impl_->core->send_raw(text); });
}
Status LoopbackGateway::send_text_frame(std::string_view text) {
  return impl_->run<Status>([&] { return impl_->core->send_frame(false, text); });
}
Status LoopbackGateway::send_binary(std::string_view bytes) {
  return impl_->run<Status>([&] { return impl_->core->send_frame(true, bytes); });
}
Status LoopbackGateway::request_reconnect() {
  return impl_->run<Status>([&] { return impl_->core->request_reconnect(); });
}
Status LoopbackGateway::invalidate_session(bool resumable) {
  return impl_->run<Status>([&] { return impl_->core->invalidate_session(resumable); });
}
Status LoopbackGateway::request_heartbeat() {
  return impl_->run<Status>([&] { return impl_->core->request_heartbeat(); });
}
Status LoopbackGateway::close(std::uint16_t code, std::string_view reason) {
  return impl_->run<Status>([&] { return impl_->core->close(code, reason); });
}
Status LoopbackGateway::drop() {
  return impl_->run<Status>([&] { return impl_->core->drop(); });
}
Status LoopbackGateway::freeze() {
  return impl_->run<Status>([&] { return impl_->core->freeze(); });
}
Status LoopbackGateway::ping(std::string_view payload) {
  return impl_->run<Status>([&] { return impl_->core->ping(payload); });
}

Result<std::int64_t> LoopbackGateway::dispatch_to(std::string_view session_id,
                                                  std::string_view event_name,
                                                  std::string_view d_json) {
  return impl_->run<Result<std::int64_t>>(
      [&] { return impl_->core->dispatch_to(session_id, event_name, d_json); });
}
Result<std::int64_t> LoopbackGateway::dispatch_batch_to(
    std::string_view session_id, const std::vector<LoopbackDispatch>& dispatches) {
  return impl_->run<Result<std::int64_t>>(
      [&] { return impl_->core->dispatch_batch_to(session_id, dispatches); });
}
Result<SessionState> LoopbackGateway::session_state(std::string_view session_id) {
  return impl_->run<Result<SessionState>>([&] { return impl_->core->session_state(session_id); });
}
Status LoopbackGateway::fault(std::string_view session_id, SessionFault kind, std::uint16_t code) {
  return impl_->run<Status>([&] { return impl_->core->fault(session_id, kind, code); });
}

void LoopbackGateway::withhold_acks(bool withhold) {
  impl_->run_setting([&] { impl_->core->withhold_acks(withhold); });
}
void LoopbackGateway::set_hello_interval(std::optional<std::chrono::milliseconds> interval) {
  impl_->run_setting([&] { impl_->core->set_hello_interval(interval); });
}
void LoopbackGateway::silent(bool on) {
  impl_->run_setting([&] { impl_->core->silent(on); });
}

Observations LoopbackGateway::observations() const { return impl_->core->observe(); }
std::vector<ReceivedFrame> LoopbackGateway::received() const { return observations().frames; }
std::size_t LoopbackGateway::connections() const { return observations().connections.size(); }
std::size_t LoopbackGateway::identifies() const { return observations().identifies; }
std::size_t LoopbackGateway::resumes() const { return observations().resumes; }
std::vector<std::string> LoopbackGateway::pongs() const { return observations().pongs; }
std::string LoopbackGateway::session_id() const { return observations().session_id; }

bool LoopbackGateway::wait_for(const std::function<bool(const Observations&)>& pred,
                               std::chrono::milliseconds timeout) const {
  return impl_->core->wait(pred, timeout);
}
bool LoopbackGateway::wait_for_connections(std::size_t n, std::chrono::milliseconds t) const {
  return wait_for([n](const Observations& o) { return o.connections.size() >= n; }, t);
}
bool LoopbackGateway::wait_for_closed(std::size_t n, std::chrono::milliseconds t) const {
  return wait_for([n](const Observations& o) { return o.closed_connections() >= n; }, t);
}
bool LoopbackGateway::wait_for_identifies(std::size_t n, std::chrono::milliseconds t) const {
  return wait_for([n](const Observations& o) { return o.identifies >= n; }, t);
}
bool LoopbackGateway::wait_until_identified(std::chrono::milliseconds t) const {
  return wait_for_identifies(1, t);
}
bool LoopbackGateway::wait_for_resumes(std::size_t n, std::chrono::milliseconds t) const {
  return wait_for([n](const Observations& o) { return o.resumes >= n; }, t);
}
bool LoopbackGateway::wait_for_frames(int op, std::size_t n, std::chrono::milliseconds t) const {
  return wait_for([op, n](const Observations& o) { return o.frames_with_op(op) >= n; }, t);
}
bool LoopbackGateway::wait_for_pongs(std::size_t n, std::chrono::milliseconds t) const {
  return wait_for([n](const Observations& o) { return o.pongs.size() >= n; }, t);
}

}  // namespace gwtape::server
