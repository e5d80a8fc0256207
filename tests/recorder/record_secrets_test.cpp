// The token of a running `gwtape record` is nowhere a process listing can show: not in
// /proc/PID/environ (the recorder overwrites the initial environment block once it has read
// DISCORD_TOKEN; unsetenv alone would leave the bytes there), not in /proc/PID/cmdline (there
// is no flag for it, and one given anyway is refused without being echoed).
#include <signal.h>

#include <catch2/catch_test_macros.hpp>
#include <string>

#include "gwtape/server/loopback_gateway.h"
#include "record_child.h"

using namespace gwtape;
using namespace gwtape::testing;

namespace {

constexpr const char* kToken = "record.TEST-secret.9f3c1a7e5b";

}  // namespace

TEST_CASE("record: the token is gone from /proc/PID/environ and never in cmdline",
          "[recorder][cli][secrets]") {
  const auto dir = fresh_dir("secrets");
  server::LoopbackOptions o;
  o.token = kToken;
  o.heartbeat_interval = 500ms;
  auto srv = server::LoopbackGateway::start(o);
  REQUIRE(srv.ok());
  Child child({"record", "--out", (dir / "s.gwtape").string(), "--gateway", (*srv)->url()}, kToken,
              dir);
  // The server checks the token: identified means the recorder read it before wiping it.
  REQUIRE((*srv)->wait_until_identified(10s));
  REQUIRE((*srv)->identifies() == 1);
  const std::string proc = "/proc/" + std::to_string(child.pid());
  const std::string environ_block = slurp(proc + "/environ");
  const std::string cmdline = slurp(proc + "/cmdline");
  REQUIRE(child.running());
  REQUIRE(!environ_block.empty());
  // The rest of the environment is still there: only the token's bytes went.
  CHECK(environ_block.find("PATH=") != std::string::npos);
  CHECK(environ_block.find(kToken) == std::string::npos);
  // Not even a piece of it (a partial overwrite would leave a tail).
  CHECK(environ_block.find(std::string(kToken).substr(7)) == std::string::npos);
  CHECK(cmdline.find("record") != std::string::npos);
  CHECK(cmdline.find(kToken) == std::string::npos);
  child.signal(SIGINT);
  REQUIRE(child.wait() == 0);
  CHECK(child.err().find(kToken) == std::string::npos);
  CHECK(child.out().find(kToken) == std::string::npos);
}

TEST_CASE("record: a --token flag is refused, and its value not echoed",
          "[recorder][cli][secrets]") {
  const auto dir = fresh_dir("secrets-flag");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"record", "--out", (dir / "t.gwtape").string(), "--token", kToken},
        std::vector<std::string>{"record", "--out", (dir / "t.gwtape").string(),
                                 std::string("--token=") + kToken}}) {
    Child child(args, kToken, dir);
    REQUIRE(child.wait() == 2);
    CHECK(child.err().find("--token") != std::string::npos);
    CHECK(child.err().find(kToken) == std::string::npos);
    CHECK(child.out().find(kToken) == std::string::npos);
  }
}
