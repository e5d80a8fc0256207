// The loopback gateway's transport: zlib-stream and zstd-stream, wss:// with a certificate
// made at run time, fragmentation, multi-MB messages.
#include "gwtape/server/loopback_gateway.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "gwtape/server/test_cert.h"
#include "server/test_client.h"

using namespace std::chrono_literals;
using gwtape::gateway::Compression;
using gwtape::server::LoopbackGateway;
using gwtape::server::LoopbackGuild;
using gwtape::server::LoopbackOptions;
using gwtape::server::test::ClientOptions;
using gwtape::server::test::connect_and_identify;
using gwtape::server::test::parse_frame;
using gwtape::server::test::RawFrameReader;
using gwtape::server::test::start;
using gwtape::server::test::TestClient;
using gwtape::server::test::WsEvent;

namespace {

constexpr const char* kToken = "loopback-token";

// A temporary directory, removed at the end of the scope.
struct TempDir {
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "gwtape-replay-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string path;
};

// A large GUILD_CREATE d: `members` members, a few MB.
std::string big_guild(std::uint64_t id, int members) {
  std::string d = R"({"id":")" + std::to_string(id) + R"(","name":"big","members":[)";
  for (int i = 0; i < members; ++i) {
    if (i > 0) d += ",";
    d += R"({"user":{"id":")" + std::to_string(100000000000000000ULL + i) +
         R"(","username":"member)" + std::to_string(i) + R"("},"roles":[],"joined_at":null})";
  }
  return d + "]}";
}

}  // namespace

TEST_CASE("transport compression: the client inflates the exact JSON", "[server][transport]") {
  auto compression = GENERATE(Compression::kZlibStream, Compression::kZstdStream);
  const char* name = compression == Compression::kZlibStream ? "zlib-stream" : "zstd-stream";
  INFO(name);
  LoopbackOptions o;
  std::string big = big_guild(81384788765712384ULL, 20000);
  o.guilds = {LoopbackGuild{81384788765712384ULL, "big", big}};
  auto server = start(o);

  ClientOptions co;
  co.target = std::string("/?v=10&encoding=json&compress=") + name;
  co.compression = compression;
  std::string why;
  auto s = connect_and_identify(server->url(), kToken, 0, co, &why);
  INFO(why);
  REQUIRE(s);
  CHECK(server->observations().connections[0].compression == compression);

  WsEvent g = s->client->next();
  REQUIRE(g.kind == WsEvent::Kind::kMessage);
  CHECK(g.binary);
  CHECK(g.raw.size() < g.data.size() / 4);
  auto gf = parse_frame(g.data);
  REQUIRE(gf);
  CHECK(gf->t == "GUILD_CREATE");
  CHECK(g.data == R"({"t":"GUILD_CREATE","s":2,"op":0,"d":)" + big + "}");

  // One context for the whole connection: later messages depend on the earlier ones.
  for (int i = 0; i < 20; ++i) {
    std::string d = R"({"content":"message )" + std::to_string(i) + R"( of the same stream"})";
    auto seq = server->dispatch("MESSAGE_CREATE", d);
    REQUIRE(seq.ok());
    WsEvent m = s->client->next();
    REQUIRE(m.kind == WsEvent::Kind::kMessage);
    CHECK(m.binary);
    CHECK(m.data ==
          R"({"t":"MESSAGE_CREATE","s":)" + std::to_string(*seq) + R"(,"op":0,"d":)" + d + "}");
  }
  REQUIRE(s->client->send(R"({"op":1,"d":22})"));
  WsEvent ack = s->client->next();
  CHECK(ack.data == R"({"t":null,"s":null,"op":11,"d":null})");
  REQUIRE(server->send_raw("not json, but compressed").ok());
  CHECK(s->client->next().data == "not json, but compressed");
  if (compression == Compression::kZlibStream) CHECK(s->client->all_sync_flushed());
}

TEST_CASE("unknown compress value closes with kCloseBadQuery", "[server][transport]") {
  auto server = start();
  auto c = TestClient::connect(
      server->url(), gwtape::server::test::with_target("/?v=10&encoding=json&compress=lz4"));
  REQUIRE(c);
  CHECK(c->wait_closed().close_code == gwtape::server::kCloseBadQuery);
}

