#include "gwtape/gateway/gateway.h"

#include "gateway_loop.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace gwtape::gateway {
namespace {

constexpr std::int64_t kMsToNs = 1'000'000;
// The longest the loop blocks in one read when no timer is due (close() interrupts it anyway).
constexpr std::int64_t kIdleWaitNs = 60'000 * kMsToNs;
// Read-ahead (GatewayOptions::max_pending_events): once what has arrived is read (or the
// queue is full), the handler gets a slice of at most this long, ended early by a timer.
constexpr std::int64_t kDeliverSliceNs = 5 * kMsToNs;
constexpr std::int64_t kForever = INT64_MAX;

}  // namespace

Gateway::Loop::Loop(GatewayOptions options, std::unique_ptr<Transport> transport, Clock& clock,
                    Random& random, std::shared_ptr<IdentifyLimiter> limiter)
    : options_(std::move(options)),
      transport_(std::move(transport)),
      clock_(clock),
      random_(random),
      protocol_(
          [this] {
            // The seed's WSTimeout bounds the wait for HELLO as it bounds the connect.
            ProtocolOptions p = options_.protocol;
            p.hello_timeout_ns = std::min(p.hello_timeout_ns, options_.connect.connect_timeout_ns);
            return p;
          }(),
          options_.identify, std::move(limiter)) {}

Gateway::Loop::~Loop() {
  if (thread_.joinable()) (void)close();
}

std::string Gateway::Loop::connect_url(std::string_view base, Compression compress) {
  std::string url(base);
  // Drop a trailing slash or an old query: the parameters are ours.
  if (auto q = url.find('?'); q != std::string::npos) url.resize(q);
  if (url.empty() || url.back() != '/') url += '/';
  url += "?v=" + std::to_string(kApiVersion) + "&encoding=json";
  if (compress != Compression::kNone) url += "&compress=" + std::string(compression_name(compress));
  return url;
}

void Gateway::Loop::report(const Error& error) {
  if (on_error_) on_error_(error);
}

void Gateway::Loop::set_phase(Phase p) {
  if (phase_.exchange(p) == p) return;
  std::lock_guard lock(mu_);
  cv_.notify_all();
}

std::int64_t Gateway::Loop::backoff_ns(unsigned attempt) {
  // Exponential, capped, with jitter in [0.5, 1) of the step: clients that lost the same
  // gateway do not all come back at once.
  const double step =
      static_cast<double>(options_.backoff_initial_ns) * std::pow(2.0, std::min(attempt, 30u));
  return static_cast<std::int64_t>(std::min(step, static_cast<double>(options_.backoff_max_ns)) *
                                   (0.5 + 0.5 * random_.uniform01()));
}

void Gateway::Loop::pause(std::int64_t delay_ns) {
  const std::int64_t deadline = clock_.now_ns() + delay_ns;
  while (!stop_.load() && clock_.now_ns() < deadline) {
    const std::int64_t before = clock_.now_ns();
    clock_.sleep_until(std::min(deadline, before + 100 * kMsToNs));
    // A clock that went no further (a replay's, at the next recorded frame) ends the wait.
    if (clock_.now_ns() <= before) return;
  }
}

