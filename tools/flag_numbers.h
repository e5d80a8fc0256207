// tools/flag_numbers.h — numbers in flag values, parsed strictly, for every subcommand.
//
// A whole number is decimal digits, with a leading '-' only where the flag's range has
// negatives, and nothing else (no '+', spaces, hex or trailing text), within the range the flag
// documents. A real number is decimal (`2`, `0.5`, `1e3`), finite and greater than 0. What
// strtoull or strtod would wrap, saturate or misread (`9223372036854775808` for an int64,
// `nan`, `1e400`, `0x10`) is refused, and the message names the flag and the value, for a usage
// error (exit 2).
//
// Thread-safety: pure functions. Lifetimes: none.
#pragma once

#include <cstdint>
#include <string_view>

#include "gwtape/common/result.h"

namespace gwtape::tools {

enum class ArgErrc { kUsage = 1 };
template <class T>
using ArgResult = gwtape::Result<T, ArgErrc>;

// `text` as an Int in [min, max]; else `FLAG takes a whole number from MIN to MAX, got "TEXT"`.
// Defined for int, std::int64_t and std::uint64_t.
template <class Int>
[[nodiscard]] ArgResult<Int> parse_int_flag(std::string_view flag, std::string_view text, Int min,
                                            Int max);

// `text` as a finite double > 0; else `FLAG takes WHAT, got "TEXT"`, where WHAT defaults to
// "a finite number greater than 0".
[[nodiscard]] ArgResult<double> parse_positive_flag(std::string_view flag, std::string_view text,
                                                    std::string_view what = {});

}  // namespace gwtape::tools
