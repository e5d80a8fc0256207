// gwtape/server/loopback_gateway.h — a gateway server that behaves like Discord on 127.0.0.1.
//
// The server module (gwtape_server) is the Discord emulator: tests, the demo and `gwtape serve`
// (replay/'s log -> server adapter, through the session hooks below) all run this one server.
//
// `LoopbackGateway` is a real WebSocket server (Boost.Beast over Boost.Asio, OpenSSL for
// wss://) that speaks gateway v10 the way PROTOCOL.md describes, so that a client (ours over
// libcurl, or any other) is tested against the wire and not against a mock. Tests script it:
// they queue dispatches, send op 7 / op 9 / server heartbeats, close with any code, drop the
// TCP connection, withhold heartbeat ACKs, send garbage; and they observe everything the client
// sent. `gwtape serve` feeds it a recorded log through the session hooks (ready_d,
// on_identified, dispatch_to, session_state, fault): one session per client.
//
// What a client sees (PROTOCOL.md's rules):
// - URL `url()` + `/?v=10&encoding=json[&compress=zlib-stream|zstd-stream]` (any path).
//   `v` missing or other than 9/10: the WebSocket is accepted, then closed with 4012.
//   `encoding` other than json, or an unknown `compress`: closed with kCloseBadQuery (4002).
//   zlib-stream: every server message goes through ONE deflate context per connection with
//   Z_SYNC_FLUSH (so it ends with 00 00 FF FF), sent as a binary message. zstd-stream: ONE
//   ZSTD_CCtx per connection, each message ZSTD_compressStream2(..., ZSTD_e_flush), binary.
//   Client messages are plain text; a binary message from the client closes with 4002.
// - On connect: HELLO {heartbeat_interval}. Then IDENTIFY (op 2) or RESUME (op 6).
//   Identify: token != options.token -> 4004; intents absent, not an integer or with
//   undocumented bits -> 4013; privileged intents without allow_privileged -> 4014; shard not
//   [id, count] with 0 <= id < count -> 4010; count < min_shards -> 4011; a `d` that is not an
//   object or a token that is not a string -> 4002; identifying within identify_interval of
//   the previous identify of the same bucket (shard_id % max_concurrency) -> op 9 d=false.
//   Success: READY (s=1; v, user, session_id, resume_gateway_url = url(), guilds as
//   unavailable stubs, shard when given, application), then a GUILD_CREATE per configured
//   guild that belongs to the shard ((id >> 22) % count == shard id).
//   Identify's `compress` (per-message payload compression), large_threshold and presence are
//   accepted and ignored.
//   Resume {token, session_id, seq} (another shape: 4002): wrong token -> 4004; unknown session, or
//   one that ended (client closed with 1000/1001, invalidate_session(false), 4009) -> op 9 d=false
//   and the connection stays open (the client may identify on it); seq < 0 or beyond the session's
//   last sequence -> 4007; otherwise every dispatch of the session with s > seq, in order
//   (including those queued while no client was there; op 9 d=false instead if some of them are
//   no longer kept, see max_kept_dispatches), then RESUMED, itself a dispatch
//   with the next s (stored like the others, so sequences never have gaps). Sessions are
//   valid across connections to the same server; a new identify makes a new session.
//   After the server sends op 7 or op 9, that connection no longer gets the session's new
//   dispatches: they wait for the resume, which replays each exactly once.
// - Heartbeat: every op 1 is answered with op 11 (unless ACKs are withheld) at any phase;
//   its `d` is recorded (Observations::heartbeats). With heartbeat_timeout_factor > 0, a
//   client silent for interval * factor is closed with 4009 (and its session ends).
// - Checks, in this order, on every client message: rate limit (more than rate_limit_frames
//   in rate_limit_window -> 4008), binary -> 4002, over max_payload_bytes -> 4002, not a JSON
//   envelope -> 4002, an op a client may not send (not 1,2,3,4,6,8,14,31,43) -> 4001, anything
//   but op 1/2/6 before identify or resume -> 4003, op 2 or 6 once authenticated -> 4005.
//   Ops 3, 4, 8, 14, 31, 43 are accepted and only recorded.
// - A message over max_message_bytes is not buffered: the connection closes 4002 at once.
// - A close with 1000 or 1001 (by the client, or by the server's close()) ends the session
//   (no resume); any other code, or a dropped connection, keeps it resumable. When the server
//   closes, it waits up to 5 s for the client's close frame, then drops the TCP connection.
// - Plain HTTP GET /api/v10/gateway and /api/v10/gateway/bot (with `Authorization: Bot
//   <token>`, else 401) answer {"url": url(), ...} like Discord's REST endpoints;
//   /api/v10/users/@me and /api/v10/oauth2/applications/@me answer rest_user_json and
//   rest_application_json when set. POST /api/v10/channels/{id}/messages (authorized the same
//   way) with {"content": ...} answers the message created (author: the bot user of READY,
//   ids from the session id generator) and keeps it in Observations::posted_messages; it does
//   not dispatch MESSAGE_CREATE back. Anything else is a JSON 404 (405 for other methods).
// - It listens on options.host (127.0.0.1 unless told otherwise). A port in use: kAddressInUse.
//
// Connections are numbered from 1 in accept order. The "current connection" is the most
// recently accepted one that is still open; control calls act on it. The "current session"
// is the one most recently identified or resumed; `dispatch` appends to it.
//
// Thread-safety: every public method is thread-safe. The server runs one io thread of its
// own; control calls are executed on it and return once they took effect (a message queued
// behind earlier ones, in order; a close started). Waits block the calling thread on a
// condition variable, each with a timeout. The server updates its observations before it
// sends what follows from them (READY after `identifies`, op 11 after `acks_sent`, a dispatch
// after `last_seq`, a close frame after `server_close_code`): once the client has seen a
// message, the matching observation is visible without waiting. Do not call anything concurrently
// with the destructor. Lifetimes: `start` returns an owning handle; `stop()` or the destructor
// closes every connection (without close frames), joins the io thread and frees everything. Every
// method is safe after stop(): control calls return Errc::kNotRunning, observations keep the
// last values. No exception escapes: Asio/Beast run with error_code overloads.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gwtape/gateway/compression.h"
#include "gwtape/server/errors.h"

