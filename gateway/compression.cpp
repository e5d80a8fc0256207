#include "gwtape/gateway/compression.h"

#include <zlib.h>
#include <zstd.h>

#include <cstring>

namespace gwtape::gateway {
namespace {

constexpr std::size_t kChunk = 64 * 1024;

Error too_large(std::size_t cap) {
  return make_error(Errc::kTooLarge,
                    "decompressed message exceeds the cap of " + std::to_string(cap) + " bytes");
}

class ZlibStream final : public StreamDecompressor {
 public:
  explicit ZlibStream(std::size_t cap) : cap_(cap) {
    std::memset(&z_, 0, sizeof z_);
    ok_ = inflateInit(&z_) == Z_OK;
  }
  ~ZlibStream() override {
    if (ok_) inflateEnd(&z_);
  }

  Result<bool> feed(std::string_view in, std::string& out) override {
    if (!ok_) return make_error(Errc::kParse, "zlib-stream: inflateInit failed");
    const std::size_t start = out.size();
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z_.avail_in = static_cast<uInt>(in.size());
    do {
      out.resize(out.size() + kChunk);
      z_.next_out = reinterpret_cast<Bytef*>(out.data() + out.size() - kChunk);
      z_.avail_out = kChunk;
      const int rc = inflate(&z_, Z_SYNC_FLUSH);
      out.resize(out.size() - z_.avail_out);
      if (rc != Z_OK && rc != Z_BUF_ERROR && rc != Z_STREAM_END) {
        return make_error(Errc::kParse, std::string("zlib-stream: ") +
                                            (z_.msg != nullptr ? z_.msg : "inflate failed"));
      }
      if (out.size() - start + pending_ > cap_) return too_large(cap_);
      if (rc == Z_BUF_ERROR) break;  // no progress possible: needs more input
      if (rc == Z_STREAM_END) {
        // Discord never ends the stream. After its end inflate() consumes nothing more and
        // returns Z_STREAM_END again: going on while input remains would spin forever.
        if (z_.avail_in > 0) {
          return make_error(Errc::kParse, "zlib-stream: data after the end of the stream");
        }
        break;
      }
      // Go on while input remains, or while the output filled up (more may be pending).
    } while (z_.avail_in > 0 || z_.avail_out == 0);
    // The message ends where the compressed bytes end with the sync-flush marker, which may
    // straddle two WebSocket messages: keep the last four bytes seen.
    for (char c : in) {
      tail_ = (tail_ << 8) | static_cast<unsigned char>(c);
    }
    seen_ += in.size();
    const bool complete = seen_ >= 4 && (tail_ & 0xffffffffu) == 0x0000ffffu;
    pending_ = complete ? 0 : pending_ + (out.size() - start);
    return complete;
  }

 private:
  z_stream z_;
  bool ok_ = false;
  std::size_t cap_;
  std::uint64_t tail_ = 0;
  std::size_t seen_ = 0;
  std::size_t pending_ = 0;  // bytes of the current message produced by earlier feeds
};

class ZstdStream final : public StreamDecompressor {
 public:
  explicit ZstdStream(std::size_t cap) : cap_(cap), ctx_(ZSTD_createDStream()) {
    if (ctx_ != nullptr) ZSTD_initDStream(ctx_);
  }
  ~ZstdStream() override { ZSTD_freeDStream(ctx_); }

  Result<bool> feed(std::string_view in, std::string& out) override {
    if (ctx_ == nullptr) return make_error(Errc::kParse, "zstd-stream: no context");
    const std::size_t start = out.size();
    ZSTD_inBuffer input{in.data(), in.size(), 0};
    for (;;) {
      out.resize(out.size() + kChunk);
      ZSTD_outBuffer output{out.data() + out.size() - kChunk, kChunk, 0};
      const std::size_t rc = ZSTD_decompressStream(ctx_, &output, &input);
      out.resize(out.size() - kChunk + output.pos);
      if (ZSTD_isError(rc)) {
        return make_error(Errc::kParse, std::string("zstd-stream: ") + ZSTD_getErrorName(rc));
      }
      if (out.size() - start > cap_) return too_large(cap_);
      // Done when the input is consumed and the output buffer was not filled (nothing held).
      if (input.pos == input.size && output.pos < output.size) break;
    }
    return true;  // one WebSocket message is one gateway message
  }

 private:
  std::size_t cap_;
  ZSTD_DStream* ctx_;
};

}  // namespace

std::string_view compression_name(Compression c) {
  switch (c) {
    case Compression::kNone:
      return "none";
    case Compression::kZlibStream:
      return "zlib-stream";
    case Compression::kZstdStream:
      return "zstd-stream";
  }
  return "none";
}

Result<Compression> parse_compression(std::string_view name) {
  if (name == "none" || name.empty()) return Compression::kNone;
  if (name == "zlib-stream") return Compression::kZlibStream;
  if (name == "zstd-stream") return Compression::kZstdStream;
  return make_error(Errc::kInvalidArgument, "unknown compression \"" + std::string(name) +
                                                "\" (none, zlib-stream or zstd-stream)");
}

std::unique_ptr<StreamDecompressor> make_decompressor(Compression c,
                                                      std::size_t max_message_bytes) {
  switch (c) {
    case Compression::kNone:
      return nullptr;
    case Compression::kZlibStream:
      return std::make_unique<ZlibStream>(max_message_bytes);
    case Compression::kZstdStream:
      return std::make_unique<ZstdStream>(max_message_bytes);
  }
  return nullptr;
}

}  // namespace gwtape::gateway
