// The decoders against every hand-written frame in fixtures/payloads/{dispatch,op} and every
// dispatch of /work/shared/docs-examples/dispatches.jsonl: envelope fields, the event type a
// name decodes to, and, for typed events, every field the struct models compared with the
// file (through the canonical encoding of gwtape/gateway/json.h, read back with simdjson DOM).
#include "gwtape/gateway/json.h"

#include <simdjson.h>

#include <algorithm>
#include <catch2/catch_test_macros.hpp>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/json_compare.h"
#include "gwtape/gateway/envelope.h"
#include "gwtape/gateway/events.h"

namespace {

namespace fs = std::filesystem;
namespace dom = simdjson::dom;
using gwtape::gateway::EnvelopeParser;
using gwtape::gateway::Event;
using gwtape::gateway::EventDecoder;
using gwtape::gateway::EventType;
using gwtape::gateway::RawEvent;
using gwtape::gateway::Snowflake;
using gwtape::gateway::to_json;
using gwtape::test::join;
using gwtape::test::Mismatches;

const fs::path kPayloads = fs::path(GWTAPE_SOURCE_DIR) / "fixtures" / "payloads";
const fs::path kDocsExamples =
    fs::path(GWTAPE_SOURCE_DIR) / ".." / "shared" / "docs-examples" / "dispatches.jsonl";

struct Frame {
  std::string file;  // "dispatch/MESSAGE_CREATE_dm.json", for messages
  std::string stem;  // "MESSAGE_CREATE_dm"
  std::string text;
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<Frame> load_folder(std::string_view folder) {
  std::vector<Frame> frames;
  const fs::path dir = kPayloads / folder;
  if (!fs::is_directory(dir)) return frames;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
    frames.push_back({std::string(folder) + "/" + entry.path().filename().string(),
                      entry.path().stem().string(), read_file(entry.path())});
  }
  std::sort(frames.begin(), frames.end(),
            [](const Frame& a, const Frame& b) { return a.file < b.file; });
  return frames;
}

const std::vector<Frame>& dispatch_frames() {
  static const std::vector<Frame> frames = load_folder("dispatch");
  return frames;
}

const std::vector<Frame>& op_frames() {
  static const std::vector<Frame> frames = load_folder("op");
  return frames;
}

std::vector<std::string_view> known_event_names() {
  std::vector<std::string_view> names;
  for (std::size_t i = 1; i < static_cast<std::size_t>(EventType::kCount); ++i) {
    names.push_back(gwtape::gateway::event_name(static_cast<EventType>(i)));
  }
  return names;
}

// The event a dispatch file is named after: the longest known name that the stem equals or
// that is followed by "_<variant>" (names contain "_" themselves: MESSAGE_REACTION_REMOVE_ALL
// is not MESSAGE_REACTION_REMOVE + "_ALL"). Empty when no known name fits.
std::string event_name_of(std::string_view stem) {
  std::string_view best;
  for (std::string_view name : known_event_names()) {
    const bool fits = stem == name || (stem.size() > name.size() && stem.starts_with(name) &&
                                       stem[name.size()] == '_');
    if (fits && name.size() > best.size()) best = name;
  }
  return std::string(best);
}

// The raw text of member `key` of the JSON object `json`, as written (simdjson On-Demand, not
// EnvelopeParser, so that the check does not rest on the code under test). nullopt if absent.
std::optional<std::string> raw_member(const std::string& json, std::string_view key) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(json);
  simdjson::ondemand::document doc;
  simdjson::ondemand::object obj;
  if (parser.iterate(padded).get(doc) || doc.get_object().get(obj)) return std::nullopt;
  for (auto field : obj) {
    std::string_view k;
    simdjson::ondemand::value v;
    if (field.unescaped_key().get(k) || field.value().get(v)) return std::nullopt;
    if (k != key) continue;
    simdjson::ondemand::json_type type;
    if (v.type().get(type)) return std::nullopt;
    std::string_view raw;
    if (type == simdjson::ondemand::json_type::object) {
      simdjson::ondemand::object o;
      if (v.get_object().get(o) || o.raw_json().get(raw)) return std::nullopt;
    } else if (type == simdjson::ondemand::json_type::array) {
      simdjson::ondemand::array a;
      if (v.get_array().get(a) || a.raw_json().get(raw)) return std::nullopt;
    } else {
      raw = v.raw_json_token();
    }
    // Both give the value with the whitespace that follows it.
    while (!raw.empty() &&
           (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t')) {
      raw.remove_suffix(1);
    }
    return std::string(raw);
  }
  return std::nullopt;
}

// Compares the canonical encoding of a typed event with the file's d text.
Mismatches compare_with_file(const Event& event, const std::string& d_text) {
  return gwtape::test::compare_with_wire(to_json(event), d_text);
}

// A dispatch frame decoded both ways: through EventDecoder, and in the envelope's own pass.
struct Decoded {
  std::string t;
  std::string d;  // the d text the envelope gave
  gwtape::gateway::Result<Event> event =
      gwtape::make_error(gwtape::gateway::Errc::kParse, "not decoded");
  std::optional<Event> one_pass;
};

Decoded decode_frame(const Frame& frame) {
  Decoded out;
  EnvelopeParser parser;
  Event one_pass;
  bool decoded = false;
  // frame.text's size, not its capacity: parsed from the parser's copy, as a text without room.
  auto env = parser.parse(std::string_view(frame.text), one_pass, decoded);
  if (decoded) out.one_pass = std::move(one_pass);
  if (!env.ok()) {
    out.event = env.error();
    return out;
  }
  out.t.assign(env->t);
  out.d.assign(env->d);
  EventDecoder decoder;
  out.event = decoder.decode(env->t, env->padded_d());
  return out;
}

}  // namespace