namespace gwtape::server {

// Close code for an unsupported `encoding` or `compress` in the query string. Discord does
// not document one; 4002 (decode error) is what a client treats as resumable.
inline constexpr std::uint16_t kCloseBadQuery = 4002;

// A guild the server announces in READY (as an unavailable stub) and sends as GUILD_CREATE.
struct LoopbackGuild {
  std::uint64_t id = 0;  // snowflake; decides the shard the guild belongs to
  std::string name = "guild";
  // When non-empty, GUILD_CREATE's `d` verbatim (any size: a multi-MB guild is fine); it should
  // carry the same id. Empty: a minimal available guild {id, name, unavailable: false, ...}.
  std::string d_json;
};

// What the ready_d hook is told about a new session.
struct ReadyRequest {
  std::string session_id;
  std::string resume_gateway_url;                    // what READY must carry
  std::optional<std::array<std::int64_t, 2>> shard;  // identify's [id, count]
  int version = 10;
};

// A fault done to a session's live connection (LoopbackGateway::fault).
enum class SessionFault {
  kReconnect,         // op 7
  kInvalid,           // op 9 d=false (the session ends)
  kInvalidResumable,  // op 9 d=true
  kClose,             // a close frame with the given code, then TCP
  kDrop,              // TCP shutdown, no close frame
  kZombie,            // op 1 is no longer ACKed on this connection (later ones ACK again)
  kHeartbeatRequest,  // a server op 1 (d: the session's last sequence): answer at once
};

// A session as a feeder sees it (LoopbackGateway::session_state).
struct SessionState {
  bool exists = false;
  bool ended = false;       // the client closed 1000/1001, op 9 false, 4009
  bool live = false;        // a connection identified or resumed it and is open
  std::size_t backlog = 0;  // messages queued on that connection, not yet written
  std::int64_t seq = 0;     // the session's last sequence number
};

struct LoopbackOptions {
  std::uint16_t port = 0;  // 0: the OS picks one; see port() / url()
  // The IPv4 address to listen on; url() names it. Tests keep the loopback address.
  std::string host = "127.0.0.1";
  // Both set: wss:// with this PEM certificate (chain) and key; both empty: ws://.
  std::string cert_file;
  std::string key_file;

