// gwtape import nats://... — the messages `record --nats` published, back into a log.
//
// Two passes over the stream, both ordered consumers: the recordings' start and end messages
// (subjects S.*.*.rec, so that a slice still knows its recordings), then the slice itself. A
// run on an existing log continues where the last stopped: per recording it skips what the log
// already holds (frames up to its last (connection, time), counted at that tail), and a
// recording the log has ended is left alone. Duplicates in the stream (a republish outside the
// duplicate window) are skipped by their sequence number, and a message a retried publish
// stored late is put back in its place (each recording is written in sequence order).
#include "import_nats.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include "gwtape/store/log_reader.h"
#include "gwtape/store/log_writer.h"
#include "gwtape/stream/jetstream.h"
#include "gwtape/stream/message.h"
#include "tool_args.h"

namespace gwtape::tools {
namespace {

using namespace std::chrono_literals;

// What the log already holds of a recording.
struct Held {
  bool ended = false;
  bool has_tail = false;
  std::uint32_t conn = 0;  // the last frame's connection and time ...
  std::int64_t ts_ns = 0;
  std::uint64_t at_tail = 0;  // ... and how many frames share them
};

// When a frame or connection end read from the stream happened (ns since the Unix epoch).
std::int64_t time_of(const stream::Decoded& d) {
  return d.kind == stream::Kind::kFrame ? d.frame.ts_ns : d.end.ts_ns;
}

Result<std::map<std::int64_t, Held>, store::Errc> read_held(const std::string& path) {
  std::map<std::int64_t, Held> held;
  if (::access(path.c_str(), F_OK) != 0) return held;
  auto reader = store::LogReader::open(path);
  if (!reader) return std::move(reader).error();
  auto recs = (*reader)->recordings();
  if (!recs) return std::move(recs).error();
  for (const auto& r : *recs) {
    Held h;
    h.ended = r.ended_at_ns.has_value();
    store::FrameQuery q;
    q.recording_id = r.id;
    q.names = false;
    auto cursor = (*reader)->frames(q);
    if (!cursor) return std::move(cursor).error();
    for (;;) {
      auto more = (*cursor)->next();
      if (!more) return std::move(more).error();
      if (!*more) break;
      const auto& f = (*cursor)->frame();
      if (h.has_tail && f.conn == h.conn && f.ts_ns == h.ts_ns) {
        ++h.at_tail;
      } else {
        h.has_tail = true;
        h.conn = f.conn;
        h.ts_ns = f.ts_ns;
        h.at_tail = 1;
      }
    }
    held[r.id] = h;
  }
  return held;
}

// Reads every message of `filter` from `since_ns`, calling `each` in stream order. Waits up to
// a few seconds for a server; the error names what failed (`code`: kBadLog for a message
// gwtape did not write, else kFailure).
template <class F>
std::optional<std::string> read_all(stream::JetStream& js, const std::string& filter,
                                    std::int64_t since_ns, std::uint64_t& total, int& code,
                                    F&& each) {
  code = kFailure;
  // libnats tries the servers in the background, and a cluster that lost its meta leader
  // elects another: give them some seconds to answer.
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  auto reader = js.read(filter, since_ns);
  while (!reader && reader.error().code == stream::Errc::kUnreachable &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(200ms);
    reader = js.read(filter, since_ns);
  }
  if (!reader) return reader.error().message;
  // Until the message the server says is the last; the consumer's first count is only a
  // hint (right after a leader change it can say 0 of a stream that has messages), so an
  // empty answer is believed only after a wait.
  const std::uint64_t hint = (*reader)->total();
  total = 0;
  for (;;) {
    auto m = (*reader)->next(total == 0 && hint == 0 ? 2s : 10s);
    if (!m && total == 0 && hint == 0 && m.error().code == stream::Errc::kTimeout) break;
    if (!m) return m.error().message;
    ++total;
    auto d = stream::decode(m->subject, m->headers, m->data);
    if (!d) {
      code = kBadLog;
      return js.options().stream + " message " + std::to_string(m->stream_seq) + ": " +
             d.error().message;
    }
    if (auto err = each(*d)) return err;
    if (m->pending == 0) break;
  }
  return std::nullopt;
}

}  // namespace

bool is_nats_import(const Args& args) {
  for (auto a : args) {
    if (a.rfind("nats://", 0) == 0) return true;
  }
  return false;
}

Result<std::int64_t, TimeErrc> parse_time_ns(std::string_view text) {
  auto bad = [&] {
    std::string message(1, '"');  // appended piecewise: GCC 12's -Wrestrict misfires on +
    message.append(text);
    message.append("\" is not a time: give RFC 3339 in UTC (2026-12-07T17:00:00Z) or Unix seconds");
    return make_error(TimeErrc::kBad, std::move(message));
  };
  const std::string s(text);
  if (s.empty()) return bad();
  if (s.find_first_not_of("0123456789.") == std::string::npos) {
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size() || !std::isfinite(v) || v < 0 || v > 9.2e9) return bad();
    return static_cast<std::int64_t>(std::llround(v * 1e9));
  }
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
      consumed != 19) {
    return bad();
  }
  std::int64_t frac_ns = 0;
  std::size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    std::int64_t scale = 100'000'000;
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, scale /= 10) {
      frac_ns += (s[i] - '0') * scale;
    }
  }
  if (i + 1 != s.size() || s[i] != 'Z') return bad();
  if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
      tm.tm_min > 59 || tm.tm_sec > 60 || tm.tm_year < 1970) {
    return bad();
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const std::time_t t = ::timegm(&tm);
  return static_cast<std::int64_t>(t) * 1'000'000'000 + frac_ns;
}

