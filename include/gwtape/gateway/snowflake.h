// gwtape/gateway/snowflake.h — Discord's scalar types: Snowflake ids and ISO 8601 timestamps.
//
// A Snowflake is a 64-bit id; Discord sends it as a JSON string ("175928847299117063"), and
// sometimes as a number, so both are accepted by the decoders. A Timestamp is an instant in
// microseconds since the Unix epoch (UTC), parsed from ISO 8601 text with any offset and up to
// nine fraction digits (the extra ones truncated).
//
// Thread-safety: plain values. Lifetimes: none.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "gwtape/gateway/errors.h"

namespace gwtape::gateway {

struct Snowflake {
  std::uint64_t value = 0;

  // Milliseconds since the Discord epoch (2015-01-01T00:00:00Z) are in the top 42 bits.
  static constexpr std::uint64_t kDiscordEpochMs = 1420070400000ULL;

  constexpr bool valid() const { return value != 0; }
  constexpr std::uint64_t unix_ms() const { return (value >> 22) + kDiscordEpochMs; }
  std::string str() const { return std::to_string(value); }

  // Decimal digits only, at most 2^64-1. Error kParse or kOutOfRange naming the text.
  static Result<Snowflake> parse(std::string_view text);

  constexpr auto operator<=>(const Snowflake&) const = default;
};

struct Timestamp {
  std::int64_t unix_us = 0;  // 0 means absent

  constexpr bool valid() const { return unix_us != 0; }

  // "2017-07-11T17:27:07.299000+00:00", "...Z", "...-05:30", with or without a fraction.
  static Result<Timestamp> parse(std::string_view text);
  // Canonical UTC form with microseconds: "2017-07-11T17:27:07.299000+00:00".
  std::string iso8601() const;

  constexpr auto operator<=>(const Timestamp&) const = default;
};

}  // namespace gwtape::gateway

template <>
struct std::hash<gwtape::gateway::Snowflake> {
  std::size_t operator()(gwtape::gateway::Snowflake s) const noexcept {
    return std::hash<std::uint64_t>{}(s.value);
  }
};