  // Identify.
  std::string token = "loopback-token";
  bool any_token = false;         // accept any non-empty token (identify, resume, gateway/bot)
  bool allow_privileged = false;  // GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT
  int min_shards = 0;             // identify with fewer shards (or none, if > 1): 4011
  int max_concurrency = 1;        // identify buckets: shard_id % max_concurrency
  // Two identifies of one bucket closer than this: the second gets op 9 d=false. 0: off.
  std::chrono::milliseconds identify_interval{0};
  std::uint64_t seed = 1;  // session ids come from SplitMix64(seed): the same every run
  std::uint64_t user_id = 1'000'000'000'000'000'001ULL;
  std::string username = "gwtape-loopback";
  std::uint64_t application_id = 1'000'000'000'000'000'002ULL;
  std::vector<LoopbackGuild> guilds;
  // READY's resume_gateway_url; empty: url(). Another address tests a dead resume host.
  std::string resume_gateway_url;

  // Heartbeat. HELLO's interval; set_hello_interval() changes it for later connections.
  std::chrono::milliseconds heartbeat_interval{41250};
  // > 0: close 4009 when the client sent nothing for heartbeat_interval * factor (Discord
  // does, with about 1.5). 0: off, so tests stay deterministic.
  double heartbeat_timeout_factor = 0;

  // Limits.
  std::size_t max_payload_bytes = 4096;      // a larger client message: 4002
  std::size_t max_message_bytes = 1u << 20;  // not even buffered beyond this: 4002 at once
  std::size_t rate_limit_frames = 120;       // more than this many client messages ...
  std::chrono::milliseconds rate_limit_window{60'000};  // ... within this window: 4008

  // Dispatches each session keeps for resume replay; the oldest go first. A resume that needs
  // one no longer kept gets op 9 d=false. Lower it for long benchmarks to keep memory flat.
  std::size_t max_kept_dispatches = SIZE_MAX;
  // A resume whose seq is < 0 or beyond the session's last: op 9 d=false (what gwtape serve
  // answers, as for an unknown session) instead of closing with 4007.
  bool bad_seq_invalid_session = false;

  // > 0: server messages go out as WebSocket frames of at most this many payload bytes
  // (continuation frames), to test the client's reassembly. 0: one frame per message.
  // Beast needs at least 8.
  std::size_t fragment_size = 0;
  // Keep every message the server sends in Observations::sent (tests that compare what
  // the client recorded with what was sent; off by default: it grows with the traffic).
  bool keep_sent = false;

  // GET /api/v10/gateway/bot.
  int recommended_shards = 1;
  int session_start_total = 1000;
  int session_start_remaining = 1000;
  // GET /api/v10/users/@me and /api/v10/oauth2/applications/@me answer these bodies (JSON)
  // when set; empty: a 404 like any unknown path.
  std::string rest_user_json;
  std::string rest_application_json;

  // --- Session hooks (gwtape serve). Both run on the io thread: keep them short, and do not
  // call this server from them (its control calls wait for the io thread).
  // Set: READY's `d` for each new session (no GUILD_CREATE of `guilds` follows). Unset: the
  // built-in READY from user_id, username, guilds...
  std::function<std::string(const ReadyRequest&)> ready_d;
  // Set: told the id of each new session just before its READY is queued, so that a client
  // holding its READY finds the session announced (what the hook starts reaches the session
  // through the io thread, hence after READY).
  std::function<void(const std::string& session_id)> on_identified;
};

// One dispatch for dispatch_batch: event name and the raw JSON of d.
struct LoopbackDispatch {
  std::string t;
  std::string d_json;
};

// One message the client sent, as it arrived.
struct ReceivedFrame {
  int connection = 0;     // 1-based, in accept order
  std::optional<int> op;  // nullopt when it is not a parseable envelope
  bool binary = false;    // a binary WebSocket message (clients must send text)
  std::size_t size = 0;   // the message's length in bytes so far
  std::string text;       // the message (only its first max_message_bytes when larger)
  std::chrono::steady_clock::time_point at;
};

// One accepted WebSocket connection.
struct ConnectionRecord {
  int id = 0;
  std::string target;  // the request target, e.g. "/?v=10&encoding=json"
  gateway::Compression compression = gateway::Compression::kNone;
  bool open = true;
  // When the WebSocket handshake completed (HELLO goes out at once), and when it ended.
  std::chrono::steady_clock::time_point opened_at;
  std::optional<std::chrono::steady_clock::time_point> closed_at;
  std::string session_id;  // the session it identified or resumed, if any
  // The client's close frame, when it sent one (code 0: a close frame without a code).
  std::optional<std::uint16_t> client_close_code;
  std::string client_close_reason;
  // What the server did to end it: a close frame with this code, or a drop.
  std::optional<std::uint16_t> server_close_code;
  bool dropped_by_server = false;
};

// Everything the server has seen, in order. A copy is handed out; the server keeps the whole
// history until it is destroyed.
// A message the server sent, before transport compression (what the client should see).
struct SentFrame {
  int connection = 0;
  bool binary = false;  // sent with send_binary (not through the compressor)
  std::string text;
};

// A message a client created over REST (POST /api/v10/channels/{id}/messages).
struct PostedMessage {
  std::uint64_t channel_id = 0;
  std::uint64_t message_id = 0;  // the id the server gave it
  std::string content;
};

// An identify that passed the checks (token, intents, shard), as the bucket rule judged it.
struct IdentifyRecord {
  int connection = 0;
  std::optional<std::int64_t> shard_id;  // identify's shard[0]; nullopt without `shard`
  std::int64_t bucket = 0;               // shard_id % max_concurrency (0 without `shard`)
  bool accepted = false;                 // READY; false: op 9 (within identify_interval)
  std::chrono::steady_clock::time_point at;
};

struct Observations {
  std::vector<ReceivedFrame> frames;
  // Every identify judged by the bucket rule, over all connections, in arrival order: what a
  // test checks identify spacing against (kept with identify_interval 0 too).
  std::vector<IdentifyRecord> identify_log;
  std::vector<SentFrame> sent;  // only with LoopbackOptions::keep_sent
  std::vector<ConnectionRecord> connections;
  // `d` of every op 1 the client sent (nullopt for null), in order, over all connections.
  std::vector<std::optional<std::int64_t>> heartbeats;
  std::size_t acks_sent = 0;       // op 11
  std::size_t identifies = 0;      // successful: READY sent
  std::size_t resumes = 0;         // successful: RESUMED sent
  std::size_t failed_resumes = 0;  // answered with op 9 d=false or closed 4004/4007
  std::vector<std::string> pongs;  // payload of every pong the client sent
  std::vector<std::string> pings;  // payload of every ping the client sent
  std::size_t http_requests = 0;   // plain HTTP (REST) requests answered
  std::vector<PostedMessage> posted_messages;
  std::string session_id;     // the current session's id ("" before any identify)
  std::int64_t last_seq = 0;  // the current session's last sequence number

