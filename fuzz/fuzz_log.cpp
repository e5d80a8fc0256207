// fuzz_log: the log reader, verify and replay on a damaged log file.
//
// The input is the log file's bytes (the seeds are real logs: `gwtape import` of small
// exports, so libFuzzer's mutations are bit flips, truncations and spliced pages of a real
// SQLite file). It is written to tmpfs and read as every command reads a log: store::verify,
// LogReader (recordings, every frame, connection ends, counts) and Replayer::run over each
// recording, with and without skip_bad. Properties: nothing crashes or hangs; no reader
// changes the file; when verify finds the log sound, the reader reads every frame it counted
// and each recording replays without a log error.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "fuzz_check.h"
#include "gwtape/replay/replayer.h"
#include "gwtape/store/log_reader.h"
#include "gwtape/store/verify.h"

namespace {

// One directory per process on tmpfs (libFuzzer's -fork and -jobs run several at once).
std::string work_dir() {
  static const std::string dir = [] {
    const char* shm = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    std::string d = std::string(shm) + "/gwtape-fuzz-log-" + std::to_string(::getpid());
    ::mkdir(d.c_str(), 0700);
    return d;
  }();
  return dir;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Every frame the reader gives; -1 when it stops with an error.
std::int64_t read_all(gwtape::store::LogReader& reader) {
  auto cursor = reader.frames();
  if (!cursor.ok()) return -1;
  std::int64_t n = 0;
  for (;;) {
    auto more = (*cursor)->next();
    if (!more.ok()) return -1;
    if (!*more) return n;
    ++n;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string log = work_dir() + "/in.gwtape";
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) ::unlink((log + suffix).c_str());
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  {
    std::ofstream out(log, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    FUZZ_CHECK(out.good());
  }

  auto report = gwtape::store::verify(log);
  const bool sound = report.ok() && report->ok();
  std::int64_t read = -1;
  if (auto reader = gwtape::store::LogReader::open(log); reader.ok()) {
    read = read_all(**reader);
    (void)(*reader)->count();
    if (auto recordings = (*reader)->recordings(); recordings.ok()) {
      for (const auto& r : *recordings) (void)(*reader)->connection_ends(r.id);
      for (const auto& r : *recordings) {
        for (bool skip_bad : {false, true}) {
          gwtape::replay::ReplayOptions options;
          options.recording_id = r.id;
          options.skip_bad = skip_bad;
          options.read_ahead = skip_bad;  // both paths of the reader
          auto replayer = gwtape::replay::Replayer::open(log, options);
          FUZZ_CHECK(replayer.ok() || !sound);
          if (!replayer.ok()) continue;
          const auto st = (*replayer)->run();
          FUZZ_CHECK(st.ok() || !sound);
          (void)(*replayer)->cache().digest_hex();
        }
      }
    } else {
      FUZZ_CHECK(!sound);
    }
  } else {
    FUZZ_CHECK(!sound);
  }
  if (sound) FUZZ_CHECK(read == report->frames);
  // Readers never write: the file is what was given, and no journal was left behind.
  FUZZ_CHECK(slurp(log) == bytes);
  for (const char* suffix : {"-wal", "-journal"}) {
    struct stat st {};
    FUZZ_CHECK(::stat((log + suffix).c_str(), &st) != 0 || st.st_size == 0);
  }
  return 0;
}
