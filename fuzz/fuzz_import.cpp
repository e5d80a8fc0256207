// fuzz_import: `gwtape import` (tools/cmd_import.cpp) on mutated `gwtape export` JSON lines.
//
// The input is the JSONL file. It is imported with the command's own run() into a log on
// tmpfs, as `gwtape import IN --out LOG --force` would. Properties: the import never crashes;
// when it fails, no log is left at LOG (the command's promise: a bad line leaves nothing
// behind); when it succeeds, `store::verify` finds the log sound, and every frame read back
// has the op, s and t columns its own text gives.
//
// One exception: verify also checks the frames' content, dispatch sequences without gaps in a
// recording, and an export whose frames have a gap (a mutated "s") imports as it is (import
// keeps frames byte for byte, it does not judge them). That problem is accepted when the
// columns agree with the text, i.e. the gap is the input's, not the store's.
#include <fcntl.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cli.h"
#include "fuzz_check.h"
#include "gwtape/gateway/envelope.h"
#include "gwtape/store/log_reader.h"
#include "gwtape/store/verify.h"

namespace {

// One directory per process on tmpfs (libFuzzer's -fork and -jobs run several at once).
std::string work_dir() {
  static const std::string dir = [] {
    const char* shm = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    std::string d = std::string(shm) + "/gwtape-fuzz-import-" + std::to_string(::getpid());
    ::mkdir(d.c_str(), 0700);
    return d;
  }();
  return dir;
}

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

// The command's messages on stderr for every rejected input would drown libFuzzer's output.
class QuietStderr {
 public:
  QuietStderr() : saved_(::dup(2)) {
    const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    ::dup2(null, 2);
    ::close(null);
  }
  ~QuietStderr() {
    std::fflush(stderr);
    ::dup2(saved_, 2);
    ::close(saved_);
  }

 private:
  int saved_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string dir = work_dir();
  const std::string in = dir + "/in.jsonl";
  const std::string log = dir + "/out.gwtape";
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) ::unlink((log + suffix).c_str());
  if (std::FILE* f = std::fopen(in.c_str(), "wb")) {
    FUZZ_CHECK(std::fwrite(data, 1, size, f) == size);
    std::fclose(f);
  }
  int rc;
  {
    QuietStderr quiet;
    rc = gwtape::tools::kImportCommand.run({in, "--out", log, "--force"});
  }
  if (rc != gwtape::tools::kOk) {
    FUZZ_CHECK(!exists(log));
    return 0;
  }
  // Every frame's columns are what its text says (what the log writer derives them from).
  auto reader = gwtape::store::LogReader::open(log);
  FUZZ_CHECK(reader.ok());
  auto cursor = (*reader)->frames();
  FUZZ_CHECK(cursor.ok());
  gwtape::gateway::EnvelopeParser envelopes;
  simdjson::dom::parser dom;
  for (;;) {
    auto more = (*cursor)->next();
    FUZZ_CHECK(more.ok());
    if (!*more) break;
    const gwtape::store::StoredFrame& frame = (*cursor)->frame();
    // The writer reads a frame in one pass that walks d's keys (parse_routed); on malformed
    // JSON that walk and the plain parse may disagree (On-Demand does not validate what it
    // skips: docs/RELIABILITY.md), so only valid JSON, by simdjson's validating DOM parser, is
    // held to it.
    if (dom.parse(frame.text.data(), frame.text.size(), true).error() != simdjson::SUCCESS) {
      continue;
    }
    auto env = envelopes.parse(frame.text);
    FUZZ_CHECK(env.ok() == frame.op.has_value());
    if (!env.ok()) continue;
    FUZZ_CHECK(*frame.op == static_cast<int>(env->op));
    FUZZ_CHECK(frame.s == env->s);
  }
  auto report = gwtape::store::verify(log);
  FUZZ_CHECK(report.ok());
  if (!report->ok()) {
    const std::string& problem = report->problem->message;
    if (problem.find("dispatch sequence") != std::string::npos) return 0;  // the input's gap
    std::fprintf(stderr, "fuzz_import: %s\n", problem.c_str());
  }
  FUZZ_CHECK(report->ok());
  return 0;
}
