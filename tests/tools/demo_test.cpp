// `gwtape demo`, what scripts/demo runs: the whole story on loopback, each step reported, and
// every state digest the live client's (issue #12).
#include <catch2/catch_test_macros.hpp>
#include <string>

#include "tools_test_util.h"

namespace gwtape::tools::testing {

TEST_CASE("tools: demo records, replays, serves, records again and queries; digests agree",
          "[tools][demo]") {
  TempDir dir;
  const std::string log = dir.file("story.gwtape");
  const Run demo = gwtape({"demo", "--out", log, "--frames", "1500", "--seed", "5"});
  INFO(demo.out << demo.err);
  REQUIRE(demo.exit_code == 0);
  for (const char* step : {"\n1. loopback gateway at ws://127.0.0.1:", "\n2. recorded ",
                           "\n3. replayed ", "\n4. served ", "\n5. gwtape query "}) {
    CHECK(demo.out.find(step) != std::string::npos);
  }
  CHECK(demo.out.find("(equal)") != std::string::npos);
  CHECK(demo.out.find("(equal to the live one)") != std::string::npos);
  CHECK(demo.out.find("DIFFERENT") == std::string::npos);
  CHECK(demo.out.find("MESSAGE_CREATE") != std::string::npos);  // the query's first row
  // Both logs are sound, and the served one replays to the digest stored in the first.
  const std::string served = dir.file("story-served.gwtape");
  for (const std::string& path : {log, served}) {
    const Run verify = gwtape({"verify", path});
    INFO(path << ": " << verify.err);
    CHECK(verify.exit_code == 0);
  }
  const Run first =
      gwtape({"query", log, "SELECT state_digest FROM recordings", "--format", "csv"});
  const Run replay = gwtape({"replay", served, "--summary"});
  REQUIRE(first.exit_code == 0);
  REQUIRE(replay.exit_code == 0);
  const std::string digest = first.out.substr(first.out.rfind('\n', first.out.size() - 2) + 1, 64);
  INFO(first.out << replay.out);
  CHECK(digest.size() == 64);
  CHECK(replay.out.find("\"digest\":\"" + digest + "\"") != std::string::npos);
  CHECK(replay.out.find("\"digest_matches_live\":true") != std::string::npos);
}

}  // namespace gwtape::tools::testing
