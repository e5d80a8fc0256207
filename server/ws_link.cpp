#include "ws_link.h"

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <deque>
#include <type_traits>
#include <utility>

namespace gwtape::server::detail {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

constexpr auto kHandshakeTimeout = std::chrono::seconds(5);
constexpr std::size_t kReadChunk = 64 * 1024;

using PlainWs = websocket::stream<beast::tcp_stream>;
using TlsWs = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

// One queued action; done strictly in order.
struct Outgoing {
  enum class Kind { kText, kBinary, kPing, kClose, kDrop } kind;
  std::string payload;  // message, ping payload or close reason
  std::uint16_t code = 0;
};

template <class Ws>
class WsLink final : public Link, public std::enable_shared_from_this<WsLink<Ws>> {
  static constexpr bool kTls = std::is_same_v<Ws, TlsWs>;

 public:
  template <class... Args>
  WsLink(const LinkOptions& options, LinkHandler* handler, Args&&... args)
      : ws_(std::forward<Args>(args)...), options_(options), handler_(handler) {}

  void run() {
    auto self = this->shared_from_this();
    beast::get_lowest_layer(ws_).expires_after(kHandshakeTimeout);
    if constexpr (kTls) {
      ws_.next_layer().async_handshake(asio::ssl::stream_base::server,
                                       [self](beast::error_code ec) {
                                         if (!ec) self->read_request();
                                       });
    } else {
      read_request();
    }
  }

  void send(bool binary, std::string payload) override {
    enqueue({binary ? Outgoing::Kind::kBinary : Outgoing::Kind::kText, std::move(payload)});
  }
  void ping(std::string payload) override { enqueue({Outgoing::Kind::kPing, std::move(payload)}); }
  void close(std::uint16_t code, std::string reason) override {
    if (!open()) return;
    enqueue({Outgoing::Kind::kClose, std::move(reason), code});
    closing_ = true;
  }
  void drop() override {
    if (!open()) return;
    enqueue({Outgoing::Kind::kDrop, {}});
    closing_ = true;
  }
  void freeze() override {
    if (!open()) return;
    frozen_ = true;
    closing_ = true;
    queue_.clear();
    beast::get_lowest_layer(ws_).cancel();  // the pending read ends without reading more
  }
  bool open() const override { return opened_ && !closing_ && !ended_; }
  std::size_t queued() const override { return queue_.size(); }
  void abort() override {
    closing_ = true;
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(ws_).socket().close(ec);
    // Nothing pending will report the end when the read loop already stopped.
    if (opened_ && read_ended_ && !close_in_flight_) report_closed();
  }

 private:
  void read_request() {
    auto self = this->shared_from_this();
    http::async_read(ws_.next_layer(), buffer_, request_,
                     [self](beast::error_code ec, std::size_t) {
                       if (!ec) self->on_request();
                     });
  }

