// A log whose schema SQL changed behind the store's back (a bit flip in sqlite_schema) is a bad
// log: every command that reads it exits 4 naming the file, never 1 or a crash.
#include <sqlite3.h>

#include <catch2/catch_test_macros.hpp>
#include <string>
#include <vector>

#include "tools_test_util.h"

namespace gwtape::tools::testing {
namespace {

// Runs `statement` on sqlite_schema (one row changed), as a flipped bit in the file would.
void edit_schema(const std::string& path, const std::string& statement) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  const std::string sql =
      "PRAGMA writable_schema=ON; " + statement + "; PRAGMA writable_schema=OFF;";
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  INFO((err ? err : ""));
  sqlite3_free(err);
  REQUIRE(sqlite3_changes(db) == 1);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

void rewrite_schema(const std::string& path, const std::string& object, const std::string& from,
                    const std::string& to) {
  edit_schema(path, "UPDATE sqlite_schema SET sql = replace(sql, '" + from + "', '" + to +
                        "') WHERE name = '" + object + "'");
}

// Flips one bit of the file's bytes at the first place `text` appears (once).
void flip_bit_in(const std::string& path, const std::string& text, std::size_t offset, char bit) {
  std::string bytes = read_file(path);
  const auto at = bytes.find(text);
  REQUIRE(at != std::string::npos);
  REQUIRE(bytes.find(text, at + 1) == std::string::npos);
  bytes[at + offset] = static_cast<char>(bytes[at + offset] ^ bit);
  write_file(path, bytes);
}

TEST_CASE("tools: a log with a changed schema exits 4 from every command, naming the file") {
  TempDir dir;
  LogSpec spec;
  spec.frames = 600;
  spec.reconnects = {{300, Reconnect::kOp7Resume}};
  const std::string good = dir.file("good.gwtape");
  write_log(good, {spec});
  const std::string good_bytes = read_file(good);

  struct Damage {
    const char* name;
    void (*apply)(const std::string& path);
  };
  const Damage damages[] = {
      // "cd INTEGER" -> "gd INTEGER" ('c' ^ 0x04): the table still parses, the column is gone.
      {"frames.cd renamed by a flipped bit",
       [](const std::string& p) { flip_bit_in(p, "cd INTEGER NOT NULL", 0, 0x04); }},
      {"recordings.redactions renamed",
       [](const std::string& p) { rewrite_schema(p, "recordings", "redactions", "redactionz"); }},
      {"blocks.data renamed",
       [](const std::string& p) { rewrite_schema(p, "blocks", "data BLOB", "dat4 BLOB"); }},
      {"the view's size column renamed",
       [](const std::string& p) { rewrite_schema(p, "events", "AS size", "AS sizf"); }},
      {"connections.reason renamed",
       [](const std::string& p) {
         rewrite_schema(p, "connections", "reason TEXT", "raison TEXT");
       }},
      // "CREATE TABLE pending" -> "CREATE TABLE pendinf": schema objects no longer match.
      {"a table renamed",
       [](const std::string& p) {
         rewrite_schema(p, "pending", "TABLE pending", "TABLE pendinf");
       }},
      {"a table's schema row gone",
       [](const std::string& p) {
         edit_schema(p, "DELETE FROM sqlite_schema WHERE name = 'dicts'");
       }},
      // "CREATE TABLE" -> "CREATE TABLD": the schema no longer parses at all.
      {"a statement that no longer parses",
       [](const std::string& p) { rewrite_schema(p, "dicts", "CREATE TABLE", "CREATE TABLD"); }},
  };
  for (const Damage& d : damages) {
    const std::string path = dir.file("bad.gwtape");
    write_file(path, good_bytes);
    d.apply(path);
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"verify", path},
          {"replay", path},
          {"replay", path, "--summary"},
          {"export", path},
          {"export", path, "--out", dir.file("out.jsonl")},
          {"stats", path},
          {"stats", path, "--json"},
          {"shapes", path},
          {"query", path, "SELECT count(*) FROM events"},
          {"query", path, "SELECT count(*) FROM recordings"}}) {
      INFO(d.name << ": " << args[0] << " " << (args.size() > 2 ? args[2] : ""));
      auto r = gwtape(args);
      INFO(r.err);
      CHECK(r.exit_code == 4);
      CHECK(r.err.rfind("gwtape " + args[0] + ": " + path + ": ", 0) == 0);
      CHECK(r.err.find("corrupt") != std::string::npos);
    }
    CHECK_FALSE(file_exists(dir.file("out.jsonl")));
  }
  // The sound log reads as ever.
  CHECK(gwtape({"verify", good}).exit_code == 0);
}

}  // namespace
}  // namespace gwtape::tools::testing
