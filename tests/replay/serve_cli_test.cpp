// `gwtape serve` end to end: the real program serving a generated log, `gwtape record` (the
// real program) recording from it through its REST stub; the REST endpoints read over a plain
// socket; and the exit codes for bad input.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch_test_macros.hpp>
#include <string>
#include <thread>

#include "recorder/record_child.h"
#include "serve_util.h"

using namespace gwtape;
using namespace gwtape::testing;

namespace {

constexpr const char* kToken = "serve.TEST-token.0123456789";

struct HttpAnswer {
  int status = 0;
  std::string body;
};

// GET `path` from 127.0.0.1:port over a plain socket (HTTP/1.1, Connection: close).
HttpAnswer http_get(std::uint16_t port, const std::string& path, const std::string& auth = "") {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!auth.empty()) req += "Authorization: " + auth + "\r\n";
  req += "\r\n";
  REQUIRE(::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size()));
  std::string all;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) all.append(buf, n);
  ::close(fd);
  HttpAnswer a;
  if (all.size() > 12) a.status = std::stoi(all.substr(9, 3));
  const auto body = all.find("\r\n\r\n");
  if (body != std::string::npos) a.body = all.substr(body + 4);
  return a;
}

// Starts `gwtape serve LOG --listen 127.0.0.1:0 ARGS...` and waits for the URL it prints.
std::string start_serve(Child& child) {
  for (int i = 0; i < 200; ++i) {
    const std::string out = child.out();
    if (const auto nl = out.find('\n'); nl != std::string::npos) return out.substr(0, nl);
    if (!child.running()) break;
    std::this_thread::sleep_for(50ms);
  }
  FAIL("gwtape serve printed no URL: " << child.err());
  return {};
}

// A folder for one child's stdout and stderr.
std::filesystem::path sub(const std::filesystem::path& dir, const char* name) {
  std::filesystem::create_directories(dir / name);
  return dir / name;
}

std::uint16_t port_of(const std::string& url) {
  return static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
}

}  // namespace

TEST_CASE("gwtape record records from gwtape serve: the same dispatches, byte for byte",
          "[replay][serve][cli]") {
  const auto dir = fresh_dir("serve-record");
  const auto source = dir / "source.gwtape";
  const std::size_t n = write_source_log(source, 500, 200);
  Child serve({"serve", source.string(), "--listen", "127.0.0.1:0", "--heartbeat-interval", "500",
               "--fault", "reconnect@100"},
              nullptr, sub(dir, "serve"));
  const std::string url = start_serve(serve);
  REQUIRE(url.starts_with("ws://127.0.0.1:"));
  const auto port = port_of(url);

  const auto copy = dir / "copy.gwtape";
  // READY, the n recorded dispatches, and the RESUMED after the op 7 at 100.
  Child record({"record", "--out", copy.string(), "--api",
                "http://127.0.0.1:" + std::to_string(port) + "/api/v10", "--compress",
                "zlib-stream", "--max-events", std::to_string(n + 2)},
               kToken, sub(dir, "record"));
  REQUIRE(record.wait(60s) == 0);
  const auto expected = without_session_events(dispatches_of(received_texts(source)));
  const auto got_all = dispatches_of(received_texts(copy));
  CHECK(without_session_events(got_all) == expected);
  std::size_t readies = 0, resumed = 0;
  for (const auto& d : got_all) {
    readies += d.t == "READY";
    resumed += d.t == "RESUMED";
  }
  CHECK(readies == 1);
  CHECK(resumed == 1);
  // The token is in neither log nor any output.
  for (const auto& text : received_texts(copy)) CHECK(text.find(kToken) == std::string::npos);
  CHECK(serve.out().find(kToken) == std::string::npos);
  CHECK(serve.err().find(kToken) == std::string::npos);
  CHECK(record.err().find(kToken) == std::string::npos);

  serve.signal(SIGTERM);
  CHECK(serve.wait(10s) == 0);
}

