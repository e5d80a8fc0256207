// gwtape — record, replay and query Discord gateway sessions.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
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

// glibc reads its malloc tunables once, at startup, so `gwtape replay` runs itself again, once,
// with its heap on transparent huge pages (glibc.malloc.hugetlb=1: malloc madvises what it
// maps). A replay's cache is tens to hundreds of MB of small objects, built as fast as frames
// are read: on 4 KiB pages its page faults and TLB misses cost a replay about a fifth of its
// time on the 2-core VM (docs/PERFORMANCE.md, Replay). A GLIBC_TUNABLES that already names
// the setting is left alone (glibc.malloc.hugetlb=0 turns it off); a failed exec goes on as
// before, the environment as it was.
void rerun_on_huge_pages(char** argv) {
  const char* const kTunable = "glibc.malloc.hugetlb";
  const char* had = std::getenv("GLIBC_TUNABLES");
  if (had != nullptr && std::strstr(had, kTunable) != nullptr) return;
  const std::string before = had != nullptr ? had : "";
  const std::string value =
      (before.empty() ? std::string() : before + ":") + std::string(kTunable) + "=1";
  if (::setenv("GLIBC_TUNABLES", value.c_str(), 1) != 0) return;
  ::execv("/proc/self/exe", argv);
  if (had != nullptr) {
    ::setenv("GLIBC_TUNABLES", before.c_str(), 1);
  } else {
    ::unsetenv("GLIBC_TUNABLES");
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
  if (name == kReplayCommand.name) rerun_on_huge_pages(argv);
  for (const Command* c : kCommands) {
    if (c->name == name) return c->run(Args(argv + 2, argv + argc));
  }
  std::fprintf(stderr, "gwtape: unknown command \"%s\"\n\n", argv[1]);
  print_help(stderr);
  return kUsage;
}
