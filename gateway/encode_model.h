// gateway/encode_model.h — private: the canonical JSON writers behind gwtape/gateway/json.h.
//
// One `write_json(JsonWriter&, const T&)` overload per scalar, container, model struct and
// event struct; a struct's overload writes its fields in declaration order with `write_field`.
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

// ---- model structs (gwtape/gateway/model.h) --------------------------------------------

void write_json(JsonWriter& w, const User& v);
void write_json(JsonWriter& w, const Role& v);
void write_json(JsonWriter& w, const Member& v);
void write_json(JsonWriter& w, const Emoji& v);
void write_json(JsonWriter& w, const Sticker& v);
void write_json(JsonWriter& w, const PermissionOverwrite& v);
void write_json(JsonWriter& w, const ThreadMetadata& v);
void write_json(JsonWriter& w, const Channel& v);
void write_json(JsonWriter& w, const Activity& v);
void write_json(JsonWriter& w, const Presence& v);
void write_json(JsonWriter& w, const VoiceState& v);
void write_json(JsonWriter& w, const Attachment& v);
void write_json(JsonWriter& w, const Reaction& v);
void write_json(JsonWriter& w, const Message& v);
void write_json(JsonWriter& w, const UnavailableGuild& v);
void write_json(JsonWriter& w, const Guild& v);
void write_json(JsonWriter& w, const ThreadMember& v);

// A struct's fields without the braces, for the events that derive from it and add fields
// (ThreadCreateEvent, GuildMemberAddEvent, GuildMemberUpdateEvent).
void write_channel_fields(JsonWriter& w, const Channel& v);
void write_member_fields(JsonWriter& w, const Member& v);

// ---- event structs (gwtape/gateway/events.h) -------------------------------------------

// Every typed event has its own overload (declared from the registry), so that a derived
// event never binds to its base's writer by accident and loses the fields it adds.
#define GWTAPE_X(e, n, T) void write_json(JsonWriter& w, const T& v);
GWTAPE_TYPED_EVENTS(GWTAPE_X)
#undef GWTAPE_X
void write_json(JsonWriter& w, const HelloEvent& v);
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

}  // namespace gwtape::gateway::detail
