// server/ws_link.h — private: one server-side WebSocket connection (Boost.Beast), as the
// loopback gateway's logic sees it.
//
// `serve` takes an accepted TCP socket through the TLS handshake (wss://), reads one HTTP
// request, and either upgrades it to a WebSocket (the handler's on_open gets the Link) or
// answers it as a plain HTTP request (the handler's on_http) and closes. A Link moves whole
// messages; what it is told to do (send, ping, close, drop) is queued and done in order, so a
// close never overtakes the dispatches queued before it. It knows nothing of Discord.
//
// Thread-safety: none; everything runs on the one io thread of the io_context the socket
// belongs to, including every handler call. Lifetimes: pending operations keep a Link alive;
// the handler must outlive every Link (the loopback gateway aborts them all, then drains the
// io_context, before it goes).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace gwtape::server::detail {

struct PeerClose {
  std::uint16_t code = 0;  // 0: a close frame without a code
  std::string reason;
};

struct HttpReply {
  unsigned status = 200;
  std::string body;  // JSON
};

class Link {
 public:
  virtual ~Link() = default;
  int id = 0;  // the handler's number for it, set in on_open

  virtual void send(bool binary, std::string payload) = 0;
  virtual void ping(std::string payload) = 0;  // at most 125 bytes are sent
  virtual void close(std::uint16_t code, std::string reason) = 0;
  virtual void drop() = 0;  // TCP shutdown without a close frame
  // A network black hole: nothing more is read (a close frame is not answered), nothing more
  // is sent, the TCP connection stays open. It ends with abort().
  virtual void freeze() = 0;
  // Handshake done, and neither a close nor a drop queued, nor the connection ended.
  virtual bool open() const = 0;
  // Actions queued and not yet written to the socket (for the feeder's backpressure).
  virtual std::size_t queued() const = 0;
  // Closes the socket now, whatever the state (for shutdown): pending operations end.
  virtual void abort() = 0;
};

class LinkHandler {
 public:
  virtual ~LinkHandler() = default;
  // The WebSocket handshake completed. `target` is the request target ("/?v=10&...").
  virtual void on_open(const std::shared_ptr<Link>& link, std::string_view target) = 0;
  // A whole message; or, when it grew past max_message_bytes, its first bytes with
  // truncated = true (the Link reads nothing more and closes with 4002 unless the handler
  // already closed). Not called once the link is no longer open().
  virtual void on_message(Link& link, bool binary, std::string data, std::size_t size,
                          bool truncated) = 0;
  virtual void on_control(Link& link, bool pong, std::string_view payload) = 0;
  // The connection ended (after on_open only). peer_close: the peer's close frame, if any.
  virtual void on_closed(Link& link, std::optional<PeerClose> peer_close) = 0;
  // A plain HTTP request (not an upgrade); body is empty for a GET.
  virtual HttpReply on_http(std::string_view method, std::string_view target,
                            std::string_view authorization, std::string_view body) = 0;
};

struct LinkOptions {
  std::size_t fragment_size = 0;  // 0: one frame per message
  std::size_t max_message_bytes = 1u << 20;
};

// Starts serving `socket` (tls: wss://, nullptr: ws://). The returned Link is not open()
// until the handshake completes; keep a weak_ptr to abort() it on shutdown.
std::shared_ptr<Link> serve(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context* tls,
                            const LinkOptions& options, LinkHandler* handler);

}  // namespace gwtape::server::detail