  std::size_t open_connections() const;
  std::size_t closed_connections() const;
  std::size_t frames_with_op(int op) const;
};

class LoopbackGateway {
 public:
  // Binds options.host:options.port and starts the io thread. Errors: kInvalidArgument (one
  // of cert_file/key_file without the other, fragment_size 1-7, heartbeat_interval <= 0, a
  // host that is not an IPv4 address), kTls (certificate or key unreadable or mismatched),
  // kAddressInUse (the port is taken), kIo (bind/listen failed otherwise).
  static Result<std::unique_ptr<LoopbackGateway>> start(LoopbackOptions options);

  ~LoopbackGateway();
  LoopbackGateway(const LoopbackGateway&) = delete;
  LoopbackGateway& operator=(const LoopbackGateway&) = delete;

  // Closes every connection (TCP shutdown, no close frames), joins the io thread. Idempotent.
  void stop();

  // "ws://127.0.0.1:PORT" or "wss://127.0.0.1:PORT", no trailing slash: READY's
  // resume_gateway_url, and what GET /api/v10/gateway answers.
  const std::string& url() const;
  std::uint16_t port() const;

  // --- Control. Each returns once the action took effect on the io thread (messages are
  // queued in call order behind what the connection is already sending). Errors:
  // kNotRunning after stop(); kNoConnection / kNoSession as noted.

