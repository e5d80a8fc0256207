#include "json_read.h"

#include <bit>
#include <cstring>
#include <string>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace gwtape::gateway::detail {

namespace {

// How many of the 8 characters in w (first character in the low byte) are ASCII digits before
// the first one that is not. A byte is a digit when its high nibble is 3 both as it is and
// plus 6; a carry out of a byte only reaches later characters after a non-digit.
unsigned leading_digits(std::uint64_t w) {
  constexpr std::uint64_t kHigh = 0xF0F0F0F0F0F0F0F0u, kThrees = 0x3030303030303030u;
  const std::uint64_t bad =
      ((w & kHigh) ^ kThrees) | (((w + 0x0606060606060606u) & kHigh) ^ kThrees);
  return bad == 0 ? 8 : static_cast<unsigned>(std::countr_zero(bad)) / 8;
}

// The value of 8 ASCII digits (Lemire's SWAR conversion).
std::uint64_t eight_digits(std::uint64_t w) {
  w = (w & 0x0F0F0F0F0F0F0F0Fu) * 2561 >> 8;
  w = (w & 0x00FF00FF00FF00FFu) * 6553601 >> 16;
  return (w & 0x0000FFFF0000FFFFu) * 42949672960001u >> 32;
}

// Reads 1-19 digits followed by a closing quote (no overflow is possible), the form of every
// snowflake: 8 digits per step on little-endian machines. False for anything else; the
// caller's checked parser explains (or takes 20 digits).
// p is inside a padded simdjson buffer, so reading 24 bytes ahead stays in bounds.
bool read_digits(const char* p, std::uint64_t& out) {
  std::size_t len = 0;
  std::uint64_t n = 0;
  if constexpr (std::endian::native == std::endian::little) {
    const std::uint64_t w0 = load8(p), w1 = load8(p + 8);
    const unsigned a = leading_digits(w0);
    const unsigned b = a == 8 ? leading_digits(w1) : 0;
    if (a == 8 && b == 8) {
      n = eight_digits(w0) * 100000000u + eight_digits(w1);
      len = 16;
    }
  }
  while (static_cast<unsigned char>(p[len] - '0') <= 9 && len < 19) {
    n = n * 10 + static_cast<std::uint64_t>(p[len] - '0');
    ++len;
  }
  if (len == 0 || p[len] != '"') return false;
  out = n;
  return true;
}

// Where the string starting at p ends (its closing quote), or null when a backslash comes
// first. 16 bytes per step with SSE2 (every x86-64), else 8 with plain integer arithmetic;
// either reads at most 15 bytes past the quote, inside simdjson's padding.
const char* plain_string_end(const char* p) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
  for (;; p += 16) {
    const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const unsigned hits = static_cast<unsigned>(_mm_movemask_epi8(
        _mm_or_si128(_mm_cmpeq_epi8(chunk, quote), _mm_cmpeq_epi8(chunk, backslash))));
    if (hits != 0) {
      const char* at = p + std::countr_zero(hits);
      return *at == '"' ? at : nullptr;
    }
  }
#else
  if constexpr (std::endian::native != std::endian::little) return nullptr;
  constexpr std::uint64_t kOnes = 0x0101010101010101u, kHighs = 0x8080808080808080u;
  for (;; p += 8) {
    const std::uint64_t w = load8(p);
    const std::uint64_t q = w ^ (kOnes * '"'), b = w ^ (kOnes * '\\');
    // Lowest byte equal to '"' or '\\' (the zero-byte test is exact for the lowest match).
    const std::uint64_t hits = ((q - kOnes) & ~q & kHighs) | ((b - kOnes) & ~b & kHighs);
    if (hits != 0) {
      const char* at = p + std::countr_zero(hits) / 8;
      return *at == '"' ? at : nullptr;
    }
  }
#endif
}

}  // namespace

