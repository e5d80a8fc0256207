#include "gwtape/gateway/gateway.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace gwtape::gateway {
namespace {

constexpr std::int64_t kMsToNs = 1'000'000;

}  // namespace

Gateway::Gateway(GatewayOptions options, std::unique_ptr<Transport> transport, Clock& clock,
                 Random& random, std::shared_ptr<IdentifyLimiter> limiter)
    : options_(std::move(options)),
      transport_(std::move(transport)),
      clock_(clock),
      random_(random),
      limiter_(limiter ? std::move(limiter) : std::make_shared<IdentifyLimiter>()),
      protocol_(options_.protocol) {}

Gateway::~Gateway() {
  if (thread_.joinable()) (void)close();
}

std::string Gateway::connect_url(std::string_view base, Compression compress) {
  std::string url(base);
  // Drop a trailing slash or an old query: the parameters are ours.
  if (auto q = url.find('?'); q != std::string::npos) url.resize(q);
  if (url.empty() || url.back() != '/') url += '/';
  url += "?v=" + std::to_string(kApiVersion) + "&encoding=json";
  if (compress != Compression::kNone) url += "&compress=" + std::string(compression_name(compress));
  return url;
}

void Gateway::report(const Error& error) {
  if (on_error_) on_error_(error);
}

void Gateway::backoff_sleep(unsigned attempt) {
  // Exponential with full jitter in [0.5, 1) of the step, interruptible by close().
  const double step =
      static_cast<double>(options_.backoff_initial_ns) * std::pow(2.0, std::min(attempt, 16u));
  const auto delay =
      static_cast<std::int64_t>(std::min(step, static_cast<double>(options_.backoff_max_ns)) *
                                (0.5 + 0.5 * random_.uniform01()));
  const std::int64_t deadline = clock_.now_ns() + delay;
  while (!stop_.load() && clock_.now_ns() < deadline) {
    clock_.sleep_until(std::min(deadline, clock_.now_ns() + 100 * kMsToNs));
  }
}

Status Gateway::run() {
  if (options_.identify.token.empty()) {
    return make_error(Errc::kInvalidArgument, "gateway: no token (set DISCORD_TOKEN)");
  }
  if (options_.identify.intents == 0) {
    return make_error(Errc::kInvalidArgument, "gateway: intents are required since API v8");
  }
  if (options_.url.empty()) return make_error(Errc::kInvalidArgument, "gateway: no URL");
  // Connections in a row that never reached READY/RESUMED (failed connects included):
  // more than `retries` of them and the gateway gives up (the seed's WSRetries).
  unsigned failures = 0;
  bool resume = false;
  Status result;
  auto give_up = [&](const std::string& why) {
    result =
        make_error(Errc::kMaxTries, "gateway: max tries reached (" +
                                        std::to_string(options_.retries) + " retries): " + why);
    if (on_fatal_) on_fatal_(result.error());
  };
  while (!stop_.load()) {
    // Resume goes to resume_gateway_url; identify to the original URL.
    const bool can_resume = resume && protocol_.can_resume(clock_.now_ns());
    const std::string& base = can_resume && !protocol_.resume_gateway_url().empty()
                                  ? protocol_.resume_gateway_url()
                                  : options_.url;
    const std::string url = connect_url(base, options_.compress);
    Status connected = transport_->connect(url, options_.connect);
    if (!connected.ok()) {
      report(connected.error());
      if (++failures > options_.retries) {
        give_up(connected.error().message);
        break;
      }
      backoff_sleep(failures - 1);
      continue;
    }
    conn_.fetch_add(1);
    end_reported_ = false;
    identify_at_ns_.reset();
    decompressor_ = make_decompressor(options_.compress, options_.connect.max_message_bytes);
    inflated_.clear();
    send_limiter_.reset();
    last_recv_ns_ = clock_.now_ns();
    reached_active_ = false;
    protocol_.on_connected(clock_.now_ns());
    set_phase(protocol_.phase());
    const Outcome outcome = run_connection(url, result);
    if (outcome != Outcome::kNextConnection) break;
    failures = reached_active_ ? 0 : failures + 1;
    if (failures > options_.retries) {
      give_up("no session after " + std::to_string(failures) + " connections");
      break;
    }
    // The protocol has decided, through its state, whether the next connection resumes.
    resume = true;
    const std::int64_t delay = pending_delay_ns_;
    pending_delay_ns_ = 0;
    if (delay > 0) {
      const std::int64_t deadline = clock_.now_ns() + delay;
      while (!stop_.load() && clock_.now_ns() < deadline) {
        clock_.sleep_until(std::min(deadline, clock_.now_ns() + 100 * kMsToNs));
      }
    } else if (failures > 0) {
      backoff_sleep(failures - 1);
    }
  }
  set_phase(protocol_.phase() == Phase::kFatallyClosed ? Phase::kFatallyClosed
                                                       : Phase::kDisconnected);
  std::lock_guard lock(mu_);
  result_ = result;
  ended_ = true;
  return result;
}

