// store/log_reader.cpp — recordings, frames by id, cursors in id order.
#include "gwtape/store/log_reader.h"

#include <utility>

#include "frame_source.h"
#include "gwtape/store/sql_functions.h"
#include "read_ahead.h"
#include "schema.h"
#include "sqlite_util.h"

namespace gwtape::store {
namespace {

// Columns 0-9 of a frame row, in the order read_meta expects.
constexpr const char* kFrameSelect =
    "SELECT f.id, f.rec, f.cd, r.started_at + f.dts, f.op, f.s, n.name, g.id, c.id, f.size "
    "FROM frames f JOIN recordings r ON r.id = f.rec "
    "LEFT JOIN event_names n ON n.code = f.t "
    "LEFT JOIN guild_ids g ON g.code = f.g "
    "LEFT JOIN channel_ids c ON c.code = f.c ";
// The same columns without the name and id lookups (FrameQuery::names = false).
constexpr const char* kFrameSelectNoNames =
    "SELECT f.id, f.rec, f.cd, r.started_at + f.dts, f.op, f.s, NULL, NULL, NULL, f.size "
    "FROM frames f JOIN recordings r ON r.id = f.rec ";

// The rows a FrameQuery visits (from_seq aside), with ?1 = from_id and ?2 = recording_id;
// `bind_query` binds them.
constexpr const char* kFrameFilter = "WHERE f.id >= ?1 AND (?2 IS NULL OR f.rec = ?2) ";

void bind_query(Stmt& s, const FrameQuery& query) {
  s.bind(1, query.from_id);
  if (query.recording_id) s.bind(2, *query.recording_id);
}

void read_meta(const Stmt& s, StoredFrame* f) {
  f->id = s.int64(0);
  f->recording_id = s.int64(1);
  std::int64_t cd = s.int64(2);
  f->conn = static_cast<std::uint32_t>(cd >> 1);
  f->direction = (cd & 1) ? Direction::kSend : Direction::kRecv;
  f->ts_ns = s.int64(3);
  f->op = s.is_null(4) ? std::nullopt : std::optional<int>(static_cast<int>(s.int64(4)));
  f->s = s.is_null(5) ? std::nullopt : std::optional<std::int64_t>(s.int64(5));
  if (s.is_null(6)) {
    f->t.reset();
  } else {
    if (!f->t) f->t.emplace();
    f->t->assign(s.bytes(6));  // a cursor's frame keeps its buffer from row to row
  }
  f->guild_id = s.is_null(7) ? std::nullopt
                             : std::optional<std::uint64_t>(static_cast<std::uint64_t>(s.int64(7)));
  f->channel_id = s.is_null(8)
                      ? std::nullopt
                      : std::optional<std::uint64_t>(static_cast<std::uint64_t>(s.int64(8)));
}

}  // namespace

struct LogReader::Impl {
  Impl(std::string p, SqliteHandle handle)
      : path(std::move(p)), db(std::move(handle)), source(db.get(), path, true) {}
  std::string path;
  SqliteHandle db;  // declared first: destroyed after the statements below
  FrameSource source;
  Stmt get_stmt;

