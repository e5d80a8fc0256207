// tools/log_summary.cpp — per-recording figures and the events-per-second chart for stats.
#include "log_summary.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <unordered_map>

#include "gwtape/store/log_reader.h"
#include "gwtape/store/sql_functions.h"
#include "query_output.h"

namespace gwtape::tools {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

store::Error sql_error(sqlite3* db, const std::string& path, std::string_view what) {
  const int rc = sqlite3_errcode(db) & 0xFF;
  return make_error(
      rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB ? store::Errc::kCorrupt : store::Errc::kInternal,
      path + ": " + std::string(what) + ": " + sqlite3_errmsg(db));
}

// Runs `sql`, calling row(stmt) for each row.
template <class Row>
store::Status each_row(sqlite3* db, const std::string& path, const char* sql, Row&& row) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK)
    return sql_error(db, path, "stats query");
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) row(s);
  sqlite3_finalize(s);
  if (rc != SQLITE_DONE) return sql_error(db, path, "stats query");
  return {};
}

std::int64_t bucket_for(std::int64_t duration_ns) {
  static constexpr std::int64_t kSteps[] = {1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800};
  for (std::int64_t s : kSteps) {
    if (duration_ns / (s * kSecond) < kMaxBuckets) return s * kSecond;
  }
  std::int64_t hours = 1;
  while (duration_ns / (hours * 3600 * kSecond) >= kMaxBuckets) hours *= 2;
  return hours * 3600 * kSecond;
}

// Counts of one recording's dispatches by type and bucket, filled row by row.
struct Tally {
  std::unordered_map<std::string, std::pair<std::int64_t, std::vector<std::int64_t>>> by_type;
};

}  // namespace

