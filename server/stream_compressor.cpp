#include "stream_compressor.h"

#include <zlib.h>
#include <zstd.h>

#include <cstring>

namespace gwtape::server::detail {
namespace {

constexpr std::size_t kChunk = 64 * 1024;

class ZlibStreamCompressor final : public StreamCompressor {
 public:
  ZlibStreamCompressor() { std::memset(&z_, 0, sizeof z_); }
  ~ZlibStreamCompressor() override {
    if (ready_) deflateEnd(&z_);
  }
  ZlibStreamCompressor(const ZlibStreamCompressor&) = delete;
  ZlibStreamCompressor& operator=(const ZlibStreamCompressor&) = delete;

  Status init() {
    int rc = deflateInit(&z_, Z_DEFAULT_COMPRESSION);
    if (rc != Z_OK) return make_error(Errc::kIo, "zlib-stream: deflateInit failed: " + code(rc));
    ready_ = true;
    return {};
  }

  Result<std::string> compress(std::string_view message) override {
    std::string out;
    out.reserve(deflateBound(&z_, message.size()) + 16);
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(message.data()));
    z_.avail_in = static_cast<uInt>(message.size());
    unsigned char chunk[kChunk];
    do {  // zlib's idiom: while deflate fills the whole chunk, there is more to come
      z_.next_out = chunk;
      z_.avail_out = kChunk;
      int rc = deflate(&z_, Z_SYNC_FLUSH);
      if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return make_error(Errc::kIo, "zlib-stream: deflate failed: " + code(rc));
      }
      out.append(reinterpret_cast<const char*>(chunk), kChunk - z_.avail_out);
    } while (z_.avail_out == 0);
    return out;
  }

 private:
  static std::string code(int rc) { return std::to_string(rc); }
  z_stream z_;
  bool ready_ = false;
};

class ZstdStreamCompressor final : public StreamCompressor {
 public:
  ~ZstdStreamCompressor() override { ZSTD_freeCCtx(cctx_); }
  ZstdStreamCompressor() = default;
  ZstdStreamCompressor(const ZstdStreamCompressor&) = delete;
  ZstdStreamCompressor& operator=(const ZstdStreamCompressor&) = delete;

  Status init() {
    cctx_ = ZSTD_createCCtx();
    if (cctx_ == nullptr) return make_error(Errc::kIo, "zstd-stream: ZSTD_createCCtx failed");
    return {};
  }

  Result<std::string> compress(std::string_view message) override {
    std::string out;
    out.reserve(ZSTD_compressBound(message.size()) + 64);
    ZSTD_inBuffer in{message.data(), message.size(), 0};
    char chunk[kChunk];
    for (;;) {
      ZSTD_outBuffer ob{chunk, kChunk, 0};
      std::size_t left = ZSTD_compressStream2(cctx_, &ob, &in, ZSTD_e_flush);
      if (ZSTD_isError(left)) {
        return make_error(Errc::kIo,
                          std::string("zstd-stream: compress failed: ") + ZSTD_getErrorName(left));
      }
      out.append(chunk, ob.pos);
      if (left == 0) break;  // input consumed and flushed whole
    }
    return out;
  }

 private:
  ZSTD_CCtx* cctx_ = nullptr;
};

}  // namespace

Result<std::unique_ptr<StreamCompressor>> make_compressor(gateway::Compression c) {
  switch (c) {
    case gateway::Compression::kNone:
      return std::unique_ptr<StreamCompressor>();
    case gateway::Compression::kZlibStream: {
      auto z = std::make_unique<ZlibStreamCompressor>();
      if (auto st = z->init(); !st) return st.error();
      return std::unique_ptr<StreamCompressor>(std::move(z));
    }
    case gateway::Compression::kZstdStream: {
      auto z = std::make_unique<ZstdStreamCompressor>();
      if (auto st = z->init(); !st) return st.error();
      return std::unique_ptr<StreamCompressor>(std::move(z));
    }
  }
  return make_error(Errc::kInvalidArgument, "unknown compression");
}

}  // namespace gwtape::server::detail