  void on_request() {
    if (!websocket::is_upgrade(request_)) {
      answer_http();
      return;
    }
    beast::get_lowest_layer(ws_).expires_never();  // the websocket stream has its own timeouts
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = kHandshakeTimeout;  // also bounds the closing handshake
    timeouts.idle_timeout = websocket::stream_base::none();
    timeouts.keep_alive_pings = false;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "gwtape-loopback"); }));
    ws_.read_message_max(0);  // our own cap, in on_read, closes with 4002 rather than 1009
    if (options_.fragment_size > 0) {
      ws_.auto_fragment(true);
      ws_.write_buffer_bytes(options_.fragment_size);
    } else {
      ws_.auto_fragment(false);
    }
    ws_.control_callback([this](websocket::frame_type kind, beast::string_view payload) {
      if (kind != websocket::frame_type::close) {
        handler_->on_control(*this, kind == websocket::frame_type::pong,
                             std::string_view(payload.data(), payload.size()));
      }
    });
    auto self = this->shared_from_this();
    ws_.async_accept(request_, [self](beast::error_code ec) {
      if (ec) return;
      self->opened_ = true;
      self->handler_->on_open(
          self, std::string_view(self->request_.target().data(), self->request_.target().size()));
      self->read_next();
    });
  }

  void answer_http() {
    auto auth = request_[http::field::authorization];
    HttpReply reply = handler_->on_http(
        std::string_view(request_.method_string().data(), request_.method_string().size()),
        std::string_view(request_.target().data(), request_.target().size()),
        std::string_view(auth.data(), auth.size()), request_.body());
    response_.result(reply.status);
    response_.version(request_.version());
    response_.set(http::field::server, "gwtape-loopback");
    response_.set(http::field::content_type, "application/json");
    response_.keep_alive(false);
    response_.body() = std::move(reply.body);
    response_.prepare_payload();
    auto self = this->shared_from_this();
    http::async_write(ws_.next_layer(), response_, [self](beast::error_code, std::size_t) {
      beast::error_code ec;
      beast::get_lowest_layer(self->ws_).socket().shutdown(tcp::socket::shutdown_both, ec);
      beast::get_lowest_layer(self->ws_).socket().close(ec);
    });
  }

  void read_next() {
    auto self = this->shared_from_this();
    ws_.async_read_some(read_buffer_, kReadChunk,
                        [self](beast::error_code ec, std::size_t n) { self->on_read(ec, n); });
  }

  void on_read(beast::error_code ec, std::size_t n) {
    if (frozen_) {  // nothing more is read; the end comes with abort()
      read_ended_ = true;
      if (!beast::get_lowest_layer(ws_).socket().is_open()) report_closed();
      return;
    }
    if (ec) {
      finish(ec);
      return;
    }
    size_ += n;
    auto data = read_buffer_.cdata();
    std::size_t room =
        options_.max_message_bytes - std::min(message_.size(), options_.max_message_bytes);
    message_.append(static_cast<const char*>(data.data()), std::min(room, data.size()));
    read_buffer_.consume(read_buffer_.size());
    if (size_ > options_.max_message_bytes) {
      if (open()) {
        handler_->on_message(*this, !ws_.got_text(), std::move(message_), size_, true);
        close(4002, "Error while decoding payload.");
      }
      // Read no further: the closing handshake reads and discards the rest.
      read_ended_ = true;
      return;
    }
    if (ws_.is_message_done()) {
      std::string message = std::move(message_);
      message_.clear();
      std::size_t size = std::exchange(size_, 0);
      if (open()) handler_->on_message(*this, !ws_.got_text(), std::move(message), size, false);
    }
    read_next();
  }

  // The read loop ended. The connection is over once a closing handshake we started is over
  // too: the peer's close frame may be read by the close operation rather than by the read.
  void finish(beast::error_code ec) {
    read_ended_ = true;
    peer_closed_ = ec == websocket::error::closed;
    if (!close_in_flight_) report_closed();
  }

  void report_closed() {
    if (ended_) return;
    ended_ = true;
    std::optional<PeerClose> peer;
    const auto& r = ws_.reason();
    if (peer_closed_ || r.code != websocket::close_code::none) {
      peer = PeerClose{static_cast<std::uint16_t>(r.code),
                       std::string(r.reason.data(), r.reason.size())};
    }
    handler_->on_closed(*this, std::move(peer));
  }

  void enqueue(Outgoing out) {
    if (!opened_ || ended_ || frozen_) return;
    queue_.push_back(std::move(out));
    if (!writing_) write_next();
  }

  void write_next() {
    if (queue_.empty() || ended_) {
      writing_ = false;
      queue_.clear();
      return;
    }
    writing_ = true;
    auto self = this->shared_from_this();
    auto done = [self](beast::error_code ec, std::size_t = 0) { self->on_written(ec); };
    Outgoing& out = queue_.front();
    switch (out.kind) {
      case Outgoing::Kind::kText:
      case Outgoing::Kind::kBinary:
        ws_.binary(out.kind == Outgoing::Kind::kBinary);
        ws_.async_write(asio::buffer(out.payload), done);
        break;
      case Outgoing::Kind::kPing:
        if (out.payload.size() > websocket::ping_data::static_capacity) {
          out.payload.resize(websocket::ping_data::static_capacity);
        }
        ws_.async_ping(websocket::ping_data(out.payload.data(), out.payload.size()),
                       [self](beast::error_code ec) { self->on_written(ec); });
        break;
      case Outgoing::Kind::kClose: {
        websocket::close_reason reason(out.code);
        reason.reason = websocket::reason_string(out.payload.data(),
                                                 std::min(out.payload.size(), std::size_t{123}));
        close_in_flight_ = true;
        ws_.async_close(reason, [self](beast::error_code) {
          self->queue_.clear();
          self->writing_ = false;
          self->close_in_flight_ = false;
          if (self->read_ended_) self->report_closed();
        });
        break;
      }
      case Outgoing::Kind::kDrop:
        queue_.clear();
        writing_ = false;
        abort();
        break;
    }
  }

  void on_written(beast::error_code ec) {
    if (!queue_.empty()) queue_.pop_front();
    if (ec) {
      queue_.clear();
      writing_ = false;
      return;
    }
    write_next();
  }

  Ws ws_;
  LinkOptions options_;
  LinkHandler* handler_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  beast::flat_buffer read_buffer_;
  std::string message_;
  std::size_t size_ = 0;
  std::deque<Outgoing> queue_;
  bool writing_ = false;
  bool opened_ = false;
  bool closing_ = false;
  bool ended_ = false;  // reported to the handler
  bool read_ended_ = false;
  bool peer_closed_ = false;
  bool close_in_flight_ = false;
  bool frozen_ = false;
};

}  // namespace

std::shared_ptr<Link> serve(tcp::socket socket, asio::ssl::context* tls, const LinkOptions& options,
                            LinkHandler* handler) {
  if (tls != nullptr) {
    auto link = std::make_shared<WsLink<TlsWs>>(options, handler, std::move(socket), *tls);
    link->run();
    return link;
  }
  auto link = std::make_shared<WsLink<PlainWs>>(options, handler, std::move(socket));
  link->run();
  return link;
}

}  // namespace gwtape::server::detail
