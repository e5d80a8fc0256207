// The test-facing side of GatewayCore: control calls, observations, and the REST endpoints.
#include <simdjson.h>

#include <algorithm>
#include <charconv>

#include "gateway_core.h"

namespace gwtape::server::detail {

namespace {

constexpr std::string_view kChannelsPrefix = "/api/v10/channels/";
constexpr std::string_view kMessagesSuffix = "/messages";

// The channel id of ".../channels/{id}/messages"; 0 when the path is not one.
std::uint64_t messages_channel(std::string_view path) {
  if (!path.starts_with(kChannelsPrefix) || !path.ends_with(kMessagesSuffix)) return 0;
  std::string_view id = path.substr(kChannelsPrefix.size(),
                                    path.size() - kChannelsPrefix.size() - kMessagesSuffix.size());
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), v);
  return ec == std::errc() && end == id.data() + id.size() ? v : 0;
}

HttpReply discord_error(int status, int code, std::string_view message) {
  return {static_cast<unsigned>(status),
          R"({"message": )" + json_string(message) + R"(, "code": )" + std::to_string(code) + "}"};
}

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
                               std::string_view authorization, std::string_view body) {
  update([](Observations& o) { ++o.http_requests; });
  std::string_view path = target.substr(0, target.find('?'));
  const bool authorized = options_.any_token ? authorization.starts_with("Bot ")
                                             : authorization == "Bot " + options_.token;
  if (method == "POST") {
    const std::uint64_t channel = messages_channel(path);
    if (channel == 0) return discord_error(404, 0, "404: Not Found");
    if (!authorized) return discord_error(401, 0, "401: Unauthorized");
    return create_message(channel, body);
  }
  if (method != "GET") return {405, R"({"message": "405: Method Not Allowed", "code": 0})"};
  std::string url = json_string(url_);
  if (path == "/api/v10/gateway" || path == "/api/v9/gateway") {
    return {200, R"({"url":)" + url + "}"};
  }
  if (path == "/api/v10/gateway/bot" || path == "/api/v9/gateway/bot") {
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

// Discord's checks on a message body: JSON with a non-empty "content" of at most 2000 characters
// (this server counts UTF-8 code points), else 400 with Discord's error codes.
HttpReply GatewayCore::create_message(std::uint64_t channel, std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
    return discord_error(400, 50109, "The request body contains invalid JSON.");
  }
  std::string_view content;
  if (doc["content"].get(content) != simdjson::SUCCESS || content.empty()) {
    return discord_error(400, 50006, "Cannot send an empty message");
  }
  const auto code_points =
      std::count_if(content.begin(), content.end(), [](char c) { return (c & 0xC0) != 0x80; });
  if (code_points > 2000) {
    return discord_error(400, 50035,
                         "Invalid Form Body: content: Must be 2000 or fewer in length.");
  }
  PostedMessage posted{channel, 0, std::string(content)};
  update([&](Observations& o) {
    posted.message_id = 2'000'000'000'000'000'000ULL + o.posted_messages.size() + 1;
    o.posted_messages.push_back(posted);
  });
  return {200, R"({"id":")" + std::to_string(posted.message_id) + R"(","channel_id":")" +
                   std::to_string(channel) + R"(","author":{"id":")" +
                   std::to_string(options_.user_id) + R"(","username":)" +
                   json_string(options_.username) + R"(,"bot":true},"content":)" +
                   json_string(content) +
                   R"(,"timestamp":"2026-01-01T00:00:00.000000+00:00","edited_timestamp":null,)"
                   R"("tts":false,"mention_everyone":false,"mentions":[],"mention_roles":[],)"
                   R"("attachments":[],"embeds":[],"pinned":false,"type":0})"};
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