Gateway::Outcome Gateway::run_connection(const std::string& url, Status& result) {
  (void)url;
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
    if (heartbeat_requested_.exchange(false) && protocol_.heartbeat_interval_ns() > 0) {
      if (Status st = send_command(Command::kHeartbeat); !st.ok()) report(st.error());
    }
    if (reconnect_requested_.exchange(false)) {
      close_connection(options_.protocol.resumable_close_code, "reconnecting");
      return Outcome::kNextConnection;
    }
    if (identify_at_ns_ && clock_.now_ns() >= *identify_at_ns_) {
      identify_at_ns_.reset();
      if (Status st = send_identify(); !st.ok()) return lost_on_send(st.error(), result);
    }
    // Queued user commands go out once the session is up, within the send limit.
    if (protocol_.phase() == Phase::kActive) {
      for (;;) {
        std::string frame;
        {
          std::lock_guard lock(mu_);
          if (outbox_.empty()) break;
          if (send_limiter_.next_slot(clock_.now_ns(), false) > clock_.now_ns()) break;
          frame = std::move(outbox_.front());
          outbox_.pop_front();
        }
        if (Status st = send_frame(frame, false); !st.ok()) report(st.error());
      }
    }
    const std::int64_t now = clock_.now_ns();
    std::int64_t deadline = now + 60'000 * kMsToNs;
    if (auto beat = protocol_.next_deadline_ns()) deadline = std::min(deadline, *beat);
    if (identify_at_ns_) deadline = std::min(deadline, *identify_at_ns_);
    if (protocol_.heartbeat_interval_ns() > 0) {
      deadline = std::min(deadline, last_recv_ns_ + protocol_.heartbeat_interval_ns() +
                                        options_.extra_read_timeout_ns);
    } else {
      deadline = std::min(deadline, last_recv_ns_ + options_.connect.connect_timeout_ns);
    }
    {
      std::lock_guard lock(mu_);
      if (!outbox_.empty() && protocol_.phase() == Phase::kActive) {
        deadline = std::min(deadline, send_limiter_.next_slot(now, false));
      }
    }
    auto message = transport_->receive(std::max<std::int64_t>(deadline - now, 0));
    Actions actions;
    if (message.ok()) {
      last_recv_ns_ = clock_.now_ns();
      auto text = inflate(*message);
      if (!text.ok()) {
        report(text.error());
        actions.emplace_back(std::in_place_type<Reconnect>, true,
                             options_.protocol.resumable_close_code, text.error().message, 0);
      } else if (*text == nullptr) {
        continue;  // a zlib-stream message split over WebSocket messages
      } else {
        std::string& frame = **text;
        if (on_frame_) on_frame_({Direction::kRecv, conn_.load(), clock_.wall_ns(), frame});
        protocol_.handle_op(frame, clock_.now_ns(), random_, frame.capacity(), actions);
        if (&frame == &inflated_) inflated_.clear();
      }
    } else {
      const Errc code = message.error().code;
      if (code == Errc::kInterrupted) continue;
      if (code == Errc::kTimeout) {
        const std::int64_t t = clock_.now_ns();
        if (protocol_.heartbeat_interval_ns() > 0 && t >= last_recv_ns_ +
                                                              protocol_.heartbeat_interval_ns() +
                                                              options_.extra_read_timeout_ns) {
          report(make_error(Errc::kTimeout,
                            "gateway: nothing received for a heartbeat "
                            "interval; reconnecting"));
          actions.emplace_back(std::in_place_type<Reconnect>, true,
                               options_.protocol.resumable_close_code, "read timeout", 0);
        } else if (protocol_.heartbeat_interval_ns() == 0 &&
                   t >= last_recv_ns_ + options_.connect.connect_timeout_ns) {
          report(make_error(Errc::kTimeout, "gateway: no HELLO from " + url));
          actions.emplace_back(std::in_place_type<Reconnect>, true,
                               options_.protocol.resumable_close_code, "no HELLO", 0);
        } else {
          actions = protocol_.on_timer(t);
        }
      } else {
        // Closed by the peer, or the connection broke (dropped TCP, TLS error, too large).
        report(message.error());
        const auto peer = transport_->peer_close();
        if (peer) {
          connection_ended(ClosedBy::kServer, peer->code, peer->reason);
        } else {
          connection_ended(ClosedBy::kLost, 0, message.error().message);
        }
        transport_->disconnect();
        actions = protocol_.on_closed(peer ? peer->code : 0, clock_.now_ns());
      }
    }
    Outcome outcome = Outcome::kNextConnection;
    bool reconnect = false;
    bool resume = false;
    Status st = execute(actions, outcome, result, reconnect, resume);
    set_phase(protocol_.phase());
    if (protocol_.phase() == Phase::kActive) reached_active_ = true;
    if (!st.ok()) return lost_on_send(st.error(), result);
    if (outcome == Outcome::kFatal) return outcome;
    if (reconnect) return Outcome::kNextConnection;
  }
}