  Status fill_text(StoredFrame* f, std::int64_t size) {
    auto text = source.text(f->id);
    if (!text) return std::move(text).error();
    if (static_cast<std::int64_t>(text->size()) != size)
      return make_error(Errc::kCorrupt, path + ": frame " + std::to_string(f->id) + ": " +
                                            std::to_string(text->size()) +
                                            " bytes stored, its row says " + std::to_string(size));
    f->text.reserve(text->size() + kTextPadding);
    f->text.assign(text->data(), text->size());
    return {};
  }
};

struct FrameCursor::Impl {
  LogReader::Impl* reader;
  Stmt scan;
  std::optional<std::int64_t> from_seq;
  StoredFrame frame;
  std::int64_t last_id = 0;  // the scan's previous row: ids only grow in a sound log
  bool done = false;
  std::unique_ptr<ReadAhead> ahead;  // FrameQuery::read_ahead: the scan runs there instead
};

LogReader::LogReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LogReader::~LogReader() = default;

Result<std::unique_ptr<LogReader>> LogReader::open(const std::string& path) {
  auto db = open_checked_read_only(path);
  if (!db) return std::move(db).error();
  auto impl = std::make_unique<Impl>(path, std::move(*db));
  return std::unique_ptr<LogReader>(new LogReader(std::move(impl)));
}

const std::string& LogReader::path() const { return impl_->path; }

Result<std::vector<Recording>> LogReader::recordings() {
  auto s = Stmt::prepare(impl_->db.get(),
                         "SELECT id, started_at, ended_at, gateway_url, api_version, encoding, "
                         "compress, intents, shard_id, shard_count, tool_version, state_digest, "
                         "redactions FROM recordings ORDER BY id");
  if (!s) return std::move(s).error();
  std::vector<Recording> out;
  int rc;
  while ((rc = s->step()) == SQLITE_ROW) {
    Recording r;
    r.id = s->int64(0);
    r.info.started_at_ns = s->int64(1);
    if (!s->is_null(2)) r.ended_at_ns = s->int64(2);
    r.info.gateway_url = s->bytes(3);
    r.info.api_version = static_cast<int>(s->int64(4));
    r.info.encoding = s->bytes(5);
    r.info.compress = s->bytes(6);
    r.info.intents = s->int64(7);
    if (!s->is_null(8)) r.info.shard_id = static_cast<int>(s->int64(8));
    if (!s->is_null(9)) r.info.shard_count = static_cast<int>(s->int64(9));
    r.info.tool_version = s->bytes(10);
    if (!s->is_null(11)) r.state_digest = std::string(s->bytes(11));
    r.info.redactions = s->bytes(12);
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return sqlite_error(impl_->db.get(), rc, impl_->path + ": recordings");
  return out;
}

Result<StoredFrame> LogReader::get(std::int64_t id) {
  Impl& m = *impl_;
  if (!m.get_stmt) {
    auto s = Stmt::prepare(m.db.get(), std::string(kFrameSelect) + "WHERE f.id = ?1");
    if (!s) return std::move(s).error();
    m.get_stmt = std::move(*s);
  }
  m.get_stmt.bind(1, id);
  int rc = m.get_stmt.step();
  if (rc != SQLITE_ROW) {
    m.get_stmt.reset();
    if (rc == SQLITE_DONE)
      return make_error(Errc::kNotFound, m.path + ": no frame " + std::to_string(id));
    return sqlite_error(m.db.get(), rc, m.path + ": frame " + std::to_string(id));
  }
  StoredFrame f;
  read_meta(m.get_stmt, &f);
  std::int64_t size = m.get_stmt.int64(9);
  m.get_stmt.reset();
  if (auto st = m.fill_text(&f, size); !st) return std::move(st).error();
  return f;
}

Result<std::unique_ptr<FrameCursor>> LogReader::frames(const FrameQuery& query) {
  if (query.read_ahead) {
    auto ahead = ReadAhead::start(impl_->path, query);
    if (!ahead) return std::move(ahead).error();
    auto impl = std::make_unique<FrameCursor::Impl>();
    impl->reader = impl_.get();
    impl->ahead = std::move(*ahead);
    return std::unique_ptr<FrameCursor>(new FrameCursor(std::move(impl)));
  }
  auto s =
      Stmt::prepare(impl_->db.get(), std::string(query.names ? kFrameSelect : kFrameSelectNoNames) +
                                         kFrameFilter + "ORDER BY f.id");
  if (!s) return std::move(s).error();
  bind_query(*s, query);
  auto impl = std::make_unique<FrameCursor::Impl>();
  impl->reader = impl_.get();
  impl->scan = std::move(*s);
  impl->from_seq = query.from_seq;
  return std::unique_ptr<FrameCursor>(new FrameCursor(std::move(impl)));
}

Result<std::vector<ConnectionEnd>> LogReader::connection_ends(
    std::optional<std::int64_t> recording_id) {
  std::vector<ConnectionEnd> out;
  sqlite3* db = impl_->db.get();
  auto exists = has_connections_table(db, impl_->path);
  if (!exists) return std::move(exists).error();
  if (!*exists) return out;  // a log from before the table
  auto s = Stmt::prepare(db,
                         "SELECT rec, conn, closed_at, closed_by, code, reason FROM connections "
                         "WHERE ?1 IS NULL OR rec = ?1 ORDER BY rec, conn");
  if (!s) return std::move(s).error();
  if (recording_id) s->bind(1, *recording_id);
  int rc;
  while ((rc = s->step()) == SQLITE_ROW) {
    ConnectionEnd e;
    e.recording_id = s->int64(0);
    e.conn = static_cast<std::uint32_t>(s->int64(1));
    e.ts_ns = s->int64(2);
    auto by = closed_by_from_name(s->bytes(3));
    if (!by)
      return make_error(Errc::kCorrupt, impl_->path + ": connection " + std::to_string(e.conn) +
                                            " of recording " + std::to_string(e.recording_id) +
                                            ": closed_by '" + std::string(s->bytes(3)) +
                                            "' is not server, client or lost");
    e.closed_by = *by;
    if (!s->is_null(4)) e.code = static_cast<int>(s->int64(4));
    e.reason = s->bytes(5);
    out.push_back(std::move(e));
  }
  if (rc != SQLITE_DONE) return sqlite_error(db, rc, impl_->path + ": connections");
  return out;
}

Result<std::int64_t> LogReader::count(const FrameQuery& query) {
  auto s =
      Stmt::prepare(impl_->db.get(), std::string("SELECT count(*) FROM frames f ") + kFrameFilter);
  if (!s) return std::move(s).error();
  bind_query(*s, query);
  const int rc = s->step();
  if (rc != SQLITE_ROW) return sqlite_error(impl_->db.get(), rc, impl_->path + ": count frames");
  return s->int64(0);
}

FrameCursor::FrameCursor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FrameCursor::~FrameCursor() = default;

const StoredFrame& FrameCursor::frame() const {
  return impl_->ahead ? impl_->ahead->frame() : impl_->frame;
}

Result<bool> FrameCursor::next() {
  Impl& m = *impl_;
  if (m.ahead) return m.ahead->next();
  if (m.done) return false;
  for (;;) {
    int rc = m.scan.step();
    if (rc == SQLITE_DONE) {
      m.done = true;
      return false;
    }
    if (rc != SQLITE_ROW) {
      m.done = true;
      return sqlite_error(m.reader->db.get(), rc, m.reader->path + ": read frames");
    }
    // The scan is in rowid order, so a row that does not come after the previous one is a
    // damaged b-tree (a page linked twice, cells out of order), and going on could loop for ever:
    // a corrupt log, and the end of the scan.
    const std::int64_t id = m.scan.int64(0);
    if (id <= m.last_id) {
      m.done = true;
      return make_error(Errc::kCorrupt, m.reader->path + ": corrupt or truncated log: frame " +
                                            std::to_string(id) + " after frame " +
                                            std::to_string(m.last_id) +
                                            " (frame ids out of order)");
    }
    m.last_id = id;
    if (m.from_seq) {
      // Skip until the first dispatch at or past the sequence; no text is read meanwhile.
      if (m.scan.is_null(5) || m.scan.int64(5) < *m.from_seq || m.scan.is_null(4) ||
          m.scan.int64(4) != 0)
        continue;
      m.from_seq.reset();
    }
    read_meta(m.scan, &m.frame);
    if (auto st = m.reader->fill_text(&m.frame, m.scan.int64(9)); !st) {
      // The scan stays on this row: another next() goes on past the corrupt frame.
      Error e = std::move(st).error();
      const std::string id = "frame " + std::to_string(m.frame.id);
      if (e.message.find(id) == std::string::npos) e.message = id + ": " + e.message;
      return e;
    }
    return true;
  }
}

Result<SqliteHandle> open_query_connection(const std::string& path) {
  auto db = open_checked_read_only(path);
  if (!db) return db;
  // A log from before the connections table: an empty one, so that queries naming it run.
  const char* sql =
      "CREATE TEMP VIEW IF NOT EXISTS connections AS SELECT NULL AS rec, NULL AS conn, "
      "NULL AS closed_at, NULL AS closed_by, NULL AS code, NULL AS reason WHERE 0";
  auto exists = has_connections_table(db->get(), path);
  if (!exists) return std::move(exists).error();
  if (!*exists) {
    if (int e = sqlite3_exec(db->get(), sql, nullptr, nullptr, nullptr); e != SQLITE_OK)
      return sqlite_error(db->get(), e, path + ": connections");
  }
  return db;
}

}  // namespace gwtape::store
