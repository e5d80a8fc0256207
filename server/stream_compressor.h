// server/stream_compressor.h — private: the server side of transport compression.
//
// One StreamCompressor per connection, fed every server message in send order: zlib-stream
// deflates through one z_stream with Z_SYNC_FLUSH (each output ends with 00 00 FF FF);
// zstd-stream compresses through one ZSTD_CCtx with ZSTD_e_flush (the frame never ends, each
// output is decodable on its own by the client's one decompression stream).
//
// Thread-safety: one owner. Lifetimes: one per connection, never reused.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "gwtape/gateway/compression.h"
#include "gwtape/server/errors.h"

namespace gwtape::server::detail {

class StreamCompressor {
 public:
  virtual ~StreamCompressor() = default;
  // The compressed bytes of one message. Errors: kIo when the library fails (out of memory).
  virtual Result<std::string> compress(std::string_view message) = 0;
};

// nullptr for Compression::kNone; kIo when the library cannot initialise.
Result<std::unique_ptr<StreamCompressor>> make_compressor(gateway::Compression c);

}  // namespace gwtape::server::detail
