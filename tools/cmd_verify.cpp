// gwtape verify — the store's full check of a log (store::verify): exit 0, or 4 with the
// first problem and the frame it concerns. Sequence gaps and repeats are warnings (exit 0).
#include <cstdio>
#include <string>

#include "cli.h"
#include "gwtape/store/verify.h"
#include "tool_args.h"

namespace gwtape::tools {
namespace {

constexpr std::string_view kVerifyUsage =
    "usage: gwtape verify LOG\n"
    "\n"
    "Reads the whole log read-only and checks it: SQLite's integrity_check, every dictionary,\n"
    "every block's and pending frame's zstd checksum and length table, frame ids dense and\n"
    "each stored exactly once, each frame's size and recording, each connection end.\n"
    "Prints \"LOG: ok: ...\" and exits 0, or prints the first problem (with its frame id when\n"
    "there is one) and exits 4. Dispatch sequence numbers that skip (a gap) or go back (a\n"
    "repeat, as a resume's replay) within a session are what the gateway sent, not damage:\n"
    "each is a warning on stderr, counted on the ok line, and the exit stays 0.\n"
    "\n"
    "exit: 0 sound (warnings or not); 2 bad flags; 4 a problem, or a missing, unreadable or\n"
    "foreign file.\n";

int run(const Args& args) {
  if (wants_help(kVerifyCommand, args)) return kOk;
  int code = kOk;
  auto flags = parse_flags(kVerifyCommand, args, {}, code);
  if (!flags) return code;
  if (flags->positional.size() != 1) return usage_error(kVerifyCommand, "expected one LOG");
  const std::string path(flags->positional[0]);
  auto report_or = store::verify(path);
  if (!report_or) return report_store_error(kVerifyCommand, report_or.error());
  const store::VerifyReport& r = *report_or;
  if (r.problem) {
    std::string message = r.problem->message;
    if (r.problem->frame_id &&
        message.find("frame " + std::to_string(*r.problem->frame_id)) == std::string::npos)
      message += " (frame " + std::to_string(*r.problem->frame_id) + ")";
    return report(kVerifyCommand, kBadLog, message);
  }
  for (const store::VerifyProblem& w : r.warnings)
    report(kVerifyCommand, kOk, "warning: " + w.message);
  const std::int64_t warnings = r.seq_gaps + r.seq_repeats;
  if (warnings > static_cast<std::int64_t>(r.warnings.size()))
    report(kVerifyCommand, kOk,
           "warning: " + path + ": " +
               std::to_string(warnings - static_cast<std::int64_t>(r.warnings.size())) +
               " more sequence warnings");
  std::string counts;
  if (warnings > 0)
    counts = "; warnings: " + std::to_string(r.seq_gaps) + " sequence gaps, " +
             std::to_string(r.seq_repeats) + " repeated sequence numbers";
  std::printf("%s: ok: %lld frames in %lld blocks and %lld pending, %lld recordings%s\n",
              path.c_str(), static_cast<long long>(r.frames), static_cast<long long>(r.blocks),
              static_cast<long long>(r.pending), static_cast<long long>(r.recordings),
              counts.c_str());
  return kOk;
}

}  // namespace

const Command kVerifyCommand{"verify", "check a log's integrity (exit 4 on the first problem)",
                             kVerifyUsage, &run};

}  // namespace gwtape::tools
