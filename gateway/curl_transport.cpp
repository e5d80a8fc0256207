// CurlTransport: gwtape::gateway::Transport over libcurl's WebSocket API.
//
// Design notes (libcurl 8.14 from Debian backports):
// - One easy handle with CURLOPT_CONNECT_ONLY = 2: curl_easy_perform does the handshake, then
//   we own the socket (CURLINFO_ACTIVESOCKET) and poll it ourselves. The multi interface with
//   CONNECT_ONLY=2 is reported to drop connections (curl issue 15780).
// - Bytes that arrived together with the 101 response sit inside libcurl: curl_ws_recv is
//   always drained until CURLE_AGAIN before we poll the socket.
// - Sends: CURLE_OK with sent < len is normal, and after CURLE_AGAIN the next call continues
//   the same payload; both are handled by one loop that only ever advances.
// - CURLWS_NOAUTOPONG: libcurl's automatic PONG can be written into the middle of a half-sent
//   frame (curl issue 16706), so pings are answered here, between whole messages.
// - CLOSE frames are handed to the application unanswered: we echo the peer's code.
#include <curl/curl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <mutex>

#include "curl_global.h"
#include "gwtape/common/padded.h"
#include "gwtape/gateway/clock.h"
#include "gwtape/gateway/transport.h"

namespace gwtape::gateway {
namespace {

constexpr std::size_t kPadding = kJsonPadding;  // kept free after every message (padded.h)

// A clock other than the system's may run at any pace: a poll waits at most this long before
// the deadline is checked against it again.
constexpr std::int64_t kVirtualSliceNs = 20'000'000;

int set_send_buffer(void* user, curl_socket_t fd, curlsocktype purpose) {
  const int bytes = *static_cast<const int*>(user);
  if (purpose == CURLSOCKTYPE_IPCXN && bytes > 0) {
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
  }
  return CURL_SOCKOPT_OK;
}

class CurlTransport final : public Transport {
 public:
  explicit CurlTransport(Clock& clock)
      : clock_(clock),
        system_clock_(dynamic_cast<SystemClock*>(&clock) != nullptr),
        wake_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    detail::curl_global_init_once();
  }
  ~CurlTransport() override {
    disconnect();
    if (wake_fd_ >= 0) ::close(wake_fd_);
  }

  Status connect(const std::string& url, const ConnectOptions& options) override;
  Result<TransportMessage> receive(std::int64_t timeout_ns) override;
  Status send_text(std::string_view text) override { return send(text, CURLWS_TEXT); }
  Status send_close(std::uint16_t code, std::string_view reason) override;
  Status close(std::uint16_t code, std::string_view reason, std::int64_t timeout_ns) override;
  void disconnect() override;
  std::optional<CloseStatus> peer_close() const override { return peer_close_; }
  TransportStats stats() const override { return stats_; }
  void interrupt() override {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
  }

 private:
  Status send(std::string_view payload, unsigned flags);
  // Waits until the socket is readable (POLLIN) or writable (POLLOUT), the deadline passes
  // (kTimeout) or interrupt() is called (kClosed).
  Status wait(short events, std::int64_t deadline_ns);
  Error curl_error(CURLcode code, std::string_view what) const;
  bool drain_wakeups();
  std::int64_t mono_ns() { return clock_.now_ns(); }

