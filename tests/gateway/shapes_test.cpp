// gateway::ShapeCheck: dispatches that carry fields the model does not read, fields of another
// JSON type, fields the model reads that never came; its model side against the canonical
// writer (both come from the field tables); and Discord's documentation examples.
#include "gwtape/gateway/shapes.h"

#include <catch2/catch_test_macros.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gwtape/gateway/events.h"
#include "gwtape/gateway/json.h"

namespace {

namespace fs = std::filesystem;
using gwtape::gateway::EventShape;
using gwtape::gateway::ShapeCheck;
using gwtape::gateway::ShapeFinding;
using Kind = ShapeFinding::Kind;

std::string frame(std::string_view t, std::string_view d) {
  return R"({"op":0,"s":1,"t":")" + std::string(t) + R"(","d":)" + std::string(d) + "}";
}

const EventShape* find_event(const std::vector<EventShape>& shapes, std::string_view name) {
  for (const auto& e : shapes) {
    if (e.event == name) return &e;
  }
  return nullptr;
}

const ShapeFinding* find(const EventShape& e, Kind kind, std::string_view path) {
  for (const auto& f : e.findings) {
    if (f.kind == kind && f.path == path) return &f;
  }
  return nullptr;
}

std::size_t count_kind(const EventShape& e, Kind kind) {
  std::size_t n = 0;
  for (const auto& f : e.findings) n += f.kind == kind;
  return n;
}

TEST_CASE("shapes: unread, mismatched and missing fields, with paths and counts") {
  ShapeCheck check;
  // Two role deletes: one as the model reads it, one with a new field and role_id a number.
  check.add_frame("GUILD_ROLE_DELETE",
                  frame("GUILD_ROLE_DELETE", R"({"guild_id":"1","role_id":"2"})"));
  check.add_frame("GUILD_ROLE_DELETE",
                  frame("GUILD_ROLE_DELETE", R"({"guild_id":"1","role_id":true,"new":[1]})"));
  // Messages: an unread field deep in author, one in every mention, content as a number once,
  // and no "pinned" in either.
  check.add_frame("MESSAGE_CREATE",
                  frame("MESSAGE_CREATE", R"({"id":"5","content":"hi","author":{"id":"7",
                        "avatar_decoration_data":{"asset":"a"}},
                        "mentions":[{"id":"8","clan":null},{"id":"9","clan":{}}]})"));
  check.add_frame("MESSAGE_CREATE", frame("MESSAGE_CREATE", R"({"id":"6","content":42})"));
  const auto shapes = check.report();

  const EventShape* role = find_event(shapes, "GUILD_ROLE_DELETE");
  REQUIRE(role != nullptr);
  CHECK(role->typed);
  CHECK(role->frames == 2);
  CHECK(role->unparsed == 0);
  const ShapeFinding* unread = find(*role, Kind::kUnread, "d.new");
  REQUIRE(unread != nullptr);
  CHECK(unread->count == 1);
  CHECK(unread->seen == gwtape::gateway::kJsonArray);
  const ShapeFinding* bad = find(*role, Kind::kMismatched, "d.role_id");
  REQUIRE(bad != nullptr);
  CHECK(bad->count == 1);
  CHECK(bad->seen == gwtape::gateway::kJsonBoolean);
  CHECK(gwtape::gateway::json_kinds_name(bad->expected) == "string or number");
  CHECK(count_kind(*role, Kind::kMissing) == 0);

