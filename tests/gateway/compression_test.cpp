#include "gwtape/gateway/compression.h"

#include <zlib.h>
#include <zstd.h>

#include <catch2/catch_test_macros.hpp>
#include <cstring>
#include <string>
#include <vector>

using namespace gwtape::gateway;

namespace {

// What Discord does for zlib-stream: one deflate context, Z_SYNC_FLUSH after each message.
class Deflater {
 public:
  Deflater() { deflateInit(&z_, 6); }
  ~Deflater() { deflateEnd(&z_); }
  std::string compress(const std::string& text) {
    std::string out(deflateBound(&z_, text.size()) + 64, '\0');
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    z_.avail_in = static_cast<uInt>(text.size());
    z_.next_out = reinterpret_cast<Bytef*>(out.data());
    z_.avail_out = static_cast<uInt>(out.size());
    REQUIRE(deflate(&z_, Z_SYNC_FLUSH) == Z_OK);
    out.resize(out.size() - z_.avail_out);
    return out;
  }

 private:
  z_stream z_{};
};

// zstd-stream: one CCtx for the connection, each message flushed (not ended).
class ZstdCompressor {
 public:
  ZstdCompressor() : c_(ZSTD_createCCtx()) {}
  ~ZstdCompressor() { ZSTD_freeCCtx(c_); }
  std::string compress(const std::string& text) {
    std::string out(ZSTD_compressBound(text.size()) + 64, '\0');
    ZSTD_inBuffer in{text.data(), text.size(), 0};
    ZSTD_outBuffer o{out.data(), out.size(), 0};
    size_t rc;
    do {
      rc = ZSTD_compressStream2(c_, &o, &in, ZSTD_e_flush);
      REQUIRE_FALSE(ZSTD_isError(rc));
    } while (rc != 0);
    out.resize(o.pos);
    return out;
  }

 private:
  ZSTD_CCtx* c_;
};

std::vector<std::string> messages() {
  std::vector<std::string> m;
  for (int i = 0; i < 50; ++i) {
    m.push_back(R"({"t":"MESSAGE_CREATE","s":)" + std::to_string(i) +
                R"(,"op":0,"d":{"content":")" +
                std::string(static_cast<std::size_t>(i * 97), 'a' + i % 26) + "\"}}");
  }
  m.push_back(std::string(3 << 20, 'x'));  // a multi-MB message
  return m;
}

}  // namespace

TEST_CASE("zlib-stream: one context per connection, messages end with 00 00 FF FF",
          "[gateway][compression]") {
  Deflater deflater;
  auto d = make_decompressor(Compression::kZlibStream, 64u << 20);
  for (const std::string& text : messages()) {
    const std::string wire = deflater.compress(text);
    REQUIRE(wire.size() >= 4);
    CHECK(wire.compare(wire.size() - 4, 4, std::string("\x00\x00\xff\xff", 4)) == 0);
    std::string out;
    // Split the compressed message in two pieces: only the second completes it.
    const std::size_t cut = wire.size() / 2;
    auto first = d->feed(std::string_view(wire).substr(0, cut), out);
    REQUIRE(first.ok());
    CHECK_FALSE(*first);
    auto second = d->feed(std::string_view(wire).substr(cut), out);
    REQUIRE(second.ok());
    CHECK(*second);
    CHECK(out == text);
  }
}

TEST_CASE("zstd-stream: one stream per connection, one message per WebSocket message",
          "[gateway][compression]") {
  ZstdCompressor compressor;
  auto d = make_decompressor(Compression::kZstdStream, 64u << 20);
  for (const std::string& text : messages()) {
    std::string out;
    auto r = d->feed(compressor.compress(text), out);
    REQUIRE(r.ok());
    CHECK(*r);
    CHECK(out == text);
  }
}

TEST_CASE("corrupt or oversized streams are clear errors", "[gateway][compression]") {
  std::string out;
  auto z = make_decompressor(Compression::kZlibStream, 1 << 20);
  auto bad = z->feed("this is not deflate data\x00\x00\xff\xff", out);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == Errc::kParse);
  auto zs = make_decompressor(Compression::kZstdStream, 1 << 20);
  out.clear();
  CHECK(zs->feed("garbage that is not zstd", out).error().code == Errc::kParse);
  // A bomb: 3 MB of 'x' compresses to a few KB; the cap is 1 MB.
  Deflater deflater;
  auto capped = make_decompressor(Compression::kZlibStream, 1 << 20);
  out.clear();
  CHECK(capped->feed(deflater.compress(std::string(3 << 20, 'x')), out).error().code ==
        Errc::kTooLarge);
  CHECK(make_decompressor(Compression::kNone, 1) == nullptr);
  CHECK(*parse_compression("zstd-stream") == Compression::kZstdStream);
  CHECK_FALSE(parse_compression("gzip").ok());
}