TEST_CASE("gwtape serve's REST stub", "[replay][serve][cli]") {
  const auto dir = fresh_dir("serve-rest");
  const auto source = dir / "source.gwtape";
  write_source_log(source, 60, 200);
  // A port alone binds the loopback address.
  Child serve({"serve", source.string(), "--listen", "0"}, nullptr, sub(dir, "serve"));
  const std::string url = start_serve(serve);
  REQUIRE(url.starts_with("ws://127.0.0.1:"));
  const auto port = port_of(url);

  auto g = http_get(port, "/api/v10/gateway");
  CHECK(g.status == 200);
  CHECK(g.body == "{\"url\":\"" + url + "\"}");
  auto bot = http_get(port, "/api/v10/gateway/bot", "Bot whatever");
  CHECK(bot.status == 200);
  CHECK(bot.body.find("\"url\":\"" + url + "\"") != std::string::npos);
  CHECK(bot.body.find("\"shards\":1") != std::string::npos);
  CHECK(bot.body.find("\"session_start_limit\":{") != std::string::npos);
  CHECK(http_get(port, "/api/v10/gateway/bot").status == 401);
  // The recorded bot user of READY.
  const auto ready = [&] {
    for (const auto& d : dispatches_of(received_texts(source))) {
      if (d.t == "READY") return d.d;
    }
    return std::string();
  }();
  auto me = http_get(port, "/api/v10/users/@me", "Bot whatever");
  CHECK(me.status == 200);
  REQUIRE(me.body.size() > 2);
  CHECK(ready.find("\"user\":" + me.body) != std::string::npos);
  // Discord's application object, from READY's partial one and its bot user: every field
  // discord.py reads at login is there (before: READY's bare {id, flags}, and discord.py's
  // login failed on the missing name).
  auto app = http_get(port, "/api/v10/oauth2/applications/@me", "Bot whatever");
  CHECK(app.status == 200);
  for (const char* field : {"\"id\":", "\"name\":", "\"icon\":", "\"description\":",
                            "\"rpc_origins\":", "\"bot_public\":", "\"bot_require_code_grant\":",
                            "\"verify_key\":", "\"flags\":", "\"team\":"}) {
    INFO(field << " in " << app.body);
    CHECK(app.body.find(field) != std::string::npos);
  }
  CHECK(app.body.find("\"owner\":" + me.body) != std::string::npos);
  CHECK(app.body.find("\"bot\":" + me.body) != std::string::npos);
  auto other = http_get(port, "/api/v10/channels/1/messages");
  CHECK(other.status == 404);
  CHECK(other.body.find("\"message\"") != std::string::npos);

  serve.signal(SIGINT);
  CHECK(serve.wait(10s) == 0);
}

TEST_CASE("gwtape serve: bad input exits 2 or 4 with a clear message", "[replay][serve][cli]") {
  const auto dir = fresh_dir("serve-bad");
  const auto notlog = dir / "not-a-log.gwtape";
  {
    std::FILE* f = std::fopen(notlog.c_str(), "w");
    REQUIRE(f != nullptr);
    std::fputs("this is not a SQLite file at all, just text\n", f);
    std::fclose(f);
  }
  {
    Child c({"serve", notlog.string(), "--listen", "127.0.0.1:0"}, nullptr, sub(dir, "a"));
    CHECK(c.wait() == 4);
    CHECK(c.err().find("gwtape serve: ") != std::string::npos);
  }
  {
    Child c({"serve", (dir / "missing.gwtape").string(), "--listen", "127.0.0.1:0"}, nullptr,
            sub(dir, "b"));
    CHECK(c.wait() == 4);
  }
  const auto source = dir / "source.gwtape";
  write_source_log(source, 60, 200);
  {
    Child c({"serve", source.string(), "--listen", "127.0.0.1:0", "--recording", "7"}, nullptr,
            sub(dir, "c"));
    CHECK(c.wait() == 2);
    CHECK(c.err().find("no recording 7") != std::string::npos);
  }
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"serve", source.string()},
        {"serve", source.string(), "--listen", "127.0.0.1"},
        {"serve", source.string(), "--listen", "0.0.0.0.0:0"},
        {"serve", source.string(), "--listen", "127.0.0.1:70000"},
        {"serve", source.string(), "--listen", "127.0.0.1:0", "--fault", "explode@3"},
        {"serve", source.string(), "--listen", "127.0.0.1:0", "--speed", "0"},
        {"serve", source.string(), "--listen", "127.0.0.1:0", "--tls-cert", "x"}}) {
    Child c(args, nullptr, sub(dir, "d"));
    CHECK(c.wait() == 2);
  }
  Child first({"serve", source.string(), "--listen", "127.0.0.1:0"}, nullptr, sub(dir, "e"));
  const auto port = port_of(start_serve(first));
  {
    Child c({"serve", source.string(), "--listen", "127.0.0.1:" + std::to_string(port)}, nullptr,
            sub(dir, "f"));
    CHECK(c.wait() == 2);
    CHECK(c.err().find("in use") != std::string::npos);
  }
  first.signal(SIGTERM);
  CHECK(first.wait(10s) == 0);
}
