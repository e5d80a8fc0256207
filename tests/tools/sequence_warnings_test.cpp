// Dispatch sequence numbers that skip or repeat are what a gateway sent, not damage to a log:
// import takes them, verify warns (exit 0) and stats counts them, so a faithful recording of
// a gateway that skips a number passes every command.
#include <simdjson.h>

#include <catch2/catch_test_macros.hpp>
#include <string>
#include <vector>

#include "tools_test_util.h"

namespace gwtape::tools::testing {
namespace {

std::string dispatch(int s, const char* t = "MESSAGE_CREATE") {
  return R"({"t":")" + std::string(t) + R"(","s":)" + std::to_string(s) + R"(,"op":0,"d":{}})";
}

// Frame ids follow the lines: 1 hello, 2 identify, 3 READY s=1, 4 s=5 (a gap of 3), 5 s=6;
// connection 2: 6 hello, 7 resume, 8 s=5 and 9 s=6 (repeats, replayed), 10 s=7, 11 RESUMED
// s=8; connection 3: 12 hello, 13 identify, 14 READY s=1 (a new session: no warning), 15 s=2.
std::string session_jsonl() {
  const std::string hello = R"({"t":null,"s":null,"op":10,"d":{"heartbeat_interval":41250}})";
  const std::string identify = R"({"op":2,"d":{"token":"[redacted]","intents":513}})";
  const std::string resume = R"({"op":6,"d":{"token":"[redacted]","session_id":"abc","seq":6}})";
  std::string out = export_head();
  struct Line {
    int conn;
    const char* direction;
    std::string text;
  };
  const Line lines[] = {
      {1, "recv", hello},
      {1, "send", identify},
      {1, "recv", dispatch(1, "READY")},
      {1, "recv", dispatch(5)},
      {1, "recv", dispatch(6)},
      {2, "recv", hello},
      {2, "send", resume},
      {2, "recv", dispatch(5)},
      {2, "recv", dispatch(6)},
      {2, "recv", dispatch(7)},
      {2, "recv", dispatch(8, "RESUMED")},
      {3, "recv", hello},
      {3, "send", identify},
      {3, "recv", dispatch(1, "READY")},
      {3, "recv", dispatch(2)},
  };
  int ts = 0;
  for (const Line& l : lines) out += export_frame(l.conn, ++ts, l.direction, l.text);
  return out;
}

TEST_CASE("sequences: import, verify and stats agree that gaps and repeats are not damage") {
  TempDir dir;
  const std::string jsonl = dir.file("gaps.jsonl"), log = dir.file("gaps.gwtape");
  write_file(jsonl, session_jsonl());
  auto imported = gwtape({"import", jsonl, "--out", log});
  INFO(imported.err);
  REQUIRE(imported.exit_code == 0);

  auto v = gwtape({"verify", log});
  INFO(v.err);
  CHECK(v.exit_code == 0);
  CHECK(v.out == log +
                     ": ok: 15 frames in 1 blocks and 0 pending, 1 recordings; warnings: 1 "
                     "sequence gaps, 2 repeated sequence numbers\n");
  CHECK(v.err.find("gwtape verify: warning: " + log +
                   ": frame 4: recording 1: dispatch sequence 5 after 1 (3 skipped)\n") !=
        std::string::npos);
  CHECK(v.err.find(": frame 8: recording 1: dispatch sequence 5 after 6 (repeated") !=
        std::string::npos);
  CHECK(v.err.find(": frame 9: recording 1: dispatch sequence 6 after 6 (repeated") !=
        std::string::npos);
  CHECK(v.err.find("frame 14") == std::string::npos);  // a new identify starts again at 1

  auto text = gwtape({"stats", log});
  REQUIRE(text.exit_code == 0);
  CHECK(text.out.find("  sequences    1 gaps, 2 repeats") != std::string::npos);
  auto json = gwtape({"stats", log, "--json"});
  REQUIRE(json.exit_code == 0);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(!parser.parse(json.out).get(doc));
  auto rec = doc["recordings"].at(0);
  CHECK(rec["seq_gaps"].get_int64().value() == 1);
  CHECK(rec["seq_repeats"].get_int64().value() == 2);

  // The round trip keeps them: an export of the log imports again.
  auto exported = gwtape({"export", log, "--out", dir.file("again.jsonl")});
  REQUIRE(exported.exit_code == 0);
  CHECK(read_file(dir.file("again.jsonl")) == session_jsonl());
}

TEST_CASE("sequences: a sound session has no warnings and counts none") {
  TempDir dir;
  LogSpec spec;
  spec.frames = 900;
  spec.reconnects = {{300, Reconnect::kOp7Resume}, {600, Reconnect::kOp9Identify}};
  const std::string log = dir.file("a.gwtape");
  write_log(log, {spec});
  auto v = gwtape({"verify", log});
  CHECK(v.exit_code == 0);
  CHECK(v.err.empty());
  CHECK(v.out.find("warnings") == std::string::npos);
  auto json = gwtape({"stats", log, "--json"});
  REQUIRE(json.exit_code == 0);
  CHECK(json.out.find("\"seq_gaps\":0,\"seq_repeats\":0") != std::string::npos);
}

}  // namespace
}  // namespace gwtape::tools::testing
