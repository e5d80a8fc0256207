// gwtape/gateway/json_writer.h — the JSON text builder behind every payload gwtape writes:
// outgoing commands, the canonical JSON of the model (json.h's write_json), the state cache's
// dump. Public so that a document made of model objects (a dump, a report) is written in place,
// one buffer, with the same rules as to_json().
//
// Appends to one std::string; the caller writes keys and values in order, the builder adds
// commas. Strings are escaped per RFC 8259: quote, backslash and every control character
// (U+0000-U+001F as \uXXXX or the short forms), DEL and non-ASCII kept as UTF-8. Invalid
// UTF-8 is recorded as an error (checked once at the end), never written silently.
//
// Thread-safety: a JsonWriter is used by one thread at a time. Lifetimes: it owns its text;
// text() may be moved or cleared between values (the cache's dump streams it out that way).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace gwtape::gateway {

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& string(std::string_view s);
  JsonWriter& integer(std::int64_t v);
  JsonWriter& unsigned_integer(std::uint64_t v);
  JsonWriter& boolean(bool b);
  JsonWriter& null();
  JsonWriter& raw(std::string_view json);  // already-valid JSON text

  // The first string that was not valid UTF-8, if any (for the error message).
  bool bad_utf8() const { return !bad_utf8_at_.empty(); }
  const std::string& bad_utf8_at() const { return bad_utf8_at_; }
  std::string& text() { return out_; }

 private:
  void separator();

  std::string out_;
  std::string last_key_;
  std::string bad_utf8_at_;
  bool need_comma_ = false;
};

// True when s is well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF).
bool valid_utf8(std::string_view s);

}  // namespace gwtape::gateway
