// tools/query_output.cpp — table, csv and jsonl rows for `gwtape query`, through a spool.
#include "query_output.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "json_text.h"

namespace gwtape::tools {
std::string_view column_bytes(sqlite3_stmt* stmt, int i) {
  // text() first, then bytes(): the documented order that keeps the pointer valid.
  const auto* p = sqlite3_column_text(stmt, i);
  const int n = sqlite3_column_bytes(stmt, i);
  return p ? std::string_view(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n))
           : std::string_view();
}

namespace {

std::string_view blob_bytes(sqlite3_stmt* stmt, int i) {
  const void* p = sqlite3_column_blob(stmt, i);
  const int n = sqlite3_column_bytes(stmt, i);
  return p ? std::string_view(static_cast<const char*>(p), static_cast<std::size_t>(n))
           : std::string_view();
}

std::string column_name(sqlite3_stmt* stmt, int i) {
  const char* name = sqlite3_column_name(stmt, i);
  return name ? name : "";
}

// A table cell: one line, printable, with its width in code points.
struct Cell {
  std::string text;
  std::size_t width = 0;
};

void append_hex_escape(Cell& cell, unsigned char c) {
  static const char* hex = "0123456789abcdef";
  cell.text += "\\x";
  cell.text += hex[c >> 4];
  cell.text += hex[c & 15];
  cell.width += 4;
}

Cell display(std::string_view bytes) {
  Cell cell;
  cell.text.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size();) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c < 0x20 || c == 0x7F) {
      if (c == '\n' || c == '\r' || c == '\t') {
        cell.text += c == '\n' ? "\\n" : c == '\r' ? "\\r" : "\\t";
        cell.width += 2;
      } else {
        append_hex_escape(cell, c);
      }
      ++i;
      continue;
    }
    std::size_t n = 1;
    if (c >= 0x80) {
      n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
      if (n == 0 || i + n > bytes.size() || !is_valid_utf8(bytes.substr(i, n))) {
        append_hex_escape(cell, c);
        ++i;
        continue;
      }
    }
    cell.text.append(bytes.substr(i, n));
    cell.width += 1;
    i += n;
  }
  return cell;
}

Cell table_cell(sqlite3_stmt* stmt, int i) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_NULL:
      return {"NULL", 4};
    case SQLITE_BLOB: {
      Cell cell{"x'", 0};
      append_hex(cell.text, blob_bytes(stmt, i));
      cell.text += '\'';
      cell.width = cell.text.size();
      return cell;
    }
    default:
      return display(column_bytes(stmt, i));
  }
}

void pad(std::string& out, std::size_t n, std::string_view fill = " ") {
  for (std::size_t i = 0; i < n; ++i) out.append(fill);
}

class TableOutput : public QueryOutput {
 public:
  TableOutput(OutputSpool& spool, bool box) : spool_(spool), box_(box) {}

  void header(sqlite3_stmt* stmt) override {
    const int n = sqlite3_column_count(stmt);
    for (int i = 0; i < n; ++i) {
      names_.push_back(display(column_name(stmt, i)));
      widths_.push_back(names_.back().width);
    }
  }

  bool row(sqlite3_stmt* stmt) override {
    std::vector<Cell> cells;
    for (std::size_t i = 0; i < names_.size(); ++i) {
      cells.push_back(table_cell(stmt, static_cast<int>(i)));
      if (cells.back().width > widths_[i]) widths_[i] = cells.back().width;
    }
    rows_.push_back(std::move(cells));
    return true;
  }

  bool finish() override {
    if (names_.empty()) return true;
    box_ ? write_box() : write_plain();
    return spool_.maybe_spill();
  }

 private:
  void rule(std::string_view left, std::string_view mid, std::string_view right) {
    std::string& out = spool_.buffer();
    out.append(left);
    for (std::size_t i = 0; i < widths_.size(); ++i) {
      if (i) out.append(mid);
      pad(out, widths_[i] + 2, "─");
    }
    out.append(right);
    out += '\n';
  }

  void write_box() {
    std::string& out = spool_.buffer();
    rule("┌", "┬", "┐");
    out.append("│");
    for (std::size_t i = 0; i < names_.size(); ++i) {
      const std::size_t space = widths_[i] - names_[i].width;
      out += ' ';
      pad(out, space / 2);
      out.append(names_[i].text);
      pad(out, space - space / 2);
      out.append(" │");
    }
    out += '\n';
    rule("├", "┼", "┤");
    for (const auto& cells : rows_) {
      out.append("│");
      for (std::size_t i = 0; i < cells.size(); ++i) {
        out += ' ';
        out.append(cells[i].text);
        pad(out, widths_[i] - cells[i].width);
        out.append(" │");
      }
      out += '\n';
      spool_.maybe_spill();
    }
    rule("└", "┴", "┘");
  }

  void line(const std::vector<Cell>& cells) {
    std::string& out = spool_.buffer();
    const std::size_t start = out.size();
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i) out.append("  ");
      out.append(cells[i].text);
      pad(out, widths_[i] - cells[i].width);
    }
    while (out.size() > start && out.back() == ' ') out.pop_back();
    out += '\n';
  }

  void write_plain() {
    line(names_);
    std::vector<Cell> dashes;
    for (std::size_t w : widths_) dashes.push_back({std::string(w, '-'), w});
    line(dashes);
    for (const auto& cells : rows_) {
      line(cells);
      spool_.maybe_spill();
    }
  }

  OutputSpool& spool_;
  bool box_;
  std::vector<Cell> names_;
  std::vector<std::size_t> widths_;
  std::vector<std::vector<Cell>> rows_;
};

