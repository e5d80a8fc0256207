#include "server/test_client.h"

#include <simdjson.h>
#include <zlib.h>
#include <zstd.h>
#include <catch2/catch_test_macros.hpp>

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cstring>
#include <variant>

namespace gwtape::server::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

using PlainWs = websocket::stream<beast::tcp_stream>;
using TlsWs = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

struct TestClient::Impl {
  asio::io_context ioc;
  asio::ssl::context tls{asio::ssl::context::tls_client};
  std::variant<std::unique_ptr<PlainWs>, std::unique_ptr<TlsWs>> ws;
  gateway::Compression compression = gateway::Compression::kNone;
  z_stream z{};
  bool z_ready = false;
  ZSTD_DCtx* zstd = nullptr;
  bool sync_flushed = true;
  beast::flat_buffer buffer;
  bool read_pending = false;
  std::optional<beast::error_code> read_done;
  std::vector<std::string> pings;

  ~Impl() {
    if (z_ready) inflateEnd(&z);
    ZSTD_freeDCtx(zstd);
  }

  template <class F>
  decltype(auto) visit(F&& f) {
    return std::visit([&](auto& p) -> decltype(auto) { return f(*p); }, ws);
  }

  // Runs the io_context until `done()` or the deadline; true when done.
  template <class Done>
  bool run_until(Done done, SteadyClock::time_point deadline) {
    while (!done()) {
      if (ioc.stopped()) ioc.restart();
      if (ioc.run_one_until(deadline) == 0 && SteadyClock::now() >= deadline) break;
    }
    return done();
  }

  bool inflate_message(const std::string& in, std::string& out, std::string& error) {
    if (compression == gateway::Compression::kZlibStream) {
      if (in.size() < 4 || std::memcmp(in.data() + in.size() - 4, "\x00\x00\xff\xff", 4) != 0) {
        sync_flushed = false;
      }
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
      z.avail_in = static_cast<uInt>(in.size());
      char chunk[16384];
      do {
        z.next_out = reinterpret_cast<Bytef*>(chunk);
        z.avail_out = sizeof chunk;
        int rc = ::inflate(&z, Z_SYNC_FLUSH);
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
          error = "inflate: " + std::to_string(rc);
          return false;
        }
        out.append(chunk, sizeof chunk - z.avail_out);
      } while (z.avail_in > 0 || z.avail_out == 0);
      return true;
    }
    ZSTD_inBuffer ib{in.data(), in.size(), 0};
    char chunk[16384];
    for (;;) {
      ZSTD_outBuffer ob{chunk, sizeof chunk, 0};
      std::size_t rc = ZSTD_decompressStream(zstd, &ob, &ib);
      if (ZSTD_isError(rc)) {
        error = std::string("zstd: ") + ZSTD_getErrorName(rc);
        return false;
      }
      out.append(chunk, ob.pos);
      if (ib.pos == ib.size && ob.pos < ob.size) return true;
    }
  }
};

TestClient::TestClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TestClient::~TestClient() = default;

