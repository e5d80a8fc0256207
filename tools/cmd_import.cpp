// gwtape import — JSON lines from `gwtape export` (tools/export_format.h) into a new log.
//
// The log is written beside its final name and moved into place only when every line has been
// read and the log is closed, so a bad line leaves nothing behind.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

#include "cli.h"
#include "export_format.h"
#include "gwtape/store/log_writer.h"
#include "import_nats.h"
#include "tool_args.h"

namespace gwtape::tools {
namespace {

constexpr std::string_view kImportUsage =
    "usage: gwtape import JSONL --out LOG [--force]\n"
    "       gwtape import nats://HOST:PORT[,...] [--stream NAME] [--subject F] [--since T]\n"
    "                    [--until T] --out LOG\n"
    "\n"
    "Builds a new log from JSON lines written by `gwtape export` (the format is in\n"
    "docs/CLI.md); JSONL \"-\" reads standard input. Recordings keep their ids and every\n"
    "column; frames are numbered 1, 2, ... in file order, with their connection, timestamp,\n"
    "direction and exact text. The log appears at LOG only once complete: a bad line leaves\n"
    "no file behind.\n"
    "\n"
    "  --out LOG  the log to create\n"
    "  --force    replace LOG if it exists (without it an existing LOG is an error)\n"
    "\n"
    "From NATS JetStream (what `gwtape record --nats` published): the stream NAME (default\n"
    "GWTAPE), or the messages of subject filter F (NAME.<bot>.<shard>.<kind>, wildcards\n"
    "allowed), whose frame times fall in [--since, --until] (RFC 3339 in UTC or Unix seconds),\n"
    "into LOG, created if absent. Recordings keep the stream's ids; a second run continues\n"
    "where the last stopped (nothing doubled). A recording gets its end and live digest only\n"
    "when the slice holds it whole. Exit 1 when no server answers or nothing matches.\n"
    "\n"
    "exit: 0 ok; 2 bad flags, or LOG exists without --force; 4 missing JSONL or a bad line\n"
    "(the message gives its number); 1 the log could not be written (disk full...).\n";

int run(const Args& args);

}  // namespace

const Command kImportCommand{"import", "build a log from exported JSON lines", kImportUsage, &run};

namespace {

// The log being built: removed (with any -wal / -shm / -journal beside it) unless committed.
class TempLog {
 public:
  explicit TempLog(std::string final_path)
      : final_(std::move(final_path)), temp_(final_ + ".importing-" + std::to_string(::getpid())) {
    remove_all();
  }
  ~TempLog() {
    if (!committed_) remove_all();
  }
  const std::string& path() const { return temp_; }
  // Moves the closed log into place; without `replace`, fails if LOG appeared meanwhile. The
  // log was written without fsync (kNoSync), so it is synced here first, and the directory
  // after the rename: a power cut never leaves a half-written log at LOG.
  bool commit(bool replace, std::string& error) {
    if (!sync_path(temp_)) {
      error = temp_ + ": fsync: " + std::strerror(errno);
      return false;
    }
    int rc = replace ? std::rename(temp_.c_str(), final_.c_str())
                     : ::link(temp_.c_str(), final_.c_str());
    if (rc != 0) {
      error = final_ + ": " + std::strerror(errno);
      return false;
    }
    if (!replace) ::unlink(temp_.c_str());
    committed_ = true;
    const std::size_t slash = final_.rfind('/');
    sync_path(slash == std::string::npos ? "." : slash == 0 ? "/" : final_.substr(0, slash));
    return true;
  }

 private:
  static bool sync_path(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
  }
  void remove_all() {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) ::unlink((temp_ + suffix).c_str());
  }
  std::string final_, temp_;
  bool committed_ = false;
};

// Reads lines ("\n"-terminated; the last may lack it) from a stdio stream, NUL bytes kept.
class LineReader {
 public:
  explicit LineReader(std::FILE* f) : f_(f) {}
  ~LineReader() { std::free(buf_); }
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;
  bool next(std::string& line) {
    const ssize_t n = ::getline(&buf_, &cap_, f_);
    if (n < 0) return false;
    line.assign(buf_, static_cast<std::size_t>(n));
    if (!line.empty() && line.back() == '\n') line.pop_back();
    return true;
  }

