// gateway/json_read.h — private: reading Discord JSON into model structs with simdjson
// On-Demand.
//
// A `Reader` walks one document. `read(value, T&)` is overloaded for every scalar and
// container the model uses; structs are read by `read_object`, which calls
// `fields(Reader&, key, value, T&)` for each key (decode_fields.h: it walks the struct's field
// table). Unknown keys are left unread: On-Demand skips them. Null
// and missing fields keep their defaults. On error the reader records what was expected and
// the path to the field ("members[3].user.id"), innermost first, for the message.
//
// Thread-safety: one Reader per document, on one thread. Lifetimes: values and keys point
// into the document; everything stored in the model is copied out.
#pragma once

#include <simdjson.h>

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "field_table.h"
#include "gwtape/gateway/snowflake.h"

namespace gwtape::gateway::detail {

using simdjson::ondemand::json_type;
using simdjson::ondemand::value;

// The 8 bytes at p as one word (unaligned; simdjson's padding makes reading ahead safe).
inline std::uint64_t load8(const char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

// An object key as written in the document, compared without unescaping it (the decoders'
// hot path). Discord never escapes characters in keys; a key that is written with escapes
// matches no field and is skipped like an unknown key.
class Key {
 public:
  explicit Key(simdjson::ondemand::raw_json_string raw) : raw_(raw) {}
  // `name` (a literal) must hold no quote or backslash (true of every field name). The key and
  // its closing quote are compared eight bytes at a time against constants computed at compile
  // time from the name: a chain of field names costs one load and a compare per name. Reading
  // past the key is safe: simdjson documents end in SIMDJSON_PADDING bytes.
  template <FixedName Name>
  bool is() const {
    constexpr std::size_t N = sizeof(Name.s);
    static_assert(N >= 2, "a field name is not empty");
    constexpr std::uint64_t first = word_of<N>(Name.s);
    const char* p = raw_.raw();
    if constexpr (N <= 8) {
      constexpr std::uint64_t mask = mask_of<N>();
      return (load8(p) & mask) == first;
    } else {
      return load8(p) == first && std::memcmp(p + 8, Name.s + 8, N - 9) == 0 && p[N - 1] == '"';
    }
  }
  // The key's text as written, for error messages.
  std::string_view text() const;

 private:
  // The first eight bytes of `name`, with its closing quote when it falls in them.
  template <std::size_t N>
  static constexpr std::uint64_t word_of(const char (&name)[N]) {
    std::array<unsigned char, 8> bytes{};
    for (std::size_t i = 0; i < 8 && i < N; ++i) {
      bytes[i] = i == N - 1 ? '"' : static_cast<unsigned char>(name[i]);
    }
    return std::bit_cast<std::uint64_t>(bytes);
  }
  template <std::size_t N>
  static constexpr std::uint64_t mask_of() {
    std::array<unsigned char, 8> bytes{};
    for (std::size_t i = 0; i < N && i < 8; ++i) bytes[i] = 0xff;
    return std::bit_cast<std::uint64_t>(bytes);
  }

  simdjson::ondemand::raw_json_string raw_;
};

// s without the JSON whitespace that ends it.
std::string_view trim_json_right(std::string_view s);

// A string value's text: read in place when it holds no escape (most do: no copy, no
// unescaping), else unescaped by simdjson. UTF-8 was validated for the whole document before
// the walk. Errors as simdjson's get_string().
simdjson::error_code string_of(value& v, std::string_view& out);

// The JSON text of a value of any type as it stands in the document, without the whitespace
// that follows it. Scalars are validated first (raw_json_token alone does not check them).
simdjson::error_code raw_json_of(value& v, std::string_view& out);

// True when v's first byte can start a JSON value. On-Demand skips a value nobody reads by
// counting brackets, so a missing value before a closing bracket (`{"x":}`) would be taken as
// the end of the object, and the walk would go on out of step with the text's structure:
// every field loop checks this first, so that no path accepts a frame another rejects.
inline bool starts_a_value(value& v) { return v.type().error() == simdjson::SUCCESS; }

class Reader {
 public:
  // False after a failure; `problem()` says what and where.
  bool failed() const { return !what_.empty(); }
  std::string problem() const;
  // True when the failure was malformed JSON rather than a well-formed value of a wrong type.
  bool syntax_error() const { return syntax_error_; }

  // Records a failure (first one wins) and returns false, for `return r.fail(...)`.
  bool fail(std::string what);
  bool fail(simdjson::error_code code, std::string_view expected);
  void push_path(std::string_view segment) { path_.emplace_back(segment); }
  void push_index(std::size_t index);

  bool read(value& v, bool& out);
  bool read(value& v, std::int32_t& out);
  bool read(value& v, std::int64_t& out);
  bool read(value& v, std::uint32_t& out);
  bool read(value& v, std::uint64_t& out);
  bool read(value& v, double& out);
  bool read(value& v, std::string& out);
  bool read(value& v, std::optional<std::string>& out);
  bool read(value& v, Snowflake& out);
  bool read(value& v, Timestamp& out);
  // The value's JSON text as it stands in the document, whatever its type.
  bool read_raw(value& v, std::string& out);
  // A string or a number, kept as text (nonces).
  bool read_string_or_number(value& v, std::optional<std::string>& out);
  // An array's length (its elements are skipped); null: no change.
  bool read_count(value& v, std::uint32_t& out);

  template <class T>
  bool read(value& v, std::vector<T>& out);
  template <class T>
  bool read(value& v, std::optional<T>& out);
  template <class T, std::size_t N>
  bool read(value& v, std::array<T, N>& out);
  template <class T>
  bool read(value& v, T& out) {
    return read_object(v, out);
  }

  // Reads an object field by field with `fields(*this, key, value, out)`; null: no change.
  template <class T>
  bool read_object(value& v, T& out);

  // True if v is JSON null (and consumes it); false for anything else or an error. Safe on
  // any value, a document's root included, and after a getter failed with INCORRECT_TYPE.
  static bool is_null(value& v);

 private:
  template <class Int>
  bool read_int(value& v, Int& out, std::string_view expected);

  std::string what_;
  std::vector<std::string> path_;  // innermost first
  bool syntax_error_ = false;
};

// ---- template definitions ---------------------------------------------------------------

template <class Int>
bool Reader::read_int(value& v, Int& out, std::string_view expected) {
  std::int64_t x = 0;
  if (auto e = v.get_int64().get(x); e) {
    if (e == simdjson::INCORRECT_TYPE && is_null(v)) return true;
    std::uint64_t u = 0;
    if constexpr (std::is_unsigned_v<Int>) {
      if (v.get_uint64().get(u) == simdjson::SUCCESS && u <= std::numeric_limits<Int>::max()) {
        out = static_cast<Int>(u);
        return true;
      }
    }
    return fail(e, expected);
  }
  if (x < static_cast<std::int64_t>(std::numeric_limits<Int>::min()) ||
      (x > 0 && static_cast<std::uint64_t>(x) > std::numeric_limits<Int>::max())) {
    return fail(std::string(expected) + ", got " + std::to_string(x) + " (out of range)");
  }
  out = static_cast<Int>(x);
  return true;
}

template <class T>
bool Reader::read(value& v, std::vector<T>& out) {
  out.clear();
  simdjson::ondemand::array arr;
  if (auto e = v.get_array().get(arr); e) {
    return (e == simdjson::INCORRECT_TYPE && is_null(v)) || fail(e, "an array");
  }
  std::size_t i = 0;
  for (auto element : arr) {
    if (auto e = element.error(); e) {
      push_index(i);
      return fail(e, "an array element");
    }
    value&& ev = std::move(element).value_unsafe();  // in place, as in read_object
    if (!read(ev, out.emplace_back())) {
      push_index(i);
      return false;
    }
    ++i;
  }
  return true;
}

template <class T>
bool Reader::read(value& v, std::optional<T>& out) {
  if (is_null(v)) {
    out.reset();
    return true;
  }
  return read(v, out.emplace());
}

template <class T, std::size_t N>
bool Reader::read(value& v, std::array<T, N>& out) {
  simdjson::ondemand::array arr;
  if (auto e = v.get_array().get(arr); e) return fail(e, "an array");
  std::size_t i = 0;
  for (auto element : arr) {
    if (i >= N) return fail("an array of " + std::to_string(N) + " elements, got more");
    if (auto e = element.error(); e) {
      push_index(i);
      return fail(e, "an array element");
    }
    value&& ev = std::move(element).value_unsafe();
    if (!read(ev, out[i])) {
      push_index(i);
      return false;
    }
    ++i;
  }
  if (i != N)
    return fail("an array of " + std::to_string(N) + " elements, got " + std::to_string(i));
  return true;
}

template <class T>
bool Reader::read_object(value& v, T& out) {
  simdjson::ondemand::object obj;
  if (auto e = v.get_object().get(obj); e) {
    return (e == simdjson::INCORRECT_TYPE && is_null(v)) || fail(e, "an object");
  }
  for (auto result : obj) {
    // The field and its value are used in place, never copied: copying them out of their
    // simdjson_result costs a store-forwarding stall on every key (seen in perf).
    if (auto e = result.error(); e) return fail(e, "an object key");
    simdjson::ondemand::field&& field = std::move(result).value_unsafe();
    const Key key(field.key());
    if (!starts_a_value(field.value())) {
      push_path(key.text());
      return fail(simdjson::TAPE_ERROR, "a value");
    }
    if (!fields(*this, key, field.value(), out)) {
      push_path(key.text());
      return false;
    }
  }
  return true;
}

}  // namespace gwtape::gateway::detail
