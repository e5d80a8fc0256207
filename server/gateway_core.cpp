// The connection side of GatewayCore: accepting, HELLO, the payload checks, identify, resume
// and heartbeats. Control calls, observations and REST live in gateway_control.cpp.
#include "gateway_core.h"

#include <cstdio>

namespace gwtape::server::detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// Opcodes a client may send (PROTOCOL.md): anything else closes with 4001.
bool client_may_send(int op) {
  switch (op) {
    case 1:
    case 2:
    case 3:
    case 4:
    case 6:
    case 8:
    case 14:
    case 31:
    case 43:
      return true;
    default:
      return false;
  }
}

constexpr std::string_view kTrace = R"(["gwtape-loopback"])";

}  // namespace

GatewayCore::GatewayCore(asio::io_context& ioc, asio::ssl::context* tls, LoopbackOptions options)
    : ioc_(ioc),
      tls_(tls),
      options_(std::move(options)),
      acceptor_(ioc),
      rng_(options_.seed),
      session_start_remaining_(options_.session_start_remaining),
      hello_interval_(options_.heartbeat_interval) {}

GatewayCore::~GatewayCore() = default;

Status GatewayCore::listen() {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address_v4(options_.host, ec);
  if (ec) {
    return make_error(Errc::kInvalidArgument,
                      "loopback gateway: not an IPv4 address: \"" + options_.host + "\"");
  }
  tcp::endpoint ep(addr, options_.port);
  if (acceptor_.open(ep.protocol(), ec); ec) {
    return make_error(Errc::kIo, "loopback gateway: socket: " + ec.message());
  }
  if (acceptor_.set_option(tcp::acceptor::reuse_address(true), ec); ec) {
    return make_error(Errc::kIo, "loopback gateway: SO_REUSEADDR: " + ec.message());
  }
  if (acceptor_.bind(ep, ec); ec) {
    return make_error(
        ec == boost::asio::error::address_in_use ? Errc::kAddressInUse : Errc::kIo,
        "loopback gateway: bind 127.0.0.1:" + std::to_string(options_.port) + ": " + ec.message());
  }
  if (acceptor_.listen(asio::socket_base::max_listen_connections, ec); ec) {
    return make_error(Errc::kIo, "loopback gateway: listen: " + ec.message());
  }
  port_ = acceptor_.local_endpoint(ec).port();
  url_ = std::string(tls_ != nullptr ? "wss" : "ws") + "://" + options_.host + ":" +
         std::to_string(port_);
  accept_next();
  return {};
}

void GatewayCore::accept_next() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (shut_down_) return;
    if (!ec) {
      LinkOptions lo{options_.fragment_size, options_.max_message_bytes};
      std::erase_if(links_, [](const std::weak_ptr<Link>& w) { return w.expired(); });
      links_.push_back(serve(std::move(socket), tls_, lo, this));
    }
    accept_next();
  });
}

void GatewayCore::shutdown() {
  shut_down_ = true;
  boost::system::error_code ec;
  acceptor_.close(ec);
  for (auto& [id, c] : conns_) {
    if (c.timeout) c.timeout->cancel();
  }
  for (auto& w : links_) {
    if (auto l = w.lock()) l->abort();
  }
}

GatewayCore::Conn* GatewayCore::find(int id) {
  auto it = conns_.find(id);
  return it == conns_.end() ? nullptr : &it->second;
}

GatewayCore::Conn* GatewayCore::current() {
  for (auto it = conns_.rbegin(); it != conns_.rend(); ++it) {
    if (it->second.link->open()) return &it->second;
  }
  return nullptr;
}

void GatewayCore::send_message(Conn& c, const std::string& text) {
  if (options_.keep_sent) {
    const int id = c.link->id;
    update([&](Observations& o) { o.sent.push_back({id, false, text}); });
  }
  if (!c.compressor) {
    c.link->send(false, text);
    return;
  }
  auto packed = c.compressor->compress(text);
  if (!packed.ok()) {
    reject(c, Rejection{4000, "Unknown error."});
    return;
  }
  c.link->send(true, std::move(*packed));
}

void GatewayCore::reject(Conn& c, const Rejection& r) {
  if (!c.link->open()) return;
  int id = c.link->id;
  update([&](Observations& o) { o.connections[id - 1].server_close_code = r.code; });
  if (r.code == 1000 || r.code == 1001 || r.code == 4009) end_session(c.session_id);
  c.link->close(r.code, r.reason);
}

