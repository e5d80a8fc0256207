#include "timed_run.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <thread>

extern char** environ;

namespace gwtape::tools::testing {
namespace {

// Starts `argv` (argv[0] the program's path) with stdin and stdout from /dev/null and stderr
// into `err_path`, or stdout and stderr both into `err_path` when `both`. -1 when it failed.
pid_t spawn(const std::vector<std::string>& args, const std::string& err_path, bool both) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  if (both) {
    posix_spawn_file_actions_adddup2(&actions, 2, 1);
  } else {
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  }
  pid_t pid = -1;
  if (::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

// The stacks of process `pid`'s threads (gdb attaches, prints them and detaches), cut to a few
// KiB; empty when gdb is not installed or does not answer within 30 s.
std::string stacks_of(pid_t pid, const std::string& out_path) {
  const char* gdb = "/usr/bin/gdb";
  if (::access(gdb, X_OK) != 0) return {};
  const pid_t child =
      spawn({gdb, "-batch", "-nx", "-p", std::to_string(pid), "-ex", "thread apply all bt 30"},
            out_path, true);
  if (child < 0) return {};
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (::waitpid(child, nullptr, WNOHANG) != child) {
    if (std::chrono::steady_clock::now() >= until) {
      ::kill(child, SIGKILL);
      ::waitpid(child, nullptr, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::ifstream in(out_path, std::ios::binary);
  std::string text(std::istreambuf_iterator<char>(in), {});
  // The frames, not gdb's chatter about symbols and threads.
  std::string frames;
  std::size_t at = 0;
  while (at < text.size() && frames.size() < 6000) {
    std::size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    const std::string_view line(text.data() + at, end - at);
    if (line.starts_with("#") || line.starts_with("Thread ")) frames.append(line).append("\n");
    at = end + 1;
  }
  return frames;
}

}  // namespace

std::vector<TimedRun> run_all(const std::string& program,
                              const std::vector<std::vector<std::string>>& commands,
                              std::chrono::milliseconds timeout, const std::string& scratch) {
  std::vector<TimedRun> runs(commands.size());
  std::vector<pid_t> pids(commands.size(), -1);
  std::vector<std::string> err_paths(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    err_paths[i] = scratch + "/stderr." + std::to_string(i);
    std::vector<std::string> args = {program};
    args.insert(args.end(), commands[i].begin(), commands[i].end());
    pids[i] = spawn(args, err_paths[i], false);
    if (pids[i] < 0) runs[i].err = "posix_spawn failed";
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::size_t left = 0;
  for (pid_t p : pids) left += p > 0;
  while (left > 0) {
    for (std::size_t i = 0; i < pids.size(); ++i) {
      if (pids[i] <= 0) continue;
      int status = 0;
      if (::waitpid(pids[i], &status, WNOHANG) != pids[i]) continue;
      runs[i].exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      pids[i] = -1;
      --left;
    }
    if (left == 0) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      for (std::size_t i = 0; i < pids.size(); ++i) {
        if (pids[i] <= 0) continue;
        runs[i].stacks = stacks_of(pids[i], err_paths[i] + ".gdb");
        ::kill(pids[i], SIGKILL);
        ::waitpid(pids[i], nullptr, 0);
        runs[i].timed_out = true;
        runs[i].exit_code = -1;
        pids[i] = -1;
      }
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  for (std::size_t i = 0; i < runs.size(); ++i) {
    std::ifstream in(err_paths[i], std::ios::binary);
    std::string err(std::istreambuf_iterator<char>(in), {});
    runs[i].err_tail = err.size() > 1024 ? err.substr(err.size() - 1024) : err;
    if (err.size() > 4096) err.resize(4096);
    runs[i].err += err;
  }
  return runs;
}

}  // namespace gwtape::tools::testing