std::unique_ptr<TestClient> TestClient::connect(const std::string& url,
                                                const ClientOptions& options, std::string* error) {
  auto fail = [&](std::string what) -> std::unique_ptr<TestClient> {
    if (error != nullptr) *error = std::move(what);
    return nullptr;
  };
  bool tls = url.rfind("wss://", 0) == 0;
  std::string hostport = url.substr(tls ? 6 : 5);
  std::size_t colon = hostport.rfind(':');
  if (colon == std::string::npos) return fail("no port in " + url);
  auto port = static_cast<std::uint16_t>(std::stoi(hostport.substr(colon + 1)));

  auto impl = std::make_unique<Impl>();
  impl->compression = options.compression;
  if (options.compression == gateway::Compression::kZlibStream) {
    if (inflateInit(&impl->z) != Z_OK) return fail("inflateInit");
    impl->z_ready = true;
  } else if (options.compression == gateway::Compression::kZstdStream) {
    impl->zstd = ZSTD_createDCtx();
  }
  beast::error_code ec;
  if (tls) {
    impl->tls.load_verify_file(options.ca_file, ec);
    if (ec) return fail("CA file: " + ec.message());
    impl->tls.set_verify_mode(asio::ssl::verify_peer, ec);
    impl->tls.set_verify_callback(asio::ssl::host_name_verification("127.0.0.1"), ec);
    impl->ws = std::make_unique<TlsWs>(impl->ioc, impl->tls);
  } else {
    impl->ws = std::make_unique<PlainWs>(impl->ioc);
  }
  const auto deadline = SteadyClock::now() + options.timeout;
  std::optional<beast::error_code> step;
  auto done = [&] { return step.has_value(); };
  tcp::endpoint ep(asio::ip::make_address_v4("127.0.0.1"), port);
  impl->visit([&](auto& ws) {
    beast::get_lowest_layer(ws).async_connect(ep, [&](beast::error_code e) { step = e; });
  });
  if (!impl->run_until(done, deadline) || *step) return fail("connect: " + step->message());
  if (tls) {
    step.reset();
    std::get<1>(impl->ws)->next_layer().async_handshake(asio::ssl::stream_base::client,
                                                        [&](beast::error_code e) { step = e; });
    if (!impl->run_until(done, deadline)) return fail("TLS handshake: timeout");
    if (*step) return fail("TLS handshake: " + step->message());
  }
  step.reset();
  impl->visit([&](auto& ws) {
    ws.control_callback([p = impl.get()](websocket::frame_type kind, beast::string_view data) {
      if (kind == websocket::frame_type::ping) p->pings.emplace_back(data.data(), data.size());
    });
    ws.read_message_max(64u << 20);
    ws.async_handshake("127.0.0.1:" + std::to_string(port), options.target,
                       [&](beast::error_code e) { step = e; });
  });
  if (!impl->run_until(done, deadline)) return fail("WebSocket handshake: timeout");
  if (*step) return fail("WebSocket handshake: " + step->message());
  return std::unique_ptr<TestClient>(new TestClient(std::move(impl)));
}

WsEvent TestClient::next(std::chrono::milliseconds timeout) {
  Impl& m = *impl_;
  if (!m.read_pending) {
    m.read_pending = true;
    m.read_done.reset();
    m.visit([&](auto& ws) {
      ws.async_read(m.buffer, [&m](beast::error_code ec, std::size_t) { m.read_done = ec; });
    });
  }
  WsEvent ev;
  if (!m.run_until([&] { return m.read_done.has_value(); }, SteadyClock::now() + timeout)) {
    return ev;  // kTimeout; the read stays pending
  }
  m.read_pending = false;
  beast::error_code ec = *m.read_done;
  if (ec == websocket::error::closed) {
    ev.kind = WsEvent::Kind::kClosed;
    m.visit([&](auto& ws) {
      ev.close_code = static_cast<std::uint16_t>(ws.reason().code);
      ev.close_reason = std::string(ws.reason().reason.data(), ws.reason().reason.size());
    });
    return ev;
  }
  if (ec) {
    ev.kind = WsEvent::Kind::kDropped;
    ev.error = ec.message();
    return ev;
  }
  ev.kind = WsEvent::Kind::kMessage;
  ev.binary = m.visit([](auto& ws) { return ws.got_binary(); });
  ev.raw = beast::buffers_to_string(m.buffer.cdata());
  m.buffer.consume(m.buffer.size());
  if (ev.binary && m.compression != gateway::Compression::kNone) {
    if (!m.inflate_message(ev.raw, ev.data, ev.error)) ev.kind = WsEvent::Kind::kBadData;
  } else {
    ev.data = ev.raw;
  }
  return ev;
}