TEST_CASE("wss:// with a certificate made at run time", "[server][transport]") {
  TempDir dir;
  auto cert = gwtape::server::make_self_signed_cert(dir.path);
  REQUIRE(cert.ok());
  CHECK(std::filesystem::exists(cert->cert_path));
  CHECK((std::filesystem::status(cert->key_path).permissions() &
         std::filesystem::perms::others_read) == std::filesystem::perms::none);

  LoopbackOptions o;
  o.cert_file = cert->cert_path;
  o.key_file = cert->key_path;
  auto server = start(o);
  CHECK(server->url().rfind("wss://127.0.0.1:", 0) == 0);

  ClientOptions co;
  co.ca_file = cert->cert_path;
  std::string why;
  auto s = connect_and_identify(server->url(), kToken, 0, co, &why);
  INFO(why);
  REQUIRE(s);
  CHECK(s->ready.d.find("\"resume_gateway_url\":\"" + server->url() + "\"") != std::string::npos);
  REQUIRE(server->dispatch("MESSAGE_CREATE", std::string(100000, ' ') + "{}").ok());
  auto m = s->client->next_text();
  REQUIRE(m);
  CHECK(m->size() > 100000);
  REQUIRE(server->close(4000).ok());
  CHECK(s->client->wait_closed().close_code == 4000);

  SECTION("a client that trusts another certificate refuses the server") {
    TempDir other;
    auto wrong = gwtape::server::make_self_signed_cert(other.path);
    REQUIRE(wrong.ok());
    ClientOptions bad;
    bad.ca_file = wrong->cert_path;
    auto c = TestClient::connect(server->url(), bad, &why);
    CHECK_FALSE(c);
    CHECK(why.find("TLS handshake") != std::string::npos);
  }
  SECTION("stop() does not wait for a client stuck before its TLS handshake") {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(server->port());
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    auto t0 = std::chrono::steady_clock::now();
    server->stop();
    CHECK(std::chrono::steady_clock::now() - t0 < 1s);
    ::close(fd);
  }
}

TEST_CASE("fragment_size splits messages into continuation frames", "[server][transport]") {
  LoopbackOptions o;
  o.fragment_size = 100;
  auto server = start(o);
  auto raw = RawFrameReader::connect(server->port(), "/?v=10&encoding=json");
  REQUIRE(raw);
  auto hello = raw->next();
  REQUIRE(hello);
  CHECK((hello->fin && hello->opcode == 1));  // under 100 bytes: one frame

  std::string text(1050, 'x');
  REQUIRE(server->send_raw(text).ok());
  std::string joined;
  int frames = 0;
  for (;;) {
    auto f = raw->next();
    REQUIRE(f);
    CHECK(f->opcode == (frames == 0 ? 1 : 0));
    CHECK(f->payload.size() <= 100);
    joined += f->payload;
    ++frames;
    if (f->fin) break;
  }
  CHECK(frames == 11);
  CHECK(joined == text);

  // A Beast client reassembles them.
  auto c = TestClient::connect(server->url(), {});
  REQUIRE(c);
  REQUIRE(c->next_text());
  REQUIRE(server->send_raw(text).ok());
  CHECK(c->next_text() == text);
}

TEST_CASE("without fragment_size a large message is one frame", "[server][transport]") {
  auto server = start();
  auto raw = RawFrameReader::connect(server->port(), "/?v=10&encoding=json");
  REQUIRE(raw);
  REQUIRE(raw->next());
  std::string text(300000, 'y');
  REQUIRE(server->send_raw(text).ok());
  auto f = raw->next();
  REQUIRE(f);
  CHECK((f->fin && f->opcode == 1));
  CHECK(f->payload == text);
}

TEST_CASE("a multi-MB GUILD_CREATE arrives whole", "[server][transport]") {
  LoopbackOptions o;
  std::string big = big_guild(1, 60000);  // about 6 MB
  REQUIRE(big.size() > (5u << 20));
  o.guilds = {LoopbackGuild{1, "big", big}};
  o.fragment_size = 65536;
  auto server = start(o);
  auto s = connect_and_identify(server->url(), kToken);
  REQUIRE(s);
  auto g = s->client->next_text();
  REQUIRE(g);
  CHECK(g->size() == big.size() + std::string(R"({"t":"GUILD_CREATE","s":2,"op":0,"d":})").size());
  CHECK(g->substr(g->size() - 20) == big.substr(big.size() - 19) + "}");
}
