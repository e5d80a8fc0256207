// `gwtape record --nats` and `gwtape import nats://` end to end on one JetStream node: the
// loopback gateway with faults, the log written alongside, the stream imported back.
#include <signal.h>

#include <catch2/catch_test_macros.hpp>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <thread>

#include "recorder/record_child.h"
#include "stream/nats_servers.h"
#include "stream/stream_test_util.h"

using namespace gwtape;
using namespace gwtape::testing;
using namespace std::chrono_literals;

namespace {

// True when any file under `dir` holds `needle`.
bool any_file_holds(const std::filesystem::path& dir, const std::string& needle) {
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    const std::string body((std::istreambuf_iterator<char>(in)), {});
    if (body.find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE(
    "record --nats: the stream holds the log's frames byte for byte, and replays to the "
    "live digest",
    "[stream][cli]") {
  const auto dir = fresh_dir("nats-single");
  NatsCluster nats(dir / "nats", 1);
  auto srv = start_gateway();
  const auto log = dir / "live.gwtape";
  Child rec({"record", "--out", log.string(), "--gateway", srv->url(), "--nats", nats.urls(),
             "--redact", "MESSAGE_UPDATE:$.d.content"},
            kStreamToken, dir);
  REQUIRE(srv->wait_until_identified(10s));
  int n = 0;
  burst(*srv, n, 20);
  REQUIRE(srv->request_reconnect().ok());
  burst(*srv, n, 10);
  REQUIRE(srv->wait_for_resumes(1, 10s));
  REQUIRE(srv->drop().ok());
  burst(*srv, n, 10);
  REQUIRE(srv->wait_for_resumes(2, 10s));
  REQUIRE(srv->dispatch("MESSAGE_UPDATE", R"({"id":"5001","channel_id":"41771983423143937",)"
                                          R"("content":"private words"})")
              .ok());
  burst(*srv, n, 10);
  REQUIRE(settled(*srv, 10s));
  rec.signal(SIGINT);
  const int rec_code = rec.wait(40s);
  INFO(rec.err());
  REQUIRE(rec_code == 0);
  CHECK(rec.err().find("acknowledged by JetStream") != std::string::npos);

  const auto imported = dir / "imported.gwtape";
  std::string err;
  REQUIRE(run_gwtape({"import", nats.urls(), "--out", imported.string()}, dir, "import1", nullptr,
                     &err) == 0);
  INFO(err);
  const std::size_t frames = require_same_frames(log, imported);
  CHECK(frames > 60);
  // The recording row came across: URL, compression, the redaction rule, the end.
  auto a = store::LogReader::open(log.string());
  auto b = store::LogReader::open(imported.string());
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  auto ra = (*a)->recordings();
  auto rb = (*b)->recordings();
  REQUIRE(ra.ok());
  REQUIRE(rb.ok());
  REQUIRE(rb->size() == 1);
  CHECK((*rb)[0].id == (*ra)[0].id);
  CHECK((*rb)[0].info.gateway_url == (*ra)[0].info.gateway_url);
  CHECK((*rb)[0].info.compress == (*ra)[0].info.compress);
  CHECK((*rb)[0].info.redactions == (*ra)[0].info.redactions);
  CHECK((*rb)[0].ended_at_ns == (*ra)[0].ended_at_ns);
  CHECK((*rb)[0].state_digest == (*ra)[0].state_digest);
  auto ea = (*a)->connection_ends(std::nullopt);
  auto eb = (*b)->connection_ends(std::nullopt);
  REQUIRE(ea.ok());
  REQUIRE(eb.ok());
  REQUIRE(ea->size() == eb->size());
  for (std::size_t i = 0; i < ea->size(); ++i) {
    CHECK((*ea)[i].conn == (*eb)[i].conn);
    CHECK((*ea)[i].closed_by == (*eb)[i].closed_by);
    CHECK((*ea)[i].code == (*eb)[i].code);
  }
  a->reset();
  b->reset();

  CHECK(run_gwtape({"verify", imported.string()}, dir, "verify") == 0);
  const auto live = replay_summary(log, dir, "replay-live");
  const auto back = replay_summary(imported, dir, "replay-imported");
  CHECK(back.digest == live.digest);
  // The redacted MESSAGE_UPDATE makes the replayed state differ from the live cache (which saw
  // the words) in both logs alike; the slice test below checks the match on an unredacted run.
  CHECK(back.matches_live == live.matches_live);

  // Again: nothing new, nothing doubled.
  REQUIRE(run_gwtape({"import", nats.urls(), "--out", imported.string()}, dir, "import2", nullptr,
                     &err) == 0);
  CHECK(err.find(" 0 frames") != std::string::npos);
  CHECK(require_same_frames(log, imported) == frames);

  // The token reached neither the stream's storage nor any output; the redaction held there.
  CHECK_FALSE(any_file_holds(dir / "nats", kStreamToken));
  CHECK_FALSE(any_file_holds(dir / "nats", "private words"));
  CHECK(rec.err().find(kStreamToken) == std::string::npos);
}

TEST_CASE("import nats://: a slice by subject and time, continued by a second run",
          "[stream][cli]") {
  const auto dir = fresh_dir("nats-slice");
  NatsCluster nats(dir / "nats", 1);
  auto srv = start_gateway();
  Child rec({"record", "--gateway", srv->url(), "--nats", nats.urls(), "--nats-stream", "FLEET",
             "--compress", "none"},
            kStreamToken, dir);
  REQUIRE(srv->wait_until_identified(10s));
  int n = 0;
  burst(*srv, n, 15);
  REQUIRE(settled(*srv, 10s));
  // Frames before this instant, and after it.
  std::this_thread::sleep_for(50ms);
  const auto middle = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  std::this_thread::sleep_for(50ms);
  burst(*srv, n, 15);
  REQUIRE(settled(*srv, 10s));
  rec.signal(SIGTERM);
  REQUIRE(rec.wait(40s) == 0);

  // Only what was received, up to the middle: then the rest of it in a second run.
  const auto part = dir / "part.gwtape";
  const std::string middle_s = std::to_string(middle / 1'000'000'000) + "." +
                               std::to_string(1'000'000'000 + middle % 1'000'000'000).substr(1);
  std::string err;
  REQUIRE(run_gwtape({"import", nats.urls(), "--stream", "FLEET", "--subject", "FLEET.*.0.recv",
                      "--until", middle_s, "--out", part.string()},
                     dir, "import-part", nullptr, &err) == 0);
  INFO(err);
  auto first = read_log(part);
  REQUIRE(!first.empty());
  for (const auto& f : first) {
    CHECK(f.direction == store::Direction::kRecv);
    CHECK(f.ts_ns <= middle);
  }
  REQUIRE(run_gwtape({"import", nats.urls(), "--stream", "FLEET", "--subject", "FLEET.*.0.recv",
                      "--out", part.string()},
                     dir, "import-rest", nullptr, &err) == 0);
  const auto all = dir / "all.gwtape";
  REQUIRE(run_gwtape({"import", nats.urls(), "--stream", "FLEET", "--out", all.string()}, dir,
                     "import-all") == 0);
  std::vector<std::string> want, got;
  for (const auto& f : read_log(all)) {
    if (f.direction == store::Direction::kRecv) want.push_back(f.text);
  }
  for (const auto& f : read_log(part)) got.push_back(f.text);
  CHECK(got.size() > first.size());
  CHECK(got == want);
  // The whole stream replays to the digest the live cache had: from its import, and straight
  // from the stream.
  const auto imported = replay_summary(all, dir, "replay-all");
  CHECK(imported.matches_live);
  const auto tmp = dir / "tmp";
  std::filesystem::create_directories(tmp);
  const char* old_tmp = std::getenv("TMPDIR");
  const std::string saved = old_tmp ? old_tmp : "";
  ::setenv("TMPDIR", tmp.c_str(), 1);
  const auto straight = replay_summary({nats.urls(), "--stream", "FLEET"}, dir, "replay-nats");
  old_tmp ? ::setenv("TMPDIR", saved.c_str(), 1) : ::unsetenv("TMPDIR");
  CHECK(straight.matches_live);
  CHECK(straight.digest == imported.digest);
  CHECK(std::filesystem::is_empty(tmp));  // the temporary log is gone
}