 private:
  std::FILE* f_;
  char* buf_ = nullptr;
  std::size_t cap_ = 0;
};

int run(const Args& args) {
  if (wants_help(kImportCommand, args)) return kOk;
  if (is_nats_import(args)) return run_import_nats(kImportCommand, args);
  int code = kOk;
  auto flags =
      parse_flags(kImportCommand, args, {{"--out", true, false}, {"--force", false, false}}, code);
  if (!flags) return code;
  if (flags->positional.size() != 1) return usage_error(kImportCommand, "expected one JSONL file");
  if (!flags->has("--out") || flags->get("--out").empty())
    return usage_error(kImportCommand, "--out LOG is required");
  const std::string input(flags->positional[0]);
  const std::string out(flags->get("--out"));
  const bool force = flags->has("--force");
  if (!force && ::access(out.c_str(), F_OK) == 0)
    return report(kImportCommand, kUsage, out + " exists; add --force to replace it");

  std::FILE* in = input == "-" ? stdin : std::fopen(input.c_str(), "rb");
  if (!in) return report(kImportCommand, kBadLog, input + ": " + std::strerror(errno));
  struct Closer {
    std::FILE* f;
    ~Closer() {
      if (f != stdin) std::fclose(f);
    }
  } closer{in};

  TempLog temp(out);
  store::WriterOptions options;
  options.durability = store::Durability::kNoSync;  // made durable by close()
  auto writer = store::LogWriter::open(temp.path(), options);
  if (!writer) return report(kImportCommand, kFailure, writer.error().message);  // cannot write

  struct Ending {
    std::int64_t ended_at;
    std::optional<std::string> digest;
  };
  std::map<std::int64_t, std::optional<Ending>> recordings;  // id -> how it ended
  ExportLineParser parser;
  LineReader lines(in);
  std::string line;
  std::uint64_t number = 0;
  auto bad_line = [&](const std::string& message) {
    return report(kImportCommand, kBadLog,
                  input + ":" + std::to_string(number) + ": " + message + " (no log written)");
  };
  auto store_failed = [&](const store::Error& e) {
    if (e.code == store::Errc::kInvalidArgument) return bad_line(e.message);
    return report_store_error(kImportCommand, e);
  };
  while (lines.next(line)) {
    ++number;
    auto parsed = parser.parse(line);
    if (number == 1 && (!parsed || parsed->kind != ExportLine::kHeader)) {
      const bool other_version = !parsed && parsed.error().message.find("version") == 0;
      return bad_line(other_version ? parsed.error().message
                                    : "not a gwtape export: the first line must be "
                                      "{\"type\":\"gwtape-export\",\"version\":1}");
    }
    if (!parsed) return bad_line(parsed.error().message);
    if (parsed->kind == ExportLine::kHeader && number != 1) return bad_line("a second header line");
    if (parsed->kind == ExportLine::kRecording) {
      const store::Recording& r = parsed->recording;
      if (recordings.count(r.id)) return bad_line("recording " + std::to_string(r.id) + " twice");
      auto id = (*writer)->begin_recording(r.id, r.info);
      if (!id) return store_failed(id.error());
      recordings[r.id] =
          r.ended_at_ns ? std::optional(Ending{*r.ended_at_ns, r.state_digest}) : std::nullopt;
    } else if (parsed->kind == ExportLine::kFrame) {
      if (!recordings.count(parsed->frame.recording_id))
        return bad_line("frame of recording " + std::to_string(parsed->frame.recording_id) +
                        ", which no earlier line defines");
      if (auto st = (*writer)->append(std::move(parsed->frame)); !st)
        return store_failed(st.error());
    } else if (parsed->kind == ExportLine::kConnection) {
      if (!recordings.count(parsed->connection.recording_id))
        return bad_line("connection of recording " +
                        std::to_string(parsed->connection.recording_id) +
                        ", which no earlier line defines");
      if (auto st = (*writer)->connection_ended(std::move(parsed->connection)); !st)
        return store_failed(st.error());
    }
  }
  if (std::ferror(in)) return report(kImportCommand, kBadLog, input + ": read error");
  if (number == 0) return report(kImportCommand, kBadLog, input + ": empty, not a gwtape export");
  for (const auto& [id, ending] : recordings) {
    if (!ending) continue;
    if (auto st = (*writer)->end_recording(id, ending->ended_at, ending->digest); !st)
      return report_store_error(kImportCommand, st.error());
  }
  if (auto st = (*writer)->close(); !st) return report_store_error(kImportCommand, st.error());
  std::string error;
  if (!temp.commit(force, error)) return report(kImportCommand, kFailure, error);
  return kOk;
}

}  // namespace
}  // namespace gwtape::tools
