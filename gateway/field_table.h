// gateway/field_table.h — private: each struct's JSON fields, spelled once.
//
// A struct's `FieldTable<T>::type` is a `FieldList` of field descriptors: the wire name, the
// member, and how the two map. The decoder (decode_fields.h), the canonical writer
// (encode_model.h) and the shape check (gwtape/gateway/shapes.h) walk the same list, so a
// field is added to all three at once. The tables themselves are in model_fields.h.
//
// Descriptors (all compile-time: names are template arguments, so the decoder's key compare
// folds them into constants, as it did from string literals):
//   Field<"name", &T::m>           "name": the member's type (most fields; see GWTAPE_F)
//   Raw<"name", &T::m>             any JSON value, kept as its text (std::string)
//   TextOrNumber<"name", &T::m>    a string or a number, kept as text (nonces)
//   Counted<"name", "as", &T::m>   an array read as its length; written as "as" (a number,
//                                  which the decoder also reads)
//   Nested<"name", Fs...>          an object whose fields Fs... are members of T itself
//                                  ("client_status": {"desktop": ...} -> client_desktop)
//   Base<B>                        B's fields, for a struct that derives from B
//
// Thread-safety and lifetimes: types only, no state.
#pragma once

#include <cstddef>
#include <string_view>
#include <type_traits>

namespace gwtape::gateway::detail {

// A string literal as a template argument.
template <std::size_t N>
struct FixedName {
  char s[N];
  constexpr FixedName(const char (&text)[N]) {  // NOLINT: implicit by design
    for (std::size_t i = 0; i < N; ++i) s[i] = text[i];
  }
  constexpr std::string_view view() const { return {s, N - 1}; }
};

// The struct a pointer to member belongs to, and the member's type.
template <class P>
struct MemberOf;
template <class S, class M>
struct MemberOf<M S::*> {
  using owner = S;
  using type = M;
};

// What a descriptor is, for the walkers' `if constexpr`.
enum class FieldKind { kValue, kRaw, kTextOrNumber, kCounted, kNested, kBase };

template <FieldKind Kind, FixedName Name, auto Member>
struct MemberField {
  using type = typename MemberOf<decltype(Member)>::type;
  static constexpr FieldKind kind = Kind;
  static constexpr auto name = Name;
  static constexpr auto member = Member;
};

template <FixedName Name, auto Member>
using Field = MemberField<FieldKind::kValue, Name, Member>;
template <FixedName Name, auto Member>
using Raw = MemberField<FieldKind::kRaw, Name, Member>;
template <FixedName Name, auto Member>
using TextOrNumber = MemberField<FieldKind::kTextOrNumber, Name, Member>;

template <FixedName Name, FixedName WrittenAs, auto Member>
struct Counted : MemberField<FieldKind::kCounted, Name, Member> {
  static constexpr auto written_as = WrittenAs;
};

template <class... Fs>
struct FieldList {};

template <FixedName Name, class... Fs>
struct Nested {
  static constexpr FieldKind kind = FieldKind::kNested;
  static constexpr auto name = Name;
  using fields = FieldList<Fs...>;
};

template <class B>
struct Base {
  static constexpr FieldKind kind = FieldKind::kBase;
  using type = B;
};

// Specialised for every struct with fields (model_fields.h); `type` is its FieldList.
template <class T>
struct FieldTable;

template <class T>
concept HasFields = requires {
  typename FieldTable<T>::type;
};

// The table of `Struct`; the entries may name its members as `T::member`.
#define GWTAPE_FIELDS(Struct, ...)                                  \
  template <>                                                       \
  struct FieldTable<Struct> {                                       \
    using T = Struct;                                               \
    using type = ::gwtape::gateway::detail::FieldList<__VA_ARGS__>; \
  }

// An event that is its base struct with nothing added has the base's table.
#define GWTAPE_FIELDS_AS(Struct, Of) \
  template <>                        \
  struct FieldTable<Struct> : FieldTable<Of> {}

// A field whose wire name is the member's name, inside GWTAPE_FIELDS.
#define GWTAPE_F(member) ::gwtape::gateway::detail::Field<#member, &T::member>

}  // namespace gwtape::gateway::detail