int parse_nats_slice(const Command& command, const ParsedFlags& flags, NatsSlice& slice) {
  if (flags.positional.size() != 1) {
    return usage_error(command, "expected one nats://HOST:PORT[,...] argument");
  }
  auto urls = stream::parse_urls(flags.positional[0]);
  if (!urls) return usage_error(command, urls.error().message);
  slice.urls = *urls;
  slice.stream = flags.get("--stream", "GWTAPE");
  if (!stream::valid_stream_name(slice.stream)) {
    return usage_error(
        command, "--stream takes 1-64 characters of A-Z a-z 0-9 _ -, got \"" + slice.stream + "\"");
  }
  slice.filter = flags.get("--subject", stream::all_subjects(slice.stream));
  const std::string& filter = slice.filter;
  if (filter.rfind(slice.stream + ".", 0) != 0 || filter.size() == slice.stream.size() + 1 ||
      filter.find_first_of(" \t\r\n") != std::string::npos) {
    return usage_error(command, "--subject \"" + filter + "\" is not a subject of stream " +
                                    slice.stream + " (" + stream::all_subjects(slice.stream) +
                                    ", e.g. " + slice.stream + ".<bot>.<shard>.>)");
  }
  for (auto [flag, target] :
       {std::pair{"--since", &slice.since_ns}, {"--until", &slice.until_ns}}) {
    if (!flags.has(flag)) continue;
    auto t = parse_time_ns(flags.get(flag));
    if (!t) return usage_error(command, std::string(flag) + ": " + t.error().message);
    *target = *t;
    slice.windowed = true;
  }
  if (slice.since_ns > slice.until_ns) return usage_error(command, "--since is after --until");
  return kOk;
}

int run_import_nats(const Command& command, const Args& args) {
  int code = kOk;
  auto flags = parse_flags(command, args,
                           {{"--out", true, false},
                            {"--stream", true, false},
                            {"--subject", true, false},
                            {"--since", true, false},
                            {"--until", true, false}},
                           code);
  if (!flags) return code;
  NatsSlice slice;
  if (int c = parse_nats_slice(command, *flags, slice); c != kOk) return c;
  if (flags->get("--out").empty()) return usage_error(command, "--out LOG is required");
  const std::string out(flags->get("--out"));
  std::uint64_t frames = 0, skipped = 0;
  if (int c = import_nats_slice(command, slice, out, frames, skipped); c != kOk) return c;
  std::fprintf(stderr,
               "gwtape import: %llu frames from stream %s (%s) into %s; %llu already there\n",
               static_cast<unsigned long long>(frames), slice.stream.c_str(), slice.filter.c_str(),
               out.c_str(), static_cast<unsigned long long>(skipped));
  return kOk;
}

