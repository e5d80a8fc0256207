// gwtape shapes: per-event counts against the log's own dispatches, and what a log whose
// payloads changed shape reports, as text and as JSON.
#include <simdjson.h>

#include <catch2/catch_test_macros.hpp>
#include <map>
#include <string>

#include "tools_test_util.h"

namespace gwtape::tools::testing {
namespace {

// A recording whose messages grew a field the model does not read ("poll"), one message whose
// content came as a number, an event the library keeps raw, and the frames we sent.
std::string changed_session_jsonl() {
  std::string out = export_head();
  int i = 0;
  out += export_frame(1, ++i, "recv", R"({"op":10,"d":{"heartbeat_interval":41250}})");
  out += export_frame(1, ++i, "send", R"({"op":2,"d":{"token":"[redacted]","intents":513}})");
  for (int s = 1; s <= 3; ++s) {
    out += export_frame(1, ++i, "recv",
                        R"({"op":0,"s":)" + std::to_string(s) +
                            R"(,"t":"MESSAGE_CREATE","d":{"id":"1","channel_id":"2",)"
                            R"("content":"hi","poll":{"question":{"text":"?"}}}})");
  }
  out += export_frame(1, ++i, "recv",
                      R"({"op":0,"s":4,"t":"MESSAGE_CREATE","d":{"id":"1","content":7}})");
  out += export_frame(1, ++i, "recv", R"({"op":0,"s":5,"t":"BRAND_NEW_EVENT","d":{"a":1}})");
  out += export_frame(1, ++i, "send", R"({"op":1,"d":5})");
  return out;
}

TEST_CASE("shapes: a changed payload is reported as text and as JSON") {
  TempDir dir;
  const std::string jsonl = dir.file("changed.jsonl");
  const std::string log = dir.file("changed.gwtape");
  write_file(jsonl, changed_session_jsonl());
  auto imported = gwtape({"import", jsonl, "--out", log});
  INFO(imported.err);
  REQUIRE(imported.exit_code == 0);

  auto text = gwtape({"shapes", log});
  INFO(text.err);
  REQUIRE(text.exit_code == 0);
  INFO(text.out);
  CHECK(text.out.find("MESSAGE_CREATE: 4 frames\n") != std::string::npos);
  CHECK(text.out.find("  unread      d.poll: object, 3 times\n") != std::string::npos);
  CHECK(text.out.find("  mismatched  d.content: number where the model reads string, 1 time\n") !=
        std::string::npos);
  // channel_id came in three of the four messages: not missing; "pinned" in none.
  CHECK(text.out.find("d.channel_id") == std::string::npos);
  CHECK(text.out.find("  missing     d.pinned: boolean, in none of 4 objects\n") !=
        std::string::npos);
  CHECK(text.out.find("BRAND_NEW_EVENT: 1 frame, kept as raw JSON (no typed model)\n") !=
        std::string::npos);
  CHECK(text.out.find("2 event types, 5 dispatches:") != std::string::npos);

  auto json = gwtape({"shapes", log, "--json"});
  REQUIRE(json.exit_code == 0);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  REQUIRE(parser.parse(json.out).get(root) == simdjson::SUCCESS);
  CHECK(std::string_view(root["log"]) == log);
  simdjson::dom::array events = root["events"];
  REQUIRE(events.size() == 2);
  simdjson::dom::element msg = events.at(1);
  CHECK(std::string_view(msg["event"]) == "MESSAGE_CREATE");
  CHECK(bool(msg["typed"]));
  CHECK(std::uint64_t(msg["frames"]) == 4);
  std::map<std::string, std::string> kinds;
  for (simdjson::dom::element f : simdjson::dom::array(msg["findings"])) {
    kinds[std::string(std::string_view(f["path"]))] = std::string(std::string_view(f["kind"]));
  }
  CHECK(kinds["d.poll"] == "unread");
  CHECK(kinds["d.content"] == "mismatched");
  CHECK(kinds["d.pinned"] == "missing");
  simdjson::dom::element poll;
  for (simdjson::dom::element f : simdjson::dom::array(msg["findings"])) {
    if (std::string_view(f["path"]) == "d.poll") poll = f;
  }
  CHECK(std::string_view(poll["seen"]) == "object");
  CHECK(std::uint64_t(poll["count"]) == 3);
  CHECK(poll["expected"].error() == simdjson::NO_SUCH_FIELD);  // an unread field has no model
  CHECK_FALSE(bool(events.at(0)["typed"]));
}

TEST_CASE("shapes: every received dispatch of a generated log is counted under its name") {
  TempDir dir;
  const std::string log = dir.file("gen.gwtape");
  LogSpec spec;
  spec.frames = 3000;
  spec.reconnects = {{1500, Reconnect::kOp7Resume}};
  const WrittenLog written = write_log(log, {spec});
  std::map<std::string, std::uint64_t> expected;
  for (const auto& f : written.frames) {
    const Parsed p = parse_frame(f.text);
    if (f.direction == store::Direction::kRecv && p.op == 0 && !p.t.empty()) ++expected[p.t];
  }
  REQUIRE(expected.size() > 5);

  auto r = gwtape({"shapes", log, "--json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  REQUIRE(parser.parse(r.out).get(root) == simdjson::SUCCESS);
  std::map<std::string, std::uint64_t> got;
  for (simdjson::dom::element e : simdjson::dom::array(root["events"])) {
    got[std::string(std::string_view(e["event"]))] = std::uint64_t(e["frames"]);
    CHECK(std::uint64_t(e["unparsed"]) == 0);
  }
  CHECK(got == expected);
}

}  // namespace
}  // namespace gwtape::tools::testing
