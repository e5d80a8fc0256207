#include "record_child.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch_test_macros.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <thread>

namespace gwtape::testing {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Child::Child(const std::vector<std::string>& args, const char* token, std::filesystem::path dir,
             rlim_t file_limit)
    : out_(dir / "stdout.txt"), err_(dir / "stderr.txt") {
  pid_ = ::fork();
  REQUIRE(pid_ >= 0);
  if (pid_ == 0) {
    if (file_limit != RLIM_INFINITY) {
      ::signal(SIGXFSZ, SIG_IGN);
      const rlimit limit{file_limit, file_limit};
      if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(126);
    }
    if (token) {
      ::setenv("DISCORD_TOKEN", token, 1);
    } else {
      ::unsetenv("DISCORD_TOKEN");
    }
    // Nothing of the test's own: a listening socket inherited by the child would keep the
    // port of a stopped server busy (and accept connections no one serves).
    ::close_range(3, ~0U, 0);
    FILE* o = std::freopen(out_.c_str(), "w", stdout);
    FILE* e = std::freopen(err_.c_str(), "w", stderr);
    (void)o;
    (void)e;
    std::vector<char*> argv;
    static std::string program = GWTAPE_BINARY_DIR "/tools/gwtape";
    argv.push_back(program.data());
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(program.c_str(), argv.data());
    ::_exit(127);
  }
}

Child::~Child() {
  if (pid_ > 0 && !exited_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

void Child::signal(int sig) { ::kill(pid_, sig); }

bool Child::running() {
  if (exited_) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) != pid_) return true;
  exited_ = true;
  code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return false;
}

int Child::wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) return code_;
    std::this_thread::sleep_for(20ms);
  }
  return running() ? -1 : code_;
}

std::filesystem::path fresh_dir(const char* name) {
  auto dir = std::filesystem::temp_directory_path() / "gwtape-record-test" / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::vector<store::StoredFrame> read_log(const std::filesystem::path& path) {
  auto reader = store::LogReader::open(path.string());
  REQUIRE(reader.ok());
  auto cursor = (*reader)->frames();
  REQUIRE(cursor.ok());
  std::vector<store::StoredFrame> frames;
  for (;;) {
    auto more = (*cursor)->next();
    REQUIRE(more.ok());
    if (!*more) break;
    frames.push_back((*cursor)->frame());
  }
  return frames;
}

}  // namespace gwtape::testing