void GatewayCore::on_open(const std::shared_ptr<Link>& link, std::string_view target) {
  if (shut_down_) return;
  int id = next_id_++;
  link->id = id;
  auto query = parse_gateway_query(target);
  ConnectionRecord rec;
  rec.id = id;
  rec.target = std::string(target);
  rec.opened_at = Clock::now();
  if (auto* q = std::get_if<GatewayQuery>(&query)) rec.compression = q->compression;
  update([&](Observations& o) { o.connections.push_back(rec); });

  Conn& c = conns_[id];
  c.link = link;
  c.silent = silent_;
  if (auto* r = std::get_if<Rejection>(&query)) {
    reject(c, *r);
    return;
  }
  const auto& q = std::get<GatewayQuery>(query);
  c.version = q.version;
  auto compressor = make_compressor(q.compression);
  if (!compressor.ok()) {
    reject(c, Rejection{4000, "Unknown error."});
    return;
  }
  c.compressor = std::move(*compressor);
  if (c.silent) return;
  std::string hello = R"({"t":null,"s":null,"op":10,"d":{)";
  if (hello_interval_) {
    hello += R"("heartbeat_interval":)" + std::to_string(hello_interval_->count()) + ",";
  }
  hello += R"("_trace":)" + std::string(kTrace) + "}}";
  send_message(c, hello);
  arm_timeout(id, c);
}

void GatewayCore::arm_timeout(int id, Conn& c) {
  if (options_.heartbeat_timeout_factor <= 0 || !hello_interval_) return;
  if (!c.timeout) c.timeout = std::make_unique<asio::steady_timer>(ioc_);
  auto ms = static_cast<std::int64_t>(static_cast<double>(hello_interval_->count()) *
                                      options_.heartbeat_timeout_factor);
  c.timeout->expires_after(std::chrono::milliseconds(ms));
  c.timeout->async_wait([this, id](boost::system::error_code ec) {
    if (ec || shut_down_) return;
    if (Conn* conn = find(id)) reject(*conn, rejection(4009));
  });
}

void GatewayCore::on_message(Link& link, bool binary, std::string data, std::size_t size,
                             bool truncated) {
  Conn* cp = find(link.id);
  if (cp == nullptr || shut_down_) return;
  Conn& c = *cp;
  const int id = link.id;
  const auto now = Clock::now();

  // Parse first, so that the recorded frame carries its op.
  std::optional<int> op;
  std::string d;
  bool parsed = false;
  if (!binary && !truncated) {
    auto env = parser_.parse(data);
    if (env.ok()) {
      parsed = true;
      op = static_cast<int>(env->op);
      d = std::string(env->d);
    }
  }
  std::optional<std::int64_t> beat_seq;
  if (parsed && *op == 1) beat_seq = parse_heartbeat_seq(d);
  update([&](Observations& o) {
    o.frames.push_back(ReceivedFrame{id, op, binary, size, std::move(data), now});
    if (parsed && *op == 1 && !c.silent) o.heartbeats.push_back(beat_seq);
  });
  if (c.silent) return;
  arm_timeout(id, c);

  c.recent.push_back(now);
  while (!c.recent.empty() && c.recent.front() <= now - options_.rate_limit_window) {
    c.recent.pop_front();
  }
  if (c.recent.size() > options_.rate_limit_frames) return reject(c, rejection(4008));
  if (binary || size > options_.max_payload_bytes || !parsed) return reject(c, rejection(4002));
  if (!client_may_send(*op)) return reject(c, rejection(4001));

  switch (*op) {
    case 1:
      if (!withhold_acks_ && !c.no_acks) {
        // Observations change before the client can see their effect (here and below).
        update([](Observations& o) { ++o.acks_sent; });
        send_message(c, R"({"t":null,"s":null,"op":11,"d":null})");
      }
      return;
    case 2:
      if (c.authenticated) return reject(c, rejection(4005));
      return on_identify(id, c, d);
    case 6:
      if (c.authenticated) return reject(c, rejection(4005));
      return on_resume(id, c, d);
    default:
      if (!c.authenticated) return reject(c, rejection(4003));
      return;  // presence, voice state, member requests...: accepted, only recorded
  }
}

