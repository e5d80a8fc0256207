// tests/tools/tools_test_util.h — running the gwtape program, and logs of generated traffic.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gwtape/fixtures/generator.h"
#include "gwtape/store/frame.h"

namespace gwtape::tools::testing {

// A fresh directory under /tmp, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& bytes);
bool file_exists(const std::string& path);

// Lines of a hand-written export (docs/CLI.md, "export"), for `gwtape import`:
// the header line and recording 1, not ended (started 2026-01-01, compress none, intents 513)...
std::string export_head();
// ... and one frame of recording 1: on connection `conn`, `ts` ns after the start. `text` is
// escaped as a JSON string (quotes and backslashes: REQUIRES no control characters).
std::string export_frame(int conn, std::int64_t ts, const char* direction, const std::string& text);

struct Run {
  int exit_code = -1;  // the program's exit status; 128 + N when killed by signal N
  std::string out, err;
};

// Runs build/tools/gwtape with `args` (no shell), stdin from `stdin_path` (or /dev/null).
Run gwtape(const std::vector<std::string>& args, const std::string& stdin_path = "");
// Runs any program the same way.
Run run_program(const std::string& program, const std::vector<std::string>& args,
                const std::string& stdin_path = "");

// How a connection ends before the next one opens (the frames a log can show).
struct Reconnect {
  std::size_t after = 0;  // after this many generated frames
  enum Kind {
    kOp7Resume,    // op 7 received; the new connection resumes (op 6 sent)
    kOp9Identify,  // op 9 (d: false) received; the new connection identifies (op 2)
    kDropResume,   // no frame at all (a close code, a network error); resumes
  } kind = kOp7Resume;
};

struct LogSpec {
  std::uint64_t frames = 2000;  // generated frames; reconnect frames come on top
  fixtures::GeneratorOptions generator;
  std::vector<Reconnect> reconnects;  // in order of `after`
  bool end_recording = true;          // ended_at and a state digest, as a clean stop
};

struct WrittenLog {
  std::vector<store::Frame> frames;  // every frame, in id order (id = index + 1)
  std::vector<store::Recording> recordings;
  std::uint64_t raw_bytes() const;
};

// Writes one recording per spec, in order, into a new log at `path` (REQUIRES the tests'
// generator corpus, installed by scripts/setup). Fails the current test on any error.
WrittenLog write_log(const std::string& path, const std::vector<LogSpec>& specs);

// A frame's envelope fields, parsed independently of the store (simdjson DOM).
struct Parsed {
  std::optional<int> op;
  std::optional<std::int64_t> s;
  std::string t;
  std::string d_json;  // minified d, "" when absent
};
Parsed parse_frame(const std::string& text);

}  // namespace gwtape::tools::testing
