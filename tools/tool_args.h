// tools/tool_args.h — flag parsing and error reporting shared by the log subcommands.
//
// A command lists its flags (`FlagSpec`); `parse_flags` splits its arguments into positional
// ones and flag values, accepting `--flag VALUE` and `--flag=VALUE`. An argument is a flag
// when it starts with '-', is not "-" alone and holds no whitespace (so SQL text such as
// "-- a comment\nSELECT 1" stays positional); after "--" every argument is positional.
// Store errors become exit codes here, with the store's message.
//
// Thread-safety: pure functions, except that the reporters write to stderr.
// Lifetimes: ParsedFlags views the Args it was parsed from.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli.h"
#include "flag_numbers.h"
#include "gwtape/store/errors.h"

namespace gwtape::tools {

struct FlagSpec {
  std::string_view name;  // "--format"
  bool takes_value = true;
  bool repeatable = false;
};

struct ParsedFlags {
  std::vector<std::string_view> positional;
  std::map<std::string_view, std::vector<std::string_view>> values;  // flag -> values, in order

  bool has(std::string_view flag) const { return values.count(flag) > 0; }
  // The flag's value, or `fallback` when it was not given.
  std::string_view get(std::string_view flag, std::string_view fallback = {}) const;
};

// Parses `args` against `specs`. On a usage error prints it (usage_error) and returns the
// exit code in `exit_code`; nullopt result then.
std::optional<ParsedFlags> parse_flags(const Command& command, const Args& args,
                                       const std::vector<FlagSpec>& specs, int& exit_code);

// For commands that read their flags in a loop (record, demo): reads the flag at args[i] and
// its value, from `--flag=VALUE` or from the next argument (then i moves past it). False when
// the value is missing.
bool take_flag(const Args& args, std::size_t& i, std::string_view& flag, std::string& value);

// Prints "gwtape <command>: <message>" to stderr and returns the exit code for a store error:
// kBadLog for a log that is missing, unreadable, not a log, of another version or corrupt;
// kUsage for kInvalidArgument; kFailure for the rest (disk full, internal errors).
int report_store_error(const Command& command, const store::Error& error);

// Prints "gwtape <command>: <message>" to stderr and returns `code`.
int report(const Command& command, int code, std::string_view message);

}  // namespace gwtape::tools
