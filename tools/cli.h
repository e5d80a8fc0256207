// tools/cli.h — the gwtape command line: the subcommand table and small argument helpers.
//
// Every subcommand is `int run(Args)` in its own file and returns an exit code from
// ExitCode. Usage errors print the command's usage to stderr and return kUsage.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gwtape::tools {

// The exit codes of DESIGN.md's contract.
enum ExitCode : int {
  kOk = 0,
  kFailure = 1,
  kUsage = 2,   // bad flags or arguments
  kFatal = 3,   // the gateway ended the session for good (4004, 4010-4014)
  kBadLog = 4,  // a bad or corrupt log
};

using Args = std::vector<std::string_view>;

struct Command {
  std::string_view name;
  std::string_view summary;
  std::string_view usage;  // full --help text
  int (*run)(const Args& args);
};

// Prints "gwtape <name>: <message>" and the usage line to stderr; returns kUsage.
int usage_error(const Command& command, std::string_view message);
// True when args holds -h or --help (then prints the usage to stdout).
bool wants_help(const Command& command, const Args& args);

// One per subcommand, each defined in its tools/cmd_<name>.cpp; main.cpp lists them.
extern const Command kDemoCommand;
extern const Command kRecordCommand;
extern const Command kReplayCommand;
extern const Command kQueryCommand;
extern const Command kExportCommand;
extern const Command kImportCommand;
extern const Command kVerifyCommand;
extern const Command kCompactCommand;
extern const Command kStatsCommand;
extern const Command kServeCommand;
extern const Command kShapesCommand;

}  // namespace gwtape::tools