TEST_CASE("fixture folders hold a frame for every opcode and every event name",
          "[gateway][fixtures]") {
  INFO("folder: " << kPayloads.string());
  REQUIRE(dispatch_frames().size() >= 80);
  REQUIRE(!op_frames().empty());

  for (std::string_view name : known_event_names()) {
    INFO("event " << name);
    CHECK(std::any_of(dispatch_frames().begin(), dispatch_frames().end(),
                      [&](const Frame& f) { return event_name_of(f.stem) == name; }));
  }
  for (int op : {0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 14, 31, 43}) {
    INFO("op " << op);
    CHECK(std::any_of(op_frames().begin(), op_frames().end(), [&](const Frame& f) {
      return f.stem.starts_with(std::to_string(op) + "_");
    }));
  }
}

TEST_CASE("every fixture frame's op, s and t match the file", "[gateway][fixtures]") {
  std::vector<Frame> frames = dispatch_frames();
  frames.insert(frames.end(), op_frames().begin(), op_frames().end());
  REQUIRE(frames.size() >= 80);
  EnvelopeParser parser;
  dom::parser dom_parser;
  for (const Frame& frame : frames) {
    INFO(frame.file);
    dom::object file;
    REQUIRE(!dom_parser.parse(frame.text).get_object().get(file));
    auto env = parser.parse(frame.text);
    REQUIRE(env.ok());

    std::int64_t op = -1;
    REQUIRE(!file["op"].get_int64().get(op));
    CHECK(static_cast<std::int64_t>(env->op) == op);
    if (frame.file.starts_with("op/")) {
      CHECK(frame.stem.starts_with(std::to_string(op) + "_"));
    } else {
      CHECK(op == 0);
    }

    dom::element s;
    if (file["s"].get(s) || s.is_null()) {
      CHECK(!env->s.has_value());
    } else {
      REQUIRE(env->s.has_value());
      CHECK(*env->s == s.get_int64().value());
    }

    dom::element t;
    if (file["t"].get(t) || t.is_null()) {
      CHECK(env->t.empty());
    } else {
      CHECK(env->t == t.get_string().value());
    }

    const auto d = raw_member(frame.text, "d");
    CHECK(env->d == d.value_or(""));
  }
}

TEST_CASE("every dispatch fixture decodes to the event its file is named after",
          "[gateway][fixtures]") {
  REQUIRE(dispatch_frames().size() >= 80);
  std::size_t typed = 0;
  std::size_t raw = 0;
  for (const Frame& frame : dispatch_frames()) {
    INFO(frame.file);
    const std::string name = event_name_of(frame.stem);
    REQUIRE(!name.empty());
    Decoded decoded = decode_frame(frame);
    CHECK(decoded.t == name);
    INFO((decoded.event.ok() ? std::string() : decoded.event.error().message));
    REQUIRE(decoded.event.ok());
    const Event& event = *decoded.event;
    CHECK(event.type == gwtape::gateway::event_type(name));
    CHECK(event.type != EventType::kUnknown);
    CHECK(event.name() == name);
    CHECK(event.unknown_name.empty());
    CHECK(gwtape::gateway::is_typed(event.type) == (event.as<RawEvent>() == nullptr));
    (event.as<RawEvent>() ? raw : typed)++;
  }
  CHECK(typed > 0);
  CHECK(raw > 0);
}

