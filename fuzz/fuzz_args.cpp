// fuzz_args: the command line's argument parsing, every subcommand's flags.
//
// Byte 0 of the input picks a command, the rest is its argument list, split at NUL bytes (at
// most 32 arguments). replay, query, export, import, verify, stats, shapes and compact (byte 0
// modulo 9: 0-5, 7, 8; 6 is record) run through their own
// run() in an empty directory on tmpfs (and back): every flag is parsed and checked before the
// command opens LOG, which does not exist there, so each run ends at the open (exit 4) or earlier.
// An argument holding '/' is dropped from their input, so nothing a command writes (export --out,
// stats --html, replay --dump-state) lands outside that directory. `record` goes through
// parse_record_args only (its run() would connect), and `demo` is left out (it starts a
// server). Properties: nothing crashes; every exit code is one DESIGN.md lists for the
// command (0, 1, 2 or 4); a parsed `record` satisfies what the parser promises.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "cli.h"
#include "fuzz_check.h"
#include "record_session.h"

namespace {

// One empty directory per process on tmpfs, where the commands run.
const std::string& work_dir() {
  static const std::string dir = [] {
    const char* shm = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    std::string d = std::string(shm) + "/gwtape-fuzz-args-" + std::to_string(::getpid());
    ::mkdir(d.c_str(), 0700);
    return d;
  }();
  return dir;
}

// Runs a command in the work directory, and comes back: libFuzzer writes its corpus and
// findings relative to the directory it was started in.
class InWorkDir {
 public:
  InWorkDir() : back_(::open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
    FUZZ_CHECK(back_ >= 0 && ::chdir(work_dir().c_str()) == 0);
  }
  ~InWorkDir() {
    FUZZ_CHECK(::fchdir(back_) == 0);
    ::close(back_);
  }

 private:
  int back_;
};

// What a command left in the directory (an output file), so the next input starts empty.
void clear_dir() {
  DIR* d = ::opendir(".");
  if (!d) return;
  while (dirent* e = ::readdir(d)) {
    const std::string_view name(e->d_name);
    if (name != "." && name != "..") ::unlink(e->d_name);
  }
  ::closedir(d);
}

// The commands' messages (usage errors, --help) would drown libFuzzer's output.
class Quiet {
 public:
  Quiet() : out_(::dup(1)), err_(::dup(2)) {
    const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::close(null);
  }
  ~Quiet() {
    std::fflush(stdout);
    std::fflush(stderr);
    ::dup2(out_, 1);
    ::dup2(err_, 2);
    ::close(out_);
    ::close(err_);
  }

 private:
  int out_, err_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace gwtape::tools;
  if (size == 0) return 0;
  const std::size_t pick = data[0] % 9;
  std::vector<std::string> words;
  std::string word;
  for (std::size_t i = 1; i <= size && words.size() < 32; ++i) {
    if (i == size || data[i] == 0) {
      // record's parser only reads its arguments: URLs and paths stay.
      if (pick == 6 || word.find('/') == std::string::npos) words.push_back(word);
      word.clear();
    } else {
      word.push_back(static_cast<char>(data[i]));
    }
  }
  const Args args(words.begin(), words.end());
  const Command* commands[] = {&kReplayCommand,
                               &kQueryCommand,
                               &kExportCommand,
                               &kImportCommand,
                               &kVerifyCommand,
                               &kStatsCommand,
                               nullptr /* record, below */,
                               &kShapesCommand,
                               &kCompactCommand};
  if (pick == 6) {
    auto parsed = parse_record_args(args);
    if (!parsed.ok()) {
      FUZZ_CHECK(!parsed.error().message.empty());
      return 0;
    }
    const RecordArgs& a = *parsed;
    FUZZ_CHECK(!a.out.empty() || !a.nats_urls.empty());
    FUZZ_CHECK(a.nats_replicas >= 1 && a.nats_replicas <= 5);
    for (const auto& url : a.nats_urls) FUZZ_CHECK(url.rfind("nats://", 0) == 0);
    FUZZ_CHECK(a.intents >= 1);
    FUZZ_CHECK(a.shard_count >= 0);
    if (a.shard_id) FUZZ_CHECK(*a.shard_id >= 0 && *a.shard_id < a.shard_count);
    FUZZ_CHECK(a.duration_s >= 0 && a.duration_s <= std::numeric_limits<double>::max());
    FUZZ_CHECK(a.gateway_url.empty() || a.gateway_url.rfind("ws", 0) == 0);
    return 0;
  }
  int code;
  {
    InWorkDir here;
    {
      Quiet quiet;
      code = commands[pick]->run(args);
    }
    clear_dir();
  }
  FUZZ_CHECK(code == kOk || code == kFailure || code == kUsage || code == kBadLog);
  return 0;
}
