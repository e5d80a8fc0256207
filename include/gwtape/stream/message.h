// gwtape/stream/message.h — how a recording travels as JetStream messages (docs/SCHEMA.md,
// "In a NATS JetStream stream").
//
// A recording is a sequence of messages, each with a subject `<STREAM>.<bot>.<shard>.<kind>`,
// gwtape's headers, a payload and a message id `<recording>/<conn>/<seq>` that JetStream
// deduplicates a republish by:
//   kind `rec`   the recording's start (seq 0: its RecordingInfo) and its end (ended_at, digest)
//   kind `recv`  a frame received, payload = the frame text byte for byte (token masked,
//                redacted, as in the log)
//   kind `send`  a frame sent, the same way
//   kind `conn`  how a connection ended (payload = the close reason)
// `encode_*` build messages; `decode` reads one back (what `gwtape import` does): it is the one
// parser of bytes read from NATS, and rejects what gwtape did not write with kBadMessage.
//
// Thread-safety: pure functions over values. Lifetimes: none; everything is owned.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gwtape/store/frame.h"
#include "gwtape/stream/errors.h"

namespace gwtape::stream {

using Headers = std::vector<std::pair<std::string, std::string>>;

enum class Kind { kBegin, kFrame, kConnectionEnd, kEnd };

// One message as published: subject, headers, payload and JetStream message id; and, for the
// publisher, which recording it belongs to, its sequence number there and its kind (what
// encode_* set; not sent apart from the headers).
struct Message {
  std::string subject;
  Headers headers;
  std::string data;
  std::string msg_id;
  std::int64_t recording = 0;
  std::uint64_t seq = 0;
  Kind kind = Kind::kFrame;
};

// Where a recording's messages go, and which recording they belong to.
struct RecordingKey {
  std::string stream = "GWTAPE";  // the stream, also the first token of every subject
  std::string bot = "unknown";    // the bot's user id (bot_of_token), a subject token
  std::string shard = "0";        // the shard id, a subject token
  std::int64_t recording = 0;     // unique across the fleet (new_recording_id)
};

// True when `name` can be a stream name and a subject's first token: 1-64 characters of
// A-Z a-z 0-9 _ -.
bool valid_stream_name(std::string_view name);

// The bot's user id, read from the token's first part (the base64 of the id, as Discord
// issues them); "unknown" when it is not that shape. Never returns any other part of the token.
std::string bot_of_token(std::string_view token);

// A recording id for the stream: random, positive, below 2^53 (exact in a JSON number).
std::int64_t new_recording_id();

// The subject filter that takes every message of `stream`.
std::string all_subjects(std::string_view stream);

Message encode_begin(const RecordingKey& key, const store::RecordingInfo& info);
Message encode_frame(const RecordingKey& key, std::uint64_t seq, const store::Frame& frame);
Message encode_connection_end(const RecordingKey& key, std::uint64_t seq,
                              const store::ConnectionEnd& end);
Message encode_end(const RecordingKey& key, std::uint64_t seq, std::int64_t ended_at_ns,
                   const std::optional<std::string>& state_digest);

// One message read back. Which members are set depends on `kind`: kBegin `info`; kFrame
// `frame` (recording_id = the stream's recording id); kConnectionEnd `end`; kEnd `ended_at_ns`
// and `state_digest`.
struct Decoded {
  Kind kind = Kind::kFrame;
  std::int64_t recording = 0;
  std::uint64_t seq = 0;
  store::RecordingInfo info;
  store::Frame frame;
  store::ConnectionEnd end;
  std::int64_t ended_at_ns = 0;
  std::optional<std::string> state_digest;
};

// Reads a message gwtape wrote. kBadMessage names the header that is missing or malformed.
[[nodiscard]] Result<Decoded> decode(std::string_view subject, const Headers& headers,
                                     std::string_view data);

}  // namespace gwtape::stream
