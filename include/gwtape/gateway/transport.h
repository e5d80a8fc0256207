// gwtape/gateway/transport.h — the WebSocket connection the Gateway runs over.
//
// `Transport` is the next layer of the protocol (Boost.Beast's habit): the Gateway speaks
// Discord over any implementation — `CurlTransport` (libcurl's WebSocket API) live, a log
// reader in the replayer, a scripted fake in unit tests. A transport moves whole messages:
// fragments are reassembled, pings are answered, and the peer's close frame is answered and
// reported through `peer_close()`. It knows nothing of Discord.
//
// Thread-safety: one thread drives a transport (connect, receive, send, close); only
// `interrupt()` may be called from another thread, to wake a blocked `receive`.
// Lifetimes: a transport may be connected again after a close or a failure.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "gwtape/gateway/errors.h"

namespace gwtape::gateway {

class Clock;

enum class MessageKind : std::uint8_t { kText, kBinary };

struct TransportMessage {
  MessageKind kind = MessageKind::kText;
  std::string data;  // capacity keeps room for simdjson's padding after the text
};

struct CloseStatus {
  std::uint16_t code = 0;  // 0: the peer sent a close frame without a code
  std::string reason;
};

struct ConnectOptions {
  std::int64_t connect_timeout_ns = 30'000'000'000;  // the seed's WSTimeout
  std::int64_t write_timeout_ns = 30'000'000'000;
  std::string ca_file;      // PEM bundle to verify the server with; empty: the system's
  bool verify_peer = true;  // TLS certificate and host name verification
  std::size_t max_message_bytes = 512u << 20;  // a larger message is refused, not buffered
  std::string user_agent = "DiscordBot (gwtape, 0.1)";
  // SO_SNDBUF for the socket; 0 keeps the system's. Small values make short writes likely
  // (the send path's tests use it).
  int send_buffer_bytes = 0;
};

// What a transport had to cope with, for tests and diagnostics.
struct TransportStats {
  std::uint64_t messages_received = 0;
  std::uint64_t messages_sent = 0;
  std::uint64_t send_again = 0;    // sends that got EAGAIN and continued the payload
  std::uint64_t send_partial = 0;  // sends that took several calls (short writes)
  std::uint64_t pings_answered = 0;
  std::uint64_t fragments = 0;         // received pieces that were not a whole message
  std::uint64_t read_before_poll = 0;  // messages already buffered when receive() was called
};

class Transport {
 public:
  virtual ~Transport() = default;

  // Opens ws:// or wss:// `url` and completes the WebSocket handshake. Errors: kTransport
  // (DNS, TCP, TLS, HTTP upgrade) or kTimeout, with the URL and the library's reason.
  virtual Status connect(const std::string& url, const ConnectOptions& options) = 0;

  // The next whole text or binary message. kTimeout when none came within timeout_ns (the
  // connection stays usable); kInterrupted when `interrupt` was called (likewise); kClosed
  // when the peer closed (see peer_close()); kTransport when the connection broke; kTooLarge
  // over max_message_bytes (the connection is dropped).
  virtual Result<TransportMessage> receive(std::int64_t timeout_ns) = 0;

  // Sends one text message, whole. kTimeout after write_timeout_ns; kTransport on failure.
  virtual Status send_text(std::string_view text) = 0;

  // Sends a close frame with `code`; the connection stays open for receive() until the peer's
  // close frame arrives (receive() then returns kClosed). Idempotent.
  virtual Status send_close(std::uint16_t code, std::string_view reason) = 0;

  // send_close, then waits up to timeout_ns for the peer's close, discarding what arrives
  // meanwhile, then closes the socket. Never fails on an already-closed connection. (The
  // Gateway drains by itself instead, so that those last messages are still recorded.)
  virtual Status close(std::uint16_t code, std::string_view reason, std::int64_t timeout_ns) = 0;

  // Drops the connection without a close frame.
  virtual void disconnect() = 0;

  // The peer's close frame, once one arrived on this connection.
  virtual std::optional<CloseStatus> peer_close() const = 0;

  virtual TransportStats stats() const = 0;

  // Wakes a receive() blocked on another thread; it returns kInterrupted.
  // Thread-safe.
  virtual void interrupt() = 0;
};

// libcurl 8 (CURLOPT_CONNECT_ONLY = 2, curl_ws_recv / curl_ws_send) on one easy handle whose
// socket is polled directly. Pings are answered by us (CURLWS_NOAUTOPONG) between whole
// messages, so a pong never lands inside a half-sent frame (curl issue 16706).
// Every deadline (receive's timeout, write_timeout_ns, close's wait) is taken on `clock`, the
// one the Gateway is given (it must outlive the transport); a clock other than SystemClock is
// re-read every 20 ms while the socket is quiet. The handshake's connect_timeout_ns is
// libcurl's own, in real time. Without a clock: the system's.
std::unique_ptr<Transport> make_curl_transport(Clock& clock);
std::unique_ptr<Transport> make_curl_transport();

}  // namespace gwtape::gateway
