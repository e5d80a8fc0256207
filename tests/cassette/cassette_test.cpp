#include "gwtape/cassette/cassette.h"

#include <stdlib.h>

#include <catch2/catch_test_macros.hpp>
#include <filesystem>
#include <string>

#include "gwtape/server/loopback_gateway.h"

using namespace gwtape;
using namespace std::chrono_literals;

namespace {

std::string cassette_path(const char* name) {
  auto dir = std::filesystem::temp_directory_path() / "gwtape-cassette-test";
  std::filesystem::create_directories(dir);
  auto p = dir / name;
  std::filesystem::remove(p);
  return p.string();
}

}  // namespace

TEST_CASE("cassette: no file and no token fails, saying how to record it", "[cassette]") {
  cassette::CassetteOptions o;
  o.path = cassette_path("missing.gwtape");
  o.token_variable = "GWTAPE_TEST_NO_SUCH_TOKEN";
  ::unsetenv("GWTAPE_TEST_NO_SUCH_TOKEN");
  auto r = cassette::Cassette::open(o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == replay::Errc::kNotFound);
  CHECK(r.error().message.find("GWTAPE_TEST_NO_SUCH_TOKEN") != std::string::npos);
  CHECK(r.error().message.find("gwtape record --out") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(o.path));
}

TEST_CASE("cassette: records once with a token, then replays the same state", "[cassette]") {
  server::LoopbackOptions so;
  so.token = "cassette-token";
  so.guilds.push_back({197038439483310086ULL, "cassette guild", ""});
  auto srv = server::LoopbackGateway::start(so);
  REQUIRE(srv.ok());
  cassette::CassetteOptions o;
  o.path = cassette_path("ready.gwtape");
  o.gateway_url = (*srv)->url();
  o.token_variable = "GWTAPE_TEST_CASSETTE_TOKEN";
  o.max_events = 2;  // READY and GUILD_CREATE
  o.max_seconds = 10;
  ::setenv("GWTAPE_TEST_CASSETTE_TOKEN", "cassette-token", 1);
  std::string first_digest;
  {
    auto tape = cassette::Cassette::open(o);
    REQUIRE(tape.ok());
    CHECK(std::filesystem::exists(o.path));
    REQUIRE((*tape)->run().ok());
    CHECK((*tape)->stats().dispatches == 2);
    first_digest = (*tape)->cache().digest_hex();
    CHECK((*tape)->recording().state_digest == first_digest);
  }
  // Second time: the file exists, nothing is recorded (the server sees no new connection),
  // and the token is no longer needed.
  ::unsetenv("GWTAPE_TEST_CASSETTE_TOKEN");
  const auto connections = (*srv)->connections();
  auto again = cassette::Cassette::open(o);
  REQUIRE(again.ok());
  REQUIRE((*again)->run().ok());
  CHECK((*again)->cache().digest_hex() == first_digest);
  CHECK((*srv)->connections() == connections);
  REQUIRE((*again)->cache().guild(gateway::Snowflake{197038439483310086ULL}) != nullptr);
}
