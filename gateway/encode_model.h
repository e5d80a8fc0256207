// gateway/encode_model.h — private: the canonical JSON writers behind gwtape/gateway/json.h.
//
// One `write_json(JsonWriter&, const T&)` overload per scalar and container, and one template
// for every struct with a field table (model_fields.h), which writes the table's fields in order.
// The conventions (null for an invalid Snowflake or Timestamp, derived fields, raw JSON) are
// documented in gwtape/gateway/json.h. Kept here, not in the public header, so the state
// digest can append objects to its own writer without a copy.
//
// Thread-safety: stateless functions; a JsonWriter is used by one thread. Lifetimes: nothing
// is kept beyond the call.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gwtape/gateway/events.h"
#include "gwtape/gateway/model.h"
#include "json_write.h"
#include "model_fields.h"

namespace gwtape::gateway::detail {

// ---- scalars ---------------------------------------------------------------------------

void write_json(JsonWriter& w, Snowflake v);  // decimal string; null when !valid()
void write_json(JsonWriter& w, Timestamp v);  // iso8601(); null when !valid()
void write_json(JsonWriter& w, const std::string& v);
void write_json(JsonWriter& w, bool v);
void write_json(JsonWriter& w, std::int32_t v);
void write_json(JsonWriter& w, std::int64_t v);
void write_json(JsonWriter& w, std::uint32_t v);
void write_json(JsonWriter& w, std::uint64_t v);
void write_json(JsonWriter& w, double v);  // shortest round-trip form; null if not finite

// A string, with each byte that is not part of valid UTF-8 written as U+FFFD.
void write_string(JsonWriter& w, std::string_view s);
// Raw JSON text as a value, minified; empty text is null. REQUIRES: raw is valid JSON or "".
void write_raw_json(JsonWriter& w, std::string_view raw);

// ---- structs with a field table (model_fields.h): model structs and typed events ---------

// An object of T's fields in table order. Only a struct's own table binds (a derived event
// never writes as its base by accident: HasFields is checked for T itself).
template <class T>
requires HasFields<T>
void write_json(JsonWriter& w, const T& v);

void write_json(JsonWriter& w, const RawEvent& v);  // d verbatim; "null" when empty
// The event's payload, whatever its type.
void write_json(JsonWriter& w, const Event& v);

// ---- containers --------------------------------------------------------------------------

template <class T>
void write_json(JsonWriter& w, const std::optional<T>& v) {
  if (v) {
    write_json(w, *v);
  } else {
    w.null();
  }
}

template <class T>
void write_json(JsonWriter& w, const std::vector<T>& v) {
  w.begin_array();
  for (const T& element : v) write_json(w, element);
  w.end_array();
}

template <class T, std::size_t N>
void write_json(JsonWriter& w, const std::array<T, N>& v) {
  w.begin_array();
  for (const T& element : v) write_json(w, element);
  w.end_array();
}

// `"key": value`, for the struct writers.
template <class T>
void write_field(JsonWriter& w, std::string_view key, const T& v) {
  w.key(key);
  write_json(w, v);
}

// ---- struct writers --------------------------------------------------------------------

template <class T, class... Fs>
void write_fields(JsonWriter& w, const T& v, FieldList<Fs...>);

template <class F, class T>
void write_one(JsonWriter& w, const T& v) {
  if constexpr (F::kind == FieldKind::kBase) {
    using B = typename F::type;
    write_fields(w, static_cast<const B&>(v), typename FieldTable<B>::type{});
  } else if constexpr (F::kind == FieldKind::kNested) {
    w.key(F::name.view()).begin_object();  // as the decoder reads it back
    write_fields(w, v, typename F::fields{});
    w.end_object();
  } else if constexpr (F::kind == FieldKind::kCounted) {
    write_field(w, F::written_as.view(), v.*F::member);
  } else if constexpr (F::kind == FieldKind::kRaw) {
    w.key(F::name.view());
    write_raw_json(w, v.*F::member);
  } else {
    write_field(w, F::name.view(), v.*F::member);
  }
}

template <class T, class... Fs>
void write_fields(JsonWriter& w, const T& v, FieldList<Fs...>) {
  (write_one<Fs>(w, v), ...);
}

template <class T>
requires HasFields<T>
void write_json(JsonWriter& w, const T& v) {
  w.begin_object();
  write_fields(w, v, typename FieldTable<T>::type{});
  w.end_object();
}

}  // namespace gwtape::gateway::detail
