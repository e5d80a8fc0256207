// tools/export_format.h — the JSON lines format of `gwtape export` and `gwtape import`.
//
// One JSON object per line, "\n" after each, keys written in this order (the parser accepts
// any order, but no unknown or repeated key):
//   {"type":"gwtape-export","version":1}                                  first line, once
//   {"type":"recording","id":1,"started_at":N,"ended_at":N|null,"gateway_url":S,
//    "api_version":N,"encoding":S,"compress":S,"intents":N,"shard_id":N|null,
//    "shard_count":N|null,"tool_version":S,"state_digest":S|null,"redactions":S}
//   {"type":"frame","recording_id":1,"conn":1,"ts_ns":N,"direction":"recv"|"send","json":S}
//   {"type":"connection","recording_id":1,"conn":1,"closed_at":N,
//    "closed_by":"server"|"client"|"lost","code":N|null,"reason":S}      after the frames
// A frame's text is "json", a JSON string, when it is valid UTF-8 (any bytes: NUL, newlines,
// whitespace and key order kept exactly), else "b64", its bytes in standard base64. A
// recording's text field that is not valid UTF-8 is written as {"b64":"..."} instead of a
// string. Frames carry no id: the log numbers them 1, 2, ... in file order; a recording line
// comes before its frames. Connection lines (how each connection ended, the `connections`
// table) follow every frame, by recording and connection. docs/CLI.md describes it for users.
//
// Thread-safety: the writers are pure; a parser is used by one thread at a time.
// Lifetimes: nothing is kept beyond a call, except the parser's buffers.
#pragma once

#include <memory>
#include <string>

#include "gwtape/common/result.h"
#include "gwtape/store/frame.h"

namespace gwtape::tools {

constexpr int kExportVersion = 1;

void append_header_line(std::string& out);
void append_recording_line(std::string& out, const store::Recording& recording);
void append_frame_line(std::string& out, const store::StoredFrame& frame);
void append_connection_line(std::string& out, const store::ConnectionEnd& end);

enum class LineErrc { kBadLine = 1 };

struct ExportLine {
  enum Kind { kHeader, kRecording, kFrame, kConnection } kind = kHeader;
  store::Recording recording;       // kRecording
  store::Frame frame;               // kFrame (recording_id as written)
  store::ConnectionEnd connection;  // kConnection
};

class ExportLineParser {
 public:
  ExportLineParser();
  ~ExportLineParser();
  ExportLineParser(const ExportLineParser&) = delete;
  ExportLineParser& operator=(const ExportLineParser&) = delete;

  // Parses one line (without its "\n"). `line` may be grown to hold simdjson's padding.
  // Errors: kBadLine with what is wrong ("\"ts_ns\" must be an integer").
  gwtape::Result<ExportLine, LineErrc> parse(std::string& line);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gwtape::tools
