// gwtape/gateway/envelope.h — the gateway payload envelope {"op", "d", "s", "t"}.
//
// `EnvelopeParser::parse` reads one frame's text with simdjson On-Demand, in any field order,
// and returns its opcode, sequence, event name and the raw JSON text of `d` (not copied: a
// view into the frame). Unknown opcodes are carried, not rejected. `routing_ids` finds the
// guild and channel a dispatch is about, for the log's indexed columns.
//
// Thread-safety: an EnvelopeParser is not thread-safe (it owns simdjson buffers); use one per
// thread. Lifetimes: every string_view in an Envelope points into the text given to `parse`
// (or, when that text had no room for simdjson's padding, into the parser's own copy of it),
// so it is valid until the next `parse` on the same parser and while the text is unchanged.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "gwtape/common/padded.h"
#include "gwtape/gateway/errors.h"
#include "gwtape/gateway/events.h"
#include "gwtape/gateway/opcode.h"
#include "gwtape/gateway/snowflake.h"

namespace gwtape::gateway {

struct Envelope {
  OpCode op = OpCode::kDispatch;
  std::optional<std::int64_t> s;  // null or absent: nullopt
  std::string_view t;             // null or absent: empty
  std::string_view d;             // raw JSON of d ("null" when null); absent: empty, at text's end
  // The text the views point into, with its room: the caller's text, or the parser's padded
  // copy of it when it had no room for padding.
  PaddedView text;

  // `d` with the room after it, for a second, typed parse of d without a copy
  // (EventDecoder::decode).
  PaddedView padded_d() const { return text.sub(d); }
};

struct RoutingIds {
  std::optional<Snowflake> guild_id;
  std::optional<Snowflake> channel_id;
};

class EnvelopeParser {
 public:
  EnvelopeParser();
  ~EnvelopeParser();
  EnvelopeParser(const EnvelopeParser&) = delete;
  EnvelopeParser& operator=(const EnvelopeParser&) = delete;
  EnvelopeParser(EnvelopeParser&&) noexcept;
  EnvelopeParser& operator=(EnvelopeParser&&) noexcept;

  // Parses a frame. Errors: kParse (not JSON, truncated, invalid UTF-8, not an object),
  // kType ("op":"x", "s":"1", "t":5), kMissingField (no "op"), kOutOfRange (op outside 0-255,
  // s negative or beyond int64). The message names the field and quotes the start of the text.
  // Text without kJsonPadding of room after it (padded.h) is copied once into the parser.
  Result<Envelope> parse(PaddedView text);
  // The same, and when the frame is a dispatch of a typed event whose "op" and "t" come
  // before "d" (Discord's usual order), decodes d into `event` in the same pass (Protocol
  // decodes straight into the action that delivers it); `decoded` says whether it did. The
  // payload is replaced when decoded, and left in an unspecified state otherwise: the caller
  // then decodes Envelope::padded_d() with EventDecoder.
  Result<Envelope> parse(PaddedView text, Event& event, bool& decoded);
  // The same as parse(), plus the ids the log indexes a dispatch by: d.guild_id and
  // d.channel_id; for CHANNEL_*/THREAD_* events d.id is the channel, for GUILD_CREATE/UPDATE/
  // DELETE d.id is the guild. In one pass when "op" and "t" come before "d" (the log writer's
  // form). Absent ids are nullopt; a malformed d gives no ids (never an error by itself).
  Result<Envelope> parse_routed(PaddedView text, RoutingIds& ids);

 private:
  struct Impl;
  // One pass over the frame; with `ids`, routing ids are read while d is walked (and *routed
  // says whether that happened).
  Result<Envelope> parse_impl(PaddedView text, Event* event, bool* decoded, RoutingIds* ids,
                              bool* routed = nullptr);
  // The routing ids of a parsed envelope, by a second walk of its d.
  RoutingIds routing_ids(const Envelope& env);
  std::unique_ptr<Impl> impl_;
};

}  // namespace gwtape::gateway
