// gwtape/gateway/compression.h — transport compression: zlib-stream and zstd-stream.
//
// With `compress=zlib-stream` the gateway deflates every message through one zlib context
// for the whole connection; a message is complete when the bytes received end with
// 00 00 FF FF. With `compress=zstd-stream` one zstd stream lasts the connection and each
// WebSocket message is one gateway message. A StreamDecompressor is that per-connection
// context: create one per connection, feed it every binary message in order. What it
// produces is the frame text the Gateway, the recorder and the replayer see.
//
// Thread-safety: one owner. Lifetimes: one decompressor per connection, never reused.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "gwtape/gateway/errors.h"

namespace gwtape::gateway {

enum class Compression { kNone, kZlibStream, kZstdStream };

// "none", "zlib-stream", "zstd-stream".
std::string_view compression_name(Compression c);
// The inverse; kInvalidArgument for anything else.
Result<Compression> parse_compression(std::string_view name);

class StreamDecompressor {
 public:
  virtual ~StreamDecompressor() = default;
  // Appends what `in` decompresses to onto `out`. Returns true when `out` now ends a whole
  // gateway message. Errors: kParse for corrupt data, kTooLarge when the message would
  // exceed max_message_bytes (a decompression bomb is refused, not buffered).
  virtual Result<bool> feed(std::string_view in, std::string& out) = 0;
};

// nullptr for Compression::kNone.
std::unique_ptr<StreamDecompressor> make_decompressor(Compression c, std::size_t max_message_bytes);

}  // namespace gwtape::gateway
