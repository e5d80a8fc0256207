// docs/QUERIES.md: every recipe, read from the document, runs through `gwtape query` on a
// generated log with reconnects, and its rows are checked against the test's own reading of
// the frames; one recipe also runs in the real sqlite3 shell with the extension loaded.
#include <simdjson.h>
#include <algorithm>
#include <catch2/catch_test_macros.hpp>
#include <ctime>
#include <map>
#include <set>

#include "tools_test_util.h"

namespace gwtape::tools::testing {
namespace {

using Row = std::map<std::string, std::string>;

struct Recipe {
  std::string name, sql;
};

std::map<std::string, Recipe> recipes() {
  const std::string doc = read_file(GWTAPE_SOURCE_DIR "/docs/QUERIES.md");
  std::map<std::string, Recipe> out;
  const std::string mark = "<!-- recipe: ";
  for (std::size_t at = doc.find(mark); at != std::string::npos; at = doc.find(mark, at + 1)) {
    const std::size_t name_end = doc.find_first_of(" -", at + mark.size());
    const std::string name = doc.substr(at + mark.size(), name_end - at - mark.size());
    const std::size_t open = doc.find("```sql\n", at);
    const std::size_t close = doc.find("```\n", open + 7);
    REQUIRE(open != std::string::npos);
    REQUIRE(close != std::string::npos);
    out[name] = {name, doc.substr(open + 7, close - open - 7)};
  }
  return out;
}

// jsonl rows as text: integers in decimal, strings as they are, null as "<null>".
std::vector<Row> rows(const std::string& jsonl) {
  std::vector<Row> out;
  simdjson::dom::parser parser;
  for (std::size_t at = 0, nl; (nl = jsonl.find('\n', at)) != std::string::npos; at = nl + 1) {
    simdjson::dom::object obj;
    REQUIRE(parser.parse(jsonl.substr(at, nl - at)).get(obj) == simdjson::SUCCESS);
    Row row;
    for (auto [key, value] : obj) {
      std::string text;
      if (value.is_null()) {
        text = "<null>";
      } else if (value.is_int64()) {
        text = std::to_string(value.get_int64().value());
      } else if (value.is_string()) {
        text = std::string(value.get_string().value());
      } else {
        text = simdjson::minify(value);
      }
      row[std::string(key)] = text;
    }
    out.push_back(std::move(row));
  }
  return out;
}

std::string utc(std::int64_t ns, const char* format) {
  std::time_t secs = ns / 1'000'000'000;
  std::tm tm{};
  ::gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

// The frames of the log, parsed by the test (simdjson DOM), with what the recipes look at.
struct Frame {
  std::int64_t id;
  const store::Frame* raw;
  Parsed env;
  std::string field(const char* pointer) const {
    simdjson::dom::parser parser;
    simdjson::dom::element e;
    if (parser.parse(env.d_json).at_pointer(pointer).get(e)) return "<null>";
    std::string_view s;
    return e.get_string().get(s) ? simdjson::minify(e) : std::string(s);
  }
};

struct Fixture {
  TempDir dir;
  std::string log = dir.file("recipes.gwtape");
  WrittenLog written;
  std::vector<Frame> frames;
  std::map<std::string, Recipe> sql = recipes();

  Fixture() {
    LogSpec main;
    main.frames = 6000;
    main.generator.members_per_guild = 120;
    main.generator.events_per_second = 0.6;  // about three hours: several hour buckets
    main.reconnects = {{1500, Reconnect::kOp7Resume},
                       {3000, Reconnect::kDropResume},
                       {4500, Reconnect::kOp9Identify}};
    LogSpec other;
    other.frames = 400;
    other.generator.seed = 9;
    other.generator.members_per_guild = 50;
    written = write_log(log, {main, other});
    for (std::size_t i = 0; i < written.frames.size(); ++i)
      frames.push_back({static_cast<std::int64_t>(i + 1), &written.frames[i],
                        parse_frame(written.frames[i].text)});
  }

  std::vector<Row> run(const std::string& name, const std::vector<std::string>& params = {}) {
    REQUIRE(sql.count(name));
    std::vector<std::string> args = {"query", log, sql[name].sql, "--format", "jsonl"};
    for (const auto& p : params) {
      args.push_back("--param");
      args.push_back(p);
    }
    auto r = gwtape(args);
    INFO(name << ": " << r.err);
    REQUIRE(r.exit_code == 0);
    return rows(r.out);
  }
};

TEST_CASE("tools: QUERIES.md has the six recipes") {
  auto all = recipes();
  for (const char* name : {"messages_per_channel_per_hour", "joins_and_leaves", "message_history",
                           "reconnects", "heartbeat_ack_gap", "largest_frames"}) {
    INFO(name);
    CHECK(all.count(name) == 1);
  }
}

// One log for all sections (Catch2 reruns the test case once per section).
Fixture& shared_fixture() {
  static Fixture fx;
  return fx;
}

TEST_CASE("tools: the recipes answer what the frames say") {
  Fixture& fx = shared_fixture();

  SECTION("messages per channel per hour") {
    std::map<std::pair<std::string, std::string>, std::int64_t> expected;
    for (const auto& f : fx.frames) {
      if (f.env.t == "MESSAGE_CREATE")
        ++expected[{utc(f.raw->ts_ns, "%Y-%m-%d %H:00"), f.field("/channel_id")}];
    }
    auto got = fx.run("messages_per_channel_per_hour");
    std::map<std::pair<std::string, std::string>, std::int64_t> actual;
    std::set<std::string> hours;
    for (const auto& row : got) {
      actual[{row.at("hour"), row.at("channel_id")}] = std::stoll(row.at("messages"));
      hours.insert(row.at("hour"));
    }
    CHECK(actual == expected);
    CHECK(hours.size() >= 3);
    for (std::size_t i = 1; i < got.size(); ++i) {
      const bool same_hour = got[i - 1].at("hour") == got[i].at("hour");
      CHECK(got[i - 1].at("hour") <= got[i].at("hour"));
      if (same_hour)
        CHECK(std::stoll(got[i - 1].at("messages")) >= std::stoll(got[i].at("messages")));
    }
  }

  SECTION("who joined and left a guild") {
    std::map<std::string, std::vector<std::string>> by_guild;  // guild -> "id what user"
    for (const auto& f : fx.frames) {
      if (f.env.t != "GUILD_MEMBER_ADD" && f.env.t != "GUILD_MEMBER_REMOVE") continue;
      by_guild[f.field("/guild_id")].push_back(
          std::to_string(f.id) + (f.env.t == "GUILD_MEMBER_ADD" ? " joined " : " left ") +
          f.field("/user/id"));
    }
    REQUIRE(by_guild.size() >= 2);
    auto busiest = std::max_element(by_guild.begin(), by_guild.end(), [](auto& a, auto& b) {
      return a.second.size() < b.second.size();
    });
    std::vector<std::string> actual;
    for (const auto& row : fx.run("joins_and_leaves", {busiest->first}))
      actual.push_back(row.at("id") + " " + row.at("what") + " " + row.at("user_id"));
    CHECK(actual == busiest->second);
    CHECK(std::any_of(actual.begin(), actual.end(),
                      [](auto& s) { return s.find(" left ") != std::string::npos; }));
  }

  SECTION("the history of one message: create, edits, delete") {
    static const std::set<std::string> kTypes = {"MESSAGE_CREATE",
                                                 "MESSAGE_UPDATE",
                                                 "MESSAGE_DELETE",
                                                 "MESSAGE_DELETE_BULK",
                                                 "MESSAGE_REACTION_ADD",
                                                 "MESSAGE_REACTION_REMOVE",
                                                 "MESSAGE_REACTION_REMOVE_ALL",
                                                 "MESSAGE_REACTION_REMOVE_EMOJI"};
    std::map<std::string, std::vector<const Frame*>> history;
    for (const auto& f : fx.frames) {
      if (!kTypes.count(f.env.t)) continue;
      if (f.env.t == "MESSAGE_DELETE_BULK") {
        simdjson::dom::parser parser;
        for (auto id : parser.parse(f.env.d_json)["ids"].get_array())
          history[std::string(id.get_string().value())].push_back(&f);
      } else {
        const std::string id = f.field("/id"), message_id = f.field("/message_id");
        history[f.env.t.rfind("MESSAGE_REACTION", 0) == 0 ? message_id : id].push_back(&f);
      }
    }
    // A message of this recording that was created, edited and deleted.
    const std::vector<const Frame*>* chosen = nullptr;
    std::string chosen_id;
    for (const auto& entry : history) {
      // Named references, not a structured binding: clang 14 cannot capture a binding in a
      // lambda (P1091 came in clang 16).
      const std::string& id = entry.first;
      const std::vector<const Frame*>& list = entry.second;
      auto has = [&](const char* t) {
        return std::any_of(list.begin(), list.end(), [&](auto* f) { return f->env.t == t; });
      };
      if (has("MESSAGE_CREATE") && has("MESSAGE_UPDATE") &&
          (has("MESSAGE_DELETE") || has("MESSAGE_DELETE_BULK")) &&
          (!chosen || list.size() > chosen->size())) {
        chosen = &list;
        chosen_id = id;
      }
    }
    REQUIRE(chosen);
    std::vector<std::string> expected, actual;
    for (const Frame* f : *chosen) expected.push_back(std::to_string(f->id) + " " + f->env.t);
    auto got = fx.run("message_history", {chosen_id});
    for (const auto& row : got) actual.push_back(row.at("id") + " " + row.at("t"));
    CHECK(actual == expected);
    REQUIRE(!got.empty());
    CHECK(got.front().at("content") == (*chosen)[0]->field("/content"));
  }

  SECTION("reconnects and their reasons") {
    auto got = fx.run("reconnects");
    std::vector<std::string> actual;
    for (const auto& row : got)
      actual.push_back(row.at("recording_id") + "/" + row.at("conn") + " " + row.at("frames") +
                       " " + row.at("opened_with") + " | " + row.at("ended_by") + " | " +
                       row.at("close"));
    // Frames per connection, counted from the written frames.
    std::map<std::pair<std::int64_t, std::uint32_t>, int> count;
    for (const auto& f : fx.written.frames) ++count[{f.recording_id, f.conn}];
    auto n = [&](std::int64_t rec, std::uint32_t conn) {
      return std::to_string(count[{rec, conn}]);
    };
    const std::vector<std::string> expected = {
        "1/1 " + n(1, 1) +
            " identify | op 7 reconnect requested | client 4000: gateway asked to reconnect (op 7)",
        "1/2 " + n(1, 2) +
            " resume | closed without op 7/9 (see close) | lost: connection reset by peer",
        "1/3 " + n(1, 3) +
            " resume | op 9 invalid session, resumable: no | client 1000: invalid session (not "
            "resumable)",
        "1/4 " + n(1, 4) + " identify | end of recording | <null>",
        "2/1 " + n(2, 1) + " identify | end of recording | <null>"};
    CHECK(actual == expected);
  }

  SECTION("heartbeat to ACK gap") {
    std::vector<std::string> expected;
    std::map<std::pair<std::int64_t, std::uint32_t>, const Frame*> last;  // last op 1/11 per conn
    for (const auto& f : fx.frames) {
      if (f.env.op != 1 && f.env.op != 11) continue;
      const Frame*& prev = last[{f.raw->recording_id, f.raw->conn}];
      if (f.env.op == 11 && prev && prev->env.op == 1 &&
          prev->raw->direction == store::Direction::kSend)
        expected.push_back(std::to_string(f.id) + " " +
                           std::to_string((f.raw->ts_ns - prev->raw->ts_ns) / 1000));
      prev = &f;
    }
    REQUIRE(expected.size() >= 100);
    std::vector<std::string> actual;
    for (const auto& row : fx.run("heartbeat_ack_gap"))
      actual.push_back(row.at("id") + " " + row.at("ack_us"));
    CHECK(actual == expected);
  }

  SECTION("largest frames") {
    std::vector<const Frame*> sorted;
    for (const auto& f : fx.frames) sorted.push_back(&f);
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](auto* a, auto* b) { return a->raw->text.size() > b->raw->text.size(); });
    std::vector<std::string> expected, actual;
    for (std::size_t i = 0; i < 10; ++i)
      expected.push_back(std::to_string(sorted[i]->id) + " " + sorted[i]->env.t + " " +
                         std::to_string(sorted[i]->raw->text.size()));
    for (const auto& row : fx.run("largest_frames"))
      actual.push_back(row.at("id") + " " + row.at("t") + " " + row.at("size"));
    CHECK(actual == expected);
    CHECK(actual.front().find("GUILD_CREATE") != std::string::npos);
  }
}

constexpr const char* kShell = "/usr/bin/sqlite3";

// The sqlite3 shell; in a sanitizer build the extension needs the sanitizers' runtimes, which
// the uninstrumented shell loads only when preloaded.
Run sqlite3_shell(const std::vector<std::string>& args) {
#ifdef GWTAPE_SHELL_PRELOAD
  std::vector<std::string> env = {"LD_PRELOAD=" GWTAPE_SHELL_PRELOAD, "ASAN_OPTIONS=detect_leaks=0",
                                  kShell};
  env.insert(env.end(), args.begin(), args.end());
  return run_program("/usr/bin/env", env);
#else
  return run_program(kShell, args);
#endif
}

TEST_CASE("tools: a recipe in the real sqlite3 shell with the installed extension matches") {
  REQUIRE(file_exists(kShell));
  TempDir dir;
  // Installed as a user would (cmake --install), then loaded from there.
  auto install = run_program(GWTAPE_CMAKE_COMMAND,
                             {"--install", GWTAPE_BINARY_DIR, "--prefix", dir.file("prefix")});
  INFO(install.out << install.err);
  REQUIRE(install.exit_code == 0);
  const std::string ext = dir.file("prefix/lib/gwtape/gwtape");
  REQUIRE(file_exists(ext + ".so"));
  REQUIRE(file_exists(dir.file("prefix/bin/gwtape")));
  const std::string log = dir.file("shell.gwtape");
  LogSpec spec;
  spec.frames = 3000;
  spec.generator.events_per_second = 0.5;
  spec.reconnects = {{1000, Reconnect::kOp7Resume}};
  write_log(log, {spec});
  const std::string sql = recipes().at("messages_per_channel_per_hour").sql;
  auto shell = sqlite3_shell({"-readonly", "-batch", "-bail", "-cmd", ".load " + ext, "-cmd",
                              ".headers on", "-cmd", ".mode csv", log, sql});
  INFO(shell.err);
  REQUIRE(shell.exit_code == 0);
  auto ours = gwtape({"query", log, sql, "--format", "csv"});
  REQUIRE(ours.exit_code == 0);
  CHECK(shell.out == ours.out);
  CHECK(std::count(ours.out.begin(), ours.out.end(), '\n') > 10);
  // The reconnect recipe too (window functions, CTEs, json ->> on op 9 frames).
  const std::string reconnects = recipes().at("reconnects").sql;
  auto shell2 = sqlite3_shell({"-readonly", "-batch", "-bail", "-cmd", ".load " + ext, "-cmd",
                               ".mode csv", log, reconnects});
  REQUIRE(shell2.exit_code == 0);
  CHECK(shell2.out.find("op 7 reconnect requested") != std::string::npos);
  CHECK(shell2.out.find("end of recording") != std::string::npos);
}

}  // namespace
}  // namespace gwtape::tools::testing
