// gwtape — record, replay and query Discord gateway sessions.
#include <cstdio>
#include <string>

#include "cli.h"

namespace gwtape::tools {
namespace {

// The order of `gwtape --help`. Add a command: one line here, one extern in cli.h.
const Command* const kCommands[] = {
    &kRecordCommand,   //
    &kReplayCommand,   //
    &kQueryCommand,    //
    &kExportCommand,   //
    &kImportCommand,   //
    &kVerifyCommand,   //
    &kCompactCommand,  //
    &kStatsCommand,    //
    &kServeCommand,    //
    &kShapesCommand,   //
    &kDemoCommand,     //
};

void print_help(std::FILE* out) {
  std::fprintf(out,
               "gwtape %s — record, replay and query Discord gateway (API v10) sessions\n\n"
               "usage: gwtape <command> [options]   (gwtape <command> --help for details)\n\n"
               "commands:\n",
               GWTAPE_VERSION);
  for (const Command* c : kCommands) {
    std::fprintf(out, "  %-8.*s %.*s\n", static_cast<int>(c->name.size()), c->name.data(),
                 static_cast<int>(c->summary.size()), c->summary.data());
  }
}

}  // namespace

int usage_error(const Command& command, std::string_view message) {
  std::fprintf(stderr, "gwtape %.*s: %.*s\n%.*s", static_cast<int>(command.name.size()),
               command.name.data(), static_cast<int>(message.size()), message.data(),
               static_cast<int>(command.usage.size()), command.usage.data());
  return kUsage;
}

bool wants_help(const Command& command, const Args& args) {
  for (std::string_view a : args) {
    if (a == "-h" || a == "--help") {
      std::fwrite(command.usage.data(), 1, command.usage.size(), stdout);
      return true;
    }
  }
  return false;
}

}  // namespace gwtape::tools

int main(int argc, char** argv) {
  using namespace gwtape::tools;
  if (argc < 2) {
    print_help(stderr);
    return kUsage;
  }
  const std::string_view name = argv[1];
  if (name == "-h" || name == "--help" || name == "help") {
    print_help(stdout);
    return kOk;
  }
  if (name == "--version") {
    std::printf("gwtape %s\n", GWTAPE_VERSION);
    return kOk;
  }
  for (const Command* c : kCommands) {
    if (c->name == name) return c->run(Args(argv + 2, argv + argc));
  }
  std::fprintf(stderr, "gwtape: unknown command \"%s\"\n\n", argv[1]);
  print_help(stderr);
  return kUsage;
}
