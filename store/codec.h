// store/codec.h — how frame text is compressed: blocks, pending frames, dictionaries.
//
// A block is one zstd frame (content size and checksum on, optionally with a trained
// dictionary) whose content is: varint n, then n varint lengths, then the n texts back to back.
// A pending frame (not yet sealed) is one zstd frame of its text alone, level 1, no dictionary.
// See docs/SCHEMA.md.
//
// Thread-safety: a BlockCompressor or BlockDecoder is used by one thread at a time.
// Lifetimes: a DecodedBlock's views point into its own buffer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gwtape/store/errors.h"

namespace gwtape::store {

// Frames larger than this are never stored (SQLite's own limit on a value is 1e9 bytes).
inline constexpr std::size_t kMaxFrameBytes = 512u << 20;

struct DecodedBlock {
  std::string data;                 // the decompressed content
  std::vector<std::uint64_t> ends;  // n+1 offsets: frame i is [ends[i], ends[i+1])
  std::size_t count() const { return ends.empty() ? 0 : ends.size() - 1; }
  std::string_view frame(std::size_t i) const {
    return std::string_view(data).substr(ends[i], ends[i + 1] - ends[i]);
  }
};

class BlockCompressor {
 public:
  explicit BlockCompressor(int level);
  ~BlockCompressor();
  BlockCompressor(const BlockCompressor&) = delete;
  BlockCompressor& operator=(const BlockCompressor&) = delete;

  // Blocks compressed after this use `dict` (empty: none).
  Status set_dictionary(std::string_view dict);
  Result<std::string> compress_block(const std::vector<std::string_view>& frames);
  Result<std::string> compress_pending(std::string_view text);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Compaction's blocks (store/compact.cpp): the same content layout, compressed at `level` with
// long-distance matching, the window as large as the block, `dict` loaded as a dictionary
// (empty: none). One per thread.
class ColdCompressor {
 public:
  ColdCompressor(int level, std::string_view dict);
  ~ColdCompressor();
  ColdCompressor(const ColdCompressor&) = delete;
  ColdCompressor& operator=(const ColdCompressor&) = delete;
  Result<std::string> compress_block(const std::vector<std::string_view>& frames);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A decompression context plus prepared dictionaries.
class BlockDecoder {
 public:
  BlockDecoder();
  ~BlockDecoder();
  BlockDecoder(const BlockDecoder&) = delete;
  BlockDecoder& operator=(const BlockDecoder&) = delete;

  bool has_dictionary(std::int64_t id) const;
  Status add_dictionary(std::int64_t id, std::string_view dict);

  // Decompresses and parses a block compressed with dictionary `dict_id` (0: none). The
  // checksum is checked. Errors (kCorrupt) start with "zstd: " or "block: ".
  Status decode_block(std::string_view compressed, std::int64_t dict_id, DecodedBlock* out);
  Status decode_pending(std::string_view compressed, std::string* out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// True when the zstd frame at the start of `compressed` carries a content checksum.
bool has_checksum(std::string_view compressed);

// Trains a dictionary of at most `dict_bytes` on the samples. Errors: kInvalidArgument when
// there are too few samples for ZDICT.
Result<std::string> train_dictionary(const std::vector<std::string>& samples,
                                     std::size_t dict_bytes);

}  // namespace gwtape::store