Status Gateway::Loop::run() {
  if (options_.identify.token.empty()) {
    return make_error(Errc::kInvalidArgument, "gateway: no token (set DISCORD_TOKEN)");
  }
  if (options_.identify.intents == 0) {
    return make_error(Errc::kInvalidArgument, "gateway: intents are required since API v8");
  }
  if (options_.url.empty()) return make_error(Errc::kInvalidArgument, "gateway: no URL");
  wall_offset_ns_ = clock_.wall_ns() - clock_.now_ns();
  // Connections in a row that failed or never reached READY / RESUMED.
  unsigned failures = 0;
  // The last connect to resume_gateway_url failed: Discord says to go back to the original URL.
  bool resume_host_failed = false;
  Status result;
  auto give_up = [&](const std::string& why) {
    result = make_error(Errc::kMaxTries, "gateway: max tries reached (" +
                                             std::to_string(*options_.max_retries) +
                                             " retries): " + why);
    if (on_fatal_) on_fatal_(result.error());
  };
  auto too_many = [&] { return options_.max_retries && failures > *options_.max_retries; };
  while (!stop_.load()) {
    // A resume goes to resume_gateway_url (unless it just failed); an identify to the original.
    const bool to_resume_host = protocol_.can_resume(clock_.now_ns()) &&
                                !protocol_.resume_gateway_url().empty() && !resume_host_failed;
    const std::string url = connect_url(
        to_resume_host ? protocol_.resume_gateway_url() : options_.url, options_.compress);
    Status connected = transport_->connect(url, options_.connect);
    if (!connected.ok()) {
      report(connected.error());
      resume_host_failed = to_resume_host;
      ++failures;
      if (too_many()) {
        give_up(connected.error().message);
        break;
      }
      // Straight to the original URL after a dead resume host; backoff otherwise.
      if (!to_resume_host) pause(backoff_ns(failures - 1));
      continue;
    }
    conn_.fetch_add(1);
    end_reported_ = false;
    decompressor_ = make_decompressor(options_.compress, options_.connect.max_message_bytes);
    inflated_.clear();
    reached_active_ = false;
    protocol_.on_connected(clock_.now_ns());
    set_phase(protocol_.phase());
    const Outcome outcome = run_connection(result);
    // What the connection received is delivered before the next one (or the end of run()).
    deliver_pending(kForever);
    if (outcome == Outcome::kStop || outcome == Outcome::kFatal) break;
    if (reached_active_) {
      failures = 0;
      resume_host_failed = false;
    } else {
      ++failures;
    }
    if (too_many()) {
      give_up("no session after " + std::to_string(failures) + " connections");
      break;
    }
    const std::int64_t delay = pending_delay_ns_;
    pending_delay_ns_ = 0;
    if (delay > 0) {
      pause(delay);
    } else if (failures > 0) {
      pause(backoff_ns(failures - 1));
    }
  }
  set_phase(protocol_.phase() == Phase::kFatallyClosed ? Phase::kFatallyClosed
                                                       : Phase::kDisconnected);
  std::lock_guard lock(mu_);
  result_ = result;
  ended_ = true;
  cv_.notify_all();
  return result;
}

Gateway::Loop::Outcome Gateway::Loop::run_connection(Status& result) {
  for (;;) {
    if (stop_.load()) {
      close_connection(1000, "closing");
      return Outcome::kStop;
    }
    if (identify_requested_.exchange(false)) {
      protocol_.give_up_session();
      close_connection(1000, "identifying anew");  // 1000: the session ends
      return Outcome::kNextConnection;
    }
    if (reconnect_requested_.exchange(false)) {
      close_connection(options_.protocol.resumable_close_code, "reconnecting");
      return Outcome::kNextConnection;
    }
    if (outbox_waiting_.exchange(false)) {
      std::lock_guard lock(mu_);
      for (auto& frame : outbox_) protocol_.queue(std::move(frame));
      outbox_.clear();
    }
    actions_.clear();
    if (heartbeat_requested_.exchange(false)) actions_ = protocol_.heartbeat_now(clock_.now_ns());
    // Every timer, before every read: buffered frames never hold a heartbeat back.
    std::int64_t now = clock_.now_ns();
    protocol_.on_timer(now, actions_);
    if (!actions_.empty()) {
      if (Outcome o = execute(actions_, result); o != Outcome::kContinue) return o;
      now = clock_.now_ns();
    }
    const std::int64_t deadline = protocol_.next_deadline_ns().value_or(now + kIdleWaitNs);
    // Read-ahead: everything that has arrived is read first (a heartbeat ACK behind a burst
    // is seen at once); the handler gets slices that end before the next timer.
    if (!pending_.empty() && pending_.size() >= options_.max_pending_events) {
      deliver_pending(std::min(deadline, now + kDeliverSliceNs));
      continue;
    }
    // Events waiting for the handler: take only what has already arrived.
    const std::int64_t wait = pending_.empty() ? std::max<std::int64_t>(deadline - now, 0) : 0;
    auto message = transport_->receive(wait);
    if (message.ok()) {
      auto text = inflate(*message);
      if (!text.ok() && text.error().code == Errc::kTooLarge) {
        // A decompressed message above the cap: closed with 1009 ("message too big"), the
        // client's decision whether or not the close frame gets out.
        (void)transport_->send_close(1009, "message too big");
        actions_ = refused_too_large(text.error());
      } else if (!text.ok()) {
        actions_ = protocol_.on_unreadable(text.error());
      } else if (*text == nullptr) {
        continue;  // a zlib-stream message split over WebSocket messages
      } else {
        std::string& frame = **text;
        now = clock_.now_ns();
        if (on_frame_) on_frame_({Direction::kRecv, conn_.load(), stamp(now), frame});
        protocol_.handle_op(frame, now, random_, actions_);
        if (&frame == &inflated_) inflated_.clear();
      }
    } else {
      const Errc code = message.error().code;
      if (code == Errc::kInterrupted || code == Errc::kTimeout) {  // timers, requests
        if (!pending_.empty()) deliver_pending(std::min(deadline, now + kDeliverSliceNs));
        continue;
      }
      if (code == Errc::kTooLarge) {
        // The transport refused a message above the cap unread and closed with 1009; a
        // replay's transport says so where the log holds that close.
        actions_ = refused_too_large(message.error());
        const Outcome outcome = execute(actions_, result);
        if (outcome != Outcome::kContinue) return outcome;
        continue;
      }
      // Closed by the peer, or the connection broke (dropped TCP, TLS error).
      report(message.error());
      const auto peer = transport_->peer_close();
      if (peer) {
        connection_ended(ClosedBy::kServer, peer->code, peer->reason);
      } else {
        connection_ended(ClosedBy::kLost, 0, message.error().message);
      }
      transport_->disconnect();
      actions_ = protocol_.on_closed(peer ? peer->code : 0, clock_.now_ns());
    }
    const Outcome outcome = execute(actions_, result);
    if (outcome != Outcome::kContinue) return outcome;
  }
}

