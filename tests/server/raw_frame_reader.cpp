// RawFrameReader: the tests' view of the WebSocket frame layer (see test_client.h).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "server/test_client.h"

namespace gwtape::server::test {

using SteadyClock = std::chrono::steady_clock;

std::unique_ptr<RawFrameReader> RawFrameReader::connect(std::uint16_t port, std::string_view target,
                                                        std::chrono::milliseconds timeout) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return nullptr;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return nullptr;
  }
  std::unique_ptr<RawFrameReader> r(new RawFrameReader(fd));
  std::string req = "GET " + std::string(target) +
                    " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    "Sec-WebSocket-Version: 13\r\n\r\n";
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    return nullptr;
  }
  const auto deadline = SteadyClock::now() + timeout;
  std::size_t end;
  while ((end = r->buf_.find("\r\n\r\n")) == std::string::npos) {
    if (!r->fill(r->buf_.size() + 1, deadline)) return nullptr;
  }
  if (r->buf_.rfind("HTTP/1.1 101", 0) != 0) return nullptr;
  r->buf_.erase(0, end + 4);
  return r;
}

RawFrameReader::~RawFrameReader() { ::close(fd_); }

bool RawFrameReader::fill(std::size_t n, SteadyClock::time_point deadline) {
  while (buf_.size() < n) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char chunk[65536];
    ssize_t got = ::recv(fd_, chunk, sizeof chunk, 0);
    if (got <= 0) return false;
    buf_.append(chunk, static_cast<std::size_t>(got));
  }
  return true;
}

std::optional<RawFrame> RawFrameReader::next(std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  if (!fill(2, deadline)) return std::nullopt;
  auto b0 = static_cast<unsigned char>(buf_[0]);
  auto b1 = static_cast<unsigned char>(buf_[1]);
  std::size_t header = 2;
  std::uint64_t len = b1 & 0x7f;
  if (len >= 126) {
    std::size_t ext = len == 126 ? 2 : 8;
    if (!fill(2 + ext, deadline)) return std::nullopt;
    len = 0;
    for (std::size_t i = 0; i < ext; ++i)
      len = (len << 8) | static_cast<unsigned char>(buf_[2 + i]);
    header += ext;
  }
  if ((b1 & 0x80) != 0) header += 4;  // a server never masks; tolerate it anyway
  if (!fill(header + len, deadline)) return std::nullopt;
  RawFrame f;
  f.fin = (b0 & 0x80) != 0;
  f.opcode = b0 & 0x0f;
  f.payload = buf_.substr(header, len);
  buf_.erase(0, header + len);
  return f;
}

}  // namespace gwtape::server::test