std::optional<std::string> TestClient::next_text(std::chrono::milliseconds timeout) {
  WsEvent ev = next(timeout);
  if (ev.kind != WsEvent::Kind::kMessage) return std::nullopt;
  return std::move(ev.data);
}

WsEvent TestClient::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = SteadyClock::now() + timeout;
  for (;;) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    WsEvent ev = next(std::max(left, std::chrono::milliseconds(0)));
    if (ev.kind != WsEvent::Kind::kMessage && ev.kind != WsEvent::Kind::kBadData) return ev;
  }
}

bool TestClient::send(std::string_view text, std::chrono::milliseconds timeout) {
  Impl& m = *impl_;
  auto done = std::make_shared<std::optional<beast::error_code>>();
  m.visit([&](auto& ws) {
    ws.text(true);
    auto copy = std::make_shared<std::string>(text);
    ws.async_write(asio::buffer(*copy),
                   [done, copy](beast::error_code ec, std::size_t) { *done = ec; });
  });
  return m.run_until([&] { return done->has_value(); }, SteadyClock::now() + timeout) && !**done;
}

bool TestClient::send_binary(std::string_view bytes, std::chrono::milliseconds timeout) {
  Impl& m = *impl_;
  auto done = std::make_shared<std::optional<beast::error_code>>();
  m.visit([&](auto& ws) {
    ws.binary(true);
    auto copy = std::make_shared<std::string>(bytes);
    ws.async_write(asio::buffer(*copy),
                   [done, copy](beast::error_code ec, std::size_t) { *done = ec; });
  });
  return m.run_until([&] { return done->has_value(); }, SteadyClock::now() + timeout) && !**done;
}

bool TestClient::ping(std::string_view payload, std::chrono::milliseconds timeout) {
  Impl& m = *impl_;
  auto done = std::make_shared<std::optional<beast::error_code>>();
  m.visit([&](auto& ws) {
    ws.async_ping(websocket::ping_data(payload.data(), payload.size()),
                  [done](beast::error_code ec) { *done = ec; });
  });
  return m.run_until([&] { return done->has_value(); }, SteadyClock::now() + timeout) && !**done;
}

bool TestClient::close(std::uint16_t code, std::chrono::milliseconds timeout) {
  Impl& m = *impl_;
  auto done = std::make_shared<std::optional<beast::error_code>>();
  m.visit([&](auto& ws) {
    ws.async_close(websocket::close_reason(code), [done](beast::error_code ec) { *done = ec; });
  });
  const auto deadline = SteadyClock::now() + timeout;
  bool ok = m.run_until([&] { return done->has_value(); }, deadline) && !**done;
  // Let a pending read see the end too, so nothing refers to this stack frame.
  if (m.read_pending) m.run_until([&] { return m.read_done.has_value(); }, deadline);
  return ok;
}

void TestClient::drop() {
  impl_->visit([](auto& ws) {
    beast::error_code ec;
    beast::get_lowest_layer(ws).socket().shutdown(tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(ws).socket().close(ec);
  });
}

std::vector<std::string> TestClient::pings_seen() const { return impl_->pings; }
bool TestClient::all_sync_flushed() const { return impl_->sync_flushed; }

std::optional<Frame> parse_frame(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  simdjson::dom::object obj;
  if (parser.parse(padded).get_object().get(obj) != simdjson::SUCCESS) return std::nullopt;
  Frame f;
  std::int64_t op = -1;
  if (obj["op"].get_int64().get(op) != simdjson::SUCCESS) return std::nullopt;
  f.op = static_cast<int>(op);
  std::int64_t s = 0;
  if (obj["s"].get_int64().get(s) == simdjson::SUCCESS) f.s = s;
  std::string_view t;
  if (obj["t"].get_string().get(t) == simdjson::SUCCESS) f.t = std::string(t);
  simdjson::dom::element d;
  if (obj["d"].get(d) == simdjson::SUCCESS) f.d = simdjson::minify(d);
  return f;
}

std::string identify_json(std::string_view token, std::uint64_t intents, std::string_view shard) {
  std::string out = R"({"op":2,"d":{"token":")" + std::string(token) +
                    R"(","properties":{"os":"linux","browser":"gwtape","device":"gwtape"},)"
                    R"("intents":)" +
                    std::to_string(intents);
  if (!shard.empty()) out += R"(,"shard":)" + std::string(shard);
  return out + "}}";
}

