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

std::vector<TimedRun> run_all(const std::string& program,
                              const std::vector<std::vector<std::string>>& commands,
                              std::chrono::milliseconds timeout, const std::string& scratch) {
  std::vector<TimedRun> runs(commands.size());
  std::vector<pid_t> pids(commands.size(), -1);
  std::vector<std::string> err_paths(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    err_paths[i] = scratch + "/stderr." + std::to_string(i);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, err_paths[i].c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(program.c_str()));
    for (const auto& a : commands[i]) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    if (::posix_spawn(&pids[i], program.c_str(), &actions, nullptr, argv.data(), environ) != 0) {
      pids[i] = -1;
      runs[i].err = "posix_spawn failed";
    }
    posix_spawn_file_actions_destroy(&actions);
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
    if (err.size() > 4096) err.resize(4096);
    runs[i].err += err;
  }
  return runs;
}

}  // namespace gwtape::tools::testing
