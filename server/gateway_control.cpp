// The test-facing side of GatewayCore: control calls, observations, and the REST endpoints.
#include <algorithm>

#include "gateway_core.h"

namespace gwtape::server::detail {

namespace {

Error no_connection() {
  return make_error(Errc::kNoConnection, "loopback gateway: no client is connected");
}

}  // namespace

Result<std::int64_t> GatewayCore::dispatch(std::string_view event_name, std::string_view d_json) {
  auto it = sessions_.find(current_session_);
  if (it == sessions_.end()) {
    return make_error(Errc::kNoSession, "loopback gateway: dispatch before any identify");
  }
  return append_dispatch(it->second, event_name, d_json);
}

Result<std::int64_t> GatewayCore::dispatch_batch(const std::vector<LoopbackDispatch>& dispatches) {
  if (sessions_.find(current_session_) == sessions_.end()) {
    return make_error(Errc::kNoSession, "loopback gateway: dispatch before any identify");
  }
  return dispatch_batch_to(current_session_, dispatches);
}

Status GatewayCore::send_raw(std::string_view text) {
  Conn* c = current();
  if (c == nullptr) return no_connection();
  send_message(*c, std::string(text));
  return {};
}

Status GatewayCore::send_frame(bool binary, std::string_view bytes) {
  Conn* c = current();
  if (c == nullptr) return no_connection();
  if (options_.keep_sent) {
    const int id = c->link->id;
    update([&](Observations& o) { o.sent.push_back({id, binary, std::string(bytes)}); });
  }
  c->link->send(binary, std::string(bytes));
  return {};
}

Status GatewayCore::request_reconnect() {
  Conn* c = current();
  if (c == nullptr) return no_connection();
  apply_fault(*c, SessionFault::kReconnect, 0);
  return {};
}

Status GatewayCore::invalidate_session(bool resumable) {
  Conn* c = current();
  if (c == nullptr) return no_connection();
  apply_fault(*c, resumable ? SessionFault::kInvalidResumable : SessionFault::kInvalid, 0);
  return {};
}

void GatewayCore::apply_fault(Conn& c, SessionFault kind, std::uint16_t code) {
  switch (kind) {
    case SessionFault::kReconnect:
      send_message(c, R"({"t":null,"s":null,"op":7,"d":null})");
      detach(c);
      return;
    case SessionFault::kInvalid:
    case SessionFault::kInvalidResumable: {
      const bool resumable = kind == SessionFault::kInvalidResumable;
      send_message(c, std::string(R"({"t":null,"s":null,"op":9,"d":)") +
                          (resumable ? "true" : "false") + "}");
      detach(c);
      if (!resumable) {
        end_session(c.session_id);
        c.authenticated = false;  // it may identify again
      }
      return;
    }
    case SessionFault::kClose:
      reject(c, rejection(code));
      return;
    case SessionFault::kDrop: {
      int id = c.link->id;
      update([&](Observations& o) { o.connections[id - 1].dropped_by_server = true; });
      c.link->drop();
      return;
    }
    case SessionFault::kZombie:
      c.no_acks = true;
      return;
    case SessionFault::kHeartbeatRequest: {
      std::string d = "null";
      auto it = sessions_.find(c.session_id);
      if (it != sessions_.end() && it->second.seq > 0) d = std::to_string(it->second.seq);
      send_message(c, R"({"t":null,"s":null,"op":1,"d":)" + d + "}");
      return;
    }
  }
}

GatewayCore::Conn* GatewayCore::live_conn(const std::string& session_id) {
  auto it = sessions_.find(session_id);
  if (it == sessions_.end() || it->second.live_connection == 0) return nullptr;
  Conn* c = find(it->second.live_connection);
  return c != nullptr && c->authenticated && c->link->open() ? c : nullptr;
}

Result<std::int64_t> GatewayCore::dispatch_to(std::string_view session_id,
                                              std::string_view event_name,
                                              std::string_view d_json) {
  auto it = sessions_.find(std::string(session_id));
  if (it == sessions_.end()) {
    return make_error(Errc::kNoSession, "loopback gateway: no session " + std::string(session_id));
  }
  return append_dispatch(it->second, event_name, d_json);
}

Result<std::int64_t> GatewayCore::dispatch_batch_to(
    std::string_view session_id, const std::vector<LoopbackDispatch>& dispatches) {
  auto it = sessions_.find(std::string(session_id));
  if (it == sessions_.end()) {
    return make_error(Errc::kNoSession, "loopback gateway: no session " + std::string(session_id));
  }
  for (const auto& d : dispatches) append_dispatch(it->second, d.t, d.d_json);
  return it->second.seq;
}

Result<SessionState> GatewayCore::session_state(std::string_view session_id) {
  auto it = sessions_.find(std::string(session_id));
  if (it == sessions_.end()) {
    return make_error(Errc::kNoSession, "loopback gateway: no session " + std::string(session_id));
  }
  SessionState st;
  st.exists = true;
  st.ended = it->second.ended;
  st.seq = it->second.seq;
  if (Conn* c = live_conn(it->first)) {
    st.live = true;
    st.backlog = c->link->queued();
  }
  return st;
}

Status GatewayCore::fault(std::string_view session_id, SessionFault kind, std::uint16_t code) {
  if (sessions_.find(std::string(session_id)) == sessions_.end()) {
    return make_error(Errc::kNoSession, "loopback gateway: no session " + std::string(session_id));
  }
  Conn* c = live_conn(std::string(session_id));
  if (c == nullptr) return no_connection();
  apply_fault(*c, kind, code);
  return {};
}

Status GatewayCore::request_heartbeat() {
  Conn* c = current();
  if (c == nullptr) return no_connection();
  apply_fault(*c, SessionFault::kHeartbeatRequest, 0);
  return {};
}

Status GatewayCore::close(std::uint16_t code, std::string_view reason) {
  Conn* c = current();
  if (c == nullptr) return no_connection();
  reject(*c, Rejection{code, std::string(reason)});
  return {};
}

Status GatewayCore::drop() {
  Conn* c = current();
  if (c == nullptr) return no_connection();
  apply_fault(*c, SessionFault::kDrop, 0);
  return {};
}

Status GatewayCore::freeze() {
  Conn* c = current();
  if (c == nullptr) return no_connection();
  c->link->freeze();
  return {};
}

Status GatewayCore::ping(std::string_view payload) {
  Conn* c = current();
  if (c == nullptr) return no_connection();
  c->link->ping(std::string(payload));
  return {};
}

HttpReply GatewayCore::on_http(std::string_view method, std::string_view target,
                               std::string_view authorization) {
  update([](Observations& o) { ++o.http_requests; });
  std::string_view path = target.substr(0, target.find('?'));
  if (method != "GET") return {405, R"({"message": "405: Method Not Allowed", "code": 0})"};
  std::string url = json_string(url_);
  if (path == "/api/v10/gateway" || path == "/api/v9/gateway") {
    return {200, R"({"url":)" + url + "}"};
  }
  if (path == "/api/v10/gateway/bot" || path == "/api/v9/gateway/bot") {
    const bool authorized = options_.any_token ? authorization.starts_with("Bot ")
                                               : authorization == "Bot " + options_.token;
    if (!authorized) {
      return {401, R"({"message": "401: Unauthorized", "code": 0})"};
    }
    return {200, R"({"url":)" + url + R"(,"shards":)" +
                     std::to_string(options_.recommended_shards) +
                     R"(,"session_start_limit":{"total":)" +
                     std::to_string(options_.session_start_total) + R"(,"remaining":)" +
                     std::to_string(session_start_remaining_) +
                     R"(,"reset_after":86400000,"max_concurrency":)" +
                     std::to_string(options_.max_concurrency) + "}}"};
  }
  if (path == "/api/v10/users/@me" && !options_.rest_user_json.empty()) {
    return {200, options_.rest_user_json};
  }
  if (path == "/api/v10/oauth2/applications/@me" && !options_.rest_application_json.empty()) {
    return {200, options_.rest_application_json};
  }
  return {404, R"({"message": "404: Not Found", "code": 0})"};
}

void GatewayCore::update(const std::function<void(Observations&)>& f) {
  {
    std::lock_guard lock(obs_mutex_);
    f(obs_);
  }
  obs_cv_.notify_all();
}

Observations GatewayCore::observe() const {
  std::lock_guard lock(obs_mutex_);
  return obs_;
}

bool GatewayCore::wait(const std::function<bool(const Observations&)>& pred,
                       std::chrono::milliseconds timeout) const {
  std::unique_lock lock(obs_mutex_);
  return obs_cv_.wait_for(lock, timeout, [&] { return pred(obs_); });
}

}  // namespace gwtape::server::detail

namespace gwtape::server {

std::size_t Observations::open_connections() const {
  return static_cast<std::size_t>(std::count_if(connections.begin(), connections.end(),
                                                [](const ConnectionRecord& c) { return c.open; }));
}

std::size_t Observations::closed_connections() const {
  return connections.size() - open_connections();
}

std::size_t Observations::frames_with_op(int op) const {
  return static_cast<std::size_t>(std::count_if(
      frames.begin(), frames.end(), [op](const ReceivedFrame& f) { return f.op == op; }));
}

}  // namespace gwtape::server
