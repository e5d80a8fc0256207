// server/gateway_core.h — private: the Discord rules of the loopback gateway.
//
// GatewayCore accepts connections, runs HELLO / IDENTIFY / RESUME / heartbeats and the payload
// checks for every Link, keeps the sessions and their dispatches, and carries out the control
// calls of LoopbackGateway. It keeps the Observations the tests read, under its own mutex.
//
// Thread-safety: everything except observation access (`observe`, `wait`) must run on the io
// thread. Lifetimes: it must outlive the io_context's handlers: call shutdown() on the io
// thread, let the io_context drain, then destroy it (before the io_context).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "gwtape/gateway/clock.h"
#include "gwtape/gateway/envelope.h"
#include "gwtape/server/loopback_gateway.h"
#include "stream_compressor.h"
#include "wire.h"
#include "ws_link.h"

namespace gwtape::server::detail {

class GatewayCore final : public LinkHandler {
 public:
  GatewayCore(boost::asio::io_context& ioc, boost::asio::ssl::context* tls,
              LoopbackOptions options);
  ~GatewayCore() override;

  // Binds 127.0.0.1:port and starts accepting (call before the io thread runs).
  Status listen();
  const std::string& url() const { return url_; }
  std::uint16_t port() const { return port_; }
  void shutdown();  // closes the acceptor and every connection; no new work after it

  // Control (io thread).
  Result<std::int64_t> dispatch(std::string_view event_name, std::string_view d_json);
  Result<std::int64_t> dispatch_batch(const std::vector<LoopbackDispatch>& dispatches);
  Status send_raw(std::string_view text);
  Status send_frame(bool binary, std::string_view bytes);
  Status request_reconnect();
  Status invalidate_session(bool resumable);
  Status request_heartbeat();
  Status close(std::uint16_t code, std::string_view reason);
  Status drop();
  Status freeze();
  Status ping(std::string_view payload);
  Result<std::int64_t> dispatch_to(std::string_view session_id, std::string_view event_name,
                                   std::string_view d_json);
  Result<std::int64_t> dispatch_batch_to(std::string_view session_id,
                                         const std::vector<LoopbackDispatch>& dispatches);
  Result<SessionState> session_state(std::string_view session_id);
  Status fault(std::string_view session_id, SessionFault kind, std::uint16_t code);
  void withhold_acks(bool withhold) { withhold_acks_ = withhold; }
  void set_hello_interval(std::optional<std::chrono::milliseconds> i) { hello_interval_ = i; }
  void silent(bool on) { silent_ = on; }

  // Observation (any thread).
  Observations observe() const;
  bool wait(const std::function<bool(const Observations&)>& pred,
            std::chrono::milliseconds timeout) const;

  // LinkHandler (io thread).
  void on_open(const std::shared_ptr<Link>& link, std::string_view target) override;
  void on_message(Link& link, bool binary, std::string data, std::size_t size,
                  bool truncated) override;
  void on_control(Link& link, bool pong, std::string_view payload) override;
  void on_closed(Link& link, std::optional<PeerClose> peer_close) override;
  HttpReply on_http(std::string_view method, std::string_view target,
                    std::string_view authorization, std::string_view body) override;
  // POST /api/v10/channels/{channel}/messages (LoopbackGateway's header says what it answers).
  HttpReply create_message(std::uint64_t channel, std::string_view body);

 private:
  struct Session {
    std::string id;
    int version = 10;
    std::deque<std::pair<std::int64_t, std::string>> dispatches;  // (s, frame text)
    std::int64_t seq = 0;
    bool ended = false;
    int live_connection = 0;  // the connection that identified or resumed it last; 0: none
  };
  struct Conn {
    std::shared_ptr<Link> link;
    int version = 10;
    std::unique_ptr<StreamCompressor> compressor;
    bool silent = false;
    bool authenticated = false;
    bool no_acks = false;  // SessionFault::kZombie
    std::string session_id;
    std::deque<std::chrono::steady_clock::time_point> recent;  // for the rate limit
    std::unique_ptr<boost::asio::steady_timer> timeout;        // heartbeat timeout
  };

  void accept_next();
  void apply_fault(Conn& c, SessionFault kind, std::uint16_t code);
  Conn* live_conn(const std::string& session_id);
  Conn* current();  // the newest open connection
  Conn* find(int id);
  void send_message(Conn& c, const std::string& text);
  void reject(Conn& c, const Rejection& r);
  void arm_timeout(int id, Conn& c);
  void on_identify(int id, Conn& c, std::string_view d);
  void on_resume(int id, Conn& c, std::string_view d);
  std::int64_t append_dispatch(Session& s, std::string_view name, std::string_view d_json);
  std::string ready_json(const Session& s, const IdentifyRequest& req) const;
  const std::string& resume_url() const {
    return options_.resume_gateway_url.empty() ? url_ : options_.resume_gateway_url;
  }
  std::string guild_json(const LoopbackGuild& g) const;
  std::string new_session_id();
  void end_session(const std::string& id);
  // After op 7 or op 9 the session's dispatches no longer go to `c`: they wait for a resume,
  // which replays each of them once.
  void detach(Conn& c);
  // Runs `f` on the observations under the lock, then wakes the waiters.
  void update(const std::function<void(Observations&)>& f);

  boost::asio::io_context& ioc_;
  boost::asio::ssl::context* tls_;
  LoopbackOptions options_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::string url_;
  std::uint16_t port_ = 0;
  bool shut_down_ = false;

  gateway::SplitMix64 rng_;
  gateway::EnvelopeParser parser_;
  std::map<std::string, Session> sessions_;
  std::string current_session_;
  std::map<int, Conn> conns_;
  std::vector<std::weak_ptr<Link>> links_;  // every socket served, for shutdown
  int next_id_ = 1;
  std::map<std::int64_t, std::chrono::steady_clock::time_point> last_identify_;  // per bucket
  int session_start_remaining_ = 0;

  bool withhold_acks_ = false;
  std::optional<std::chrono::milliseconds> hello_interval_;
  bool silent_ = false;

  mutable std::mutex obs_mutex_;
  mutable std::condition_variable obs_cv_;
  Observations obs_;
};

}  // namespace gwtape::server::detail