std::string resume_json(std::string_view token, std::string_view session_id, std::int64_t seq) {
  return R"({"op":6,"d":{"token":")" + std::string(token) + R"(","session_id":")" +
         std::string(session_id) + R"(","seq":)" + std::to_string(seq) + "}}";
}

std::optional<Identified> connect_and_identify(const std::string& url, std::string_view token,
                                               std::size_t guild_creates,
                                               const ClientOptions& options, std::string* error) {
  auto fail = [&](std::string what) -> std::optional<Identified> {
    if (error != nullptr) *error = std::move(what);
    return std::nullopt;
  };
  Identified out;
  std::string why;
  out.client = TestClient::connect(url, options, &why);
  if (!out.client) return fail("connect: " + why);
  auto hello = out.client->next_text();
  if (!hello) return fail("no HELLO");
  auto hello_frame = parse_frame(*hello);
  if (!hello_frame || hello_frame->op != 10) return fail("not a HELLO: " + *hello);
  out.hello = *hello_frame;
  if (!out.client->send(identify_json(token))) return fail("identify not sent");
  auto ready = out.client->next_text();
  auto ready_frame = ready ? parse_frame(*ready) : std::nullopt;
  if (!ready_frame || ready_frame->t != "READY") return fail("no READY: " + ready.value_or(""));
  out.ready = *ready_frame;
  out.seq = ready_frame->s.value_or(0);
  simdjson::dom::parser parser;
  simdjson::padded_string d(out.ready.d);
  std::string_view sid;
  if (parser.parse(d)["session_id"].get_string().get(sid) != simdjson::SUCCESS) {
    return fail("READY without session_id");
  }
  out.session_id = std::string(sid);
  for (std::size_t i = 0; i < guild_creates; ++i) {
    auto g = out.client->next_text();
    auto f = g ? parse_frame(*g) : std::nullopt;
    if (!f || f->t != "GUILD_CREATE") return fail("no GUILD_CREATE " + std::to_string(i));
    out.seq = f->s.value_or(0);
  }
  return out;
}

HttpResult http_get(std::uint16_t port, std::string_view target, std::string_view authorization,
                    std::chrono::milliseconds timeout) {
  namespace http = beast::http;
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  http::request<http::string_body> req{http::verb::get, std::string(target), 11};
  req.set(http::field::host, "127.0.0.1");
  if (!authorization.empty()) req.set(http::field::authorization, std::string(authorization));
  http::response<http::string_body> res;
  beast::flat_buffer buffer;
  HttpResult out;
  stream.expires_after(timeout);  // bounds each step below
  stream.async_connect(
      tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), port), [&](beast::error_code ec) {
        if (ec) return;
        http::async_write(stream, req, [&](beast::error_code ec2, std::size_t) {
          if (ec2) return;
          http::async_read(stream, buffer, res, [&](beast::error_code ec3, std::size_t) {
            if (ec3) return;
            out.status = res.result_int();
            out.body = res.body();
          });
        });
      });
  ioc.run();
  return out;
}

std::unique_ptr<LoopbackGateway> start(LoopbackOptions o) {
  auto r = LoopbackGateway::start(std::move(o));
  REQUIRE(r.ok());
  return std::move(*r);
}

Frame next_frame(TestClient& c) {
  auto f = parse_frame(c.next_text().value_or(""));
  REQUIRE(f);
  return *f;
}

}  // namespace gwtape::server::test
