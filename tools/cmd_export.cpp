// gwtape export — a log as JSON lines (tools/export_format.h), which `gwtape import` turns back
// into a log: export -> import -> export gives the same bytes.
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>

#include "cli.h"
#include "export_format.h"
#include "gwtape/store/log_reader.h"
#include "tool_args.h"

namespace gwtape::tools {
namespace {

constexpr std::string_view kExportUsage =
    "usage: gwtape export LOG [--format jsonl] [--recording ID] [--out FILE]\n"
    "\n"
    "Writes LOG as JSON lines: a header line, one line per recording (every column of the\n"
    "recordings table), then one line per frame in id order with its recording, connection,\n"
    "timestamp, direction and exact text (\"json\" when the text is valid UTF-8, else \"b64\"),\n"
    "then one line per connection saying how it ended (the connections table).\n"
    "`gwtape import` reads it back; export -> import -> export is byte-identical. The format\n"
    "is described in docs/CLI.md.\n"
    "\n"
    "  --format jsonl  the only format (default)\n"
    "  --recording ID  only this recording and its frames\n"
    "  --out FILE      write FILE (replaced only once the export is complete) instead of stdout\n"
    "\n"
    "exit: 0 ok; 2 bad flags or no such recording; 4 missing, unreadable or corrupt log\n"
    "(on stdout, the lines before the corrupt frame have been written).\n";

int run(const Args& args);

}  // namespace

const Command kExportCommand{"export", "write a log as JSON lines (lossless, see import)",
                             kExportUsage, &run};

namespace {

// Where the lines go: stdout, or a temporary file renamed to FILE on success.
class Sink {
 public:
  bool open(const std::string& out_path) {
    if (out_path.empty()) {
      file_ = stdout;
      return true;
    }
    final_ = out_path;
    temp_ = out_path + ".exporting-" + std::to_string(::getpid());
    file_ = std::fopen(temp_.c_str(), "wb");
    return file_ != nullptr;
  }
  ~Sink() {
    if (file_ && file_ != stdout) {
      std::fclose(file_);
      std::remove(temp_.c_str());
    }
  }
  bool write(std::string& buf) {
    const bool ok = std::fwrite(buf.data(), 1, buf.size(), file_) == buf.size();
    buf.clear();
    return ok;
  }
  bool commit() {
    if (file_ == stdout) return std::fflush(stdout) == 0;
    const bool ok = std::fclose(file_) == 0;
    file_ = nullptr;
    if (ok && std::rename(temp_.c_str(), final_.c_str()) == 0) return true;
    std::remove(temp_.c_str());
    return false;
  }
  const std::string& temp() const { return temp_; }

 private:
  std::FILE* file_ = nullptr;
  std::string final_, temp_;
};

int run(const Args& args) {
  if (wants_help(kExportCommand, args)) return kOk;
  int code = kOk;
  auto flags = parse_flags(
      kExportCommand, args,
      {{"--format", true, false}, {"--recording", true, false}, {"--out", true, false}}, code);
  if (!flags) return code;
  if (flags->positional.size() != 1) return usage_error(kExportCommand, "expected one LOG");
  if (flags->get("--format", "jsonl") != "jsonl")
    return usage_error(kExportCommand, "--format: jsonl is the only export format");
  std::optional<std::int64_t> only;
  if (flags->has("--recording")) {
    auto id = parse_int_flag<std::int64_t>("--recording", flags->get("--recording"), 1, INT64_MAX);
    if (!id) return usage_error(kExportCommand, id.error().message);
    only = *id;
  }
  const std::string path(flags->positional[0]);
  auto reader = store::LogReader::open(path);
  if (!reader) return report_store_error(kExportCommand, reader.error());
  auto recordings = (*reader)->recordings();
  if (!recordings) return report_store_error(kExportCommand, recordings.error());
  if (only) {
    bool found = false;
    for (const auto& r : *recordings) found = found || r.id == *only;
    if (!found)
      return report(kExportCommand, kUsage,
                    path + " has no recording " + std::to_string(*only) + " (it has " +
                        std::to_string(recordings->size()) + ")");
  }
  store::FrameQuery query;
  query.recording_id = only;
  // Reading and decompressing on another core while this one writes JSON.
  query.read_ahead = std::thread::hardware_concurrency() > 1;
  auto cursor = (*reader)->frames(query);
  if (!cursor) return report_store_error(kExportCommand, cursor.error());

  Sink sink;
  const std::string out_path(flags->get("--out"));
  if (!sink.open(out_path))
    return report(kExportCommand, kFailure, "cannot create " + sink.temp() + " for --out");
  std::string buf;
  append_header_line(buf);
  for (const auto& r : *recordings) {
    if (!only || r.id == *only) append_recording_line(buf, r);
  }
  constexpr std::size_t kChunk = 1 << 20;
  for (;;) {
    auto more = (*cursor)->next();
    if (!more) return report_store_error(kExportCommand, more.error());
    if (!*more) break;
    append_frame_line(buf, (*cursor)->frame());
    if (buf.size() >= kChunk && !sink.write(buf))
      return report(kExportCommand, kFailure, "write error");
  }
  auto ends = (*reader)->connection_ends(only);
  if (!ends) return report_store_error(kExportCommand, ends.error());
  for (const auto& e : *ends) append_connection_line(buf, e);
  if (!sink.write(buf) || !sink.commit())
    return report(kExportCommand, kFailure,
                  out_path.empty() ? "write error on stdout" : "cannot write " + out_path);
  return kOk;
}

}  // namespace
}  // namespace gwtape::tools
