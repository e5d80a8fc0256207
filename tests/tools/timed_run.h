// tests/tools/timed_run.h — programs run side by side under a deadline, for the soaks.
//
// A soak runs every command on a damaged log at once and must tell a hang from an answer:
// `run_all` starts each command as its own process (stdin /dev/null, stdout discarded, stderr
// kept), waits for all of them until `timeout` and SIGKILLs whichever is still running. A
// process that hung is first shown to gdb, when the machine has it, for the stacks of its
// threads: a hang met once in a long soak can then be read from the test's output.
//
// Thread-safety: call from one thread at a time (it reaps only the children it started).
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace gwtape::tools::testing {

struct TimedRun {
  int exit_code = -1;      // exit status; 128 + N when killed by signal N; -1 when it hung
  bool timed_out = false;  // still running at the deadline (then killed)
  std::string err;         // the first 4 KiB of stderr
  std::string err_tail;    // its last 1 KiB (where a hung process had got to)
  std::string stacks;      // a hung process's threads, from gdb (empty without gdb)
};

// Runs `program` with each argument list of `commands` at once; `scratch` is a directory for
// their stderr files. Returns one TimedRun per command, in order.
std::vector<TimedRun> run_all(const std::string& program,
                              const std::vector<std::vector<std::string>>& commands,
                              std::chrono::milliseconds timeout, const std::string& scratch);

}  // namespace gwtape::tools::testing
