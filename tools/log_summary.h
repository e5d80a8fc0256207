// tools/log_summary.h — what `gwtape stats` reports about a log, computed once for its three
// outputs (text, --json, --html).
//
// Everything comes from the public contract (the `recordings` table and the `events` view, on
// a read-only query connection) except the byte counts, which are store::stats. Definitions:
//   duration     ended_at - started_at, or (last frame - started_at) when it did not end
//   connections  distinct `conn` values; reconnects = connections - 1
//   resumes      op 6 frames sent; identifies: op 2 sent; reconnect requests: op 7 received;
//                invalid sessions: op 9 received
//   closes       the recorded connection ends (the `connections` table) by "closer code":
//                "server 4000", "client 1000", "lost"; none for logs from before the table
//   dispatches   op 0 frames received, by `t`
//   seq_gaps     received dispatches whose `s` skipped numbers; seq_repeats: whose `s` was at
//                or below the last one (store::SequenceTracker, as `gwtape verify` warns)
//   stored_bytes the recording's share of the compressed text (store::RecordingBytes)
// The chart counts dispatches per time bucket since started_at: the bucket is the smallest
// of 1 s, 2 s, 5 s, 10 s, 15 s, 30 s, 1 min, ... that keeps at most kMaxBuckets buckets; the
// kMaxSeries - 1 busiest event types get a series each and the rest are summed into "other".
//
// Thread-safety: plain values; `summarize` opens its own connections.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gwtape/store/errors.h"
#include "gwtape/store/frame.h"
#include "gwtape/store/verify.h"

namespace gwtape::tools {

constexpr int kMaxBuckets = 240;
constexpr int kMaxSeries = 9;  // 8 event types and "other"

struct ChartSeries {
  std::string name;                  // event type, or "other"
  std::vector<std::int64_t> counts;  // per bucket
};

struct RecordingSummary {
  store::Recording recording;
  std::int64_t frames = 0, recv = 0, send = 0;
  std::int64_t raw_bytes = 0, stored_bytes = 0;
  std::optional<std::int64_t> first_ts_ns, last_ts_ns;
  std::int64_t duration_ns = 0;
  std::int64_t connections = 0;
  std::int64_t reconnect_requests = 0, invalid_sessions = 0, identifies = 0, resumes = 0;
  std::int64_t dispatches = 0;
  std::int64_t seq_gaps = 0, seq_repeats = 0;
  std::vector<std::pair<std::string, std::int64_t>> by_type;  // most frequent first
  std::vector<std::pair<std::string, std::int64_t>> closes;   // most frequent first
  std::int64_t bucket_ns = 1'000'000'000;
  std::vector<ChartSeries> series;  // busiest first, "other" last

  std::int64_t reconnects() const { return connections > 0 ? connections - 1 : 0; }
};

struct LogSummary {
  std::string path;
  store::LogStats file;
  std::vector<RecordingSummary> recordings;
};

// Errors: as store::stats and store::open_query_connection (kIo, kNotALog, kVersion, kCorrupt).
store::Result<LogSummary> summarize(const std::string& path);

// raw / stored, or 0 when nothing is stored.
double ratio(std::int64_t raw, std::int64_t stored);
// "2026-01-01 00:00:00 UTC"
std::string format_utc(std::int64_t ns);
// "1h 02m 03s", "4m 05.2s", "0.125s"
std::string format_duration(std::int64_t ns);
// "12.3 MB", "950 B" (decimal units)
std::string format_bytes(std::int64_t bytes);
// "client 4000 x2, lost x1", or "none recorded"
std::string closes_text(const RecordingSummary& r);

}  // namespace gwtape::tools