void Gateway::Loop::hand_over(DeliverEvent& event) {
  const std::size_t type = event.event.payload.index();
  if (type < typed_.size()) {
    for (const TypedHandler& handler : typed_[type]) handler(event);
  }
  if (on_event_) on_event_(event);
}

void Gateway::Loop::deliver(DeliverEvent& event) {
  if (options_.max_pending_events == 0) {
    hand_over(event);
    return;
  }
  pending_.push_back(std::move(event));
}

void Gateway::Loop::deliver_pending(std::int64_t until_ns) {
  while (!pending_.empty()) {
    // Popped before the call: a handler may end the session (close()) and its events stay
    // in order.
    DeliverEvent event = std::move(pending_.front());
    pending_.pop_front();
    hand_over(event);
    if (until_ns != kForever && clock_.now_ns() >= until_ns) return;
  }
}

Gateway::Loop::Outcome Gateway::Loop::lost_on_send(const Error& error, Status& result) {
  report(error);
  connection_ended(ClosedBy::kLost, 0, error.message);
  transport_->disconnect();
  Actions after = protocol_.on_closed(0, clock_.now_ns());
  const Outcome outcome = execute(after, result);
  return outcome == Outcome::kFatal ? Outcome::kFatal : Outcome::kNextConnection;
}

Gateway::Loop::Outcome Gateway::Loop::execute(Actions& actions, Status& result) {
  Outcome outcome = Outcome::kContinue;
  for (Action& action : actions) {
    if (auto* event = std::get_if<DeliverEvent>(&action)) {
      deliver(*event);
    } else if (auto* send = std::get_if<SendCommand>(&action)) {
      if (Status st = send_frame(send->frame()); !st.ok()) return lost_on_send(st.error(), result);
    } else if (auto* error = std::get_if<ProtocolError>(&action)) {
      report(error->error);
    } else if (auto* r = std::get_if<Reconnect>(&action)) {
      if (r->close_code == 0) {
        transport_->disconnect();  // already closed
      } else if (r->terminate) {
        // A timer's verdict (no HELLO, no ACK): the connection is dead, and said so.
        report(make_error(Errc::kTimeout, "gateway: " + r->reason + "; reconnecting"));
        terminate_connection(r->close_code, r->reason);
      } else {
        close_connection(r->close_code, r->reason);
      }
      pending_delay_ns_ = r->delay_ns;
      outcome = Outcome::kNextConnection;
      break;
    } else if (auto* fatal = std::get_if<FatalClose>(&action)) {
      transport_->disconnect();
      result = fatal->errc != Errc::kFatalClose
                   ? make_error(fatal->errc, "gateway: given up: " + fatal->meaning)
                   : make_error(Errc::kFatalClose, "gateway closed the session with " +
                                                       std::to_string(fatal->code) + ": " +
                                                       fatal->meaning);
      if (on_fatal_) on_fatal_(result.error());
      outcome = Outcome::kFatal;
      break;
    }
  }
  set_phase(protocol_.phase());
  if (protocol_.phase() == Phase::kActive) reached_active_ = true;
  return outcome;
}

