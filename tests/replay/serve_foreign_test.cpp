// `gwtape serve` against two client libraries this project did not write: discord.js (from the
// npm registry, installed by scripts/setup into tests/tools/clients) and discord.py (Debian's
// python3-discord). Each logs in through serve's REST stub, receives the whole recording and
// reports its own cache; the test checks the per-type counts and a known message against the
// log, and each cache against `gwtape replay --summary` of the same log: three independent
// caches agree, or the test says which one differs and in what.
#include <signal.h>
#include <sys/wait.h>

#include <simdjson.h>
#include <catch2/catch_test_macros.hpp>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <thread>

#include "recorder/record_child.h"

using namespace gwtape;
using namespace gwtape::testing;

namespace {

const std::filesystem::path kClients = GWTAPE_SOURCE_DIR "/tests/tools/clients";

// Runs `command` through the shell; its stdout, with stderr kept in `err_file`.
std::pair<int, std::string> shell(const std::string& command, const std::filesystem::path& err) {
  std::FILE* p = ::popen((command + " 2> " + err.string()).c_str(), "r");
  REQUIRE(p != nullptr);
  std::string out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), out};
}

std::string gwtape_bin() { return GWTAPE_BINARY_DIR "/tools/gwtape"; }

// The one JSON object a command printed on its last line.
simdjson::dom::element last_object(simdjson::dom::parser& parser, const std::string& out) {
  std::string line = out;
  while (!line.empty() && line.back() == '\n') line.pop_back();
  if (const auto nl = line.rfind('\n'); nl != std::string::npos) line = line.substr(nl + 1);
  INFO("output: " << out);
  auto doc = parser.parse(line);
  REQUIRE(doc.error() == simdjson::SUCCESS);
  REQUIRE(doc.value().is_object());
  return doc.value();
}

// What the recording holds, read from the log with gwtape's own tools.
struct Expected {
  std::map<std::string, std::int64_t> counts;  // per event type, as a stream serves them
  std::int64_t total = 0;
  std::map<std::string, std::int64_t> cache;    // guilds, channels, threads, roles, members
  std::string channel_id, message_id, content;  // a message still there at the end
};

Expected expected_of(const std::filesystem::path& log, const std::filesystem::path& dir) {
  Expected e;
  simdjson::dom::parser parser;
  auto [code, out] = shell(gwtape_bin() + " query " + log.string() +
                               " \"SELECT t, count(*) AS n FROM events WHERE direction = 'recv'"
                               " AND op = 0 GROUP BY t\" --format jsonl",
                           dir / "query-counts.err");
  REQUIRE(code == 0);
  for (auto row : parser.parse_many(out)) {
    const std::string t(row["t"].get_string().value());
    e.counts[t] = row["n"].get_int64().value();
  }
  // A stream is one session: one READY, no RESUMED.
  e.counts["READY"] = 1;
  e.counts.erase("RESUMED");
  for (const auto& [t, n] : e.counts) e.total += n;

  auto [rcode, summary] =
      shell(gwtape_bin() + " replay " + log.string() + " --summary", dir / "replay.err");
  REQUIRE(rcode == 0);
  simdjson::dom::parser sp;
  auto s = last_object(sp, summary);
  for (const char* k : {"guilds", "channels", "threads", "roles", "members"}) {
    e.cache[k] = s[k].get_int64().value();
  }

  // The last guild message that no update, delete or bulk delete touched.
  const std::string sql =
      "WITH gone AS (SELECT json ->> '$.d.id' AS id FROM events WHERE t IN ('MESSAGE_UPDATE',"
      " 'MESSAGE_DELETE') UNION SELECT j.value FROM events b, json_each(b.json, '$.d.ids') j"
      " WHERE b.t = 'MESSAGE_DELETE_BULK') SELECT json ->> '$.d.channel_id' AS channel,"
      " json ->> '$.d.id' AS id, json ->> '$.d.content' AS content FROM events"
      " WHERE t = 'MESSAGE_CREATE' AND guild_id IS NOT NULL AND (json ->> '$.d.id') NOT IN"
      " (SELECT id FROM gone) ORDER BY events.id DESC LIMIT 1";
  auto [mcode, mout] =
      shell(gwtape_bin() + " query " + log.string() + " \"" + sql + "\" --format jsonl",
            dir / "query-message.err");
  REQUIRE(mcode == 0);
  simdjson::dom::parser mp;
  auto m = last_object(mp, mout);
  e.channel_id = std::string(m["channel"].get_string().value());
  e.message_id = std::string(m["id"].get_string().value());
  e.content = std::string(m["content"].get_string().value());
  return e;
}