Gateway::Outcome Gateway::lost_on_send(const Error& error, Status& result) {
  report(error);
  connection_ended(ClosedBy::kLost, 0, error.message);
  transport_->disconnect();
  auto after = protocol_.on_closed(0, clock_.now_ns());
  Outcome outcome = Outcome::kNextConnection;
  bool reconnect = false;
  bool resume = false;
  (void)execute(after, outcome, result, reconnect, resume);
  return outcome == Outcome::kFatal ? Outcome::kFatal : Outcome::kNextConnection;
}

Status Gateway::execute(Actions& actions, Outcome& outcome, Status& result, bool& reconnect,
                        bool& resume) {
  for (Action& action : actions) {
    if (auto* deliver = std::get_if<DeliverEvent>(&action)) {
      if (on_event_) on_event_(*deliver);
    } else if (auto* send = std::get_if<SendCommand>(&action)) {
      if (Status st = send_command(send->command); !st.ok()) return st;
    } else if (auto* error = std::get_if<ProtocolError>(&action)) {
      report(error->error);
    } else if (auto* r = std::get_if<Reconnect>(&action)) {
      if (r->close_code != 0) {
        close_connection(r->close_code, r->reason);
      } else {
        transport_->disconnect();
      }
      pending_delay_ns_ = r->delay_ns;
      reconnect = true;
      resume = r->resume;
      return {};
    } else if (auto* fatal = std::get_if<FatalClose>(&action)) {
      transport_->disconnect();
      result =
          make_error(Errc::kFatalClose, "gateway closed the session with " +
                                            std::to_string(fatal->code) + ": " + fatal->meaning);
      if (on_fatal_) on_fatal_(result.error());
      outcome = Outcome::kFatal;
      return {};
    }
  }
  return {};
}

