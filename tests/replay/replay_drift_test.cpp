// A replay's waits end where live's did (issue 13, found by the 1,000-episode fault soak).
// After op 9 (not resumable) or a failed connect, live waited a random 1-5 s (or a jittered
// backoff) before reconnecting; the replay draws its own wait and, with a virtual clock that
// only moves forward, used to run ahead of the recording by the difference. Those seconds
// added up over op 9 after op 9 until an identify slot fell after the recorded READY: the
// replay waited for its slot while the recording waited for the replay's identify, and the
// replay took the shard for a zombie. Now a wait ends at the next recorded frame.
#include <catch2/catch_test_macros.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "gwtape/replay/replayer.h"

using namespace gwtape;

TEST_CASE("replay: waits end where live's did, however the replay draws its jitter",
          "[replay][drift]") {
  // The first 49 connections of a fault soak's log (seed 7): op 7, op 9 both ways, closes
  // 4000-4009, drops, zombies, an outage. Before the fix: 4 divergences from connection 44 on.
  const auto dir = std::filesystem::temp_directory_path() / "gwtape-replay-drift";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto log = dir / "drift.gwtape";
  const std::string import = std::string(GWTAPE_BINARY_DIR "/tools/gwtape import ") +
                             GWTAPE_SOURCE_DIR "/fixtures/logs/fault_soak_op9_drift.jsonl --out " +
                             log.string() + " > /dev/null";
  REQUIRE(std::system(import.c_str()) == 0);
  auto r = replay::Replayer::open(log.string());
  REQUIRE(r.ok());
  REQUIRE((*r)->run().ok());
  for (const auto& d : (*r)->divergences()) {
    UNSCOPED_INFO("divergence at frame " << d.frame_id << ": recorded " << d.expected
                                         << " / replayed " << d.actual);
  }
  CHECK((*r)->divergences().empty());
  CHECK((*r)->stats().connections == 49);
}