void GatewayCore::on_identify(int id, Conn& c, std::string_view d) {
  IdentifyRules rules{options_.token, options_.any_token, options_.allow_privileged,
                      options_.min_shards};
  auto checked = check_identify(d, rules);
  if (auto* r = std::get_if<Rejection>(&checked)) return reject(c, *r);
  const auto& req = std::get<IdentifyRequest>(checked);

  std::int64_t bucket = req.shard ? (*req.shard)[0] % std::max(1, options_.max_concurrency) : 0;
  const auto now = Clock::now();
  IdentifyRecord record{id, std::nullopt, bucket, true, now};
  if (req.shard) record.shard_id = (*req.shard)[0];
  if (options_.identify_interval.count() > 0) {
    auto last = last_identify_.find(bucket);
    if (last != last_identify_.end() && now - last->second < options_.identify_interval) {
      record.accepted = false;
      update([&](Observations& o) { o.identify_log.push_back(record); });
      send_message(c, R"({"t":null,"s":null,"op":9,"d":false})");
      return;
    }
  }
  update([&](Observations& o) { o.identify_log.push_back(record); });
  last_identify_[bucket] = now;
  if (session_start_remaining_ > 0) --session_start_remaining_;

  std::string sid = new_session_id();
  Session& s = sessions_[sid];
  s.id = sid;
  s.version = c.version;
  s.live_connection = id;
  c.authenticated = true;
  c.session_id = sid;
  current_session_ = sid;
  update([&](Observations& o) {
    ++o.identifies;
    o.connections[id - 1].session_id = sid;
    o.session_id = sid;
  });
  // Before READY goes out: a client that has its READY finds its session already announced
  // (what the hook starts can only reach the session through this thread, so after READY).
  if (options_.on_identified) options_.on_identified(sid);
  if (options_.ready_d) {
    ReadyRequest rr{sid, resume_url(), req.shard, s.version};
    append_dispatch(s, "READY", options_.ready_d(rr));
    return;
  }
  append_dispatch(s, "READY", ready_json(s, req));
  std::int64_t count = req.shard ? (*req.shard)[1] : 1;
  std::int64_t shard = req.shard ? (*req.shard)[0] : 0;
  for (const auto& g : options_.guilds) {
    if (shard_of(g.id, count) == shard) append_dispatch(s, "GUILD_CREATE", guild_json(g));
  }
}

void GatewayCore::on_resume(int id, Conn& c, std::string_view d) {
  auto parsed = parse_resume(d);
  if (auto* r = std::get_if<Rejection>(&parsed)) return reject(c, *r);
  const auto& req = std::get<ResumeRequest>(parsed);
  auto failed = [this] { update([](Observations& o) { ++o.failed_resumes; }); };
  if (options_.any_token ? req.token.empty() : req.token != options_.token) {
    failed();
    return reject(c, rejection(4004));
  }
  auto it = sessions_.find(req.session_id);
  // Resumable only if every dispatch after seq is still kept.
  auto kept_from = [](const Session& s) {
    return s.dispatches.empty() ? s.seq + 1 : s.dispatches.front().first;
  };
  if (it == sessions_.end() || it->second.ended ||
      (req.seq >= 0 && req.seq + 1 < kept_from(it->second))) {
    failed();
    send_message(c, R"({"t":null,"s":null,"op":9,"d":false})");
    return;
  }
  Session& s = it->second;
  if (req.seq < 0 || req.seq > s.seq) {
    failed();
    if (options_.bad_seq_invalid_session) {
      send_message(c, R"({"t":null,"s":null,"op":9,"d":false})");
      return;
    }
    return reject(c, rejection(4007));
  }
  c.authenticated = true;
  c.session_id = s.id;
  s.live_connection = id;
  current_session_ = s.id;
  update([&](Observations& o) {
    ++o.resumes;
    o.connections[id - 1].session_id = s.id;
    o.session_id = s.id;
    o.last_seq = s.seq + 1;  // RESUMED's
  });
  for (const auto& [seq, frame] : s.dispatches) {
    if (seq > req.seq) send_message(c, frame);
  }
  append_dispatch(s, "RESUMED", std::string(R"({"_trace":)") + std::string(kTrace) + "}");
}

void GatewayCore::on_control(Link& link, bool pong, std::string_view payload) {
  int id = link.id;
  if (id == 0) return;
  update([&](Observations& o) { (pong ? o.pongs : o.pings).emplace_back(payload); });
}

