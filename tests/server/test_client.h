// tests/server/test_client.h — the tests' own gateway client: Boost.Beast over Boost.Asio,
// one io_context run by the calling thread, every operation bounded by a timeout.
//
// It knows just enough of the gateway to drive the loopback server: it inflates zlib-stream
// with zlib's inflate and zstd-stream with ZSTD_decompressStream directly (an independent
// check of the server's compression, not gwtape's own decompressors). `RawFrameReader` reads
// the WebSocket frames themselves over a POSIX socket, to see how a message was fragmented.
//
// Thread-safety: one thread per client. Lifetimes: a client owns its socket; a timed-out read
// stays pending and the next `next()` continues it, so a timeout never breaks the stream.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gwtape/gateway/compression.h"
#include "gwtape/server/loopback_gateway.h"

namespace gwtape::server::test {

using namespace std::chrono_literals;

struct WsEvent {
  enum class Kind { kMessage, kClosed, kDropped, kTimeout, kBadData };
  Kind kind = Kind::kTimeout;
  bool binary = false;
  std::string data;  // the message; decompressed when the client uses compression
  std::string raw;   // the message as it arrived (before decompression)
  std::uint16_t close_code = 0;
  std::string close_reason;
  std::string error;  // kDropped, kBadData: what happened
};

struct ClientOptions {
  std::string target = "/?v=10&encoding=json";
  gateway::Compression compression = gateway::Compression::kNone;
  std::string ca_file;  // wss://: verify the server with this PEM (and the name 127.0.0.1)
  std::chrono::milliseconds timeout = 3000ms;  // connect and handshake
};

inline ClientOptions with_target(std::string target) {
  ClientOptions o;
  o.target = std::move(target);
  return o;
}

class TestClient {
 public:
  // `url` as LoopbackGateway::url() gives it. nullptr on failure, with *error set.
  static std::unique_ptr<TestClient> connect(const std::string& url, const ClientOptions& options,
                                             std::string* error = nullptr);
  ~TestClient();

  WsEvent next(std::chrono::milliseconds timeout = 3000ms);
  // The next message's text, or nullopt (a close, a drop, a timeout).
  std::optional<std::string> next_text(std::chrono::milliseconds timeout = 3000ms);
  // Reads until the connection ends: returns the close (or drop) event, skipping messages.
  WsEvent wait_closed(std::chrono::milliseconds timeout = 3000ms);

  bool send(std::string_view text, std::chrono::milliseconds timeout = 3000ms);
  bool send_binary(std::string_view bytes, std::chrono::milliseconds timeout = 3000ms);
  bool ping(std::string_view payload, std::chrono::milliseconds timeout = 3000ms);
  // Sends a close frame with `code` and waits for the server's answer.
  bool close(std::uint16_t code, std::chrono::milliseconds timeout = 3000ms);
  // Shuts the TCP connection down without a close frame.
  void drop();

  std::vector<std::string> pings_seen() const;  // server pings (Beast answers them)
  // zlib-stream: whether every binary message so far ended with 00 00 FF FF.
  bool all_sync_flushed() const;

  struct Impl;

 private:
  explicit TestClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// op / s / t / d of a frame, parsed with simdjson (d as its raw JSON text).
struct Frame {
  int op = -1;
  std::optional<std::int64_t> s;
  std::string t;
  std::string d;
};
std::optional<Frame> parse_frame(std::string_view text);

// A started loopback gateway (the test fails if it cannot start).
std::unique_ptr<LoopbackGateway> start(LoopbackOptions o = {});
// The next text message of `c`, parsed (the test fails if there is none or it is not a frame).
Frame next_frame(TestClient& c);

// The identify and resume payloads the tests send.
std::string identify_json(std::string_view token, std::uint64_t intents = 513,
                          std::string_view shard = {});
std::string resume_json(std::string_view token, std::string_view session_id, std::int64_t seq);

// A client past READY: connected to `url`, HELLO read, identified with `token`, READY and
// `guild_creates` GUILD_CREATEs read. nullopt on any failure, with *error saying which step.
struct Identified {
  std::unique_ptr<TestClient> client;
  Frame hello;
  Frame ready;
  std::string session_id;
  std::int64_t seq = 0;  // the last s read
};
std::optional<Identified> connect_and_identify(const std::string& url, std::string_view token,
                                               std::size_t guild_creates = 0,
                                               const ClientOptions& options = {},
                                               std::string* error = nullptr);

// A plain HTTP GET to 127.0.0.1:port (bounded by timeout): status and body; status 0 when
// the request failed.
struct HttpResult {
  unsigned status = 0;
  std::string body;
};
HttpResult http_get(std::uint16_t port, std::string_view target, std::string_view authorization,
                    std::chrono::milliseconds timeout = 3000ms);

// One server frame as it came off the wire.
struct RawFrame {
  bool fin = false;
  int opcode = 0;  // 0 continuation, 1 text, 2 binary, 8 close, 9 ping, 10 pong
  std::string payload;
};

// A WebSocket client that stops at the frame layer (plain ws:// only): performs the HTTP
// upgrade itself and hands out each frame. Used only to see fragmentation.
class RawFrameReader {
 public:
  static std::unique_ptr<RawFrameReader> connect(std::uint16_t port, std::string_view target,
                                                 std::chrono::milliseconds timeout = 3000ms);
  ~RawFrameReader();
  std::optional<RawFrame> next(std::chrono::milliseconds timeout = 3000ms);

 private:
  explicit RawFrameReader(int fd) : fd_(fd) {}
  bool fill(std::size_t n, std::chrono::steady_clock::time_point deadline);
  int fd_;
  std::string buf_;
};

}  // namespace gwtape::server::test
