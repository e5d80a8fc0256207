// gateway/encode_model.h — private: how gwtape/gateway/json.h's writers walk a struct.
//
// `write_object(w, v)` writes every struct with a field table (model_fields.h) as an object of
// the table's fields in order; the public `write_json` overloads of the model structs and typed
// events (json.h) are defined with it in encode_model.cpp. The conventions (null for an invalid
// Snowflake or Timestamp, derived fields, raw JSON) are documented in gwtape/gateway/json.h.
//
// Thread-safety: stateless functions; a JsonWriter is used by one thread. Lifetimes: nothing
// is kept beyond the call.
#pragma once

#include <string_view>

#include "gwtape/gateway/json.h"
#include "gwtape/gateway/json_writer.h"
#include "model_fields.h"

namespace gwtape::gateway::detail {

// A string, with each byte that is not part of valid UTF-8 written as U+FFFD.
void write_string(JsonWriter& w, std::string_view s);
// Raw JSON text as a value, minified; empty text is null. REQUIRES: raw is valid JSON or "".
void write_raw_json(JsonWriter& w, std::string_view raw);

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

// An object of T's fields in table order. Only a struct's own table binds (a derived event
// never writes as its base by accident: HasFields is checked for T itself).
template <class T>
requires HasFields<T>
void write_object(JsonWriter& w, const T& v) {
  w.begin_object();
  write_fields(w, v, typename FieldTable<T>::type{});
  w.end_object();
}

}  // namespace gwtape::gateway::detail
