// gwtape query: formats (table, csv, jsonl), parameters, errors before any row, read-only.
#include <simdjson.h>
#include <catch2/catch_test_macros.hpp>

#include "gwtape/store/log_writer.h"
#include "tools_test_util.h"

namespace gwtape::tools::testing {
namespace {

// A small log with odd frames: invalid UTF-8, NUL, an empty frame, unicode.
std::string odd_log(const TempDir& dir) {
  const std::string path = dir.file("odd.gwtape");
  auto w = store::LogWriter::open(path);
  REQUIRE(w.ok());
  store::RecordingInfo info;
  info.started_at_ns = 1'000;
  auto rec = (*w)->begin_recording(info);
  REQUIRE(rec.ok());
  const std::string texts[] = {
      R"({"t":"MESSAGE_CREATE","s":1,"op":0,"d":{"content":"héllo, \"world\"\nnext 😂","guild_id":"42","channel_id":"7"}})",
      std::string("\xff\xfe not utf-8 \x00 nul", 18), "", R"({"op":11,"d":null})"};
  std::int64_t ts = 2'000;
  for (const auto& t : texts)
    REQUIRE((*w)->append({*rec, 1, ts++, store::Direction::kRecv, t}).ok());
  REQUIRE((*w)->close().ok());
  return path;
}