  Clock& clock_;  // every deadline (receive, send, close) is on it
  const bool system_clock_;
  CURL* curl_ = nullptr;
  curl_socket_t socket_ = CURL_SOCKET_BAD;
  int wake_fd_ = -1;
  ConnectOptions options_;
  std::string url_;
  char errbuf_[CURL_ERROR_SIZE] = {};
  std::optional<CloseStatus> peer_close_;
  bool close_sent_ = false;
  std::string partial_;  // a message being reassembled across curl_ws_recv calls/frames
  MessageKind partial_kind_ = MessageKind::kText;
  std::string control_;  // a ping or close payload being reassembled
  TransportStats stats_;
  char buffer_[64 * 1024];
};

Error CurlTransport::curl_error(CURLcode code, std::string_view what) const {
  std::string message = std::string(what) + " " + url_ + ": " + curl_easy_strerror(code);
  if (errbuf_[0] != '\0') message += std::string(" (") + errbuf_ + ")";
  const Errc errc = code == CURLE_OPERATION_TIMEDOUT ? Errc::kTimeout : Errc::kTransport;
  return make_error(errc, std::move(message));
}

Status CurlTransport::connect(const std::string& url, const ConnectOptions& options) {
  disconnect();
  drain_wakeups();
  options_ = options;
  url_ = url;
  peer_close_.reset();
  close_sent_ = false;
  partial_.clear();
  control_.clear();
  errbuf_[0] = '\0';
  curl_ = curl_easy_init();
  if (curl_ == nullptr) return make_error(Errc::kTransport, "curl_easy_init failed");
  curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl_, CURLOPT_CONNECT_ONLY, 2L);
  curl_easy_setopt(curl_, CURLOPT_WS_OPTIONS, static_cast<long>(CURLWS_NOAUTOPONG));
  curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, errbuf_);
  curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options.connect_timeout_ns / 1'000'000));
  curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(options.connect_timeout_ns / 1'000'000));
  curl_easy_setopt(curl_, CURLOPT_USERAGENT, options.user_agent.c_str());
  curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYPEER, options.verify_peer ? 1L : 0L);
  curl_easy_setopt(curl_, CURLOPT_SSL_VERIFYHOST, options.verify_peer ? 2L : 0L);
  if (!options.ca_file.empty()) curl_easy_setopt(curl_, CURLOPT_CAINFO, options.ca_file.c_str());
  if (options.send_buffer_bytes > 0) {
    curl_easy_setopt(curl_, CURLOPT_SOCKOPTFUNCTION, set_send_buffer);
    curl_easy_setopt(curl_, CURLOPT_SOCKOPTDATA, &options_.send_buffer_bytes);
  }
  if (CURLcode rc = curl_easy_perform(curl_); rc != CURLE_OK) {
    Error e = curl_error(rc, "connect");
    disconnect();
    return e;
  }
  // The handshake is done; no transfer timeout applies to the open connection.
  curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, 0L);
  if (CURLcode rc = curl_easy_getinfo(curl_, CURLINFO_ACTIVESOCKET, &socket_);
      rc != CURLE_OK || socket_ == CURL_SOCKET_BAD) {
    disconnect();
    return make_error(Errc::kTransport, "connect " + url + ": no socket after the handshake");
  }
  return {};
}

void CurlTransport::disconnect() {
  if (curl_ != nullptr) curl_easy_cleanup(curl_);
  curl_ = nullptr;
  socket_ = CURL_SOCKET_BAD;
}

bool CurlTransport::drain_wakeups() {
  std::uint64_t count = 0;
  return ::read(wake_fd_, &count, sizeof count) == sizeof count;
}