Result<std::string*> Gateway::Loop::inflate(TransportMessage& message) {
  std::string* text = &message.data;
  if (message.kind == MessageKind::kBinary && decompressor_) {
    auto complete = decompressor_->feed(message.data, inflated_);
    if (!complete.ok()) {
      inflated_.clear();
      return complete.error();
    }
    if (!*complete) return static_cast<std::string*>(nullptr);
    text = &inflated_;
  }
  // Room for simdjson's padding after the text: the envelope is parsed in place.
  if (text->capacity() < text->size() + 64) text->reserve(text->size() + 64);
  return text;
}

Actions Gateway::Loop::refused_too_large(const Error& error) {
  connection_ended(ClosedBy::kClient, 1009, error.message);
  transport_->disconnect();
  return protocol_.on_too_large(error, clock_.now_ns());
}

void Gateway::Loop::connection_ended(ClosedBy by, std::uint16_t code, std::string_view reason) {
  if (end_reported_) return;
  end_reported_ = true;
  if (!on_end_) return;
  std::optional<std::uint16_t> c;
  if (code != 0) c = code;
  on_end_({conn_.load(), stamp(clock_.now_ns()), by, c, reason});
}

void Gateway::Loop::terminate_connection(std::uint16_t code, std::string_view reason) {
  if (Status sent = transport_->send_close(code, reason); !sent.ok()) {
    connection_ended(ClosedBy::kLost, 0, sent.error().message);
  } else {
    connection_ended(ClosedBy::kClient, code, reason);
  }
  transport_->disconnect();
  protocol_.on_client_close(code);
}

void Gateway::Loop::close_connection(std::uint16_t code, std::string_view reason) {
  if (Status sent = transport_->send_close(code, reason); !sent.ok()) {
    connection_ended(ClosedBy::kLost, 0, sent.error().message);
    transport_->disconnect();
    return;
  }
  connection_ended(ClosedBy::kClient, code, reason);
  // Until the peer's close frame, what arrives is recorded and its events delivered, but we
  // are leaving: no sends, no reconnect decisions. (A replay's log transport hands over the
  // same frames here: what live received during its close.)
  const std::int64_t deadline = clock_.now_ns() + options_.close_timeout_ns;
  for (;;) {
    const std::int64_t left = deadline - clock_.now_ns();
    if (left <= 0) break;
    auto message = transport_->receive(left);
    if (!message.ok()) {
      if (message.error().code == Errc::kInterrupted) continue;
      break;  // the peer's close frame (answered), a timeout, or a broken connection
    }
    auto text = inflate(*message);
    if (!text.ok() || *text == nullptr) continue;
    std::string& frame = **text;
    const std::int64_t now = clock_.now_ns();
    if (on_frame_) on_frame_({Direction::kRecv, conn_.load(), stamp(now), frame});
    protocol_.handle_op(frame, now, random_, actions_);
    for (Action& action : actions_) {
      if (auto* event = std::get_if<DeliverEvent>(&action)) {
        deliver(*event);
      } else if (auto* error = std::get_if<ProtocolError>(&action)) {
        report(error->error);
      }
    }
    if (&frame == &inflated_) inflated_.clear();
  }
  transport_->disconnect();
  // After the handshake: a READY that arrived during a 1000 close does not make it resumable.
  protocol_.on_client_close(code);
}

Status Gateway::Loop::send_frame(std::string_view text) {
  if (on_frame_) on_frame_({Direction::kSend, conn_.load(), stamp(clock_.now_ns()), text});
  return transport_->send_text(text);
}

Status Gateway::Loop::queue(Result<std::string> frame) {
  if (!frame.ok()) return frame.error();
  {
    std::lock_guard lock(mu_);
    outbox_.push_back(std::move(*frame));
  }
  outbox_waiting_.store(true);
  transport_->interrupt();
  return {};
}

