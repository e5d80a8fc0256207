// gateway/decode_fields.h — private: the per-struct field readers used by Reader::read_object.
//
// `fields(reader, key, value, out)` reads one key of a struct, walking the struct's field table
// (model_fields.h); keys it does not know are ignored (On-Demand skips them).
#pragma once

#include "gwtape/gateway/events.h"
#include "gwtape/gateway/model.h"
#include "json_read.h"
#include "model_fields.h"

namespace gwtape::gateway::detail {

// Reads one key of a struct with a field table: the descriptor whose name matches reads the
// value into its member; a key no descriptor names is ignored. Returns false on a type error.
template <class T>
requires HasFields<T>
bool fields(Reader& r, const Key& k, value& v, T& out);

// Decodes a typed event's d (the registry's dispatch); false on error, see reader.problem().
bool decode_payload(EventType type, Reader& reader, value& v, EventPayload& payload);

// ---- template definitions ---------------------------------------------------------------

// An object of fields that belong to the struct around it (Nested<...>): read into that struct.
template <class List, class T>
struct NestedIn {
  T* out;
};

// Returns true when descriptor F names key k, with ok = whether its value was read.
template <class F, class T>
bool read_field(Reader& r, const Key& k, value& v, T& out, bool& ok);

template <class T, class... Fs>
bool read_fields(Reader& r, const Key& k, value& v, T& out, FieldList<Fs...>, bool& ok) {
  return (read_field<Fs>(r, k, v, out, ok) || ...);
}

template <class List, class T>
bool fields(Reader& r, const Key& k, value& v, NestedIn<List, T>& nested) {
  bool ok = true;
  read_fields(r, k, v, *nested.out, List{}, ok);
  return ok;
}

template <class F, class T>
[[gnu::always_inline]] inline bool read_field(Reader& r, const Key& k, value& v, T& out, bool& ok) {
  if constexpr (F::kind == FieldKind::kBase) {
    using B = typename F::type;
    return read_fields(r, k, v, static_cast<B&>(out), typename FieldTable<B>::type{}, ok);
  } else if constexpr (F::kind == FieldKind::kNested) {
    if (!k.is<F::name>()) return false;
    NestedIn<typename F::fields, T> nested{&out};
    ok = r.read_object(v, nested);
  } else if constexpr (F::kind == FieldKind::kCounted) {
    if (k.is<F::written_as>()) {  // gwtape's own canonical JSON, which writes the count
      ok = r.read(v, out.*F::member);
      return true;
    }
    if (!k.is<F::name>()) return false;
    ok = r.read_count(v, out.*F::member);
  } else {
    if (!k.is<F::name>()) return false;
    if constexpr (F::kind == FieldKind::kRaw) {
      ok = r.read_raw(v, out.*F::member);
    } else if constexpr (F::kind == FieldKind::kTextOrNumber) {
      ok = r.read_string_or_number(v, out.*F::member);
    } else {
      ok = r.read(v, out.*F::member);
    }
  }
  return true;
}

template <class T>
requires HasFields<T>
bool fields(Reader& r, const Key& k, value& v, T& out) {
  bool ok = true;
  read_fields(r, k, v, out, typename FieldTable<T>::type{}, ok);
  return ok;
}

}  // namespace gwtape::gateway::detail
