#include "live_gateway_util.h"

#include <catch2/catch_test_macros.hpp>

namespace gwtape::testing {

std::unique_ptr<server::LoopbackGateway> start_loopback(
    const std::string& token, const std::function<void(server::LoopbackOptions&)>& tweak) {
  server::LoopbackOptions o;
  o.token = token;
  o.guilds.push_back({197038439483310086ULL, "gwtape test guild", ""});
  if (tweak) tweak(o);
  auto s = server::LoopbackGateway::start(o);
  REQUIRE(s.ok());
  return std::move(*s);
}

LiveClient::LiveClient(std::string url, std::string token, gateway::Compression compress,
                       std::function<void(gateway::GatewayOptions&)> tweak,
                       std::function<void(gateway::Gateway&)> setup,
                       std::shared_ptr<gateway::IdentifyLimiter> limiter) {
  gateway::GatewayOptions o;
  o.url = std::move(url);
  o.compress = compress;
  o.identify.token = std::move(token);
  o.identify.intents = gateway::intents::kGuilds | gateway::intents::kGuildMessages;
  o.connect.connect_timeout_ns = 5'000'000'000;
  o.connect.write_timeout_ns = 5'000'000'000;
  o.backoff_initial_ns = 20'000'000;
  o.backoff_max_ns = 200'000'000;
  o.close_timeout_ns = 1'000'000'000;
  if (tweak) tweak(o);
  gateway_ = std::make_unique<gateway::Gateway>(std::move(o), gateway::make_curl_transport(clock_),
                                                clock_, random_, std::move(limiter));
  gateway_->on_event([this](const gateway::DeliverEvent& e) {
    std::lock_guard lock(mu_);
    events_.push_back({e.seq, std::string(e.event.name())});
    cv_.notify_all();
  });
  gateway_->on_error([this](const gateway::Error& e) {
    std::lock_guard lock(mu_);
    errors_.push_back(e.message);
  });
  gateway_->on_frame([this](const gateway::FrameRecord& f) {
    std::lock_guard lock(mu_);
    (f.direction == gateway::Direction::kRecv ? recv_frames_ : send_frames_).emplace_back(f.text);
  });
  if (setup) setup(*gateway_);
  thread_ = std::thread([this] {
    gateway::Status st = gateway_->run();
    std::lock_guard lock(mu_);
    ended_ = true;
    end_status_ = st;
    cv_.notify_all();
  });
}

LiveClient::~LiveClient() { (void)close(); }

gateway::Status LiveClient::close() {
  if (thread_.joinable()) {
    (void)gateway_->close();
    thread_.join();
  }
  std::lock_guard lock(mu_);
  return end_status_;
}

std::vector<Delivered> LiveClient::events() const {
  std::lock_guard lock(mu_);
  return events_;
}

std::vector<std::string> LiveClient::errors() const {
  std::lock_guard lock(mu_);
  return errors_;
}

std::vector<std::string> LiveClient::frames(gateway::Direction direction) const {
  std::lock_guard lock(mu_);
  return direction == gateway::Direction::kRecv ? recv_frames_ : send_frames_;
}

bool LiveClient::wait_for(const std::function<bool(const std::vector<Delivered>&)>& pred,
                          std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return pred(events_); });
}

bool LiveClient::wait_for_events(std::size_t n, std::chrono::milliseconds timeout) const {
  return wait_for([n](const auto& e) { return e.size() >= n; }, timeout);
}

bool LiveClient::wait_for_seq(std::int64_t seq, std::chrono::milliseconds timeout) const {
  return wait_for([seq](const auto& e) { return !e.empty() && e.back().seq >= seq; }, timeout);
}

gateway::Status LiveClient::wait_end(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, timeout, [&] { return ended_; })) {
    return make_error(gateway::Errc::kTimeout, "run() did not end");
  }
  return end_status_;
}

bool exactly_once_in_order(const std::vector<Delivered>& events, std::int64_t n) {
  if (events.size() != static_cast<std::size_t>(n)) return false;
  for (std::int64_t i = 0; i < n; ++i) {
    if (events[static_cast<std::size_t>(i)].seq != i + 1) return false;
  }
  return true;
}

}  // namespace gwtape::testing
