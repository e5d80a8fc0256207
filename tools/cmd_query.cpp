// gwtape query — one SQL statement on a log, read-only, with the `events` view and the
// project's SQL functions; rows as a table, CSV or JSON lines (tools/query_output.h).
#include <sqlite3.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <string>

#include "cli.h"
#include "gwtape/store/sql_functions.h"
#include "query_output.h"
#include "tool_args.h"

namespace gwtape::tools {
namespace {

constexpr std::string_view kQueryUsage =
    "usage: gwtape query LOG \"SQL\" [--param VALUE]... [--format table|csv|jsonl]\n"
    "\n"
    "Runs one SQL statement on LOG, opened read-only, with the `events` view and the\n"
    "`recordings` table (docs/SCHEMA.md) and the gwtape_frame() / gwtape_version() functions.\n"
    "Nothing is printed unless the statement runs to its end: a bad query prints SQLite's\n"
    "message and exits 2 without any row. Recipes: docs/QUERIES.md.\n"
    "\n"
    "  --param VALUE   binds ?1, ?2, ... in order (named parameters too, in order of first\n"
    "                  appearance); give exactly one per parameter. A decimal integer that\n"
    "                  fits 64 bits binds as an INTEGER, a decimal number with '.' or an\n"
    "                  exponent as a REAL, anything else as TEXT (write CAST(?1 AS TEXT) to\n"
    "                  compare digits with text, e.g. json ->> '$.d.id')\n"
    "  --format F      table (default; box drawing on a terminal, plain columns otherwise),\n"
    "                  csv (RFC 4180) or jsonl (one JSON object per row)\n"
    "\n"
    "exit: 0 ok; 2 bad flags, bad SQL, a statement that would write, or an error while\n"
    "running; 4 missing, unreadable or corrupt log.\n";

int run(const Args& args);

}  // namespace

const Command kQueryCommand{"query", "run SQL on a log (read-only): table, csv or jsonl",
                            kQueryUsage, &run};

namespace {

void bind_param(sqlite3_stmt* stmt, int index, std::string_view value) {
  const char* first = value.data();
  const char* last = value.data() + value.size();
  const bool canonical_int = !value.empty() && value != "-" && value != "-0" &&
                             !(value[0] == '0' && value.size() > 1) &&
                             !(value.substr(0, 2) == "-0");
  std::int64_t i = 0;
  if (auto [end, ec] = std::from_chars(first, last, i);
      canonical_int && ec == std::errc() && end == last) {
    sqlite3_bind_int64(stmt, index, i);
    return;
  }
  double d = 0;
  const bool numeric = !value.empty() && value.find_first_of(".eE") != std::string_view::npos &&
                       value.find_first_not_of("0123456789.eE+-") == std::string_view::npos;
  if (auto [end, ec] = std::from_chars(first, last, d);
      numeric && ec == std::errc() && end == last) {
    sqlite3_bind_double(stmt, index, d);
    return;
  }
  sqlite3_bind_text64(stmt, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

struct StmtCloser {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using StmtHandle = std::unique_ptr<sqlite3_stmt, StmtCloser>;

int run(const Args& args) {
  if (wants_help(kQueryCommand, args)) return kOk;
  int code = kOk;
  auto flags =
      parse_flags(kQueryCommand, args, {{"--param", true, true}, {"--format", true, false}}, code);
  if (!flags) return code;
  if (flags->positional.size() != 2)
    return usage_error(kQueryCommand, "expected LOG and one SQL statement");
  const std::string_view format_name = flags->get("--format", "table");
  QueryFormat format;
  if (format_name == "table") {
    format = ::isatty(STDOUT_FILENO) ? QueryFormat::kBoxTable : QueryFormat::kTable;
  } else if (format_name == "csv") {
    format = QueryFormat::kCsv;
  } else if (format_name == "jsonl") {
    format = QueryFormat::kJsonl;
  } else {
    return usage_error(kQueryCommand,
                       "--format is table, csv or jsonl, not \"" + std::string(format_name) + "\"");
  }
  const std::string path(flags->positional[0]);
  const std::string_view sql = flags->positional[1];

  auto db = store::open_query_connection(path);
  if (!db) return report_store_error(kQueryCommand, db.error());

  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  if (sqlite3_prepare_v2(db->get(), sql.data(), static_cast<int>(sql.size()), &raw, &tail) !=
      SQLITE_OK) {
    return report(kQueryCommand, kUsage, sqlite3_errmsg(db->get()));
  }
  StmtHandle stmt(raw);
  if (!stmt) return usage_error(kQueryCommand, "no SQL statement (only spaces or comments)");
  const std::string_view rest(tail, static_cast<std::size_t>(sql.data() + sql.size() - tail));
  if (!rest.empty()) {
    sqlite3_stmt* next = nullptr;
    const int rc =
        sqlite3_prepare_v2(db->get(), rest.data(), static_cast<int>(rest.size()), &next, nullptr);
    StmtHandle next_handle(next);
    if (rc != SQLITE_OK || next)
      return report(kQueryCommand, kUsage,
                    "one statement per query: found more SQL after the first statement");
  }
  if (!sqlite3_stmt_readonly(stmt.get())) {
    return report(kQueryCommand, kUsage,
                  "the log is opened read-only: this statement would write to it");
  }
  const auto& params = flags->values["--param"];
  const int wanted = sqlite3_bind_parameter_count(stmt.get());
  if (static_cast<int>(params.size()) != wanted) {
    return report(kQueryCommand, kUsage,
                  "the statement has " + std::to_string(wanted) + " parameter(s) but " +
                      std::to_string(params.size()) + " --param value(s) were given");
  }
  for (int i = 0; i < wanted; ++i) bind_param(stmt.get(), i + 1, params[i]);

  OutputSpool spool;
  auto output = make_query_output(format, spool);
  output->header(stmt.get());
  int rc;
  bool spool_ok = true;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) spool_ok = output->row(stmt.get());
  if (rc != SQLITE_DONE) {
    const int primary = rc & 0xFF;
    return report(kQueryCommand,
                  primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB ? kBadLog : kUsage,
                  std::string(sqlite3_errmsg(db->get())) + " (while running; no row printed)");
  }
  if (!output->finish() || !spool_ok || !spool.copy_to(stdout))
    return report(kQueryCommand, kFailure, "could not write the output");
  return kOk;
}

}  // namespace
}  // namespace gwtape::tools
