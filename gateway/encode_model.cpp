// The canonical JSON writers of gwtape/gateway/json.h: scalars here, every struct from its field
// table (encode_model.h, model_fields.h), and to_json() on top of them.
#include "encode_model.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <memory>
#include <variant>

namespace gwtape::gateway {

void write_json(JsonWriter& w, Snowflake v) {
  if (!v.valid()) {
    w.null();
    return;
  }
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v.value);
  (void)ec;  // 24 bytes hold any uint64
  w.string(std::string_view(buf, static_cast<std::size_t>(end - buf)));
}

void write_json(JsonWriter& w, Timestamp v) {
  if (!v.valid()) {
    w.null();
    return;
  }
  w.string(v.iso8601());
}

void write_json(JsonWriter& w, const std::string& v) { detail::write_string(w, v); }
void write_json(JsonWriter& w, bool v) { w.boolean(v); }
void write_json(JsonWriter& w, std::int32_t v) { w.integer(v); }
void write_json(JsonWriter& w, std::int64_t v) { w.integer(v); }
void write_json(JsonWriter& w, std::uint32_t v) { w.unsigned_integer(v); }
void write_json(JsonWriter& w, std::uint64_t v) { w.unsigned_integer(v); }

void write_json(JsonWriter& w, double v) {
  if (!std::isfinite(v)) {
    w.null();
    return;
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip form
  (void)ec;  // 32 bytes hold any double's shortest form
  w.raw(std::string_view(buf, static_cast<std::size_t>(end - buf)));
}

namespace detail {

void write_string(JsonWriter& w, std::string_view s) {
  if (valid_utf8(s)) {
    w.string(s);
    return;
  }
  // Keep every well-formed sequence; replace each byte that starts none with U+FFFD.
  std::string repaired;
  repaired.reserve(s.size() + 8);
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t len = c < 0x80             ? 1
                            : (c & 0xe0) == 0xc0 ? 2
                            : (c & 0xf0) == 0xe0 ? 3
                            : (c & 0xf8) == 0xf0 ? 4
                                                 : 0;
    if (len != 0 && i + len <= s.size() && valid_utf8(s.substr(i, len))) {
      repaired.append(s.substr(i, len));
      i += len;
    } else {
      repaired.append("\xEF\xBF\xBD");
      ++i;
    }
  }
  w.string(repaired);
}

void write_raw_json(JsonWriter& w, std::string_view raw) {
  if (raw.empty()) {
    w.null();
    return;
  }
  // simdjson's minifier may write whole 64-byte blocks: give it room beyond raw.size().
  auto out = std::make_unique_for_overwrite<char[]>(raw.size() + simdjson::SIMDJSON_PADDING);
  std::size_t out_len = 0;
  if (simdjson::minify(raw.data(), raw.size(), out.get(), out_len) != simdjson::SUCCESS) {
    w.raw(raw);  // unterminated string or the like: outside the REQUIRES; keep the text
    return;
  }
  w.raw(std::string_view(out.get(), out_len));
}

}  // namespace detail

void write_json(JsonWriter& w, const RawEvent& v) { w.raw(v.d.empty() ? "null" : v.d); }

void write_json(JsonWriter& w, const Event& v) {
  std::visit([&w](const auto& payload) { write_json(w, payload); }, v.payload);
}

#define GWTAPE_X(T) \
  void write_json(JsonWriter& w, const T& value) { detail::write_object(w, value); }
GWTAPE_MODEL_STRUCTS(GWTAPE_X)
#undef GWTAPE_X
#define GWTAPE_X(e, n, T) \
  void write_json(JsonWriter& w, const T& event) { detail::write_object(w, event); }
GWTAPE_TYPED_EVENTS(GWTAPE_X)
#undef GWTAPE_X
void write_json(JsonWriter& w, const HelloEvent& hello) { detail::write_object(w, hello); }

namespace {

template <class T>
std::string encode(const T& v) {
  JsonWriter w;
  write_json(w, v);
  return std::move(w.text());
}

}  // namespace

#define GWTAPE_X(T) \
  std::string to_json(const T& value) { return encode(value); }
GWTAPE_MODEL_STRUCTS(GWTAPE_X)
#undef GWTAPE_X
std::string to_json(const HelloEvent& hello) { return encode(hello); }
std::string to_json(const Event& event) { return encode(event); }
#define GWTAPE_X(e, n, T) \
  std::string to_json(const T& event) { return encode(event); }
GWTAPE_TYPED_EVENTS(GWTAPE_X)
#undef GWTAPE_X

}  // namespace gwtape::gateway
