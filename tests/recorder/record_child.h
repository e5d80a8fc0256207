// Helpers for the tests that run the gwtape program itself: a child process with its output
// in files, a fresh directory per test, and a log's frames read back.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "gwtape/store/log_reader.h"

namespace gwtape::testing {

using namespace std::chrono_literals;

std::string slurp(const std::filesystem::path& p);

// `gwtape ARGS...` as a child process with DISCORD_TOKEN set (or not), stdout and stderr in
// `dir`. With `file_limit`, no file the child writes may grow past that many bytes
// (RLIMIT_FSIZE, SIGXFSZ ignored): a write beyond it fails with EFBIG, as on a full disk,
// without a small filesystem to mount. The destructor kills a child still running.
class Child {
 public:
  Child(const std::vector<std::string>& args, const char* token, std::filesystem::path dir,
        rlim_t file_limit = RLIM_INFINITY);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  void signal(int sig);
  // The exit code (128 + signal when killed), or -1 after the timeout.
  int wait(std::chrono::milliseconds timeout = 20s);
  bool running();  // not exited yet (reaps it when it has)
  pid_t pid() const { return pid_; }
  std::string out() const { return slurp(out_); }
  std::string err() const { return slurp(err_); }

 private:
  std::filesystem::path out_, err_;
  pid_t pid_ = -1;
  bool exited_ = false;
  int code_ = -1;
};

// An empty directory for one test: $TMPDIR/gwtape-record-test/NAME.
std::filesystem::path fresh_dir(const char* name);

// Every frame of the log at `path`, in order (REQUIREs that it reads).
std::vector<store::StoredFrame> read_log(const std::filesystem::path& path);

}  // namespace gwtape::testing