// Quoted as the sqlite3 shell's `.mode csv` quotes (a superset of what RFC 4180 requires):
// when empty, or holding a byte <= 0x20 (space, CR, LF...), '"', ',' or >= 0x7F. So the two
// programs print the same CSV, and '' (quoted) stays apart from NULL (nothing).
void append_csv_field(std::string& out, std::string_view field) {
  const bool quote = field.empty() || std::any_of(field.begin(), field.end(), [](char ch) {
                       const auto c = static_cast<unsigned char>(ch);
                       return c <= 0x20 || c == '"' || c == ',' || c >= 0x7F;
                     });
  if (!quote) {
    out.append(field);
    return;
  }
  out += '"';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

class CsvOutput : public QueryOutput {
 public:
  explicit CsvOutput(OutputSpool& spool) : spool_(spool) {}

  void header(sqlite3_stmt* stmt) override {
    columns_ = sqlite3_column_count(stmt);
    if (columns_ == 0) return;
    std::string& out = spool_.buffer();
    for (int i = 0; i < columns_; ++i) {
      if (i) out += ',';
      append_csv_field(out, column_name(stmt, i));
    }
    out.append("\r\n");
  }

  bool row(sqlite3_stmt* stmt) override {
    std::string& out = spool_.buffer();
    for (int i = 0; i < columns_; ++i) {
      if (i) out += ',';
      switch (sqlite3_column_type(stmt, i)) {
        case SQLITE_NULL:
          break;
        case SQLITE_BLOB:
          append_hex(out, blob_bytes(stmt, i));
          break;
        default:
          append_csv_field(out, column_bytes(stmt, i));
      }
    }
    out.append("\r\n");
    return spool_.maybe_spill();
  }

  bool finish() override { return spool_.maybe_spill(); }

 private:
  OutputSpool& spool_;
  int columns_ = 0;
};

class JsonlOutput : public QueryOutput {
 public:
  explicit JsonlOutput(OutputSpool& spool) : spool_(spool) {}

  void header(sqlite3_stmt* stmt) override {
    const int n = sqlite3_column_count(stmt);
    for (int i = 0; i < n; ++i) {
      std::string key;
      append_json_string_lossy(key, column_name(stmt, i));
      key += ':';
      keys_.push_back(std::move(key));
    }
  }

  bool row(sqlite3_stmt* stmt) override {
    if (keys_.empty()) return true;
    std::string& out = spool_.buffer();
    out += '{';
    for (std::size_t k = 0; k < keys_.size(); ++k) {
      const int i = static_cast<int>(k);
      if (k) out += ',';
      out.append(keys_[k]);
      switch (sqlite3_column_type(stmt, i)) {
        case SQLITE_NULL:
          out.append("null");
          break;
        case SQLITE_INTEGER:
          out.append(std::to_string(sqlite3_column_int64(stmt, i)));
          break;
        case SQLITE_FLOAT:
          out.append(format_real(sqlite3_column_double(stmt, i)));
          break;
        case SQLITE_BLOB:
          out += '"';
          append_base64(out, blob_bytes(stmt, i));
          out += '"';
          break;
        default:
          append_json_string_lossy(out, column_bytes(stmt, i));
      }
    }
    out.append("}\n");
    return spool_.maybe_spill();
  }

  bool finish() override { return spool_.maybe_spill(); }

 private:
  OutputSpool& spool_;
  std::vector<std::string> keys_;  // "name": ready to append
};

}  // namespace

OutputSpool::~OutputSpool() {
  if (file_) std::fclose(file_);
}

bool OutputSpool::maybe_spill() {
  if (buf_.size() < limit_ || !ok_) return ok_;
  if (!file_ && !(file_ = std::tmpfile())) return ok_ = false;
  ok_ = std::fwrite(buf_.data(), 1, buf_.size(), file_) == buf_.size();
  buf_.clear();
  return ok_;
}

bool OutputSpool::copy_to(std::FILE* out) {
  if (!ok_) return false;
  if (file_) {
    if (std::fflush(file_) != 0 || std::fseek(file_, 0, SEEK_SET) != 0) return false;
    char chunk[1 << 16];
    std::size_t n;
    while ((n = std::fread(chunk, 1, sizeof chunk, file_)) > 0) {
      if (std::fwrite(chunk, 1, n, out) != n) return false;
    }
    if (std::ferror(file_)) return false;
  }
  if (std::fwrite(buf_.data(), 1, buf_.size(), out) != buf_.size()) return false;
  return std::fflush(out) == 0;
}

std::unique_ptr<QueryOutput> make_query_output(QueryFormat format, OutputSpool& spool) {
  switch (format) {
    case QueryFormat::kCsv:
      return std::make_unique<CsvOutput>(spool);
    case QueryFormat::kJsonl:
      return std::make_unique<JsonlOutput>(spool);
    case QueryFormat::kBoxTable:
      return std::make_unique<TableOutput>(spool, true);
    case QueryFormat::kTable:
      break;
  }
  return std::make_unique<TableOutput>(spool, false);
}

}  // namespace gwtape::tools