TEST_CASE("every field a typed event models matches the fixture it was decoded from",
          "[gateway][fixtures]") {
  std::vector<Frame> frames = dispatch_frames();
  for (const Frame& f : op_frames()) {
    if (f.stem.starts_with("0_")) frames.push_back(f);  // op/0_DISPATCH: a compact dispatch
  }
  REQUIRE(frames.size() >= 81);
  Mismatches all;
  std::size_t checked = 0;
  for (const Frame& frame : frames) {
    INFO(frame.file);
    Decoded decoded = decode_frame(frame);
    INFO((decoded.event.ok() ? std::string() : decoded.event.error().message));
    REQUIRE(decoded.event.ok());
    if (decoded.event->as<RawEvent>()) continue;
    ++checked;
    for (const auto& m : compare_with_file(*decoded.event, decoded.d)) {
      all.push_back(frame.file + ": " + m);
    }
    // The envelope's one-pass decode, when it happens, gives the same event.
    if (decoded.one_pass) {
      CHECK(decoded.one_pass->type == decoded.event->type);
      CHECK(to_json(*decoded.one_pass) == to_json(*decoded.event));
    }
  }
  CHECK(checked >= 98);  // every fixture but the two raw user-account events
  INFO(join(all));
  REQUIRE(all.empty());
}

TEST_CASE("the fixture comparison reports every field that differs from the file",
          "[gateway][fixtures]") {
  using gwtape::gateway::MessageCreateEvent;
  auto frame = std::find_if(dispatch_frames().begin(), dispatch_frames().end(),
                            [](const Frame& f) { return f.stem == "MESSAGE_CREATE_reply"; });
  REQUIRE(frame != dispatch_frames().end());
  Decoded decoded = decode_frame(*frame);
  REQUIRE(decoded.event.ok());
  REQUIRE(compare_with_file(*decoded.event, decoded.d).empty());

  Event event = *decoded.event;
  auto* msg = std::get_if<MessageCreateEvent>(&event.payload);
  REQUIRE(msg != nullptr);
  msg->content += "!";                                   // a string
  msg->author.id = Snowflake{msg->author.id.value + 1};  // a snowflake
  msg->timestamp.unix_us += 1;                           // an instant
  msg->embeds = 2;                                       // the derived count
  msg->referenced_message_id = Snowflake{};              // a wire shape read back
  msg->member->roles.push_back(Snowflake{1});            // an array's length
  msg->attachments.at(0).size = 1;                       // inside an array element
  msg->webhook_id = Snowflake{5};                        // absent from the file
  msg->nonce = "1499794082513";                          // an integer nonce
  const Mismatches found = compare_with_file(event, decoded.d);
  INFO(join(found));
  for (std::string_view path : {"d.content:", "d.author.id:", "d.timestamp:", "d.embeds_count:",
                                "d.message_reference.message_id:", "d.member.roles:",
                                "d.attachments[0].size:", "d.webhook_id:", "d.nonce:"}) {
    INFO(path);
    CHECK(std::count_if(found.begin(), found.end(),
                        [&](const std::string& m) { return m.starts_with(path); }) == 1);
  }
  CHECK(found.size() == 9);
}

TEST_CASE("documented untyped events keep d byte for byte", "[gateway][fixtures]") {
  std::size_t raw_events = 0;
  for (const Frame& frame : dispatch_frames()) {
    INFO(frame.file);
    Decoded decoded = decode_frame(frame);
    REQUIRE(decoded.event.ok());
    const RawEvent* raw = decoded.event->as<RawEvent>();
    if (!raw) continue;
    ++raw_events;
    // Only the two user-account events stay raw: Discord's bot documentation has no fields
    // to type them from (events.h, by the raw list).
    CHECK((decoded.t == "USER_SETTINGS_UPDATE" || decoded.t == "USER_GUILD_SETTINGS_UPDATE"));
    const auto d = raw_member(frame.text, "d");
    REQUIRE(d.has_value());
    CHECK(raw->d == *d);
    CHECK(to_json(*decoded.event) == *d);
  }
  CHECK(raw_events == 2);
}

TEST_CASE("an unknown event name decodes to kUnknown with the name and d kept",
          "[gateway][fixtures]") {
  EventDecoder decoder;
  const std::string d = R"({"id": "1", "nested": {"a": [1, 2.5, null, "\u00e9"]}})";
  auto event = decoder.decode("SOME_FUTURE_EVENT", d);
  REQUIRE(event.ok());
  CHECK(event->type == EventType::kUnknown);
  CHECK(event->unknown_name == "SOME_FUTURE_EVENT");
  CHECK(event->name() == "SOME_FUTURE_EVENT");
  REQUIRE(event->as<RawEvent>() != nullptr);
  CHECK(event->as<RawEvent>()->d == d);
  CHECK(to_json(*event) == d);

  // A known event's d under an unknown name is kept as it is, not decoded.
  auto message = std::find_if(dispatch_frames().begin(), dispatch_frames().end(),
                              [](const Frame& f) { return f.stem == "MESSAGE_CREATE"; });
  REQUIRE(message != dispatch_frames().end());
  const auto fixture_d = raw_member(message->text, "d");
  REQUIRE(fixture_d.has_value());
  auto unknown = decoder.decode("SOME_FUTURE_EVENT", *fixture_d);
  REQUIRE(unknown.ok());
  CHECK(unknown->type == EventType::kUnknown);
  REQUIRE(unknown->as<RawEvent>() != nullptr);
  CHECK(unknown->as<RawEvent>()->d == *fixture_d);
}

