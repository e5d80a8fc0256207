#include "gwtape/gateway/snowflake.h"

#include <cstdio>
#include <string>

namespace gwtape::gateway {
namespace {

Error bad(std::string_view what, std::string_view text) {
  std::string shown(text.substr(0, 64));
  return make_error(Errc::kParse, std::string(what) + ": \"" + shown + "\"");
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

}  // namespace

Result<Snowflake> Snowflake::parse(std::string_view text) {
  if (text.empty() || text.size() > 20) return bad("not a snowflake", text);
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return bad("not a snowflake", text);
    const std::uint64_t digit = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) {
      return make_error(Errc::kOutOfRange, "snowflake over 2^64-1: \"" + std::string(text) + "\"");
    }
    v = v * 10 + digit;
  }
  return Snowflake{v};
}

Result<Timestamp> Timestamp::parse(std::string_view s) {
  int year, month, day, hour, minute, second;
  // Discord's own form, "2026-01-01T00:00:39.781000+00:00", read at fixed positions (the
  // decoders' hot path); anything else, or anything out of range, takes the general path.
  int micros6;
  if (s.size() == 32 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' &&
      s[16] == ':' && s[19] == '.' && s.substr(26) == "+00:00" && digits(s, 0, 4, year) &&
      digits(s, 5, 2, month) && digits(s, 8, 2, day) && digits(s, 11, 2, hour) &&
      digits(s, 14, 2, minute) && digits(s, 17, 2, second) && digits(s, 20, 6, micros6) &&
      month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 &&
      second <= 60) {
    const std::int64_t days =
        days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    return Timestamp{(days * 86400 + hour * 3600 + minute * 60 + second) * 1000000 + micros6};
  }
  if (!digits(s, 0, 4, year) || s.size() < 19 || s[4] != '-' || !digits(s, 5, 2, month) ||
      s[7] != '-' || !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !digits(s, 11, 2, hour) || s[13] != ':' || !digits(s, 14, 2, minute) || s[16] != ':' ||
      !digits(s, 17, 2, second)) {
    return bad("not an ISO 8601 timestamp", s);
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return bad("ISO 8601 timestamp out of range", s);
  }
  std::size_t pos = 19;
  std::int64_t micros = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (n < 6) micros = micros * 10 + (s[pos] - '0');
      ++n;
      ++pos;
    }
    if (n == 0) return bad("ISO 8601 fraction without digits", s);
    for (int i = n; i < 6; ++i) micros *= 10;
  }
  std::int64_t offset_s = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    const bool colon = pos + 3 < s.size() && s[pos + 3] == ':';
    if (!digits(s, pos + 1, 2, oh) || !digits(s, pos + (colon ? 4 : 3), 2, om) || oh > 23 ||
        om > 59) {
      return bad("bad ISO 8601 offset", s);
    }
    offset_s = (s[pos] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    pos += colon ? 6 : 5;
  } else {
    return bad("ISO 8601 timestamp without offset", s);
  }
  if (pos != s.size()) return bad("trailing text after ISO 8601 timestamp", s);
  const std::int64_t days =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const std::int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_s;
  return Timestamp{secs * 1000000 + micros};
}

std::string Timestamp::iso8601() const {
  std::int64_t secs = unix_us / 1000000;
  std::int64_t micros = unix_us % 1000000;
  if (micros < 0) {
    micros += 1000000;
    --secs;
  }
  std::int64_t days = secs / 86400;
  std::int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  // civil_from_days (Howard Hinnant).
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%06lld+00:00",
                static_cast<long long>(y), m, d, static_cast<long long>(rem / 3600),
                static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60),
                static_cast<long long>(micros));
  return buf;
}

}  // namespace gwtape::gateway
