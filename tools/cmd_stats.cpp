// gwtape stats — what a log holds and what it costs, per recording (tools/log_summary.h): as
// text, as one JSON object (--json), and as a one-page HTML report (--html FILE).
#include <cstdio>
#include <string>

#include "cli.h"
#include "json_text.h"
#include "log_summary.h"
#include "stats_html.h"
#include "tool_args.h"

namespace gwtape::tools {
namespace {

constexpr std::string_view kStatsUsage =
    "usage: gwtape stats LOG [--json] [--html FILE]\n"
    "\n"
    "Per recording: duration, frames, dispatches per event type, connections, reconnects,\n"
    "resumes, dispatch sequence gaps and repeats, and frame text (raw) against its compressed\n"
    "storage, with the ratio; for the file: frames, raw_bytes (frame text), frame_bytes (what\n"
    "storing the text costs: blocks, pending frames, dictionaries) and meta_bytes (everything\n"
    "else), which add up to the file.\n"
    "\n"
    "  --json       print one JSON object instead of text (keys in docs/CLI.md)\n"
    "  --html FILE  also write a self-contained HTML report with a chart of dispatches per\n"
    "               second by event type (SVG, no script, nothing fetched)\n"
    "\n"
    "exit: 0 ok; 2 bad flags; 4 missing, unreadable or corrupt log; 1 FILE not writable.\n";

int run(const Args& args);

}  // namespace

const Command kStatsCommand{"stats", "frames, dispatches, reconnects and bytes per recording",
                            kStatsUsage, &run};

namespace {

std::string n(std::int64_t v) { return std::to_string(v); }

std::string to_json(const LogSummary& s) {
  const store::LogStats& f = s.file;
  std::string out = "{\"log\":";
  append_json_string_lossy(out, s.path);
  out += ",\"frames\":" + n(f.frames) + ",\"raw_bytes\":" + n(f.raw_bytes) +
         ",\"frame_bytes\":" + n(f.frame_bytes) + ",\"meta_bytes\":" + n(f.meta_bytes) +
         ",\"file_bytes\":" + n(f.file_bytes) + ",\"blocks\":" + n(f.blocks) +
         ",\"dictionaries\":" + n(f.dictionaries) +
         ",\"ratio\":" + format_real(ratio(f.raw_bytes, f.frame_bytes)) + ",\"recordings\":[";
  for (std::size_t i = 0; i < s.recordings.size(); ++i) {
    const RecordingSummary& r = s.recordings[i];
    if (i) out += ',';
    out += "{\"id\":" + n(r.recording.id) + ",\"started_at\":" + n(r.recording.info.started_at_ns) +
           ",\"ended_at\":" + (r.recording.ended_at_ns ? n(*r.recording.ended_at_ns) : "null") +
           ",\"duration_ns\":" + n(r.duration_ns) + ",\"frames\":" + n(r.frames) +
           ",\"recv\":" + n(r.recv) + ",\"send\":" + n(r.send) +
           ",\"raw_bytes\":" + n(r.raw_bytes) + ",\"stored_bytes\":" + n(r.stored_bytes) +
           ",\"ratio\":" + format_real(ratio(r.raw_bytes, r.stored_bytes)) +
           ",\"connections\":" + n(r.connections) + ",\"reconnects\":" + n(r.reconnects()) +
           ",\"reconnect_requests\":" + n(r.reconnect_requests) +
           ",\"invalid_sessions\":" + n(r.invalid_sessions) + ",\"identifies\":" + n(r.identifies) +
           ",\"resumes\":" + n(r.resumes) + ",\"seq_gaps\":" + n(r.seq_gaps) +
           ",\"seq_repeats\":" + n(r.seq_repeats) + ",\"closes\":{";
    for (std::size_t k = 0; k < r.closes.size(); ++k) {
      if (k) out += ',';
      append_json_string_lossy(out, r.closes[k].first);
      out += ':' + n(r.closes[k].second);
    }
    out += "},\"dispatches\":" + n(r.dispatches) + ",\"dispatches_by_type\":{";
    for (std::size_t k = 0; k < r.by_type.size(); ++k) {
      if (k) out += ',';
      append_json_string_lossy(out, r.by_type[k].first);
      out += ':' + n(r.by_type[k].second);
    }
    out += "}}";
  }
  out += "],\"tables\":[";
  for (std::size_t i = 0; i < f.tables.size(); ++i) {
    if (i) out += ',';
    out += "{\"name\":";
    append_json_string_lossy(out, f.tables[i].name);
    out += ",\"bytes\":" + n(f.tables[i].bytes) +
           ",\"frame_data\":" + (f.tables[i].frame_data ? "true" : "false") + "}";
  }
  out += "]}\n";
  return out;
}

std::string to_text(const LogSummary& s) {
  const store::LogStats& f = s.file;
  char buf[512];
  std::string out;
  std::snprintf(buf, sizeof buf,
                "%s: %lld frames in %lld recording(s); %s of frame text stored in %s (%.2fx);\n"
                "  file %s = %s frame storage + %s metadata (columns, indexes)\n",
                s.path.c_str(), static_cast<long long>(f.frames),
                static_cast<long long>(f.recordings), format_bytes(f.raw_bytes).c_str(),
                format_bytes(f.frame_bytes).c_str(), ratio(f.raw_bytes, f.frame_bytes),
                format_bytes(f.file_bytes).c_str(), format_bytes(f.frame_bytes).c_str(),
                format_bytes(f.meta_bytes).c_str());
  out += buf;
  for (const RecordingSummary& r : s.recordings) {
    const store::Recording& rec = r.recording;
    out += "\nrecording " + n(rec.id) + "  " +
           (rec.info.gateway_url.empty() ? std::string("(no gateway url)") : rec.info.gateway_url) +
           "\n  started      " + format_utc(rec.info.started_at_ns) +
           (rec.ended_at_ns ? ", ended " + format_utc(*rec.ended_at_ns)
                            : std::string(", did not end cleanly")) +
           "\n  duration     " + format_duration(r.duration_ns) + "\n";
    std::snprintf(buf, sizeof buf,
                  "  frames       %lld (%lld received, %lld sent)\n"
                  "  connections  %lld: %lld reconnects; %lld reconnect requests (op 7), %lld "
                  "invalid sessions (op 9)\n"
                  "  sessions     %lld identifies (op 2 sent), %lld resumes (op 6 sent)\n"
                  "  sequences    %lld gaps, %lld repeats (dispatch s; see gwtape verify)\n"
                  "  bytes        %s raw, %s stored (%.2fx)\n"
                  "  dispatches   %lld\n",
                  static_cast<long long>(r.frames), static_cast<long long>(r.recv),
                  static_cast<long long>(r.send), static_cast<long long>(r.connections),
                  static_cast<long long>(r.reconnects()),
                  static_cast<long long>(r.reconnect_requests),
                  static_cast<long long>(r.invalid_sessions), static_cast<long long>(r.identifies),
                  static_cast<long long>(r.resumes), static_cast<long long>(r.seq_gaps),
                  static_cast<long long>(r.seq_repeats), format_bytes(r.raw_bytes).c_str(),
                  format_bytes(r.stored_bytes).c_str(), ratio(r.raw_bytes, r.stored_bytes),
                  static_cast<long long>(r.dispatches));
    out += buf;
    out += "  closes       " + closes_text(r) + "\n";
    for (const auto& [name, count] : r.by_type) {
      std::snprintf(buf, sizeof buf, "    %-34s %10lld\n", name.c_str(),
                    static_cast<long long>(count));
      out += buf;
    }
  }
  return out;
}

bool write_file(const std::string& path, const std::string& text) {
  const std::string temp = path + ".writing";
  std::FILE* f = std::fopen(temp.c_str(), "wb");
  if (!f) return false;
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = std::fclose(f) == 0 && ok;
  if (ok && std::rename(temp.c_str(), path.c_str()) == 0) return true;
  std::remove(temp.c_str());
  return false;
}

int run(const Args& args) {
  if (wants_help(kStatsCommand, args)) return kOk;
  int code = kOk;
  auto flags =
      parse_flags(kStatsCommand, args, {{"--json", false, false}, {"--html", true, false}}, code);
  if (!flags) return code;
  if (flags->positional.size() != 1) return usage_error(kStatsCommand, "expected one LOG");
  if (flags->has("--html") && flags->get("--html").empty())
    return usage_error(kStatsCommand, "--html needs a file name");
  auto summary = summarize(std::string(flags->positional[0]));
  if (!summary) return report_store_error(kStatsCommand, summary.error());
  if (flags->has("--html")) {
    const std::string html_path(flags->get("--html"));
    if (!write_file(html_path, render_stats_html(*summary)))
      return report(kStatsCommand, kFailure, "cannot write " + html_path);
  }
  const std::string text = flags->has("--json") ? to_json(*summary) : to_text(*summary);
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout))
    return report(kStatsCommand, kFailure, "write error on stdout");
  return kOk;
}

}  // namespace
}  // namespace gwtape::tools
