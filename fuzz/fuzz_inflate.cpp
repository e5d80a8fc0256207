// fuzz_inflate: the transport decompressors of gateway/compression.cpp, fed like a connection.
//
// Input layout: byte 0 picks the stream (bit 0: zlib-stream or zstd-stream) and the size cap
// (bits 1-2: 64 bytes, 4 KiB, 64 KiB or 1 MiB). The rest is the compressed bytes of one
// connection cut into WebSocket messages: each message is a 2-byte little-endian length
// followed by that many bytes (cut short at the end of the input; a last single byte is a
// message of its own). Each message goes to feed() in order, as Gateway does with what
// CurlTransport receives; a completed gateway message starts the next one on an empty string.
//
// Properties: feed() never crashes, hangs or overflows; a gateway message it accepts (all the
// feeds since the last completed one) is never longer than the cap; and after an error the
// connection is over (the transport drops it), so nothing more is fed.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "gwtape/gateway/compression.h"

namespace {

using namespace gwtape::gateway;

constexpr std::size_t kCaps[] = {64, 4 << 10, 64 << 10, 1 << 20};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const Compression kind = (data[0] & 1) ? Compression::kZstdStream : Compression::kZlibStream;
  const std::size_t cap = kCaps[(data[0] >> 1) & 3];
  auto decompressor = make_decompressor(kind, cap);
  FUZZ_CHECK(decompressor != nullptr);
  std::string message;
  std::size_t at = 1;
  while (at < size) {
    std::size_t len = size - at;
    if (len >= 2) {
      len = std::min<std::size_t>(size - at - 2,
                                  data[at] | (static_cast<std::size_t>(data[at + 1]) << 8));
      at += 2;
    }
    // Each WebSocket message in its own block of its size, as the transport hands it over.
    auto chunk = std::make_unique<char[]>(len);
    for (std::size_t i = 0; i < len; ++i) chunk[i] = static_cast<char>(data[at + i]);
    at += len;
    auto complete = decompressor->feed(std::string_view(chunk.get(), len), message);
    if (!complete.ok()) break;  // the transport closes the connection
    FUZZ_CHECK(message.size() <= cap);
    if (*complete) message.clear();
  }
  return 0;
}