TEST_CASE("a null d decodes to the event's defaults; another scalar d is a type error",
          "[gateway][fixtures]") {
  EventDecoder decoder;
  auto resumed = decoder.decode("RESUMED", "null");
  REQUIRE(resumed.ok());
  CHECK(resumed->type == EventType::kResumed);
  CHECK(resumed->as<gwtape::gateway::ResumedEvent>() != nullptr);
  auto guild = decoder.decode("GUILD_DELETE", " null ");
  REQUIRE(guild.ok());
  REQUIRE(guild->as<gwtape::gateway::GuildDeleteEvent>() != nullptr);
  CHECK(to_json(*guild) == R"({"id":null,"unavailable":false})");
  for (std::string_view d : {"5", "true", "\"x\""}) {
    INFO(d);
    auto bad = decoder.decode("MESSAGE_CREATE", d);
    REQUIRE(!bad.ok());
    CHECK(bad.error().code == gwtape::gateway::Errc::kType);
  }
  auto hello = decoder.decode_hello("null");
  REQUIRE(!hello.ok());
  CHECK(hello.error().code == gwtape::gateway::Errc::kMissingField);
}

TEST_CASE("decode, to_json, decode, to_json is a fixed point for every fixture",
          "[gateway][fixtures][json]") {
  std::vector<Frame> frames = dispatch_frames();
  for (const Frame& f : op_frames()) {
    if (f.stem.starts_with("0_")) frames.push_back(f);
  }
  EventDecoder decoder;
  dom::parser dom_parser;
  for (const Frame& frame : frames) {
    INFO(frame.file);
    Decoded decoded = decode_frame(frame);
    REQUIRE(decoded.event.ok());
    const std::string first = to_json(*decoded.event);
    CHECK(to_json(*decoded.event) == first);  // deterministic
    INFO(first.substr(0, 400));
    dom::element parsed;
    CHECK(!dom_parser.parse(first).get(parsed));  // valid JSON
    auto again = decoder.decode(decoded.t, first);
    INFO((again.ok() ? std::string() : again.error().message));
    REQUIRE(again.ok());
    CHECK(again->type == decoded.event->type);
    CHECK(to_json(*again) == first);
  }

  // op 10's payload too.
  for (const Frame& f : op_frames()) {
    if (!f.stem.starts_with("10_")) continue;
    EnvelopeParser parser;
    auto env = parser.parse(f.text);
    REQUIRE(env.ok());
    auto hello = decoder.decode_hello(env->padded_d());
    REQUIRE(hello.ok());
    const std::string first = to_json(*hello);
    CHECK(first == R"({"heartbeat_interval":41250})");
    auto again = decoder.decode_hello(first);
    REQUIRE(again.ok());
    CHECK(to_json(*again) == first);
  }
}

TEST_CASE("every dispatch of Discord's documentation examples decodes",
          "[gateway][fixtures][docs]") {
  if (!fs::exists(kDocsExamples)) {
    // Not SKIP(): CTest here does not treat Catch2's skip code as a skip. CI has shared/.
    WARN("no " << kDocsExamples.string() << ": the documentation examples are not checked");
    return;
  }
  std::ifstream in(kDocsExamples, std::ios::binary);
  std::string line;
  std::size_t lineno = 0;
  std::size_t typed = 0;
  Mismatches all;
  EventDecoder decoder;
  dom::parser dom_parser;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty()) continue;
    INFO("dispatches.jsonl:" << lineno);
    std::string_view t;
    REQUIRE(!dom_parser.parse(line)["t"].get_string().get(t));
    const std::string name(t);
    const auto d = raw_member(line, "d");
    REQUIRE(d.has_value());
    auto event = decoder.decode(name, *d);
    INFO(name << ": " << (event.ok() ? std::string() : event.error().message));
    REQUIRE(event.ok());
    CHECK(event->type == gwtape::gateway::event_type(name));
    CHECK(event->type != EventType::kUnknown);
    if (const RawEvent* raw = event->as<RawEvent>()) {
      CHECK(raw->d == *d);
      continue;
    }
    ++typed;
    for (const auto& m : compare_with_file(*event, *d)) {
      all.push_back("line " + std::to_string(lineno) + " " + name + ": " + m);
    }
  }
  CHECK(lineno >= 91);
  CHECK(typed == lineno);  // every event the documentation shows is typed
  INFO(join(all));
  CHECK(all.empty());
}
