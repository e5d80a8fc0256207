// The two helpers of tools/cli.h that tools/main.cpp defines, for fuzz_import, which links
// `gwtape import`'s own files (cmd_import.cpp and what it uses) without main.cpp and every
// other subcommand (and their libraries). The same behaviour, minus printing the usage.
#include <cstdio>

#include "cli.h"

namespace gwtape::tools {

int usage_error(const Command& command, std::string_view message) {
  std::fprintf(stderr, "gwtape %.*s: %.*s\n", static_cast<int>(command.name.size()),
               command.name.data(), static_cast<int>(message.size()), message.data());
  return kUsage;
}

bool wants_help(const Command&, const Args& args) {
  for (std::string_view a : args) {
    if (a == "-h" || a == "--help") return true;
  }
  return false;
}

}  // namespace gwtape::tools
