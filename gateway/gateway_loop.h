// gateway/gateway_loop.h — private: the state and the loop behind gwtape/gateway/gateway.h.
//
// `Gateway` is a handle to one `Gateway::Loop` (pimpl): the loop's members, its threads and
// its helpers stay out of the public header. The contract (threads, lifetimes, what each call
// does) is the public header's.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <variant>
#include <vector>

#include "gwtape/gateway/gateway.h"

namespace gwtape::gateway {

class Gateway::Loop {
 public:
  using EventHandler = Gateway::EventHandler;
  using FrameObserver = Gateway::FrameObserver;
  using ErrorHandler = Gateway::ErrorHandler;
  using ConnectionEndObserver = Gateway::ConnectionEndObserver;
  using TypedHandler = Gateway::TypedHandler;

  Loop(GatewayOptions options, std::unique_ptr<Transport> transport, Clock& clock, Random& random,
       std::shared_ptr<IdentifyLimiter> limiter);
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  void on_event(EventHandler handler) { on_event_ = std::move(handler); }
  void add_typed(std::size_t index, TypedHandler handler) {
    if (typed_.size() <= index) typed_.resize(std::variant_size_v<EventPayload>);
    typed_[index].push_back(std::move(handler));
  }
  void on_frame(FrameObserver observer) { on_frame_ = std::move(observer); }
  void on_connection_end(ConnectionEndObserver observer) { on_end_ = std::move(observer); }
  void on_error(ErrorHandler handler) { on_error_ = std::move(handler); }  // WSError
  void on_fatal(ErrorHandler handler) { on_fatal_ = std::move(handler); }  // WSFatal

  // What Gateway's calls of the same names do (gateway.h documents them).
  Status run();
  void start();
  Status open(std::int64_t timeout_ns);
  Status close();
  Status wait();
  Status send(OpCode op, std::string_view d_json);
  Status update_status(const UpdatePresenceData& data);
  Status update_voice_state(const UpdateVoiceStateData& data);
  Status request_guild_members(const RequestGuildMembersData& data);
  Status guild_subscribe(const GuildSubscribeData& data);
  void reconnect();
  void identify();
  void heartbeat();

  Phase phase() const { return phase_.load(); }
  std::uint32_t connections() const { return conn_.load(); }
  const Protocol& protocol() const { return protocol_; }

  // Appends ?v=10&encoding=json[&compress=...] to a gateway URL.
  static std::string connect_url(std::string_view base, Compression compress);

 private:
  enum class Outcome { kContinue, kNextConnection, kStop, kFatal };
  Outcome run_connection(Status& result);
  // Carries out the protocol's answer; kContinue while the connection goes on.
  Outcome execute(Actions& actions, Status& result);
  // Our side of a close: a close frame, then what the peer still sends is recorded and its
  // events delivered (no sends, no decisions) until its close frame or the timeout.
  void close_connection(std::uint16_t code, std::string_view reason);
  // A close frame if it goes out at once, and the socket dropped: a zombie is not waited for.
  void terminate_connection(std::uint16_t code, std::string_view reason);
  // A received message through the connection's decompressor; nullptr while a zlib-stream
  // message is still incomplete; an error for corrupt compressed data.
  Result<std::string*> inflate(TransportMessage& message);
  Status send_frame(std::string_view text);
  // A send failed: the connection is gone, the protocol decides how to come back.
  Outcome lost_on_send(const Error& error, Status& result);
  Status queue(Result<std::string> frame);
  void report(const Error& error);
  // A message above the cap ended the connection (closed with 1009, unread): its end, and what
  // the protocol does next (Protocol::on_too_large).
  Actions refused_too_large(const Error& error);
  // Offers the connection's end to on_end_, once per connection (the first cause wins).
  void connection_ended(ClosedBy by, std::uint16_t code, std::string_view reason);
  // Waits `delay_ns` on the clock; close() cuts it short.
  void pause(std::int64_t delay_ns);
  std::int64_t backoff_ns(unsigned attempt);
  void set_phase(Phase p);
  std::int64_t stamp(std::int64_t now_ns) const { return now_ns + wall_offset_ns_; }

  GatewayOptions options_;
  std::unique_ptr<Transport> transport_;
  Clock& clock_;
  Random& random_;
  Protocol protocol_;
  std::unique_ptr<StreamDecompressor> decompressor_;
  std::string inflated_;

  // The typed handlers (by the index of their type in EventPayload), then on_event's.
  void hand_over(DeliverEvent& event);
  std::vector<std::vector<TypedHandler>> typed_;
  EventHandler on_event_;
  FrameObserver on_frame_;
  ErrorHandler on_error_;
  ErrorHandler on_fatal_;
  ConnectionEndObserver on_end_;

  std::mutex mu_;  // guards outbox_, result_, ended_; cv_ waits on phase_ and ended_
  std::condition_variable cv_;
  std::deque<std::string> outbox_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> reconnect_requested_{false};
  std::atomic<bool> identify_requested_{false};
  std::atomic<bool> heartbeat_requested_{false};
  std::atomic<bool> outbox_waiting_{false};
  std::atomic<Phase> phase_{Phase::kDisconnected};
  std::atomic<std::uint32_t> conn_{0};
  std::thread thread_;
  Status result_;
  bool ended_ = false;  // run() returned (guarded by mu_)
  // Loop-thread state.
  // Frame and connection-end times are the loop's monotonic clock moved to the wall clock's
  // epoch once per run(): the recorded timeline is the one the protocol's timers ran on, so a
  // replay of it fires them at the same moments.
  std::int64_t wall_offset_ns_ = 0;
  bool end_reported_ = false;          // connection_ended() ran for this connection
  std::int64_t pending_delay_ns_ = 0;  // wait asked by the protocol before reconnecting
  bool reached_active_ = false;        // this connection got READY or RESUMED
  Actions actions_;                    // reused from frame to frame
  std::deque<DeliverEvent> pending_;   // read ahead, not yet handed to on_event_
  // Queues `event` for the handler (with max_pending_events 0: hands it over at once).
  void deliver(DeliverEvent& event);
  // Hands pending events over, oldest first: at least one, then more until `until_ns`.
  void deliver_pending(std::int64_t until_ns);
};

}  // namespace gwtape::gateway
