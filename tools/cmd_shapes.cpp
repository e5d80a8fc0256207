// gwtape shapes — per event type, where a log's dispatches and the typed model disagree
// (gateway::ShapeCheck): fields the model does not read, fields of another JSON type, fields
// the model reads that never came. As text, or as one JSON object (--json).
#include <cstdio>
#include <string>

#include "cli.h"
#include "gwtape/gateway/shapes.h"
#include "gwtape/store/log_reader.h"
#include "json_text.h"
#include "tool_args.h"

namespace gwtape::tools {
namespace {

constexpr std::string_view kShapesUsage =
    "usage: gwtape shapes LOG [--json]\n"
    "\n"
    "Compares every received dispatch in the log with the typed model that decodes it, and\n"
    "reports per event type:\n"
    "  unread      a field the frames carry that the model does not read (not walked further)\n"
    "  mismatched  a field whose JSON type the model's reader does not take (null always is)\n"
    "  missing     a field the model reads that never came, in an object that did\n"
    "so that a change in Discord's payloads shows in a recording before it bites. Events the\n"
    "library keeps as raw JSON are counted, not walked. Paths read d.channels[].flags; counts\n"
    "are occurrences. The model side is built from the tables the decoder itself reads with.\n"
    "\n"
    "  --json  print one JSON object instead of text (keys in docs/CLI.md)\n"
    "\n"
    "exit: 0 ok (findings or not); 2 bad flags; 4 missing, unreadable or corrupt log.\n";

using gateway::EventShape;
using gateway::ShapeFinding;

const char* kind_name(ShapeFinding::Kind k) {
  switch (k) {
    case ShapeFinding::Kind::kUnread:
      return "unread";
    case ShapeFinding::Kind::kMismatched:
      return "mismatched";
    case ShapeFinding::Kind::kMissing:
      return "missing";
  }
  return "?";
}

// "1 frame", "2 frames"; `plural` for words that take "es".
std::string times(std::uint64_t n, const char* what, const char* plural = nullptr) {
  if (n == 1) return "1 " + std::string(what);
  return std::to_string(n) + " " + (plural ? plural : std::string(what) + "s");
}

void print_text(const std::vector<EventShape>& events) {
  std::uint64_t frames = 0, counts[3] = {0, 0, 0};
  for (const EventShape& e : events) {
    frames += e.frames;
    std::string line = e.event + ": " + times(e.frames, "frame");
    if (e.unparsed > 0) line += " (" + std::to_string(e.unparsed) + " without a JSON d)";
    if (!e.typed) {
      line += ", kept as raw JSON (no typed model)";
    } else if (e.findings.empty()) {
      line += ", as the model reads it";
    }
    std::printf("%s\n", line.c_str());
    for (const ShapeFinding& f : e.findings) {
      ++counts[static_cast<int>(f.kind)];
      std::string detail;
      switch (f.kind) {
        case ShapeFinding::Kind::kUnread:
          detail = gateway::json_kinds_name(f.seen) + ", " + times(f.count, "time");
          break;
        case ShapeFinding::Kind::kMismatched:
          detail = gateway::json_kinds_name(f.seen) + " where the model reads " +
                   gateway::json_kinds_name(f.expected) + ", " + times(f.count, "time");
          break;
        case ShapeFinding::Kind::kMissing:
          detail =
              gateway::json_kinds_name(f.expected) + ", in none of " + times(f.count, "object");
          break;
      }
      std::printf("  %-10s  %s: %s\n", kind_name(f.kind), f.path.c_str(), detail.c_str());
    }
  }
  std::printf(
      "%s, %s: %llu unread, %llu mismatched, %llu missing\n",
      times(events.size(), "event type").c_str(), times(frames, "dispatch", "dispatches").c_str(),
      static_cast<unsigned long long>(counts[0]), static_cast<unsigned long long>(counts[1]),
      static_cast<unsigned long long>(counts[2]));
}

void print_json(const std::string& path, const std::vector<EventShape>& events) {
  std::string out = "{\"log\":";
  append_json_string_lossy(out, path);
  out += ",\"events\":[";
  for (std::size_t i = 0; i < events.size(); ++i) {
    const EventShape& e = events[i];
    if (i) out += ',';
    out += "{\"event\":";
    append_json_string_lossy(out, e.event);
    out += ",\"typed\":" + std::string(e.typed ? "true" : "false") +
           ",\"frames\":" + std::to_string(e.frames) +
           ",\"unparsed\":" + std::to_string(e.unparsed) + ",\"findings\":[";
    for (std::size_t j = 0; j < e.findings.size(); ++j) {
      const ShapeFinding& f = e.findings[j];
      if (j) out += ',';
      out += "{\"kind\":\"" + std::string(kind_name(f.kind)) + "\",\"path\":";
      append_json_string_lossy(out, f.path);
      if (f.kind != ShapeFinding::Kind::kUnread) {
        out += ",\"expected\":";
        append_json_string(out, gateway::json_kinds_name(f.expected));
      }
      if (f.kind != ShapeFinding::Kind::kMissing) {
        out += ",\"seen\":";
        append_json_string(out, gateway::json_kinds_name(f.seen));
      }
      out += ",\"count\":" + std::to_string(f.count) + "}";
    }
    out += "]}";
  }
  out += "]}\n";
  std::fputs(out.c_str(), stdout);
}

int run(const Args& args);

}  // namespace

const Command kShapesCommand{
    "shapes", "fields the dispatches carry that the typed model does not read", kShapesUsage, &run};

namespace {

int run(const Args& args) {
  if (wants_help(kShapesCommand, args)) return kOk;
  int code = kOk;
  auto flags = parse_flags(kShapesCommand, args, {{"--json", false}}, code);
  if (!flags) return code;
  if (flags->positional.size() != 1) return usage_error(kShapesCommand, "expected one LOG");
  const std::string path(flags->positional[0]);
  auto reader = store::LogReader::open(path);
  if (!reader) return report_store_error(kShapesCommand, reader.error());
  auto cursor = (*reader)->frames();
  if (!cursor) return report_store_error(kShapesCommand, cursor.error());
  gateway::ShapeCheck check;
  for (;;) {
    auto more = (*cursor)->next();
    if (!more) return report_store_error(kShapesCommand, more.error());
    if (!*more) break;
    const store::StoredFrame& f = (*cursor)->frame();
    if (f.direction != store::Direction::kRecv || f.op != 0 || !f.t) continue;
    check.add_frame(*f.t, f.text);
  }
  const auto events = check.report();
  if (flags->has("--json")) {
    print_json(path, events);
  } else {
    print_text(events);
  }
  return kOk;
}

}  // namespace
}  // namespace gwtape::tools