std::string_view trim_json_right(std::string_view s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

simdjson::error_code string_of(value& v, std::string_view& out) {
  simdjson::ondemand::raw_json_string raw;
  if (auto e = v.get_raw_json_string().get(raw); e) return e;
  const char* p = raw.raw();
  if (const char* end = plain_string_end(p)) {
    out = std::string_view(p, static_cast<std::size_t>(end - p));
    return simdjson::SUCCESS;
  }
  // A getter after a successful one re-reads the same value (it is not at its start anymore).
  return v.get_string().get(out);
}

std::string_view Key::text() const {
  const char* start = raw_.raw();
  const char* end = start;
  while (*end != '"') end += (*end == '\\') ? 2 : 1;
  return std::string_view(start, static_cast<std::size_t>(end - start));
}

simdjson::error_code raw_json_of(value& v, std::string_view& out) {
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
  // The type first: value::is_null() is a read of a non-root scalar, and reaching it on a
  // document's root (an array d where an object was expected, after get_object() failed)
  // breaks simdjson's assumption that the value is nested (undefined behaviour in release
  // builds). type() only peeks at the value's first byte, at any depth. A value of type null is
  // never the root: simdjson does not hand out a scalar document as a value.
  json_type type;
  if (v.type().get(type) != simdjson::SUCCESS || type != json_type::null) return false;
  bool null = false;
  return v.is_null().get(null) == simdjson::SUCCESS && null;
}

// The readers try the expected type first and look for null only when that fails: On-Demand
// leaves the value in place after INCORRECT_TYPE, and most fields are present and non-null.

bool Reader::read(value& v, bool& out) {
  auto e = v.get_bool().get(out);
  if (e == simdjson::INCORRECT_TYPE && is_null(v)) return true;
  return e ? fail(e, "true or false") : true;
}

bool Reader::read(value& v, std::int32_t& out) { return read_int(v, out, "a 32-bit integer"); }
bool Reader::read(value& v, std::int64_t& out) { return read_int(v, out, "a 64-bit integer"); }
bool Reader::read(value& v, std::uint32_t& out) {
  return read_int(v, out, "an unsigned 32-bit integer");
}
bool Reader::read(value& v, std::uint64_t& out) {
  return read_int(v, out, "an unsigned 64-bit integer");
}

bool Reader::read(value& v, double& out) {
  auto e = v.get_double().get(out);
  if (e == simdjson::INCORRECT_TYPE && is_null(v)) return true;
  return e ? fail(e, "a number") : true;
}

bool Reader::read(value& v, std::string& out) {
  std::string_view s;
  auto e = string_of(v, s);
  if (e == simdjson::INCORRECT_TYPE && is_null(v)) {
    out.clear();
    return true;
  }
  if (e) return fail(e, "a string");
  out.assign(s);
  return true;
}

bool Reader::read(value& v, std::optional<std::string>& out) {
  std::string_view s;
  auto e = string_of(v, s);
  if (e == simdjson::INCORRECT_TYPE && is_null(v)) {
    out.reset();
    return true;
  }
  if (e) return fail(e, "a string or null");
  out.emplace(s);
  return true;
}

bool Reader::read(value& v, Snowflake& out) {
  // Snowflakes are digit strings: read them as written, without unescaping into a buffer.
  simdjson::ondemand::raw_json_string raw;
  if (v.get_raw_json_string().get(raw) == simdjson::SUCCESS) {
    const char* p = raw.raw();
    std::uint64_t n = 0;
    if (read_digits(p, n)) {
      out = Snowflake{n};
      return true;
    }
    if (const char* end = plain_string_end(p)) {
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

bool Reader::read(value& v, Timestamp& out) {
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

bool Reader::read_raw(value& v, std::string& out) {
  std::string_view raw;
  if (auto e = raw_json_of(v, raw); e) return fail(e, "a JSON value");
  out.assign(raw);
  return true;
}

bool Reader::read_string_or_number(value& v, std::optional<std::string>& out) {
  json_type type;
  if (auto e = v.type().get(type); e) return fail(e, "a string or a number");
  if (type == json_type::number) {
    out.emplace(trim_json_right(v.raw_json_token()));
    return true;
  }
  return read(v, out);
}

bool Reader::read_count(value& v, std::uint32_t& out) {
  if (is_null(v)) return true;
  simdjson::ondemand::array array;
  std::size_t n = 0;
  if (auto e = v.get_array().get(array); e) return fail(e, "an array");
  if (auto e = array.count_elements().get(n); e) return fail(e, "an array");
  out = static_cast<std::uint32_t>(n);
  return true;
}

}  // namespace gwtape::gateway::detail