  // Appends a dispatch {t: event_name, s: next, op: 0, d: d_json} to the current session and
  // sends it at once if that session's connection is identified or resumed and open;
  // otherwise it waits for a resume. d_json is sent verbatim (not validated, so a test may
  // send a dispatch whose d is broken). Returns its sequence number. kNoSession before any
  // identify.
  Result<std::int64_t> dispatch(std::string_view event_name, std::string_view d_json);
  // The same for many dispatches in one call to the io thread (benchmarks: 100k dispatches
  // without 100k round trips); returns the last sequence number.
  Result<std::int64_t> dispatch_batch(const std::vector<LoopbackDispatch>& dispatches);

  // To the current connection (kNoConnection when there is none):
  // `text` as one gateway message: through the connection's transport compression (binary)
  // or as a text message when uncompressed. Not validated: invalid JSON, anything.
  Status send_raw(std::string_view text);
  // `text` as a WebSocket text message, never compressed (even on a compressed connection).
  Status send_text_frame(std::string_view text);
  // `bytes` as a WebSocket binary message verbatim (never through the compressor).
  Status send_binary(std::string_view bytes);
  Status request_reconnect();                 // op 7
  Status invalidate_session(bool resumable);  // op 9 d=resumable; false ends the session
  Status request_heartbeat();                 // server op 1 (d: the last sequence)
  Status close(std::uint16_t code, std::string_view reason = {});  // close frame, then TCP
  Status drop();                                                   // TCP shutdown, no close frame
  // The connection becomes a network black hole: the server reads nothing more from it (a
  // close frame is not answered), sends nothing more, and keeps the TCP connection open until
  // stop(). What a client sees of a dead route: the zombie case.
  Status freeze();
  Status ping(std::string_view payload = {});  // WebSocket ping; see Observations::pongs

  // --- Per session (gwtape serve: several clients, each at its own place). kNoSession for an
  // id the server never made.
  // Appends a dispatch to that session, like dispatch(); sent at once when the session is
  // live, else kept for its resume. Returns its sequence number.
  Result<std::int64_t> dispatch_to(std::string_view session_id, std::string_view event_name,
                                   std::string_view d_json);
  // The same for many, in one call to the io thread (a serve stream's round trip per batch,
  // not per dispatch); returns the last sequence number.
  Result<std::int64_t> dispatch_batch_to(std::string_view session_id,
                                         const std::vector<LoopbackDispatch>& dispatches);
  Result<SessionState> session_state(std::string_view session_id);
  // To the session's live connection (kNoConnection when it has none). `code` for kClose.
  Status fault(std::string_view session_id, SessionFault kind, std::uint16_t code = 4000);

  // Settings; they apply from the next client message or connection on.
  void withhold_acks(bool withhold);  // stop (true) or resume (false) answering op 1
  // HELLO's heartbeat_interval for later connections; nullopt: a HELLO without the field.
  void set_hello_interval(std::optional<std::chrono::milliseconds> interval);
  // While on, new connections get nothing at all (not even HELLO) and their messages are
  // only recorded; control calls still act on them.
  void silent(bool on);

  // --- Observation (copies; thread-safe).
  Observations observations() const;
  std::vector<ReceivedFrame> received() const;
  std::size_t connections() const;  // accepted WebSocket connections so far
  std::size_t identifies() const;
  std::size_t resumes() const;
  std::vector<std::string> pongs() const;
  std::string session_id() const;

  // --- Waits: block until `pred(observations)` holds (re-checked after every change) or the
  // timeout passes; true when it holds. `pred` runs under the server's lock: keep it short
  // and do not call this object from it.
  bool wait_for(const std::function<bool(const Observations&)>& pred,
                std::chrono::milliseconds timeout) const;
  bool wait_for_connections(std::size_t n, std::chrono::milliseconds timeout) const;
  bool wait_for_closed(std::size_t n, std::chrono::milliseconds timeout) const;  // n ended
  bool wait_for_identifies(std::size_t n, std::chrono::milliseconds timeout) const;
  bool wait_until_identified(std::chrono::milliseconds timeout) const;  // >= 1 identify
  bool wait_for_resumes(std::size_t n, std::chrono::milliseconds timeout) const;
  // n messages with this op received, over all connections.
  bool wait_for_frames(int op, std::size_t n, std::chrono::milliseconds timeout) const;
  bool wait_for_pongs(std::size_t n, std::chrono::milliseconds timeout) const;

 private:
  struct Impl;
  explicit LoopbackGateway(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace gwtape::server
