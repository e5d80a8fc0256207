// bench/nlohmann_decode.h — the replay benchmark's peer: gateway frames parsed with
// nlohmann::json into gwtape's typed events. Benchmark code, not part of the library.
//
// This is what a D++ user has: the whole frame parsed into an nlohmann::json tree, then each
// struct filled by a hand-written function per type (`j.find("key")`, `is_null()`,
// `get<std::string>()`, ...). It fills the same `gwtape::gateway::Event`s that EventDecoder
// does, reading the same keys with the same rules (null or missing keeps the default; a
// snowflake is a string or a number; timestamps through Timestamp::parse; nonces kept as text;
// `embeds` counted; raw fields as text), so that its events reduce into a `state::Cache` with
// the digest our simdjson path gives. It never calls our simdjson decoders; it shares only the
// event registry (`event_type`, `is_typed`) and the scalar parsers of gwtape/gateway/snowflake.h.
//
// Where it differs from EventDecoder, by design: raw JSON text (a RawEvent's `d`,
// RateLimitedEvent::meta, InteractionCreateEvent::data) is nlohmann's `dump()` of the parsed
// value, so keys come out sorted and numbers reformatted instead of the bytes as sent (the cache
// keeps none of them); an integer nonce is dump()'s text of the number; and no nesting limit is
// imposed (simdjson stops at a depth of 1024).
//
// Thread-safety: reentrant; no state is kept between calls (each call parses into its own tree).
// Lifetimes: the Event owns all of its data; nothing points into the frame after the call.
#pragma once

#include <string_view>

#include "gwtape/gateway/events.h"

namespace gwtape::bench {

// Parses one received gateway frame with nlohmann::json. For a dispatch (op 0) whose t is a
// typed event, fills `out` with the typed event exactly as gwtape::gateway::EventDecoder
// would; other event names become RawEvent (raw d text via dump()) with Event::unknown_name set
// the way EventDecoder does it. Returns false for a frame that is not a dispatch (or fails to
// parse: not JSON, not an object, or an envelope "op", "s" or "t" of the wrong type or range,
// the frames Protocol::handle_op rejects). A typed event whose d holds a field of the wrong type
// is delivered as Protocol delivers it: EventType::kUnknown, unknown_name = t, d kept raw.
bool decode_frame_nlohmann(std::string_view frame, gwtape::gateway::Event& out);

}  // namespace gwtape::bench
