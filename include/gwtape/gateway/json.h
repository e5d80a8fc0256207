// gwtape/gateway/json.h — the canonical JSON encoding of the model and of decoded events.
//
// `to_json` writes what a struct models, no more: for a typed event an object with exactly the
// fields its struct holds, named as on the wire, in struct declaration order (a derived
// event's base fields first), so equal structs always encode to the same bytes: what a state
// digest hashes, a state dump prints and a test compares with a fixture. It is not the frame
// rebuilt (fields the model skips are gone), but the decoder reads it back to the same struct.
//
// Conventions:
// - Snowflake: a decimal string; an invalid id (0) is written as null, never as "0".
// - Timestamp: `Timestamp::iso8601()` (UTC, 6 fraction digits), null when !valid().
// - std::optional: the value or null. std::vector: an array. Absent and default fields are
//   always written (the key set of a type never varies).
// - Integers as JSON integers; a double in its shortest round-trip form (null if not finite).
// - Strings are escaped by the module's one JSON writer; a string that is not valid UTF-8
//   (the decoder never produces one) has each offending byte written as U+FFFD, so the output
//   is always valid JSON.
// - Raw JSON fields (`RateLimitedEvent::meta`, `InteractionCreateEvent::data`) are embedded as
//   JSON values, minified; empty (absent on the wire) is null.
// - Message::nonce is always a JSON string (an integer nonce's digits, as the model keeps it).
// - Fields the model derives from another wire shape are written in that shape whenever it
//   can carry the value exactly, so the decoder reads the encoding back to the same struct:
//   Presence::user_id          -> "user": {"id": ...}
//   Presence::client_*         -> "client_status": {"desktop", "mobile", "web"} (each value or
//                                 null), written where client_desktop is declared
//   Message::referenced_message_id -> "message_reference": {"message_id": ...}
//   ReadyEvent::application_id -> "application": {"id": ...}
//   These objects are partial: they hold only what the model keeps (the wire's
//   message_reference also has channel_id, guild_id, type; its application has flags).
//   The one value no wire shape can carry is a count:
//   Message::embeds            -> "embeds_count": how many embeds. NOT a wire field (on the
//                                 wire "embeds" is an array, which the model does not keep);
//                                 the decoder accepts it so that the encoding reads back.
//   An absent id inside these objects is null ({"id": null}), so the key set never varies.
// - A RawEvent (documented but unmodelled, or unknown) is its `d` text verbatim ("null" when
//   empty); HelloEvent is {"heartbeat_interval": n}; ResumedEvent is {}.
//
// REQUIRES: raw JSON fields (RawEvent::d, RateLimitedEvent::meta, InteractionCreateEvent::data)
// hold valid JSON text or are empty, as the decoder leaves them.
//
// Thread-safety: pure functions of their argument; safe to call from any number of threads.
// Lifetimes: the returned string is owned by the caller; nothing is kept.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gwtape/common/padded.h"
#include "gwtape/gateway/errors.h"
#include "gwtape/gateway/events.h"
#include "gwtape/gateway/json_writer.h"
#include "gwtape/gateway/model.h"
#include "gwtape/gateway/secret.h"

