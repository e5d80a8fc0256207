#include "gwtape/gateway/json_writer.h"

#include "gwtape/gateway/json.h"

#include <simdjson.h>

#include <charconv>

namespace gwtape::gateway {

namespace {

// The rule itself, for both kinds of output (Out: std::string or Secret).
template <class Out>
void escape_into(Out& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::size_t run = 0;  // start of the bytes not yet copied: copied in one go up to an escape
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.substr(run, i - run));
    run = i + 1;
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default: {
        const char u[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
        out.append(std::string_view(u, sizeof u));
      }
    }
  }
  out.append(text.substr(run));
}

}  // namespace

void append_json_escaped(std::string& out, std::string_view text) { escape_into(out, text); }
void append_json_escaped(Secret& out, std::string_view text) { escape_into(out, text); }

bool valid_utf8(std::string_view s) { return simdjson::validate_utf8(s.data(), s.size()); }

void JsonWriter::separator() {
  if (need_comma_) out_ += ',';
  need_comma_ = true;
}

JsonWriter& JsonWriter::begin_object() {
  separator();
  out_ += '{';
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  out_ += '}';
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  separator();
  out_ += '[';
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  out_ += ']';
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
  string(k);
  out_ += ':';
  need_comma_ = false;
  last_key_.assign(k);
  return *this;
}

JsonWriter& JsonWriter::string(std::string_view s) {
  separator();
  if (bad_utf8_at_.empty() && !valid_utf8(s)) bad_utf8_at_ = last_key_.empty() ? "?" : last_key_;
  out_ += '"';
  append_json_escaped(out_, s);
  out_ += '"';
  return *this;
}

JsonWriter& JsonWriter::integer(std::int64_t v) {
  separator();
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  out_.append(buf, end);
  return *this;
}

JsonWriter& JsonWriter::unsigned_integer(std::uint64_t v) {
  separator();
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;
  out_.append(buf, end);
  return *this;
}

JsonWriter& JsonWriter::boolean(bool b) {
  separator();
  out_ += b ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::null() {
  separator();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  separator();
  out_ += json;
  return *this;
}

}  // namespace gwtape::gateway