Status Gateway::Loop::send(OpCode op, std::string_view d_json) {
  return queue(encode_raw(static_cast<int>(op), d_json));
}
Status Gateway::Loop::update_status(const UpdatePresenceData& data) { return queue(encode(data)); }
Status Gateway::Loop::update_voice_state(const UpdateVoiceStateData& data) {
  return queue(encode(data));
}
Status Gateway::Loop::request_guild_members(const RequestGuildMembersData& data) {
  return queue(encode(data));
}
Status Gateway::Loop::guild_subscribe(const GuildSubscribeData& data) {
  return queue(encode(data));
}

void Gateway::Loop::reconnect() {
  reconnect_requested_.store(true);
  transport_->interrupt();
}

void Gateway::Loop::identify() {
  identify_requested_.store(true);
  transport_->interrupt();
}

void Gateway::Loop::heartbeat() {
  heartbeat_requested_.store(true);
  transport_->interrupt();
}

Status Gateway::Loop::open(std::int64_t timeout_ns) {
  start();
  std::unique_lock lock(mu_);
  const bool done = cv_.wait_for(lock, std::chrono::nanoseconds(timeout_ns),
                                 [this] { return ended_ || phase_.load() == Phase::kActive; });
  if (!done) return make_error(Errc::kTimeout, "gateway: no READY or RESUMED within the timeout");
  if (phase_.load() == Phase::kActive && !ended_) return {};
  return result_.ok() ? make_error(Errc::kClosed, "gateway: closed") : result_;
}

void Gateway::Loop::start() {
  thread_ = std::thread([this] { (void)run(); });
}

Status Gateway::Loop::close() {
  stop_.store(true);
  transport_->interrupt();
  // From the loop thread (a handler), joining would wait for ourselves: the loop stops after
  // the handler returns.
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  std::lock_guard lock(mu_);
  return result_;
}

Status Gateway::Loop::wait() {
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  return result_;
}

// ---- Gateway: a handle to its Loop ------------------------------------------------------

Gateway::Gateway(GatewayOptions options, std::unique_ptr<Transport> transport, Clock& clock,
                 Random& random, std::shared_ptr<IdentifyLimiter> limiter)
    : loop_(std::make_unique<Loop>(std::move(options), std::move(transport), clock, random,
                                   std::move(limiter))) {}
Gateway::~Gateway() = default;

void Gateway::on_event(EventHandler handler) { loop_->on_event(std::move(handler)); }
void Gateway::on_frame(FrameObserver observer) { loop_->on_frame(std::move(observer)); }
void Gateway::on_connection_end(ConnectionEndObserver observer) {
  loop_->on_connection_end(std::move(observer));
}
void Gateway::on_error(ErrorHandler handler) { loop_->on_error(std::move(handler)); }
void Gateway::on_fatal(ErrorHandler handler) { loop_->on_fatal(std::move(handler)); }
void Gateway::add_typed(std::size_t index, TypedHandler handler) {
  loop_->add_typed(index, std::move(handler));
}
Status Gateway::run() { return loop_->run(); }
void Gateway::start() { loop_->start(); }
Status Gateway::open(std::int64_t timeout_ns) { return loop_->open(timeout_ns); }
Status Gateway::close() { return loop_->close(); }
Status Gateway::wait() { return loop_->wait(); }
Status Gateway::send(OpCode op, std::string_view d_json) { return loop_->send(op, d_json); }
Status Gateway::update_status(const UpdatePresenceData& data) { return loop_->update_status(data); }
Status Gateway::update_voice_state(const UpdateVoiceStateData& data) {
  return loop_->update_voice_state(data);
}
Status Gateway::request_guild_members(const RequestGuildMembersData& data) {
  return loop_->request_guild_members(data);
}
Status Gateway::guild_subscribe(const GuildSubscribeData& data) {
  return loop_->guild_subscribe(data);
}
void Gateway::reconnect() { loop_->reconnect(); }
void Gateway::resume() { loop_->reconnect(); }
void Gateway::identify() { loop_->identify(); }
void Gateway::heartbeat() { loop_->heartbeat(); }
Phase Gateway::phase() const { return loop_->phase(); }
std::uint32_t Gateway::connections() const { return loop_->connections(); }
const Protocol& Gateway::protocol() const { return loop_->protocol(); }
std::string Gateway::connect_url(std::string_view base, Compression compress) {
  return Loop::connect_url(base, compress);
}

}  // namespace gwtape::gateway