namespace gwtape::gateway {

// Appends `text` as the inside of a JSON string (without the quotes): `"` and `\` escaped, the
// control bytes below 0x20 as \b \f \n \r \t or \u00XX, every other byte as it is (UTF-8
// passes through). gwtape's one escaping rule: outgoing payloads, canonical JSON, the
// recorder's search for the token as a payload spells it, and the tools' output all use it.
void append_json_escaped(std::string& out, std::string_view text);
void append_json_escaped(Secret& out, std::string_view text);  // the same, into a Secret

// The event's payload (its `d`) as canonical JSON; the event's name is not included.
std::string to_json(const Event& event);
std::string to_json(const HelloEvent& hello);

// Every model object with a canonical encoding of its own (the typed events come from the
// registry, events.h). A struct a model object or event holds must be here: the writer of its
// holder does not compile otherwise.
#define GWTAPE_MODEL_STRUCTS(X)   \
  X(User)                         \
  X(Role)                         \
  X(Member)                       \
  X(Emoji)                        \
  X(Sticker)                      \
  X(PermissionOverwrite)          \
  X(ThreadMetadata)               \
  X(Channel)                      \
  X(Activity)                     \
  X(Presence)                     \
  X(VoiceState)                   \
  X(Attachment)                   \
  X(Reaction)                     \
  X(Message)                      \
  X(UnavailableGuild)             \
  X(Guild)                        \
  X(ThreadMember)                 \
  X(GuildScheduledEvent)          \
  X(StageInstance)                \
  X(SoundboardSound)              \
  X(AutoModerationAction)         \
  X(AutoModerationRule)           \
  X(Integration)                  \
  X(Entitlement)                  \
  X(Subscription)                 \
  X(ApplicationCommandPermission) \
  X(ChannelInfo)

// One model object as canonical JSON (the same text it has inside an event's encoding).
#define GWTAPE_X(T) std::string to_json(const T& value);
GWTAPE_MODEL_STRUCTS(GWTAPE_X)
#undef GWTAPE_X

// ---- reading ----------------------------------------------------------------------------
//
// One model object from JSON text as Discord sends it, for a REST reply (POST
// /channels/{id}/messages answers a Message; GET /users/@me a User) or the canonical encoding
// above. The same field tables as the event decoder: unknown fields are skipped, null and
// absent ones keep their defaults. The text is parsed in place when it has kJsonPadding bytes of
// room after it (a std::string's spare capacity), from a copy otherwise. Errors: kParse (not
// JSON, invalid UTF-8, anything after the document), kType (valid JSON, but the root is not an
// object or a field has the wrong type; the message names the field, "author.id").
#define GWTAPE_X(T) [[nodiscard]] Status from_json(PaddedView text, T& out);
GWTAPE_MODEL_STRUCTS(GWTAPE_X)
#undef GWTAPE_X

// Each typed event struct on its own, so that a derived event (ThreadCreateEvent, which adds
// newly_created to Channel) never binds to its base's overload and loses fields.
#define GWTAPE_X(e, n, T) std::string to_json(const T& event);
GWTAPE_TYPED_EVENTS(GWTAPE_X)
#undef GWTAPE_X

// ---- writing into a JsonWriter ----------------------------------------------------------
//
// The same encoding, appended to a JsonWriter (json_writer.h) in place: for documents made of
// model objects, such as the state cache's dump, without a string per object.

void write_json(JsonWriter& w, Snowflake v);  // decimal string; null when !valid()
void write_json(JsonWriter& w, Timestamp v);  // iso8601(); null when !valid()
void write_json(JsonWriter& w, const std::string& v);
void write_json(JsonWriter& w, bool v);
void write_json(JsonWriter& w, std::int32_t v);
void write_json(JsonWriter& w, std::int64_t v);
void write_json(JsonWriter& w, std::uint32_t v);
void write_json(JsonWriter& w, std::uint64_t v);
void write_json(JsonWriter& w, double v);  // shortest round-trip form; null if not finite

#define GWTAPE_X(T) void write_json(JsonWriter& w, const T& value);
GWTAPE_MODEL_STRUCTS(GWTAPE_X)
#undef GWTAPE_X
#define GWTAPE_X(e, n, T) void write_json(JsonWriter& w, const T& event);
GWTAPE_TYPED_EVENTS(GWTAPE_X)
#undef GWTAPE_X
void write_json(JsonWriter& w, const HelloEvent& hello);
void write_json(JsonWriter& w, const RawEvent& raw);  // d verbatim; "null" when empty
void write_json(JsonWriter& w, const Event& event);   // the payload, whatever its type

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

// `"key": value`.
template <class T>
void write_field(JsonWriter& w, std::string_view key, const T& v) {
  w.key(key);
  write_json(w, v);
}

}  // namespace gwtape::gateway