Result<std::string*> Gateway::inflate(TransportMessage& message) {
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

void Gateway::connection_ended(ClosedBy by, std::uint16_t code, std::string_view reason) {
  if (end_reported_) return;
  end_reported_ = true;
  if (!on_end_) return;
  std::optional<std::uint16_t> c;
  if (code != 0) c = code;
  on_end_({conn_.load(), clock_.wall_ns(), by, c, reason});
}

void Gateway::close_connection(std::uint16_t code, std::string_view reason) {
  if (Status sent = transport_->send_close(code, reason); !sent.ok()) {
    connection_ended(ClosedBy::kLost, 0, sent.error().message);
    transport_->disconnect();
    return;
  }
  connection_ended(ClosedBy::kClient, code, reason);
  // Until the peer's close frame, what arrives is recorded and handled as usual, but only its
  // events are acted on: we are leaving, so no sends, no reconnect decisions. (The replayer
  // handles these frames the same way: it cannot tell where our close began.)
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
    if (on_frame_) on_frame_({Direction::kRecv, conn_.load(), clock_.wall_ns(), frame});
    auto actions = protocol_.handle_op(frame, clock_.now_ns(), random_, frame.capacity());
    for (Action& action : actions) {
      if (auto* deliver = std::get_if<DeliverEvent>(&action)) {
        if (on_event_) on_event_(*deliver);
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

Status Gateway::send_command(Command command) {
  switch (command) {
    case Command::kHeartbeat: {
      auto frame = encode_heartbeat(protocol_.sequence().get());
      if (!frame.ok()) return frame.error();
      Status st = send_frame(*frame, true);
      if (st.ok()) protocol_.on_heartbeat_sent(clock_.now_ns());
      return st;
    }
    case Command::kIdentify: {
      const int shard = options_.identify.shard ? (*options_.identify.shard)[0] : 0;
      auto at = limiter_->acquire(shard, clock_.now_ns());
      if (!at.ok()) return at.error();
      if (*at > clock_.now_ns()) {
        identify_at_ns_ = *at;  // the loop sends it when the slot comes
        return {};
      }
      return send_identify();
    }
    case Command::kResume: {
      ResumeData data{options_.identify.token, protocol_.session_id(),
                      protocol_.sequence().get().value_or(0)};
      auto frame = encode(data);
      if (!frame.ok()) return frame.error();
      return send_frame(*frame, true);
    }
  }
  return {};
}

Status Gateway::send_identify() {
  auto frame = encode(options_.identify);
  if (!frame.ok()) return frame.error();
  return send_frame(*frame, true);
}

Status Gateway::send_frame(const std::string& text, bool priority) {
  const std::int64_t now = clock_.now_ns();
  if (send_limiter_.next_slot(now, priority) > now) {
    return make_error(Errc::kRateLimited, "gateway: 120 sends per 60 s reached");
  }
  if (on_frame_) on_frame_({Direction::kSend, conn_.load(), clock_.wall_ns(), text});
  send_limiter_.record(now);
  return transport_->send_text(text);
}

Status Gateway::queue(Result<std::string> frame) {
  if (!frame.ok()) return frame.error();
  {
    std::lock_guard lock(mu_);
    outbox_.push_back(std::move(*frame));
  }
  transport_->interrupt();
  return {};
}

Status Gateway::send(OpCode op, std::string_view d_json) {
  return queue(encode_raw(static_cast<int>(op), d_json));
}
Status Gateway::update_status(const UpdatePresenceData& data) { return queue(encode(data)); }
Status Gateway::update_voice_state(const UpdateVoiceStateData& data) { return queue(encode(data)); }
Status Gateway::request_guild_members(const RequestGuildMembersData& data) {
  return queue(encode(data));
}
Status Gateway::guild_subscribe(const GuildSubscribeData& data) { return queue(encode(data)); }

void Gateway::reconnect() {
  reconnect_requested_.store(true);
  transport_->interrupt();
}

void Gateway::identify() {
  identify_requested_.store(true);
  transport_->interrupt();
}

void Gateway::heartbeat() {
  heartbeat_requested_.store(true);
  transport_->interrupt();
}

Status Gateway::open(std::int64_t timeout_ns) {
  start();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::nanoseconds(timeout_ns);
  while (std::chrono::steady_clock::now() < deadline) {
    if (phase_.load() == Phase::kActive) return {};
    {
      std::lock_guard lock(mu_);
      if (ended_) return result_.ok() ? make_error(Errc::kClosed, "gateway: closed") : result_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return make_error(Errc::kTimeout, "gateway: no READY or RESUMED within the timeout");
}

void Gateway::start() {
  thread_ = std::thread([this] { (void)run(); });
}

Status Gateway::close() {
  stop_.store(true);
  transport_->interrupt();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  return result_;
}

Status Gateway::wait() {
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  return result_;
}

}  // namespace gwtape::gateway
