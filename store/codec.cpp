// store/codec.cpp — zstd blocks with length tables, pending frames, dictionary training.
#include "codec.h"

#define ZDICT_STATIC_LINKING_ONLY
#define ZSTD_STATIC_LINKING_ONLY
#include <zdict.h>
#include <zstd.h>

#include <map>
#include <string>
#include <utility>

namespace gwtape::store {
namespace {

// Decompressed blocks larger than this are refused as corrupt (SQLite cannot hold them anyway).
constexpr unsigned long long kMaxBlockContent = 1ull << 30;

void put_varint(std::string* out, std::uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool get_varint(std::string_view in, std::size_t* pos, std::uint64_t* v) {
  std::uint64_t r = 0;
  for (int shift = 0; shift < 64 && *pos < in.size(); shift += 7) {
    auto b = static_cast<unsigned char>(in[(*pos)++]);
    r |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *v = r;
      return true;
    }
  }
  return false;
}

// A block's content: varint n, n varint lengths, the texts.
void block_content(const std::vector<std::string_view>& frames, std::string* c) {
  c->clear();
  put_varint(c, frames.size());
  std::size_t total = 0;
  for (auto f : frames) {
    put_varint(c, f.size());
    total += f.size();
  }
  c->reserve(c->size() + total);
  for (auto f : frames) c->append(f);
}

Error zstd_error(std::size_t rc) {
  return make_error(Errc::kCorrupt, std::string("zstd: ") + ZSTD_getErrorName(rc));
}

}  // namespace

struct BlockCompressor::Impl {
  int level = 3;
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx* pending_cctx = ZSTD_createCCtx();
  ZSTD_CDict* cdict = nullptr;
  std::string content;
  ~Impl() {
    ZSTD_freeCCtx(cctx);
    ZSTD_freeCCtx(pending_cctx);
    ZSTD_freeCDict(cdict);
  }
};

BlockCompressor::BlockCompressor(int level) : impl_(std::make_unique<Impl>()) {
  impl_->level = level;
  ZSTD_CCtx_setParameter(impl_->cctx, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(impl_->cctx, ZSTD_c_checksumFlag, 1);
  ZSTD_CCtx_setParameter(impl_->pending_cctx, ZSTD_c_compressionLevel, 1);
  ZSTD_CCtx_setParameter(impl_->pending_cctx, ZSTD_c_checksumFlag, 1);
}

BlockCompressor::~BlockCompressor() = default;

Status BlockCompressor::set_dictionary(std::string_view dict) {
  ZSTD_freeCDict(impl_->cdict);
  impl_->cdict = nullptr;
  if (!dict.empty()) {
    impl_->cdict = ZSTD_createCDict(dict.data(), dict.size(), impl_->level);
    if (!impl_->cdict) return make_error(Errc::kInternal, "zstd: cannot load dictionary");
  }
  std::size_t rc = ZSTD_CCtx_refCDict(impl_->cctx, impl_->cdict);
  if (ZSTD_isError(rc))
    return make_error(Errc::kInternal, std::string("zstd: ") + ZSTD_getErrorName(rc));
  // refCDict resets the level to the dictionary's; keep the checksum.
  ZSTD_CCtx_setParameter(impl_->cctx, ZSTD_c_checksumFlag, 1);
  return {};
}

Result<std::string> BlockCompressor::compress_block(const std::vector<std::string_view>& frames) {
  std::string& c = impl_->content;
  block_content(frames, &c);
  std::string out(ZSTD_compressBound(c.size()), '\0');
  std::size_t n = ZSTD_compress2(impl_->cctx, out.data(), out.size(), c.data(), c.size());
  if (ZSTD_isError(n))
    return make_error(Errc::kInternal, std::string("zstd: ") + ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

Result<std::string> BlockCompressor::compress_pending(std::string_view text) {
  std::string out(ZSTD_compressBound(text.size()), '\0');
  std::size_t n =
      ZSTD_compress2(impl_->pending_cctx, out.data(), out.size(), text.data(), text.size());
  if (ZSTD_isError(n))
    return make_error(Errc::kInternal, std::string("zstd: ") + ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

struct ColdCompressor::Impl {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  int level = 19;
  std::string dict;
  std::string content;
  ~Impl() { ZSTD_freeCCtx(cctx); }
};

ColdCompressor::ColdCompressor(int level, std::string_view dict) : impl_(std::make_unique<Impl>()) {
  impl_->level = level;
  impl_->dict = dict;
}

ColdCompressor::~ColdCompressor() = default;

Result<std::string> ColdCompressor::compress_block(const std::vector<std::string_view>& frames) {
  std::string& c = impl_->content;
  block_content(frames, &c);
  ZSTD_CCtx* cctx = impl_->cctx;
  ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters);
  int window_log = 20;
  while (window_log < 27 && (std::size_t{1} << window_log) < c.size() + impl_->dict.size())
    ++window_log;
  // Parameters first, then the dictionary, which is digested with them (loadDictionary, not a
  // CDict, whose own parameters would override the window and long matching).
  for (auto [param, value] :
       {std::pair{ZSTD_c_compressionLevel, impl_->level}, std::pair{ZSTD_c_checksumFlag, 1},
        std::pair{ZSTD_c_enableLongDistanceMatching, 1}, std::pair{ZSTD_c_windowLog, window_log}}) {
    std::size_t rc = ZSTD_CCtx_setParameter(cctx, param, value);
    if (ZSTD_isError(rc))
      return make_error(Errc::kInvalidArgument, std::string("zstd: ") + ZSTD_getErrorName(rc));
  }
  if (!impl_->dict.empty()) {
    std::size_t rc = ZSTD_CCtx_loadDictionary(cctx, impl_->dict.data(), impl_->dict.size());
    if (ZSTD_isError(rc))
      return make_error(Errc::kInternal, std::string("zstd: ") + ZSTD_getErrorName(rc));
  }
  std::string out(ZSTD_compressBound(c.size()), '\0');
  std::size_t n = ZSTD_compress2(cctx, out.data(), out.size(), c.data(), c.size());
  if (ZSTD_isError(n))
    return make_error(Errc::kInternal, std::string("zstd: ") + ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

struct BlockDecoder::Impl {
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  std::map<std::int64_t, ZSTD_DDict*> dicts;
  ~Impl() {
    ZSTD_freeDCtx(dctx);
    for (auto& [id, d] : dicts) ZSTD_freeDDict(d);
  }
  // Decompresses one whole zstd frame into *out.
  Status decompress(std::string_view in, const ZSTD_DDict* ddict, std::string* out) {
    unsigned long long size = ZSTD_getFrameContentSize(in.data(), in.size());
    if (size == ZSTD_CONTENTSIZE_ERROR) return make_error(Errc::kCorrupt, "zstd: not a zstd frame");
    if (size == ZSTD_CONTENTSIZE_UNKNOWN || size > kMaxBlockContent)
      return make_error(Errc::kCorrupt, "zstd: content size missing or too large");
    if (ZSTD_findFrameCompressedSize(in.data(), in.size()) != in.size())
      return make_error(Errc::kCorrupt, "zstd: frame truncated or followed by extra bytes");
    out->resize(size);
    std::size_t n =
        ZSTD_decompress_usingDDict(dctx, out->data(), out->size(), in.data(), in.size(), ddict);
    if (ZSTD_isError(n)) return zstd_error(n);
    if (n != size) return make_error(Errc::kCorrupt, "zstd: content size mismatch");
    return {};
  }
};

BlockDecoder::BlockDecoder() : impl_(std::make_unique<Impl>()) {}
BlockDecoder::~BlockDecoder() = default;

bool BlockDecoder::has_dictionary(std::int64_t id) const { return impl_->dicts.count(id) > 0; }

Status BlockDecoder::add_dictionary(std::int64_t id, std::string_view dict) {
  ZSTD_DDict* d = ZSTD_createDDict(dict.data(), dict.size());
  if (!d)
    return make_error(Errc::kCorrupt, "zstd: dictionary " + std::to_string(id) + " unreadable");
  auto [it, inserted] = impl_->dicts.emplace(id, d);
  if (!inserted) {
    ZSTD_freeDDict(it->second);
    it->second = d;
  }
  return {};
}

Status BlockDecoder::decode_block(std::string_view compressed, std::int64_t dict_id,
                                  DecodedBlock* out) {
  const ZSTD_DDict* ddict = nullptr;
  if (dict_id != 0) {
    auto it = impl_->dicts.find(dict_id);
    if (it == impl_->dicts.end())
      return make_error(Errc::kCorrupt,
                        "block: dictionary " + std::to_string(dict_id) + " missing");
    ddict = it->second;
  }
  out->ends.clear();
  if (auto st = impl_->decompress(compressed, ddict, &out->data); !st) return st;
  std::string_view d = out->data;
  std::size_t pos = 0;
  std::uint64_t n = 0;
  if (!get_varint(d, &pos, &n) || n > d.size())
    return make_error(Errc::kCorrupt, "block: bad frame count");
  std::vector<std::uint64_t> lengths(n);
  std::uint64_t total = 0;
  for (auto& len : lengths) {
    if (!get_varint(d, &pos, &len)) return make_error(Errc::kCorrupt, "block: bad length table");
    total += len;
  }
  if (total != d.size() - pos) return make_error(Errc::kCorrupt, "block: lengths do not add up");
  out->ends.reserve(n + 1);
  out->ends.push_back(pos);
  for (auto len : lengths) out->ends.push_back(out->ends.back() + len);
  return {};
}

Status BlockDecoder::decode_pending(std::string_view compressed, std::string* out) {
  return impl_->decompress(compressed, nullptr, out);
}

bool has_checksum(std::string_view compressed) {
  ZSTD_frameHeader h{};
  if (ZSTD_getFrameHeader(&h, compressed.data(), compressed.size()) != 0) return false;
  return h.checksumFlag != 0;
}

Result<std::string> train_dictionary(const std::vector<std::string>& samples,
                                     std::size_t dict_bytes) {
  std::string all;
  std::vector<std::size_t> sizes;
  sizes.reserve(samples.size());
  for (const auto& s : samples) {
    all.append(s);
    sizes.push_back(s.size());
  }
  std::string dict(dict_bytes, '\0');
  ZDICT_fastCover_params_t params{};
  params.d = 8;
  params.k = 200;
  params.steps = 0;
  params.f = 20;
  params.accel = 1;
  params.splitPoint = 1.0;
  params.zParams.compressionLevel = 3;
  std::size_t n =
      ZDICT_trainFromBuffer_fastCover(dict.data(), dict.size(), all.data(), sizes.data(),
                                      static_cast<unsigned>(sizes.size()), params);
  if (ZDICT_isError(n))
    return make_error(Errc::kInvalidArgument, std::string("zdict: ") + ZDICT_getErrorName(n));
  dict.resize(n);
  return dict;
}

}  // namespace gwtape::store