  const EventShape* msg = find_event(shapes, "MESSAGE_CREATE");
  REQUIRE(msg != nullptr);
  CHECK(msg->frames == 2);
  const ShapeFinding* deco = find(*msg, Kind::kUnread, "d.author.avatar_decoration_data");
  REQUIRE(deco != nullptr);
  CHECK(deco->seen == gwtape::gateway::kJsonObject);
  // An unread field's subtree is not walked: nothing below it is reported.
  CHECK(find(*msg, Kind::kUnread, "d.author.avatar_decoration_data.asset") == nullptr);
  const ShapeFinding* clan = find(*msg, Kind::kUnread, "d.mentions[].clan");
  REQUIRE(clan != nullptr);
  CHECK(clan->count == 2);  // once per element
  CHECK(clan->seen == (gwtape::gateway::kJsonNull | gwtape::gateway::kJsonObject));
  const ShapeFinding* content = find(*msg, Kind::kMismatched, "d.content");
  REQUIRE(content != nullptr);
  CHECK(content->count == 1);
  CHECK(gwtape::gateway::json_kinds_name(content->seen) == "number");
  CHECK(gwtape::gateway::json_kinds_name(content->expected) == "string");
  const ShapeFinding* pinned = find(*msg, Kind::kMissing, "d.pinned");
  REQUIRE(pinned != nullptr);
  CHECK(pinned->count == 2);  // of the two message objects
  CHECK(gwtape::gateway::json_kinds_name(pinned->expected) == "boolean");
  // id came in both: not missing. The author's username never came, in the one author.
  CHECK(find(*msg, Kind::kMissing, "d.id") == nullptr);
  const ShapeFinding* username = find(*msg, Kind::kMissing, "d.author.username");
  REQUIRE(username != nullptr);
  CHECK(username->count == 1);
  // Findings are ordered: unread, then mismatched, then missing.
  for (std::size_t i = 1; i < msg->findings.size(); ++i) {
    CHECK(msg->findings[i - 1].kind <= msg->findings[i].kind);
  }
}

TEST_CASE("shapes: raw events are counted, frames without a JSON d are unparsed") {
  ShapeCheck check;
  check.add_frame("SOME_NEW_EVENT", frame("SOME_NEW_EVENT", R"({"x":1})"));
  check.add_frame("SOME_NEW_EVENT", frame("SOME_NEW_EVENT", R"({"y":2})"));
  check.add_frame("MESSAGE_DELETE", R"({"op":0,"s":1,"t":"MESSAGE_DELETE","d":{"id":)");
  check.add_frame("MESSAGE_DELETE", R"({"op":0,"s":2,"t":"MESSAGE_DELETE"})");
  check.add_frame("RESUMED", frame("RESUMED", "null"));
  const auto shapes = check.report();
  REQUIRE(shapes.size() == 3);
  // In name order.
  CHECK(shapes[0].event == "MESSAGE_DELETE");
  CHECK(shapes[1].event == "RESUMED");
  CHECK(shapes[2].event == "SOME_NEW_EVENT");

  CHECK(shapes[0].typed);
  CHECK(shapes[0].frames == 2);
  CHECK(shapes[0].unparsed == 2);
  CHECK(shapes[0].findings.empty());  // nothing was seen, so nothing is said missing

  CHECK(shapes[1].frames == 1);
  CHECK(shapes[1].unparsed == 0);
  CHECK(shapes[1].findings.empty());  // a null d keeps the defaults

  CHECK_FALSE(shapes[2].typed);
  CHECK(shapes[2].frames == 2);
  CHECK(shapes[2].findings.empty());
}

TEST_CASE("shapes: an object of many unknown keys reports its first 64, then a count") {
  std::string inner;
  for (int i = 0; i < 100; ++i) {
    if (i) inner += ',';
    inner += "\"k" + std::to_string(i) + "\":" + std::to_string(i);
  }
  // The unknown keys are at d's own level, where the model walks.
  ShapeCheck check;
  check.add_frame("MESSAGE_DELETE", frame("MESSAGE_DELETE", "{" + inner + R"(,"id":"1"})"));
  const auto shapes = check.report();
  REQUIRE(shapes.size() == 1);
  CHECK(count_kind(shapes[0], Kind::kUnread) == 65);  // 64 named, one line for the rest
  const ShapeFinding* rest = find(shapes[0], Kind::kUnread, "d.(36 more keys)");
  REQUIRE(rest != nullptr);
  CHECK(rest->count == 36);
}