int import_nats_slice(const Command& command, const NatsSlice& slice, const std::string& out,
                      std::uint64_t& frames, std::uint64_t& skipped) {
  const std::string& stream_name = slice.stream;
  const std::string& filter = slice.filter;
  const std::int64_t since = slice.since_ns, until = slice.until_ns;
  auto held = read_held(out);
  if (!held) return report_store_error(command, held.error());
  stream::JetStreamOptions jo;
  jo.urls = slice.urls;
  jo.stream = stream_name;
  auto js = stream::JetStream::connect(jo);
  if (!js) return usage_error(command, js.error().message);

  // Pass 1: every recording's start and end.
  std::map<std::int64_t, store::RecordingInfo> begins;
  std::map<std::int64_t, stream::Decoded> ends;
  std::uint64_t total = 0;
  int read_code = kFailure;
  auto failed =
      read_all(**js, stream_name + ".*.*.rec", 0, total, read_code, [&](stream::Decoded& d) {
        if (d.kind == stream::Kind::kBegin) begins.emplace(d.recording, d.info);
        if (d.kind == stream::Kind::kEnd) ends.emplace(d.recording, d);
        return std::optional<std::string>();
      });
  if (failed) return report(command, read_code, *failed);

  // Pass 2: the slice. The log is opened only once the slice has a message.
  std::unique_ptr<store::LogWriter> writer;
  std::map<std::int64_t, std::uint64_t> last_seq;  // per recording, the last sequence taken
  std::map<std::int64_t, bool> opened;             // recordings this run appends to
  frames = 0;
  skipped = 0;
  std::optional<store::Error> store_error;
  auto open_writer = [&]() -> bool {
    if (writer) return true;
    store::WriterOptions wo;
    wo.durability = store::Durability::kNoSync;  // made durable by close()
    auto w = store::LogWriter::open(out, wo);
    if (!w) {
      store_error = std::move(w).error();
      return false;
    }
    writer = std::move(*w);
    return true;
  };
  // Whether messages of `rec` go into the log: its start is known, the log has not ended it.
  auto take = [&](std::int64_t rec) -> std::optional<std::string> {
    if (opened.count(rec)) return std::nullopt;
    auto h = held->find(rec);
    if (h != held->end() && h->second.ended) return "ended";
    auto b = begins.find(rec);
    if (b == begins.end()) {
      return "recording " + std::to_string(rec) + " has no start message in stream " + stream_name +
             " (published by something other than gwtape record, or purged)";
    }
    if (!open_writer()) return "store";
    if (h == held->end()) {
      auto id = writer->begin_recording(rec, b->second);
      if (!id) {
        store_error = std::move(id).error();
        return "store";
      }
    }
    opened[rec] = true;
    return std::nullopt;
  };
  // Skips what the log already holds: (conn, ts) before its tail, and the tail's count.
  auto already_held = [&](std::int64_t rec, std::uint32_t conn, std::int64_t ts) {
    auto h = held->find(rec);
    if (h == held->end() || !h->second.has_tail) return false;
    Held& t = h->second;
    if (conn != t.conn ? conn < t.conn : ts < t.ts_ns) return true;
    if (conn == t.conn && ts == t.ts_ns && t.at_tail > 0) {
      --t.at_tail;
      return true;
    }
    return false;
  };
  // Writes one message of the slice, in its recording's sequence order.
  auto emit = [&](stream::Decoded& d) -> std::optional<std::string> {
    auto& last = last_seq[d.recording];
    if (d.seq <= last) return std::nullopt;  // a duplicate
    last = d.seq;
    if (auto why = take(d.recording)) {
      if (*why == "ended") return std::nullopt;
      return why;
    }
    const std::int64_t ts = time_of(d);
    const std::uint32_t conn = d.kind == stream::Kind::kFrame ? d.frame.conn : d.end.conn;
    if (already_held(d.recording, conn, ts)) {
      ++skipped;
      return std::nullopt;
    }
    auto st = d.kind == stream::Kind::kFrame ? writer->append(std::move(d.frame))
                                             : writer->connection_ended(std::move(d.end));
    if (!st) {
      store_error = std::move(st).error();
      return std::optional<std::string>("store");
    }
    if (d.kind == stream::Kind::kFrame) ++frames;
    return std::nullopt;
  };
  // A publish retried after a failure can store a message up to kPublishWindow - 1 places
  // after one that follows it (stream/jetstream.h, "Order"): each recording's messages wait
  // here until kPublishWindow of them are held, and leave smallest sequence number first.
  std::map<std::int64_t, std::map<std::uint64_t, stream::Decoded>> waiting;
  std::uint64_t in_slice = 0;
  failed = read_all(**js, filter, since, total, read_code, [&](stream::Decoded& d) {
    std::optional<std::string> none;
    if (d.kind == stream::Kind::kBegin || d.kind == stream::Kind::kEnd) return none;
    const std::int64_t ts = time_of(d);
    if (ts < since || ts > until) return none;
    ++in_slice;
    if (d.seq <= last_seq[d.recording]) return none;  // a duplicate of one written
    auto& held_back = waiting[d.recording];
    held_back.emplace(d.seq, std::move(d));  // a duplicate of one waiting is not taken
    if (held_back.size() < stream::kPublishWindow) return none;
    auto first = held_back.begin();
    auto err = emit(first->second);
    held_back.erase(first);
    return err;
  });
  for (auto& [rec, held_back] : waiting) {
    for (auto& [seq, d] : held_back) {
      if (failed || store_error) break;
      failed = emit(d);
    }
  }
  if (store_error) return report_store_error(command, *store_error);
  if (failed) return report(command, read_code, *failed);
  if (in_slice == 0) {
    return report(command, kFailure,
                  "no frame of stream " + stream_name + " on " + (*js)->servers() +
                      " matches --subject " + filter +
                      (slice.windowed ? " in the time window" : "") + " (nothing written)");
  }
  // A recording's end (and its live digest) only when this run holds it whole: no --since,
  // and the end inside --until.
  for (const auto& [rec, d] : ends) {
    if (!opened.count(rec) || since > 0 || d.ended_at_ns > until) continue;
    if (auto st = writer->end_recording(rec, d.ended_at_ns, d.state_digest); !st) {
      return report_store_error(command, st.error());
    }
  }
  if (writer) {
    if (auto st = writer->close(); !st) return report_store_error(command, st.error());
  }
  return kOk;
}

}  // namespace gwtape::tools
