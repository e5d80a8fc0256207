#include "gwtape/gateway/snowflake.h"

#include <catch2/catch_test_macros.hpp>

using gwtape::gateway::Errc;
using gwtape::gateway::Snowflake;
using gwtape::gateway::Timestamp;

TEST_CASE("Snowflake parses decimal text up to 2^64-1", "[gateway][snowflake]") {
  auto s = Snowflake::parse("175928847299117063");
  REQUIRE(s.ok());
  CHECK(s->value == 175928847299117063ULL);
  CHECK(s->unix_ms() == 1462015105796ULL);  // Discord's documented example
  CHECK(Snowflake::parse("18446744073709551615")->value == UINT64_MAX);
  auto over = Snowflake::parse("18446744073709551616");
  REQUIRE_FALSE(over.ok());
  CHECK(over.error().code == Errc::kOutOfRange);
  CHECK_FALSE(Snowflake::parse("").ok());
  CHECK_FALSE(Snowflake::parse("12a").ok());
  CHECK_FALSE(Snowflake::parse("-1").ok());
}

TEST_CASE("Timestamp parses ISO 8601 with offsets and fractions", "[gateway][timestamp]") {
  auto t = Timestamp::parse("2017-07-11T17:27:07.299000+00:00");
  REQUIRE(t.ok());
  CHECK(t->unix_us == 1499794027299000LL);
  CHECK(t->iso8601() == "2017-07-11T17:27:07.299000+00:00");
  CHECK(Timestamp::parse("2017-07-11T17:27:07.299Z")->unix_us == 1499794027299000LL);
  CHECK(Timestamp::parse("2017-07-11T19:27:07.299+02:00")->unix_us == 1499794027299000LL);
  CHECK(Timestamp::parse("2017-07-11T12:27:07-0500")->unix_us == 1499794027000000LL);
  CHECK(Timestamp::parse("2017-07-11T17:27:07.299000123+00:00")->unix_us == 1499794027299000LL);
  CHECK(Timestamp::parse("1969-12-31T23:59:59.5Z")->iso8601() ==
        "1969-12-31T23:59:59.500000+00:00");
  CHECK_FALSE(Timestamp::parse("2017-07-11").ok());
  CHECK_FALSE(Timestamp::parse("2017-13-11T17:27:07Z").ok());
  CHECK_FALSE(Timestamp::parse("2017-07-11T17:27:07").ok());
  CHECK_FALSE(Timestamp::parse("2017-07-11T17:27:07.Z").ok());
  CHECK_FALSE(Timestamp::parse("2017-07-11T17:27:07Zjunk").ok());
}
