// gateway/decode_fields.h — private: the per-struct field readers used by Reader::read_object.
//
// Each `fields` overload reads one key of its struct and returns false on a type error;
// keys it does not know are ignored (On-Demand skips them).
#pragma once

#include "gwtape/gateway/events.h"
#include "gwtape/gateway/model.h"
#include "json_read.h"

namespace gwtape::gateway::detail {

// Reads `"key": value` into out.member when the key matches, for the fields() bodies.
#define GWTAPE_FIELD(name, member) \
  if (k == name) return r.read(v, out.member)

bool fields(Reader& r, const Key& k, value& v, User& out);
bool fields(Reader& r, const Key& k, value& v, Role& out);
bool fields(Reader& r, const Key& k, value& v, Member& out);
bool fields(Reader& r, const Key& k, value& v, Emoji& out);
bool fields(Reader& r, const Key& k, value& v, Sticker& out);
bool fields(Reader& r, const Key& k, value& v, PermissionOverwrite& out);
bool fields(Reader& r, const Key& k, value& v, ThreadMetadata& out);
bool fields(Reader& r, const Key& k, value& v, Channel& out);
bool fields(Reader& r, const Key& k, value& v, Activity& out);
bool fields(Reader& r, const Key& k, value& v, Presence& out);
bool fields(Reader& r, const Key& k, value& v, VoiceState& out);
bool fields(Reader& r, const Key& k, value& v, Attachment& out);
bool fields(Reader& r, const Key& k, value& v, Reaction& out);
bool fields(Reader& r, const Key& k, value& v, Message& out);
bool fields(Reader& r, const Key& k, value& v, UnavailableGuild& out);
bool fields(Reader& r, const Key& k, value& v, Guild& out);
bool fields(Reader& r, const Key& k, value& v, ThreadMember& out);

// Decodes a typed event's d (the registry's dispatch); false on error, see reader.problem().
bool decode_payload(EventType type, Reader& reader, value& v, EventPayload& payload);

}  // namespace gwtape::gateway::detail
