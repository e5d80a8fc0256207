// The loadable extension in the real sqlite3 shell: `.load` it, then query the `events` view.
#include "gwtape/store/sql_functions.h"

#include <catch2/catch_test_macros.hpp>

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "gwtape/store/log_writer.h"
#include "store_test_util.h"

namespace gwtape::store {
namespace {

using testing::TempDir;

constexpr const char* kShell = "/usr/bin/sqlite3";

// In a sanitizer build the extension needs the sanitizers' runtimes preloaded in the shell.
#ifdef GWTAPE_SHELL_PRELOAD
constexpr const char* kShellEnv =
    "LD_PRELOAD=" GWTAPE_SHELL_PRELOAD " ASAN_OPTIONS=detect_leaks=0 ";
#else
constexpr const char* kShellEnv = "";
#endif

// Runs the sqlite3 shell read-only on `log` with the extension loaded; returns stdout+stderr.
std::string shell(const std::string& log, const std::string& sql) {
  std::string cmd = std::string(kShellEnv) + kShell +
                    " -readonly -batch -cmd '.load " GWTAPE_SQLITE_EXT "' '" + log + "' \"" + sql +
                    "\" 2>&1";
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return "<popen failed>";
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

TEST_CASE("store: the sqlite3 shell reads the events view through the extension") {
  REQUIRE(std::filesystem::exists(kShell));
  TempDir dir;
  std::string path = dir.file("log.gwtape");
  auto frames = testing::FrameBuilder(5).session(1, 1000);
  frames.push_back(Frame{1, 1, 9'000'000'000, Direction::kRecv, std::string("\xff\x00\x01", 3)});
  frames.push_back(Frame{1, 1, 9'000'000'001, Direction::kRecv, ""});
  {
    WriterOptions opts;
    opts.dict_train_frames = 300;
    auto w = LogWriter::open(path, opts);
    REQUIRE(w.ok());
    RecordingInfo info;
    info.started_at_ns = 1'000'000'000;
    REQUIRE((*w)->begin_recording(info).ok());
    for (const auto& fr : frames) REQUIRE((*w)->append(fr).ok());
    REQUIRE((*w)->close().ok());
  }
  std::uint64_t raw = 0;
  for (const auto& fr : frames) raw += fr.text.size();

  CHECK(shell(path, "SELECT count(*), sum(size), sum(length(CAST(json AS BLOB))) FROM events;") ==
        std::to_string(frames.size()) + "|" + std::to_string(raw) + "|" + std::to_string(raw) +
            "\n");
  // Byte for byte, in id order, for a sample across blocks, the dictionary, odd bytes.
  for (std::size_t id : {1, 2, 257, 640, 1000, 1001, 1002}) {
    CHECK(shell(path, "SELECT hex(json) FROM events WHERE id = " + std::to_string(id) + ";") ==
          hex(frames[id - 1].text) + "\n");
  }
  // JSON functions apply to the frame text; the columns come from the index.
  std::string first_msg;
  for (const auto& fr : frames) {
    if (fr.text.find("\"t\":\"MESSAGE_CREATE\"") != std::string::npos) {
      first_msg = fr.text;
      break;
    }
  }
  REQUIRE(!first_msg.empty());
  std::string plan = shell(path,
                           "EXPLAIN QUERY PLAN SELECT id FROM events WHERE t = 'MESSAGE_CREATE' "
                           "AND guild_id = 197038439483310086;");
  CHECK(plan.find("frames_") != std::string::npos);
  CHECK(shell(path,
              "SELECT json ->> '$.d.content' FROM events WHERE t = 'MESSAGE_CREATE' "
              "ORDER BY id LIMIT 1;") ==
        first_msg.substr(first_msg.find("\"content\":\"") + 11,
                         first_msg.find("\",\"author\"") - first_msg.find("\"content\":\"") - 11) +
            "\n");
  CHECK(shell(path, "SELECT gwtape_version();").find('.') != std::string::npos);
  // Read-only in the shell too.
  CHECK(shell(path, "DELETE FROM frames;").find("readonly") != std::string::npos);
}

}  // namespace
}  // namespace gwtape::store