// The canonical writer and the shape check walk the same field tables: an object written by
// to_json() from a struct is read by the model in full (a field written null, an unset
// optional or Snowflake, counts as present), apart from the one key the writer derives
// (json.h: embeds_count stands for the wire's embeds array).
TEST_CASE("shapes: every field the canonical writer writes is one the model reads") {
  using namespace gwtape::gateway;
  Message m;
  m.author = User{};
  m.member = Member{};
  m.member->user = User{};
  m.mentions.emplace_back();
  m.attachments.emplace_back();
  m.reactions.emplace_back();
  GuildCreateEvent g;
  g.guild_scheduled_events.emplace_back();
  g.guild_scheduled_events.back().creator = User{};
  g.stage_instances.emplace_back();
  g.soundboard_sounds.emplace_back();
  g.soundboard_sounds.back().user = User{};
  g.roles.emplace_back();
  g.emojis.emplace_back();
  g.stickers.emplace_back();
  g.channels.emplace_back();
  g.channels.back().permission_overwrites.emplace_back();
  g.channels.back().thread_metadata = ThreadMetadata{};
  g.threads.emplace_back();
  g.members.emplace_back();
  g.presences.emplace_back();
  g.presences.back().activities.emplace_back();
  g.voice_states.emplace_back();
  ShapeCheck check;
  check.add_frame("MESSAGE_CREATE", frame("MESSAGE_CREATE", to_json(m)));
  check.add_frame("GUILD_CREATE", frame("GUILD_CREATE", to_json(g)));
  const auto shapes = check.report();
  REQUIRE(shapes.size() == 2);
  CHECK(shapes[0].event == "GUILD_CREATE");
  CHECK(shapes[0].findings.empty());
  // The message's one difference is the count the writer derives from the wire's array.
  CHECK(shapes[1].event == "MESSAGE_CREATE");
  CHECK(count_kind(shapes[1], Kind::kMismatched) == 0);
  REQUIRE(shapes[1].findings.size() == 2);
  CHECK(find(shapes[1], Kind::kUnread, "d.embeds_count") != nullptr);
  CHECK(find(shapes[1], Kind::kMissing, "d.embeds") != nullptr);
}

const fs::path kDocsExamples =
    fs::path(GWTAPE_SOURCE_DIR) / ".." / "shared" / "docs-examples" / "dispatches.jsonl";

// Discord's own examples: whatever the typed model reads, it reads as the type Discord sends.
TEST_CASE("shapes: Discord's documentation examples disagree with no typed field's type") {
  if (!fs::exists(kDocsExamples)) {
    WARN("no " << kDocsExamples.string() << ": the documentation examples are not checked");
    return;
  }
  std::ifstream in(kDocsExamples, std::ios::binary);
  std::string line;
  ShapeCheck check;
  std::size_t frames = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto t0 = line.find("\"t\": \"");
    REQUIRE(t0 != std::string::npos);
    const auto t1 = line.find('"', t0 + 6);
    const std::string t = line.substr(t0 + 6, t1 - t0 - 6);
    check.add_frame(t, R"({"op":0,"s":null,)" + line.substr(1));
    ++frames;
  }
  REQUIRE(frames > 80);
  std::size_t typed = 0;
  const auto shapes = check.report();
  for (const EventShape& e : shapes) {
    INFO(e.event);
    CHECK(e.unparsed == 0);
    typed += e.typed;
    for (const ShapeFinding& f : e.findings) {
      INFO(f.path << ": " << gwtape::gateway::json_kinds_name(f.seen));
      CHECK(f.kind != Kind::kMismatched);
    }
  }
  // Every one of the 75 event names the documentation shows is typed: none is kept raw.
  CHECK(shapes.size() >= 75);
  CHECK(typed == shapes.size());
}

}  // namespace
