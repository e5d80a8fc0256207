#include "json_read.h"

#include <string>

namespace gwtape::gateway::detail {
std::string_view trim_json_right(std::string_view s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

std::string_view Key::text() const {
  const char* start = raw_.raw();
  const char* end = start;
  while (*end != '"') end += (*end == '\\') ? 2 : 1;
  return std::string_view(start, static_cast<std::size_t>(end - start));
}

simdjson::error_code raw_json_of(value v, std::string_view& out) {
  json_type type;
  if (auto e = v.type().get(type); e) return e;
  switch (type) {
    case json_type::object: {
      simdjson::ondemand::object o;
      if (auto e = v.get_object().get(o); e) return e;
      if (auto e = o.raw_json().get(out); e) return e;
      break;
    }
    case json_type::array: {
      simdjson::ondemand::array a;
      if (auto e = v.get_array().get(a); e) return e;
      if (auto e = a.raw_json().get(out); e) return e;
      break;
    }
    case json_type::string: {
      std::string_view s;
      if (auto e = v.get_string().get(s); e) return e;
      out = v.raw_json_token();
      break;
    }
    case json_type::number: {
      double d;
      if (auto e = v.get_double().get(d); e) return e;
      out = v.raw_json_token();
      break;
    }
    case json_type::boolean: {
      bool b;
      if (auto e = v.get_bool().get(b); e) return e;
      out = v.raw_json_token();
      break;
    }
    case json_type::null: {
      bool null = false;
      if (auto e = v.is_null().get(null); e) return e;
      if (!null) return simdjson::N_ATOM_ERROR;
      out = v.raw_json_token();
      break;
    }
  }
  out = trim_json_right(out);
  return simdjson::SUCCESS;
}

std::string Reader::problem() const {
  std::string where;
  for (auto it = path_.rbegin(); it != path_.rend(); ++it) {
    if (!where.empty() && (*it)[0] != '[') where += '.';
    where += *it;
  }
  return where.empty() ? what_ : where + ": " + what_;
}

bool Reader::fail(std::string what) {
  if (what_.empty()) what_ = std::move(what);
  return false;
}

bool Reader::fail(simdjson::error_code code, std::string_view expected) {
  if (what_.empty()) {
    syntax_error_ = code != simdjson::INCORRECT_TYPE && code != simdjson::NUMBER_OUT_OF_RANGE;
  }
  if (code == simdjson::INCORRECT_TYPE) return fail("expected " + std::string(expected));
  return fail("expected " + std::string(expected) + ": " + simdjson::error_message(code));
}

void Reader::push_index(std::size_t index) {
  std::string segment(1, '[');  // not "[" + to_string(): GCC 12 -Wrestrict false positive
  segment.append(std::to_string(index)).push_back(']');
  path_.push_back(std::move(segment));
}

bool Reader::is_null(value& v) {
  bool null = false;
  return v.is_null().get(null) == simdjson::SUCCESS && null;
}

// The readers try the expected type first and look for null only when that fails: On-Demand
// leaves the value in place after INCORRECT_TYPE, and most fields are present and non-null.

bool Reader::read(value v, bool& out) {
  auto e = v.get_bool().get(out);
  if (e == simdjson::INCORRECT_TYPE && is_null(v)) return true;
  return e ? fail(e, "true or false") : true;
}

bool Reader::read(value v, std::int32_t& out) { return read_int(v, out, "a 32-bit integer"); }
bool Reader::read(value v, std::int64_t& out) { return read_int(v, out, "a 64-bit integer"); }
bool Reader::read(value v, std::uint32_t& out) {
  return read_int(v, out, "an unsigned 32-bit integer");
}
bool Reader::read(value v, std::uint64_t& out) {
  return read_int(v, out, "an unsigned 64-bit integer");
}

bool Reader::read(value v, double& out) {
  auto e = v.get_double().get(out);
  if (e == simdjson::INCORRECT_TYPE && is_null(v)) return true;
  return e ? fail(e, "a number") : true;
}

bool Reader::read(value v, std::string& out) {
  std::string_view s;
  auto e = v.get_string().get(s);
  if (e == simdjson::INCORRECT_TYPE && is_null(v)) {
    out.clear();
    return true;
  }
  if (e) return fail(e, "a string");
  out.assign(s);
  return true;
}

bool Reader::read(value v, std::optional<std::string>& out) {
  std::string_view s;
  auto e = v.get_string().get(s);
  if (e == simdjson::INCORRECT_TYPE && is_null(v)) {
    out.reset();
    return true;
  }
  if (e) return fail(e, "a string or null");
  out.emplace(s);
  return true;
}

bool Reader::read(value v, Snowflake& out) {
  // Snowflakes are digit strings: read them as written, without unescaping into a buffer.
  simdjson::ondemand::raw_json_string raw;
  if (v.get_raw_json_string().get(raw) == simdjson::SUCCESS) {
    const char* p = raw.raw();
    const char* end = p;
    while (*end != '"' && *end != '\\') ++end;
    if (*end == '"') {
      auto parsed = Snowflake::parse(std::string_view(p, static_cast<std::size_t>(end - p)));
      if (!parsed.ok()) return fail(parsed.error().message);
      out = *parsed;
      return true;
    }
    return fail("expected a snowflake, got a string with escapes");
  }
  std::uint64_t n = 0;
  if (v.get_uint64().get(n) == simdjson::SUCCESS) {
    out = Snowflake{n};
    return true;
  }
  if (is_null(v)) {
    out = Snowflake{};
    return true;
  }
  return fail("expected a snowflake (string or number)");
}

bool Reader::read(value v, Timestamp& out) {
  std::string_view s;
  auto e = v.get_string().get(s);
  if (e == simdjson::INCORRECT_TYPE && is_null(v)) {
    out = Timestamp{};
    return true;
  }
  if (e) return fail(e, "an ISO 8601 timestamp string");
  auto parsed = Timestamp::parse(s);
  if (!parsed.ok()) return fail(parsed.error().message);
  out = *parsed;
  return true;
}

bool Reader::read_raw(value v, std::string& out) {
  std::string_view raw;
  if (auto e = raw_json_of(v, raw); e) return fail(e, "a JSON value");
  out.assign(raw);
  return true;
}

bool Reader::read_string_or_number(value v, std::optional<std::string>& out) {
  json_type type;
  if (auto e = v.type().get(type); e) return fail(e, "a string or a number");
  if (type == json_type::number) {
    out.emplace(trim_json_right(v.raw_json_token()));
    return true;
  }
  return read(v, out);
}

}  // namespace gwtape::gateway::detail