// The client's report against the log: the test names each difference.
void check_client(const std::string& name, const std::string& out, const Expected& e) {
  INFO(name << " reported: " << out);
  simdjson::dom::parser parser;
  auto r = last_object(parser, out);
  CHECK(r["dispatches"].get_int64().value() == e.total);
  std::map<std::string, std::int64_t> counts;
  for (auto field : r["counts"].get_object()) {
    counts[std::string(field.key)] = field.value.get_int64().value();
  }
  for (const auto& [t, n] : e.counts) {
    INFO(name << ": " << t);
    CHECK(counts[t] == n);
  }
  CHECK(counts.size() == e.counts.size());
  for (const auto& [k, n] : e.cache) {
    INFO(name << "'s cache against gwtape replay --summary: " << k);
    CHECK(r[k].get_int64().value() == n);
  }
  auto message = r["message"];
  REQUIRE(message.is_string());
  CHECK(std::string(message.get_string().value()) == e.content);
}

}  // namespace

TEST_CASE("gwtape serve: discord.js and discord.py receive the recording; three caches agree",
          "[replay][serve][foreign]") {
  // Installed by scripts/setup, never fetched here.
  INFO("run scripts/setup: it installs discord.js into " << kClients.string()
                                                         << "/node_modules and python3-discord");
  REQUIRE(std::filesystem::exists(kClients / "node_modules/discord.js/package.json"));
  REQUIRE(std::system("/usr/bin/python3 -c 'import discord' 2> /dev/null") == 0);

  const auto dir = fresh_dir("serve-foreign");
  const auto log = dir / "demo.gwtape";
  {
    // Generated traffic recorded by gwtape's own client, with a reconnect (two connections).
    Child demo({"demo", "--out", log.string(), "--frames", "2000", "--seed", "3"}, nullptr, dir);
    REQUIRE(demo.wait(60s) == 0);
  }
  const Expected e = expected_of(log, dir);
  REQUIRE(e.total > 1000);

  const auto serve_dir = dir / "serve";
  std::filesystem::create_directories(serve_dir);
  Child serve({"serve", log.string(), "--listen", "127.0.0.1:0"}, nullptr, serve_dir);
  std::string url;
  for (int i = 0; i < 200 && url.empty(); ++i) {
    const std::string out = serve.out();
    if (const auto nl = out.find('\n'); nl != std::string::npos) url = out.substr(0, nl);
    if (url.empty()) std::this_thread::sleep_for(50ms);
  }
  INFO("serve: " << serve.err());
  REQUIRE(url.rfind("ws://127.0.0.1:", 0) == 0);
  std::string http = url;  // ws://127.0.0.1:PORT -> http://127.0.0.1:PORT
  http.replace(0, 2, "http");
  // (appended, not `" " + std::to_string(...)`: g++ 12 warns about that with -Wrestrict)
  std::string args;
  for (const std::string& a : {std::to_string(e.total), e.channel_id, e.message_id}) {
    args += ' ';
    args += a;
  }

  // discord.js: one setting, its REST base; it asks /gateway/bot for the rest.
  auto [js_code, js_out] = shell("cd " + kClients.string() + " && timeout 90 node " +
                                     "discordjs_client.mjs " + http + "/api" + args,
                                 dir / "discordjs.err");
  INFO("discord.js stderr: " << slurp(dir / "discordjs.err"));
  CHECK(js_code == 0);
  check_client("discord.js", js_out, e);

  // discord.py: its REST base and its first gateway URL (2.x does not ask /gateway).
  auto [py_code, py_out] = shell("timeout 90 /usr/bin/python3 " +
                                     (kClients / "discordpy_client.py").string() + " " + url + args,
                                 dir / "discordpy.err");
  INFO("discord.py stderr: " << slurp(dir / "discordpy.err"));
  CHECK(py_code == 0);
  check_client("discord.py", py_out, e);

  serve.signal(SIGINT);
  CHECK(serve.wait(10s) == 0);
}
