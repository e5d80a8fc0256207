// tools/flag_numbers.cpp — strict numbers for flag values (from_chars: no locale, no
// whitespace, no '+', no hex prefix, and a range error instead of a saturated value).
#include "flag_numbers.h"

#include <charconv>
#include <cmath>
#include <string>
#include <system_error>

namespace gwtape::tools {
namespace {

ArgResult<double> bad_real(std::string_view flag, std::string_view text, std::string_view what) {
  return make_error(ArgErrc::kUsage,
                    std::string(flag) + " takes " +
                        std::string(what.empty() ? "a finite number greater than 0" : what) +
                        ", got \"" + std::string(text) + "\"");
}

}  // namespace

template <class Int>
ArgResult<Int> parse_int_flag(std::string_view flag, std::string_view text, Int min, Int max) {
  Int value{};
  const char* first = text.data();
  const char* last = text.data() + text.size();
  // A '-' only where the range has negatives: "-0" for a count is refused like any sign.
  const bool sign_ok = !text.empty() && (text[0] != '-' || min < Int{0});
  const auto [end, ec] = sign_ok ? std::from_chars(first, last, value)
                                 : std::from_chars_result{first, std::errc::invalid_argument};
  if (ec == std::errc() && end == last && value >= min && value <= max) return value;
  return make_error(ArgErrc::kUsage, std::string(flag) + " takes a whole number from " +
                                         std::to_string(min) + " to " + std::to_string(max) +
                                         ", got \"" + std::string(text) + "\"");
}

template ArgResult<int> parse_int_flag<int>(std::string_view, std::string_view, int, int);
template ArgResult<std::int64_t> parse_int_flag<std::int64_t>(std::string_view, std::string_view,
                                                              std::int64_t, std::int64_t);
template ArgResult<std::uint64_t> parse_int_flag<std::uint64_t>(std::string_view, std::string_view,
                                                                std::uint64_t, std::uint64_t);

ArgResult<double> parse_positive_flag(std::string_view flag, std::string_view text,
                                      std::string_view what) {
  double value = 0;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  // from_chars reads "nan" and "inf" as numbers, and reports 1e400 or 1e-400 as out of range.
  const auto [end, ec] = std::from_chars(first, last, value, std::chars_format::general);
  if (text.empty() || ec != std::errc() || end != last || !std::isfinite(value) || value <= 0)
    return bad_real(flag, text, what);
  return value;
}

}  // namespace gwtape::tools