void GatewayCore::on_closed(Link& link, std::optional<PeerClose> peer_close) {
  const int id = link.id;
  Conn* c = find(id);
  if (c == nullptr) return;
  bool server_closed = false;
  update([&](Observations& o) {
    auto& rec = o.connections[id - 1];
    rec.open = false;
    rec.closed_at = Clock::now();
    server_closed = rec.server_close_code.has_value() || rec.dropped_by_server;
    if (peer_close) {
      rec.client_close_code = peer_close->code;
      rec.client_close_reason = peer_close->reason;
    }
  });
  // A client that closes with 1000 or 1001 ends its session; other codes keep it resumable.
  if (peer_close && !server_closed && (peer_close->code == 1000 || peer_close->code == 1001)) {
    end_session(c->session_id);
  }
  auto it = sessions_.find(c->session_id);
  if (it != sessions_.end() && it->second.live_connection == id) it->second.live_connection = 0;
  if (c->timeout) c->timeout->cancel();
  conns_.erase(id);
}

std::int64_t GatewayCore::append_dispatch(Session& s, std::string_view name,
                                          std::string_view d_json) {
  std::int64_t seq = ++s.seq;
  std::string frame =
      R"({"t":)" + json_string(name) + R"(,"s":)" + std::to_string(seq) + R"(,"op":0,"d":)";
  frame.append(d_json);
  frame += "}";
  if (s.id == current_session_) update([&](Observations& o) { o.last_seq = seq; });
  if (s.live_connection != 0) {
    Conn* c = find(s.live_connection);
    if (c != nullptr && c->authenticated && c->link->open()) send_message(*c, frame);
  }
  s.dispatches.emplace_back(seq, std::move(frame));
  while (s.dispatches.size() > options_.max_kept_dispatches) s.dispatches.pop_front();
  return seq;
}

std::string GatewayCore::ready_json(const Session& s, const IdentifyRequest& req) const {
  std::string guilds;
  std::int64_t count = req.shard ? (*req.shard)[1] : 1;
  std::int64_t shard = req.shard ? (*req.shard)[0] : 0;
  for (const auto& g : options_.guilds) {
    if (shard_of(g.id, count) != shard) continue;
    if (!guilds.empty()) guilds += ",";
    guilds += R"({"unavailable":true,"id":")" + std::to_string(g.id) + "\"}";
  }
  std::string out = R"({"v":)" + std::to_string(s.version) +
                    R"(,"user_settings":{},"user":{"verified":true,"username":)" +
                    json_string(options_.username) + R"(,"mfa_enabled":false,"id":")" +
                    std::to_string(options_.user_id) +
                    R"(","global_name":null,"flags":0,"email":null,"discriminator":"0",)"
                    R"("bot":true,"avatar":null},"session_type":"normal","session_id":")" +
                    s.id + R"(","resume_gateway_url":)" + json_string(resume_url()) +
                    R"(,"relationships":[],"private_channels":[],"presences":[],"guilds":[)" +
                    guilds + R"(],"guild_join_requests":[],"geo_ordered_rtc_regions":[],)";
  if (req.shard) {
    out += R"("shard":[)" + std::to_string((*req.shard)[0]) + "," +
           std::to_string((*req.shard)[1]) + "],";
  }
  out += R"("application":{"id":")" + std::to_string(options_.application_id) +
         R"(","flags":0},"_trace":)" + std::string(kTrace) + "}";
  return out;
}

std::string GatewayCore::guild_json(const LoopbackGuild& g) const {
  if (!g.d_json.empty()) return g.d_json;
  std::string id = std::to_string(g.id);
  return R"({"id":")" + id + R"(","name":)" + json_string(g.name) +
         R"(,"unavailable":false,"owner_id":")" + std::to_string(options_.user_id) +
         R"(","joined_at":"2024-01-01T00:00:00.000000+00:00","large":false,"member_count":1,)"
         R"("features":[],"roles":[],"emojis":[],"stickers":[],"channels":[],"threads":[],)"
         R"("members":[],"presences":[],"voice_states":[],"stage_instances":[],)"
         R"("guild_scheduled_events":[],"soundboard_sounds":[]})";
}

std::string GatewayCore::new_session_id() {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(rng_.next_u64()),
                static_cast<unsigned long long>(rng_.next_u64()));
  return buf;
}

void GatewayCore::detach(Conn& c) {
  auto it = sessions_.find(c.session_id);
  if (it != sessions_.end() && it->second.live_connection == c.link->id) {
    it->second.live_connection = 0;
  }
}

void GatewayCore::end_session(const std::string& id) {
  auto it = sessions_.find(id);
  if (it != sessions_.end()) it->second.ended = true;
}

}  // namespace gwtape::server::detail
