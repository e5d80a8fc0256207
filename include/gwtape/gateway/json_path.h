// gwtape/gateway/json_path.h — where values sit in a JSON text, by path.
//
// `find_values` walks a path of object keys and "[*]" (every element of an array) through a
// JSON text and returns the byte range of each value found, of any type, so a caller can
// rewrite the text around them without re-serialising it (the recorder's redaction keeps
// every other byte of a frame as it arrived). Keys are matched as written (unescaped).
//
// Thread-safety: reentrant. Lifetimes: the spans are offsets into the text given.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "gwtape/gateway/errors.h"

namespace gwtape::gateway {

struct ByteSpan {
  std::size_t offset = 0;
  std::size_t length = 0;
};

// Errors: kParse when the text is not JSON. A path that leads nowhere finds nothing.
Result<std::vector<ByteSpan>> find_values(std::string_view json,
                                          const std::vector<std::string>& path);

}  // namespace gwtape::gateway
