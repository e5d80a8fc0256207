// gwtape/store/frame.h — what the log holds: recordings and the frames in them.
//
// A `Frame` is one WebSocket message as the writer receives it: the text exactly as it arrived
// (after transport decompression; any bytes, including empty text and invalid UTF-8), the
// connection it came on, a timestamp and its direction. A `StoredFrame` is a frame read back,
// with the id the log gave it and the envelope fields extracted when it was written (absent
// when the text is not a gateway payload). `RecordingInfo` describes one `gwtape record` run.
//
// Thread-safety: plain values. Lifetimes: none; every member is owned.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gwtape/common/padded.h"
#include "gwtape/common/wire.h"

namespace gwtape::store {

// What stands in a log where the bot token was (identify and resume frames): the token never
// reaches the log (DESIGN.md).
inline constexpr const char* kTokenMarker = "[token redacted]";

// Which way a frame went, and who ended a connection: one enum each for every module
// (gwtape/common/wire.h, with direction_name, closed_by_name and closed_by_from_name).
using gwtape::ClosedBy;
using gwtape::Direction;

struct Frame {
  std::int64_t recording_id = 0;  // from LogWriter::begin_recording
  std::uint32_t conn = 0;         // connection number within the recording
  std::int64_t ts_ns = 0;         // nanoseconds since the Unix epoch
  Direction direction = Direction::kRecv;
  std::string text;  // the frame, byte for byte
};

// The order a recording's frames keep (the writer enforces it; verify and replay read a row
// that breaks it as damage): connections one after another, times never going back. What is
// wrong when a frame on connection `conn` at `ts_ns` follows one on `last_conn` at
// `last_ts_ns`; nullopt when it is in order.
inline std::optional<std::string> order_break(std::uint32_t last_conn, std::int64_t last_ts_ns,
                                              std::uint32_t conn, std::int64_t ts_ns) {
  if (conn < last_conn) {
    return "connection " + std::to_string(conn) + " after connection " + std::to_string(last_conn) +
           " (a recording's connections follow one another)";
  }
  if (ts_ns < last_ts_ns) {
    // In unsigned arithmetic: the difference of two int64s fits 64 unsigned bits.
    return "recorded " +
           std::to_string(static_cast<std::uint64_t>(last_ts_ns) -
                          static_cast<std::uint64_t>(ts_ns)) +
           " ns before the frame ahead of it (a recording's times never go back)";
  }
  return std::nullopt;
}

// A frame read by LogReader has at least this many bytes of spare capacity after its text
// (`text.capacity() >= text.size() + kTextPadding`), so that simdjson can parse it in place
// (PaddedView(frame.text) carries that room).
inline constexpr std::size_t kTextPadding = kJsonPadding;

struct StoredFrame {
  std::int64_t id = 0;  // 1, 2, 3, ... in arrival order at the writer, dense
  std::int64_t recording_id = 0;
  std::uint32_t conn = 0;
  std::int64_t ts_ns = 0;
  Direction direction = Direction::kRecv;
  std::optional<int> op;          // absent when the text did not parse as a payload
  std::optional<std::int64_t> s;  // dispatch sequence
  std::optional<std::string> t;   // dispatch event name
  std::optional<std::uint64_t> guild_id;
  std::optional<std::uint64_t> channel_id;
  std::string text;  // with kTextPadding bytes of spare capacity
};

// How one connection of a recording ended: what the replayer needs to take the decision the
// live client took (resume, identify anew, give up), and what a user asks of a log ("why did
// we reconnect at 03:12?").
struct ConnectionEnd {
  std::int64_t recording_id = 0;
  std::uint32_t conn = 0;
  std::int64_t ts_ns = 0;  // when the client saw the connection end
  ClosedBy closed_by = ClosedBy::kLost;
  std::optional<int> code;  // the WebSocket close code (none when lost)
  std::string reason;       // the close frame's reason, or what broke
};

// What the recorder knows about a run when it starts. Times are ns since the Unix epoch.
struct RecordingInfo {
  std::int64_t started_at_ns = 0;
  std::string gateway_url;
  int api_version = 10;
  std::string encoding = "json";
  std::string compress = "none";  // none | zlib-stream | zstd-stream
  std::int64_t intents = 0;
  std::optional<int> shard_id;
  std::optional<int> shard_count;
  std::string tool_version;
  std::string redactions;  // the redaction rules in force, one per line; empty when none
};

// A row of the `recordings` table.
struct Recording {
  std::int64_t id = 0;
  RecordingInfo info;
  std::optional<std::int64_t> ended_at_ns;
  std::optional<std::string> state_digest;
};

}  // namespace gwtape::store
