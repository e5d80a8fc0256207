// tools/query_output.h — how `gwtape query` prints rows: table, csv or jsonl.
//
// Nothing reaches stdout until the statement has run to the end: rows are written to an
// `OutputSpool` (memory, then an unlinked temporary file past a few MiB), which is copied to
// stdout only on success. A query that fails half-way therefore prints no row at all.
//
// Formats (docs/CLI.md has the full rules):
//   table  box drawing like the sqlite3 shell's `.mode box` when stdout is a terminal, else a
//          plain aligned table (`.mode column` style: header, dashes, two spaces between
//          columns). Cells: NULL as `NULL`, numbers as SQLite prints them, blobs as x'hex',
//          control characters as \n \r \t or \xNN and invalid UTF-8 bytes as \xNN, so a row is
//          one line; widths count code points.
//   csv    RFC 4180: header line, CRLF line ends, quotes doubled inside quoted fields; a field
//          is quoted as the sqlite3 shell quotes it (empty, or holding a byte <= 0x20, '"', ','
//          or >= 0x7F); NULL is an empty unquoted field; blobs as lowercase hex; text as bytes.
//   jsonl  one JSON object per row, keys are the column names; integers and reals as numbers
//          (reals keep a '.' or an exponent), NULL as null, text as a string (each byte that
//          does not start valid UTF-8 becomes U+FFFD), blobs as base64 strings.
//
// Thread-safety: one object, one thread. Lifetimes: an output borrows its spool.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

struct sqlite3_stmt;

namespace gwtape::tools {

// Buffers output; past `memory_limit` bytes moves it to a temporary file.
class OutputSpool {
 public:
  explicit OutputSpool(std::size_t memory_limit = 8 << 20) : limit_(memory_limit) {}
  ~OutputSpool();
  OutputSpool(const OutputSpool&) = delete;
  OutputSpool& operator=(const OutputSpool&) = delete;

  std::string& buffer() { return buf_; }  // append here, then call maybe_spill()
  // Moves the buffer to the temporary file once it is over the limit. False on a write error,
  // which is sticky.
  bool maybe_spill();
  // Copies everything to `out`. False on a read or write error, now or at an earlier spill.
  bool copy_to(std::FILE* out);

 private:
  std::size_t limit_;
  std::string buf_;
  std::FILE* file_ = nullptr;
  bool ok_ = true;
};

enum class QueryFormat { kTable, kBoxTable, kCsv, kJsonl };

class QueryOutput {
 public:
  virtual ~QueryOutput() = default;
  // Called once, before any row, with the prepared statement.
  virtual void header(sqlite3_stmt* stmt) = 0;
  // Called for each row (after sqlite3_step returned SQLITE_ROW). False on a spool error.
  virtual bool row(sqlite3_stmt* stmt) = 0;
  // Called after the last row. False on a spool error.
  virtual bool finish() = 0;
};

std::unique_ptr<QueryOutput> make_query_output(QueryFormat format, OutputSpool& spool);

// Column i of the current row as its text bytes (empty for NULL); valid until the next step.
std::string_view column_bytes(sqlite3_stmt* stmt, int i);

}  // namespace gwtape::tools
