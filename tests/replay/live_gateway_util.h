// A live gwtape::gateway::Gateway (CurlTransport, system clock) against the LoopbackGateway,
// for the end-to-end tests: starts both, collects what the client delivered and reported.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gwtape/gateway/gateway.h"
#include "gwtape/server/loopback_gateway.h"

namespace gwtape::testing {

using namespace std::chrono_literals;

struct Delivered {
  std::int64_t seq;
  std::string name;
};

class LiveClient {
 public:
  // Starts a gateway client on `url` with test-friendly timeouts (short backoff, 1 s close).
  // `setup` runs before the loop starts: the place to add handlers of one's own (a handler
  // set after start() would race with the loop). Handlers it sets replace the client's.
  // `limiter`: the identify limiter (nullptr: the Gateway's own).
  LiveClient(std::string url, std::string token, gateway::Compression compress = {},
             std::function<void(gateway::GatewayOptions&)> tweak = {},
             std::function<void(gateway::Gateway&)> setup = {},
             std::shared_ptr<gateway::IdentifyLimiter> limiter = nullptr);
  ~LiveClient();

  gateway::Gateway& gateway() { return *gateway_; }
  std::vector<Delivered> events() const;
  std::vector<std::string> errors() const;
  std::vector<std::string> frames(gateway::Direction direction) const;  // the tap's view
  // Waits until `pred` holds for the delivered events (true) or the timeout (false).
  bool wait_for(const std::function<bool(const std::vector<Delivered>&)>& pred,
                std::chrono::milliseconds timeout = 10s) const;
  bool wait_for_events(std::size_t n, std::chrono::milliseconds timeout = 10s) const;
  bool wait_for_seq(std::int64_t seq, std::chrono::milliseconds timeout = 10s) const;
  // Waits for run() to end by itself; returns its status (or a timeout error).
  gateway::Status wait_end(std::chrono::milliseconds timeout = 10s);
  gateway::Status close();

 private:
  gateway::SystemClock clock_;
  gateway::SplitMix64 random_{7};
  std::unique_ptr<gateway::Gateway> gateway_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<Delivered> events_;
  std::vector<std::string> errors_;
  std::vector<std::string> recv_frames_, send_frames_;
  bool ended_ = false;
  gateway::Status end_status_;
  std::thread thread_;
};

// A loopback gateway on a free port that accepts `token`, with one guild (197038439483310086,
// "gwtape test guild"); `tweak` edits the options first. REQUIREs that it starts.
std::unique_ptr<server::LoopbackGateway> start_loopback(
    const std::string& token, const std::function<void(server::LoopbackOptions&)>& tweak = {});

// True when the delivered sequence numbers are exactly 1..n in order (each once).
bool exactly_once_in_order(const std::vector<Delivered>& events, std::int64_t n);

}  // namespace gwtape::testing