TEST_CASE("tools: query jsonl has one valid object per row, keys are column names") {
  TempDir dir;
  const std::string log = odd_log(dir);
  auto r = gwtape({"query", log,
                   "SELECT id, op, t, CASE WHEN json_valid(json) THEN json ->> '$.d.content' END "
                   "AS content, json, size, 2.5 AS real, "
                   "x'00ff10' AS blob, NULL AS nul FROM events ORDER BY id",
                   "--format", "jsonl"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  simdjson::dom::parser parser;
  std::vector<std::string> lines;
  for (std::size_t at = 0, nl; (nl = r.out.find('\n', at)) != std::string::npos; at = nl + 1)
    lines.push_back(r.out.substr(at, nl - at));
  REQUIRE(lines.size() == 4);
  for (const auto& line : lines) {
    simdjson::dom::object obj;
    REQUIRE(parser.parse(line).get(obj) == simdjson::SUCCESS);
    CHECK(obj.size() == 9);
    CHECK(obj["real"].get_double().value() == 2.5);
    CHECK(obj["blob"].get_string().value() == "AP8Q");  // base64 of 00 ff 10
    CHECK(obj["nul"].is_null());
  }
  CHECK(lines[0].find(
            R"({"id":1,"op":0,"t":"MESSAGE_CREATE","content":"héllo, \"world\"\nnext 😂")") == 0);
  CHECK(lines[0].find(R"("real":2.5,)") != std::string::npos);
  // Invalid UTF-8 becomes U+FFFD byte by byte; NUL is escaped; the empty frame is "".
  CHECK(lines[1].find(
            R"("op":null,"t":null,"content":null,"json":"�� not utf-8 \u0000 nul","size":18)") !=
        std::string::npos);
  CHECK(lines[2].find(R"("json":"","size":0)") != std::string::npos);
  CHECK(lines[3].find(R"("op":11,)") != std::string::npos);
}

TEST_CASE("tools: query csv follows RFC 4180 and the plain table is aligned") {
  TempDir dir;
  const std::string log = odd_log(dir);
  auto csv = gwtape({"query", log,
                     "SELECT id, CASE WHEN json_valid(json) THEN json ->> '$.d.content' END AS "
                     "content, NULL AS n, x'0a' AS b, '' AS e "
                     "FROM events WHERE id <= 2",
                     "--format=csv"});
  INFO(csv.err);
  REQUIRE(csv.exit_code == 0);
  CHECK(csv.out ==
        "id,content,n,b,e\r\n"
        "1,\"héllo, \"\"world\"\"\nnext 😂\",,0a,\"\"\r\n"
        "2,,,0a,\"\"\r\n");
  auto table = gwtape({"query", log, "SELECT id, t, op, size FROM events ORDER BY id"});
  REQUIRE(table.exit_code == 0);
  CHECK(table.out ==
        "id  t               op    size\n"
        "--  --------------  ----  ----\n"
        "1   MESSAGE_CREATE  0     115\n"
        "2   NULL            NULL  18\n"
        "3   NULL            NULL  0\n"
        "4   NULL            11    18\n");
  // Control characters and invalid bytes are escaped in a table, so a row is one line.
  auto odd = gwtape({"query", log, "SELECT json AS j FROM events WHERE id = 2"});
  CHECK(odd.out == "j\n---------------------------\n\\xff\\xfe not utf-8 \\x00 nul\n");
}

TEST_CASE("tools: query draws a box like the sqlite3 shell when stdout is a terminal") {
  REQUIRE(file_exists("/usr/bin/script"));  // util-linux: runs the program on a pseudo-terminal
  TempDir dir;
  const std::string log = odd_log(dir);
  const std::string command = std::string(GWTAPE_BINARY_DIR "/tools/gwtape") + " query " + log +
                              " \"SELECT id, t AS event, 'é' AS x FROM events WHERE id <= 2\"";
  auto r = run_program("/usr/bin/script", {"-qec", command, "/dev/null"});
  REQUIRE(r.exit_code == 0);
  std::string out;
  for (char c : r.out)
    if (c != '\r') out += c;  // the terminal's CR LF
  CHECK(out ==
        "┌────┬────────────────┬───┐\n"
        "│ id │     event      │ x │\n"
        "├────┼────────────────┼───┤\n"
        "│ 1  │ MESSAGE_CREATE │ é │\n"
        "│ 2  │ NULL           │ é │\n"
        "└────┴────────────────┴───┘\n");
}

TEST_CASE("tools: query output larger than memory's share goes through the spool intact") {
  TempDir dir;
  const std::string log = odd_log(dir);
  // 150000 rows of 80 bytes: 12 MB, past the 8 MiB kept in memory.
  auto r = gwtape({"query", log,
                   "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < "
                   "150000) SELECT i, printf('%070d', i) AS pad FROM n",
                   "--format", "csv"});
  REQUIRE(r.exit_code == 0);
  const std::string last = "150000," + std::string(64, '0') + "150000\r\n";
  std::size_t digits = 0;
  for (int i = 1; i <= 150000; ++i) digits += std::to_string(i).size();
  CHECK(r.out.size() == 7 + 150000 * 73 + digits);  // "i,pad\r\n", then "<i>,<70 chars>\r\n"
  CHECK(r.out.substr(r.out.size() - last.size()) == last);
  CHECK(r.out.find("77777,") != std::string::npos);
}

TEST_CASE("tools: query --param binds integers, reals and text in order") {
  TempDir dir;
  const std::string log = odd_log(dir);
  auto r = gwtape({"query", log,
                   "SELECT id, typeof(?2) AS a, typeof(?3) AS b, ?4 AS c FROM events "
                   "WHERE op = ?1 AND guild_id = ?5",
                   "--param", "0", "--param", "-12", "--param", "1.5e3", "--param",
                   "it's; DROP TABLE frames", "--param", "42", "--format", "jsonl"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == R"({"id":1,"a":"integer","b":"real","c":"it's; DROP TABLE frames"})"
                 "\n");
  auto text = gwtape({"query", log, "SELECT typeof(?1), typeof(?2), typeof(?3)", "--param", "007",
                      "--param", "12345678901234567890", "--param", "", "--format", "csv"});
  CHECK(text.out == "typeof(?1),typeof(?2),typeof(?3)\r\ntext,text,text\r\n");
  auto few = gwtape({"query", log, "SELECT ?1, ?2", "--param", "1"});
  CHECK(few.exit_code == 2);
  CHECK(few.out.empty());
  CHECK(few.err.find("2 parameter(s) but 1 --param") != std::string::npos);
  auto many = gwtape({"query", log, "SELECT 1", "--param", "1"});
  CHECK(many.exit_code == 2);
}

TEST_CASE("tools: a bad query prints SQLite's message, no row, exit 2") {
  TempDir dir;
  const std::string log = odd_log(dir);
  auto syntax = gwtape({"query", log, "SELEC id FROM events"});
  CHECK(syntax.exit_code == 2);
  CHECK(syntax.out.empty());
  CHECK(syntax.err.find("near \"SELEC\": syntax error") != std::string::npos);
  auto column = gwtape({"query", log, "SELECT nope FROM events"});
  CHECK(column.exit_code == 2);
  CHECK(column.err.find("no such column: nope") != std::string::npos);
  // A runtime error after rows were produced: none of them is printed.
  auto runtime = gwtape({"query", log,
                         "SELECT id, CASE WHEN id = 3 THEN json_extract('{', '$') END FROM events "
                         "ORDER BY id",
                         "--format", "jsonl"});
  CHECK(runtime.exit_code == 2);
  CHECK(runtime.out.empty());
  CHECK(runtime.err.find("malformed JSON") != std::string::npos);
  auto two = gwtape({"query", log, "SELECT 1; SELECT 2"});
  CHECK(two.exit_code == 2);
  CHECK(two.out.empty());
  auto empty = gwtape({"query", log, "  -- nothing\n"});
  CHECK(empty.exit_code == 2);
}

TEST_CASE("tools: query is read-only: writes are refused and the file is unchanged") {
  TempDir dir;
  const std::string log = odd_log(dir);
  const std::string before = read_file(log);
  for (const char* sql : {"DELETE FROM frames", "DROP VIEW events",
                          "INSERT INTO recordings(id, "
                          "started_at) VALUES(9, 1)",
                          "PRAGMA user_version = 9", "CREATE TABLE x(a)"}) {
    auto r = gwtape({"query", log, sql});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("read-only") != std::string::npos);
  }
  CHECK(read_file(log) == before);
  CHECK_FALSE(file_exists(log + "-wal"));
  CHECK_FALSE(file_exists(log + "-journal"));
}

TEST_CASE("tools: query on a missing file or a non-log exits 4 with the store's message") {
  TempDir dir;
  auto missing = gwtape({"query", dir.file("nope.gwtape"), "SELECT 1"});
  CHECK(missing.exit_code == 4);
  CHECK(missing.err.find("nope.gwtape: No such file or directory") != std::string::npos);
  write_file(dir.file("text.gwtape"), "hello, not a database\n");
  auto text = gwtape({"query", dir.file("text.gwtape"), "SELECT 1"});
  CHECK(text.exit_code == 4);
  CHECK(text.err.find("not a gwtape log") != std::string::npos);
  CHECK(gwtape({"query", dir.file("x")}).exit_code == 2);
  CHECK(gwtape({"query", dir.file("x"), "SELECT 1", "--format", "xml"}).exit_code == 2);
  CHECK(gwtape({"query", dir.file("x"), "SELECT 1", "--bogus"}).exit_code == 2);
}

}  // namespace
}  // namespace gwtape::tools::testing
