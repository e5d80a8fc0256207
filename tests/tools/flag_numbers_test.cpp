// Numbers in flag values: parsed strictly by one helper for whole numbers with ranges and one
// for finite positive reals (tools/flag_numbers.h), for every subcommand's numeric flags.
#include "flag_numbers.h"

#include <stdlib.h>

#include <catch2/catch_test_macros.hpp>
#include <string>
#include <vector>

#include "tools_test_util.h"

namespace gwtape::tools::testing {
namespace {

TEST_CASE("flags: whole numbers are decimal digits within their range, nothing else") {
  CHECK(parse_int_flag<std::int64_t>("--n", "9223372036854775807", 1, INT64_MAX).value() ==
        INT64_MAX);
  CHECK(parse_int_flag<std::uint64_t>("--n", "18446744073709551615", 0, UINT64_MAX).value() ==
        UINT64_MAX);
  CHECK(parse_int_flag<int>("--n", "-3", -5, 5).value() == -3);
  CHECK(parse_int_flag<int>("--n", "007", 0, 10).value() == 7);
  for (const char* bad : {"", "-", "+1", " 1", "1 ", "0x10", "1e3", "1.0", "one", "-0",
                          "9223372036854775808", "99999999999999999999"}) {
    INFO(bad);
    auto r = parse_int_flag<std::int64_t>("--recording", bad, 1, INT64_MAX);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message == std::string("--recording takes a whole number from 1 to "
                                           "9223372036854775807, got \"") +
                                   bad + "\"");
  }
  CHECK_FALSE(parse_int_flag<int>("--shards", "1025", 1, 1024).ok());
  CHECK_FALSE(parse_int_flag<int>("--shards", "4294967297", 1, 1024).ok());
}

TEST_CASE("flags: reals are finite and greater than 0") {
  CHECK(parse_positive_flag("--speed", "2").value() == 2.0);
  CHECK(parse_positive_flag("--speed", "0.25").value() == 0.25);
  CHECK(parse_positive_flag("--speed", "1e300").value() == 1e300);
  for (const char* bad : {"", "nan", "NaN", "inf", "-inf", "infinity", "1e400", "1e-400", "0",
                          "-0.0", "-1", "+2", " 2", "2 ", "0x10", "2x", "fast"}) {
    INFO(bad);
    auto r = parse_positive_flag("--speed", bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message ==
          std::string("--speed takes a finite number greater than 0, got \"") + bad + "\"");
  }
}

// Every numeric flag of every subcommand, through the program: exit 2, and the message names
// the flag and the value it refused.
TEST_CASE("flags: every subcommand refuses a bad number with exit 2, naming flag and value") {
  TempDir dir;
  LogSpec spec;
  spec.frames = 300;
  const std::string log = dir.file("a.gwtape");
  write_log(log, {spec});
  const std::string out = dir.file("out.gwtape");
  struct Case {
    std::vector<std::string> args;
    std::string flag, value;
  };
  const std::vector<Case> cases = {
      {{"replay", log, "--speed", "nan"}, "--speed", "nan"},
      {{"replay", log, "--speed", "1e400"}, "--speed", "1e400"},
      {{"replay", log, "--speed=inf"}, "--speed", "inf"},
      {{"replay", log, "--speed", "0"}, "--speed", "0"},
      {{"replay", log, "--speed", "0x10"}, "--speed", "0x10"},
      {{"replay", log, "--recording", "9223372036854775808"}, "--recording", "9223372036854775808"},
      {{"replay", log, "--recording", "0"}, "--recording", "0"},
      {{"replay", log, "--recording", "+1"}, "--recording", "+1"},
      {{"replay", log, "--until-seq", "-1"}, "--until-seq", "-1"},
      {{"replay", log, "--until-seq", "99999999999999999999"},
       "--until-seq",
       "99999999999999999999"},
      {{"export", log, "--recording", "9223372036854775808"}, "--recording", "9223372036854775808"},
      {{"export", log, "--recording", "1e3"}, "--recording", "1e3"},
      {{"record", "--out", out, "--duration", "nan"}, "--duration", "nan"},
      {{"record", "--out", out, "--duration", "1e400"}, "--duration", "1e400"},
      {{"record", "--out", out, "--duration", "1e-400"}, "--duration", "1e-400"},
      {{"record", "--out", out, "--duration", "-5"}, "--duration", "-5"},
      {{"record", "--out", out, "--intents", "9223372036854775808"},
       "--intents",
       "9223372036854775808"},
      {{"record", "--out", out, "--intents", "0x201"}, "--intents", "0x201"},
      {{"record", "--out", out, "--shard", "0/4294967297"}, "--shard", "0/4294967297"},
      {{"record", "--out", out, "--shard", "2/2"}, "--shard", "2/2"},
      {{"record", "--out", out, "--shard", "1"}, "--shard", "1"},
      {{"record", "--out", out, "--shards", "4294967297"}, "--shards", "4294967297"},
      {{"record", "--out", out, "--shards", "1025"}, "--shards", "1025"},
      {{"record", "--out", out, "--max-events", "18446744073709551616"},
       "--max-events",
       "18446744073709551616"},
      {{"record", "--out", out, "--max-events", "-1"}, "--max-events", "-1"},
      {{"demo", "--out", out, "--frames", "99"}, "--frames", "99"},
      {{"demo", "--out", out, "--frames", "1e5"}, "--frames", "1e5"},
      {{"demo", "--out", out, "--seed", "18446744073709551616"}, "--seed", "18446744073709551616"},
  };
  ::unsetenv("DISCORD_TOKEN");  // record stops at its flags: no gateway, no token
  for (const Case& c : cases) {
    INFO(c.args[0] << " " << c.flag << " " << c.value);
    auto r = gwtape(c.args);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(c.flag + " takes ") != std::string::npos);
    CHECK(r.err.find("got \"" + c.value + "\"") != std::string::npos);
    CHECK(r.err.find("-9223372036854775808") == std::string::npos);  // never wrapped
  }
  CHECK_FALSE(file_exists(out));
}

TEST_CASE("flags: numbers at the edges of their ranges are taken") {
  TempDir dir;
  LogSpec spec;
  spec.frames = 300;
  const std::string log = dir.file("a.gwtape");
  write_log(log, {spec});
  for (const char* speed : {"1e300", "0.5e3", "realtime", "max"}) {
    INFO(speed);
    auto r = gwtape({"replay", log, "--speed", speed, "--until-seq", "0", "--recording", "1"});
    // It replays (the generated log's identify is not the library's: a divergence, exit 1).
    CHECK(r.exit_code != 2);
    CHECK(r.err.find(" takes ") == std::string::npos);
    CHECK(r.out.rfind("recording 1: ", 0) == 0);
  }
  // record's flags all parse: it goes on to ask for the token.
  ::unsetenv("DISCORD_TOKEN");
  auto r = gwtape({"record", "--out", dir.file("r.gwtape"), "--duration", "1e300", "--intents",
                   "9223372036854775807", "--shard", "2147483646/2147483647", "--max-events",
                   "18446744073709551615"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("DISCORD_TOKEN is not set") != std::string::npos);
}

}  // namespace
}  // namespace gwtape::tools::testing