Status CurlTransport::wait(short events, std::int64_t deadline_ns) {
  pollfd fds[2] = {{socket_, events, 0}, {wake_fd_, POLLIN, 0}};
  for (;;) {
    const std::int64_t left_ns = deadline_ns - mono_ns();
    if (left_ns <= 0) return make_error(Errc::kTimeout, "timed out waiting on " + url_);
    const std::int64_t wait_ns = system_clock_ ? left_ns : std::min(left_ns, kVirtualSliceNs);
    const int timeout_ms =
        static_cast<int>(std::min<std::int64_t>(wait_ns / 1'000'000 + 1, 60'000));
    const int n = ::poll(fds, 2, timeout_ms);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error(Errc::kTransport, "poll: " + std::string(std::strerror(errno)));
    if (fds[1].revents & POLLIN) {
      drain_wakeups();
      return make_error(Errc::kInterrupted, "interrupted");
    }
    if (fds[0].revents != 0) return {};
  }
}

Status CurlTransport::send(std::string_view payload, unsigned flags) {
  if (curl_ == nullptr) return make_error(Errc::kClosed, "send on a closed connection to " + url_);
  const std::int64_t deadline = mono_ns() + options_.write_timeout_ns;
  std::size_t done = 0;
  int calls = 0;
  // An empty payload still needs one call to put its frame on the wire.
  do {
    ++calls;
    std::size_t sent = 0;
    const CURLcode rc =
        curl_ws_send(curl_, payload.data() + done, payload.size() - done, &sent, 0, flags);
    done += sent;
    if (rc == CURLE_AGAIN) {
      ++stats_.send_again;
      // libcurl holds the unsent rest of the frame; the next call continues the same payload.
      if (Status st = wait(POLLOUT, deadline); !st.ok()) return st;
      continue;
    }
    if (rc != CURLE_OK) return curl_error(rc, "send to");
  } while (done < payload.size());
  if (calls > 1) ++stats_.send_partial;
  if ((flags & (CURLWS_TEXT | CURLWS_BINARY)) != 0) ++stats_.messages_sent;
  return {};
}

Result<TransportMessage> CurlTransport::receive(std::int64_t timeout_ns) {
  if (curl_ == nullptr) return make_error(Errc::kClosed, "receive on a closed connection");
  const std::int64_t deadline = mono_ns() + timeout_ns;
  bool polled = false;
  for (;;) {
    std::size_t got = 0;
    const curl_ws_frame* meta = nullptr;
    const CURLcode rc = curl_ws_recv(curl_, buffer_, sizeof buffer_, &got, &meta);
    if (rc == CURLE_AGAIN) {
      // Drained: only now is it right to wait on the socket.
      polled = true;
      if (Status st = wait(POLLIN, deadline); !st.ok()) return st.error();
      continue;
    }
    if (rc == CURLE_GOT_NOTHING || rc == CURLE_RECV_ERROR) {
      disconnect();
      return make_error(Errc::kTransport,
                        "connection to " + url_ + " lost: " + curl_easy_strerror(rc));
    }
    if (rc != CURLE_OK) {
      Error e = curl_error(rc, "receive from");
      disconnect();
      return e;
    }
    const bool last_piece = meta->bytesleft == 0;
    if (meta->flags & (CURLWS_PING | CURLWS_CLOSE)) {
      control_.append(buffer_, got);
      if (!last_piece) continue;
      if (meta->flags & CURLWS_PING) {
        ++stats_.pings_answered;
        Status st = send(control_, CURLWS_PONG);
        control_.clear();
        if (!st.ok()) return st.error();
        continue;
      }
      CloseStatus status;
      if (control_.size() >= 2) {
        status.code = static_cast<std::uint16_t>((static_cast<unsigned char>(control_[0]) << 8) |
                                                 static_cast<unsigned char>(control_[1]));
        status.reason = control_.substr(2);
      }
      control_.clear();
      peer_close_ = status;
      // Answer the close (libcurl does not), echoing the code, then drop the connection.
      if (!close_sent_) {
        std::string reply;
        if (status.code != 0) {
          reply.push_back(static_cast<char>(status.code >> 8));
          reply.push_back(static_cast<char>(status.code & 0xff));
        }
        close_sent_ = true;
        (void)send(reply, CURLWS_CLOSE);
      }
      disconnect();
      return make_error(Errc::kClosed,
                        "closed by " + url_ + " with code " + std::to_string(status.code));
    }
    if (meta->flags & CURLWS_PONG) continue;
    if (partial_.empty())
      partial_kind_ = (meta->flags & CURLWS_BINARY) ? MessageKind::kBinary : MessageKind::kText;
    if (partial_.size() + got + static_cast<std::size_t>(meta->bytesleft) >
        options_.max_message_bytes) {
      // Refused unread, and said so: 1009 is WebSocket's "message too big".
      (void)send_close(1009, "message too big");
      disconnect();
      partial_.clear();
      return make_error(Errc::kTooLarge, "message from " + url_ + " exceeds the cap of " +
                                             std::to_string(options_.max_message_bytes) + " bytes");
    }
    if (partial_.empty() && meta->bytesleft > 0) {
      partial_.reserve(got + static_cast<std::size_t>(meta->bytesleft) + kPadding);
    }
    partial_.append(buffer_, got);
    if (!last_piece || (meta->flags & CURLWS_CONT)) {
      ++stats_.fragments;
      continue;  // more of this message to come
    }
    TransportMessage message;
    message.kind = partial_kind_;
    if (partial_.capacity() < partial_.size() + kPadding)
      partial_.reserve(partial_.size() + kPadding);
    message.data = std::move(partial_);
    partial_.clear();
    ++stats_.messages_received;
    if (!polled) ++stats_.read_before_poll;
    return message;
  }
}

Status CurlTransport::send_close(std::uint16_t code, std::string_view reason) {
  if (curl_ == nullptr || close_sent_) return {};
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xff));
  payload.append(reason.substr(0, 123));  // control frames carry at most 125 bytes
  close_sent_ = true;
  if (Status st = send(payload, CURLWS_CLOSE); !st.ok()) {
    disconnect();
    return st;
  }
  return {};
}

Status CurlTransport::close(std::uint16_t code, std::string_view reason, std::int64_t timeout_ns) {
  if (curl_ == nullptr) return {};
  if (!send_close(code, reason).ok()) return {};
  // Wait for the peer's close (or anything ending the connection), discarding data.
  const std::int64_t deadline = mono_ns() + timeout_ns;
  while (curl_ != nullptr && !peer_close_) {
    const std::int64_t left = deadline - mono_ns();
    if (left <= 0) break;
    auto message = receive(left);
    if (!message.ok() && message.error().code != Errc::kTooLarge) break;
  }
  disconnect();
  return {};
}

}  // namespace

std::unique_ptr<Transport> make_curl_transport(Clock& clock) {
  return std::make_unique<CurlTransport>(clock);
}

std::unique_ptr<Transport> make_curl_transport() {
  static SystemClock system;
  return make_curl_transport(system);
}

}  // namespace gwtape::gateway