store::Result<LogSummary> summarize(const std::string& path) {
  LogSummary out;
  out.path = path;
  auto file = store::stats(path);
  if (!file) return std::move(file).error();
  out.file = std::move(*file);
  auto reader = store::LogReader::open(path);
  if (!reader) return std::move(reader).error();
  auto recordings = (*reader)->recordings();
  if (!recordings) return std::move(recordings).error();
  auto conn = store::open_query_connection(path);
  if (!conn) return std::move(conn).error();
  sqlite3* db = conn->get();

  std::map<std::int64_t, std::size_t> index;  // recording id -> position in out.recordings
  for (auto& r : *recordings) {
    index[r.id] = out.recordings.size();
    out.recordings.emplace_back().recording = std::move(r);
  }
  for (const auto& b : out.file.per_recording) {
    if (auto it = index.find(b.recording_id); it != index.end())
      out.recordings[it->second].stored_bytes = b.stored_bytes;
  }
  auto at = [&](sqlite3_stmt* s) -> RecordingSummary* {
    auto it = index.find(sqlite3_column_int64(s, 0));
    return it == index.end() ? nullptr : &out.recordings[it->second];
  };
  store::Status st =
      each_row(db, path,
               "SELECT recording_id, count(*), sum(direction = 'send'), sum(size), min(ts_ns), "
               "max(ts_ns), count(DISTINCT conn), sum(op = 7 AND direction = 'recv'), "
               "sum(op = 9 AND direction = 'recv'), sum(op = 2 AND direction = 'send'), "
               "sum(op = 6 AND direction = 'send') FROM events GROUP BY recording_id",
               [&](sqlite3_stmt* s) {
                 RecordingSummary* r = at(s);
                 if (!r) return;
                 auto col = [&](int i) { return sqlite3_column_int64(s, i); };
                 r->frames = col(1);
                 r->send = col(2);
                 r->recv = r->frames - r->send;
                 r->raw_bytes = col(3);
                 r->first_ts_ns = col(4);
                 r->last_ts_ns = col(5);
                 r->connections = col(6);
                 r->reconnect_requests = col(7);
                 r->invalid_sessions = col(8);
                 r->identifies = col(9);
                 r->resumes = col(10);
               });
  if (!st) return std::move(st).error();

  st = each_row(db, path,
                "SELECT rec, closed_by || coalesce(' ' || code, '') AS how, count(*) "
                "FROM connections GROUP BY rec, how ORDER BY rec, count(*) DESC, how",
                [&](sqlite3_stmt* s) {
                  RecordingSummary* r = at(s);
                  if (!r) return;
                  r->closes.emplace_back(std::string(column_bytes(s, 1)),
                                         sqlite3_column_int64(s, 2));
                });
  if (!st) return std::move(st).error();

  // Sequences in frame order; the view's json is not read, so no frame text is decompressed.
  std::vector<store::SequenceTracker> sequences(out.recordings.size());
  st = each_row(db, path,
                "SELECT recording_id, op, s FROM events WHERE (op = 0 AND direction = 'recv' AND "
                "s IS NOT NULL) OR (op = 2 AND direction = 'send') ORDER BY id",
                [&](sqlite3_stmt* s) {
                  RecordingSummary* r = at(s);
                  if (!r) return;
                  store::SequenceTracker& seq = sequences[index[r->recording.id]];
                  if (sqlite3_column_int64(s, 1) == 2) {
                    seq.identify();
                    return;
                  }
                  const auto step = seq.dispatch(sqlite3_column_int64(s, 2));
                  r->seq_gaps += step == store::SequenceTracker::Step::kGap;
                  r->seq_repeats += step == store::SequenceTracker::Step::kRepeat;
                });
  if (!st) return std::move(st).error();

  std::vector<Tally> tallies(out.recordings.size());
  for (auto& r : out.recordings) {
    const std::int64_t start = r.recording.info.started_at_ns;
    const std::int64_t end = r.recording.ended_at_ns.value_or(r.last_ts_ns.value_or(start));
    r.duration_ns = std::max<std::int64_t>(0, end - start);
    r.bucket_ns = bucket_for(std::max(r.duration_ns, r.last_ts_ns.value_or(start) - start));
  }
  st = each_row(
      db, path,
      "SELECT recording_id, ts_ns, t FROM events "
      "WHERE op = 0 AND direction = 'recv' AND t IS NOT NULL",
      [&](sqlite3_stmt* s) {
        RecordingSummary* r = at(s);
        if (!r) return;
        std::string name(column_bytes(s, 2));
        auto& [count, buckets] = tallies[index[r->recording.id]].by_type[name];
        ++count;
        const std::int64_t dt = sqlite3_column_int64(s, 1) - r->recording.info.started_at_ns;
        const auto b = static_cast<std::size_t>(std::max<std::int64_t>(0, dt) / r->bucket_ns);
        if (buckets.size() <= b) buckets.resize(b + 1);
        ++buckets[b];
        ++r->dispatches;
      });
  if (!st) return std::move(st).error();

  for (std::size_t i = 0; i < out.recordings.size(); ++i) {
    RecordingSummary& r = out.recordings[i];
    std::vector<std::pair<std::string, std::int64_t>> types;
    auto buckets = static_cast<std::size_t>(r.duration_ns / r.bucket_ns + 1);
    for (auto& [name, tally] : tallies[i].by_type) {
      types.emplace_back(name, tally.first);
      buckets = std::max(buckets, tally.second.size());
    }
    std::sort(types.begin(), types.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    r.by_type = types;
    const std::size_t own = types.size() <= kMaxSeries ? types.size() : kMaxSeries - 1;
    for (std::size_t k = 0; k < types.size(); ++k) {
      auto& counts = tallies[i].by_type[types[k].first].second;
      counts.resize(buckets);
      if (k < own) {
        r.series.push_back({types[k].first, std::move(counts)});
      } else {
        if (r.series.size() == own)
          r.series.push_back({"other", std::vector<std::int64_t>(buckets)});
        for (std::size_t b = 0; b < buckets; ++b) r.series.back().counts[b] += counts[b];
      }
    }
  }
  return out;
}

double ratio(std::int64_t raw, std::int64_t stored) {
  return stored > 0 ? static_cast<double>(raw) / static_cast<double>(stored) : 0.0;
}

std::string format_utc(std::int64_t ns) {
  std::time_t secs = static_cast<std::time_t>(ns / kSecond - (ns % kSecond < 0 ? 1 : 0));
  std::tm tm{};
  if (!::gmtime_r(&secs, &tm)) return std::to_string(ns) + " ns";
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

std::string closes_text(const RecordingSummary& r) {
  if (r.closes.empty()) return "none recorded";
  std::string out;
  for (const auto& [how, count] : r.closes) {
    if (!out.empty()) out += ", ";
    out += how + " x" + std::to_string(count);
  }
  return out;
}

std::string format_duration(std::int64_t ns) {
  char buf[64];
  const double s = static_cast<double>(ns) / kSecond;
  if (ns < 60 * kSecond) {
    std::snprintf(buf, sizeof buf, "%.3gs", s);
  } else if (ns < 3600 * kSecond) {
    std::snprintf(buf, sizeof buf, "%lldm %04.1fs", static_cast<long long>(ns / (60 * kSecond)),
                  s - 60.0 * static_cast<double>(ns / (60 * kSecond)));
  } else {
    const long long total = ns / kSecond;
    std::snprintf(buf, sizeof buf, "%lldh %02lldm %02llds", total / 3600, total / 60 % 60,
                  total % 60);
  }
  return buf;
}

std::string format_bytes(std::int64_t bytes) {
  char buf[64];
  const double b = static_cast<double>(bytes);
  if (bytes < 1000) {
    std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(bytes));
  } else if (bytes < 1'000'000) {
    std::snprintf(buf, sizeof buf, "%.1f kB", b / 1e3);
  } else if (bytes < 1'000'000'000) {
    std::snprintf(buf, sizeof buf, "%.1f MB", b / 1e6);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f GB", b / 1e9);
  }
  return buf;
}

}  // namespace gwtape::tools
