// store/writer_core.cpp — frame rows, block boundaries, pending rows; blocks via BlockSealer.
#include "writer_core.h"

#include <unistd.h>

#include <limits>
#include <string>
#include <utility>

#include "schema.h"

namespace gwtape::store {
WriterCore::WriterCore(std::string path, const WriterOptions& options, SqliteHandle db)
    : path_(std::move(path)), options_(options), db_(std::move(db)), pending_compressor_(1) {}

WriterCore::~WriterCore() = default;

Error WriterCore::fail(int rc, std::string_view what) {
  return sqlite_error(db_.get(), rc, path_ + ": " + std::string(what));
}

Result<std::unique_ptr<WriterCore>> WriterCore::open(const std::string& path,
                                                     const WriterOptions& options) {
  if (options.block_frames < 1 || options.block_bytes < 1 || options.queue_frames < 1)
    return make_error(Errc::kInvalidArgument, path + ": block and queue sizes must be positive");
  if (::access(path.c_str(), F_OK) != 0) {
    if (auto st = create_log(path, options.vfs); !st) return std::move(st).error();
  }
  auto db = open_for_writing(path, options.vfs);
  if (!db) return std::move(db).error();
  std::unique_ptr<WriterCore> core(new WriterCore(path, options, std::move(*db)));
  // kInterval commits without a sync and lets the WalSyncer sync each commit right after it.
  const char* sync = options.durability == Durability::kFull       ? "FULL"
                     : options.durability == Durability::kInterval ? "NORMAL"
                                                                   : "OFF";
  std::string pragmas = std::string("PRAGMA busy_timeout=5000; ") + "PRAGMA synchronous=" + sync +
                        "; PRAGMA secure_delete=OFF; PRAGMA cache_size=-16384;"
                        " PRAGMA wal_autocheckpoint=4096;";
  if (auto st = exec(core->db_.get(), pragmas, path + ": configure"); !st)
    return std::move(st).error();
  {
    // The mode is a result, not an error: SQLite keeps the old one when it cannot switch.
    auto wal = Stmt::prepare(core->db_.get(), "PRAGMA journal_mode=WAL");
    if (!wal) return std::move(wal).error();
    int rc = wal->step();
    if (rc != SQLITE_ROW) return core->fail(rc, "switch to WAL");
    if (wal->bytes(0) != "wal")
      return make_error(Errc::kIo, path + ": cannot switch to WAL mode (still " +
                                       std::string(wal->bytes(0)) + ")");
  }
  if (auto st = core->prepare_statements(); !st) return std::move(st).error();
  if (options.durability == Durability::kInterval)
    core->syncer_ = std::make_unique<WalSyncer>(path + "-wal");
  if (auto st = core->load(); !st) return std::move(st).error();
  return core;
}

Status WriterCore::prepare_statements() {
  struct {
    Stmt* stmt;
    const char* sql;
  } all[] = {
      {&insert_frame_,
       "INSERT INTO frames(id, rec, cd, dts, op, s, t, g, c, size) "
       "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"},
      {&insert_pending_, "INSERT INTO pending(id, data) VALUES(?1, ?2)"},
      {&delete_pending_, "DELETE FROM pending WHERE id BETWEEN ?1 AND ?2"},
      {&insert_block_, "INSERT INTO blocks(first, n, dict, data) VALUES(?1, ?2, ?3, ?4)"},
      {&reseal_block_, "UPDATE blocks SET dict = ?3, data = ?4 WHERE first = ?1 AND n = ?2"},
      {&insert_name_, "INSERT INTO event_names(code, name) VALUES(?1, ?2)"},
      {&insert_guild_, "INSERT INTO guild_ids(code, id) VALUES(?1, ?2)"},
      {&insert_channel_, "INSERT INTO channel_ids(code, id) VALUES(?1, ?2)"},
      {&insert_dict_, "INSERT INTO dicts(id, first_frame, data) VALUES(?1, ?2, ?3)"},
      {&insert_recording_,
       "INSERT INTO recordings(started_at, gateway_url, api_version, encoding, compress, "
       "intents, shard_id, shard_count, tool_version, redactions, id) "
       "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"},
      {&end_recording_, "UPDATE recordings SET ended_at = ?2, state_digest = ?3 WHERE id = ?1"},
      {&max_id_, "SELECT max(id) FROM frames"},
      {&insert_connection_,
       "INSERT OR REPLACE INTO connections(rec, conn, closed_at, closed_by, code, reason) "
       "VALUES(?1, ?2, ?3, ?4, ?5, ?6)"},
  };
  for (auto& s : all) {
    auto r = Stmt::prepare(db_.get(), s.sql);
    if (!r) return make_error(r.error().code, path_ + ": " + r.error().message);
    *s.stmt = std::move(*r);
  }
  return {};
}

Status WriterCore::load() {
  sqlite3* db = db_.get();
  auto run = [&](const char* sql, auto&& row) -> Status {
    auto s = Stmt::prepare(db, sql);
    if (!s) return make_error(s.error().code, path_ + ": " + s.error().message);
    int rc;
    while ((rc = s->step()) == SQLITE_ROW) {
      if (auto st = row(*s); !st) return st;
    }
    if (rc != SQLITE_DONE) return fail(rc, "load");
    return {};
  };
  Status st = run("SELECT coalesce(max(id), 0) FROM frames", [&](Stmt& s) -> Status {
    next_id_ = s.int64(0) + 1;
    return {};
  });
  if (st)
    st = run("SELECT code, name FROM event_names", [&](Stmt& s) -> Status {
      names_.emplace(std::string(s.bytes(1)), s.int64(0));
      return {};
    });
  if (st)
    st = run("SELECT code, id FROM guild_ids", [&](Stmt& s) -> Status {
      guilds_.emplace(static_cast<std::uint64_t>(s.int64(1)), s.int64(0));
      return {};
    });
  if (st)
    st = run("SELECT code, id FROM channel_ids", [&](Stmt& s) -> Status {
      channels_.emplace(static_cast<std::uint64_t>(s.int64(1)), s.int64(0));
      return {};
    });
  if (st)
    st =
        run("SELECT id, started_at FROM recordings WHERE ended_at IS NULL", [&](Stmt& s) -> Status {
          open_recordings_.emplace(s.int64(0), s.int64(1));
          return {};
        });
  std::int64_t dict_id = 0;
  std::string dict;
  if (st)
    st = run("SELECT id, data FROM dicts ORDER BY id DESC LIMIT 1", [&](Stmt& s) -> Status {
      dict_id = s.int64(0);
      dict = s.bytes(1);
      return {};
    });
  std::int64_t sealed_end = 1;
  if (st)
    st = run("SELECT first + n FROM blocks ORDER BY first DESC LIMIT 1", [&](Stmt& s) -> Status {
      sealed_end = s.int64(0);
      return {};
    });
  BlockDecoder decoder;
  if (st)
    st = run("SELECT id, data FROM pending ORDER BY id", [&](Stmt& s) -> Status {
      std::int64_t id = s.int64(0);
      std::int64_t expected = pending_.empty() ? sealed_end : pending_.back().id + 1;
      if (id != expected)
        return make_error(Errc::kCorrupt, path_ + ": frame " + std::to_string(expected) +
                                              ": neither in a block nor pending");
      Pending p{id, {}, true};
      if (auto d = decoder.decode_pending(s.bytes(1), &p.text); !d)
        return make_error(Errc::kCorrupt,
                          path_ + ": frame " + std::to_string(id) + ": " + d.error().message);
      pending_bytes_ += p.text.size();
      pending_.push_back(std::move(p));
      return {};
    });
  if (!st) return st;
  std::int64_t covered_end = pending_.empty() ? sealed_end : pending_.back().id + 1;
  if (covered_end != next_id_)
    return make_error(Errc::kCorrupt, path_ + ": frame " + std::to_string(covered_end) +
                                          ": neither in a block nor pending");
  sealer_ = std::make_unique<BlockSealer>(options_, dict_id, dict);
  return {};
}

Status WriterCore::ensure_transaction() {
  if (in_txn_) return {};
  int rc = sqlite3_exec(db_.get(), "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return fail(rc, "begin transaction");
  in_txn_ = true;
  txn_frames_ = 0;
  // One writer per log: if another one appended since our last commit, stop here.
  rc = max_id_.step();
  std::int64_t max_id = rc == SQLITE_ROW ? max_id_.int64(0) : -1;
  max_id_.reset();
  if (rc != SQLITE_ROW) return fail(rc, "begin transaction");
  if (max_id != next_id_ - 1)
    return make_error(Errc::kBusy, path_ + ": another writer appended to this log");
  return {};
}

Result<std::optional<std::int64_t>> WriterCore::code_for_name(std::string_view name) {
  if (name.empty()) return std::optional<std::int64_t>();
  std::string key(name);
  if (auto it = names_.find(key); it != names_.end()) return std::optional(it->second);
  std::int64_t code = static_cast<std::int64_t>(names_.size()) + 1;
  insert_name_.bind(1, code);
  insert_name_.bind_text(2, name);
  int rc = insert_name_.step();
  insert_name_.reset();
  if (rc != SQLITE_DONE) return fail(rc, "insert event name");
  names_.emplace(std::move(key), code);
  return std::optional(code);
}

Result<std::optional<std::int64_t>> WriterCore::code_for_id(std::optional<gateway::Snowflake> id,
                                                            bool guild) {
  // Snowflakes beyond int64 (not before 2084) cannot be SQLite integers: stored as absent.
  if (!id || !id->valid() ||
      id->value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    return std::optional<std::int64_t>();
  auto& map = guild ? guilds_ : channels_;
  if (auto it = map.find(id->value); it != map.end()) return std::optional(it->second);
  std::int64_t code = static_cast<std::int64_t>(map.size()) + 1;
  Stmt& s = guild ? insert_guild_ : insert_channel_;
  s.bind(1, code);
  s.bind(2, static_cast<std::int64_t>(id->value));
  int rc = s.step();
  s.reset();
  if (rc != SQLITE_DONE) return fail(rc, guild ? "insert guild id" : "insert channel id");
  map.emplace(id->value, code);
  return std::optional(code);
}

Result<std::int64_t> WriterCore::begin_recording(const RecordingInfo& info,
                                                 std::optional<std::int64_t> want_id) {
  if (auto st = ensure_transaction(); !st) return std::move(st).error();
  Stmt& s = insert_recording_;
  s.bind(1, info.started_at_ns);
  s.bind_text(2, info.gateway_url);
  s.bind(3, info.api_version);
  s.bind_text(4, info.encoding);
  s.bind_text(5, info.compress);
  s.bind(6, info.intents);
  if (info.shard_id) s.bind(7, *info.shard_id);
  if (info.shard_count) s.bind(8, *info.shard_count);
  s.bind_text(9, info.tool_version);
  s.bind_text(10, info.redactions);
  if (want_id) s.bind(11, *want_id);  // unbound: NULL, so SQLite picks max(id) + 1
  int rc = s.step();
  s.reset();
  if (rc != SQLITE_DONE) return fail(rc, "insert recording");
  std::int64_t id = sqlite3_last_insert_rowid(db_.get());
  open_recordings_.emplace(id, info.started_at_ns);
  return id;
}

Status WriterCore::end_recording(std::int64_t id, std::int64_t ended_at_ns,
                                 const std::optional<std::string>& digest) {
  if (auto st = ensure_transaction(); !st) return st;
  end_recording_.bind(1, id);
  end_recording_.bind(2, ended_at_ns);
  if (digest) end_recording_.bind_text(3, *digest);
  int rc = end_recording_.step();
  end_recording_.reset();
  if (rc != SQLITE_DONE) return fail(rc, "end recording " + std::to_string(id));
  open_recordings_.erase(id);
  return {};
}

Status WriterCore::connection_ended(const ConnectionEnd& end) {
  if (auto st = ensure_transaction(); !st) return st;
  Stmt& s = insert_connection_;
  s.bind(1, end.recording_id);
  s.bind(2, static_cast<std::int64_t>(end.conn));
  s.bind(3, end.ts_ns);
  s.bind_text(4, closed_by_name(end.closed_by));
  if (end.code) s.bind(5, *end.code);
  s.bind_text(6, end.reason);
  int rc = s.step();
  s.reset();
  if (rc != SQLITE_DONE)
    return fail(rc, "record the end of connection " + std::to_string(end.conn));
  return {};
}

Status WriterCore::append(Frame&& frame) {
  if (auto st = ensure_transaction(); !st) return st;
  auto rec = open_recordings_.find(frame.recording_id);
  if (rec == open_recordings_.end())
    return make_error(Errc::kInvalidArgument,
                      path_ + ": no open recording " + std::to_string(frame.recording_id));
  std::int64_t id = next_id_;
  Stmt& s = insert_frame_;
  s.bind(1, id);
  s.bind(2, frame.recording_id);
  s.bind(3, (static_cast<std::int64_t>(frame.conn) << 1) |
                (frame.direction == Direction::kSend ? 1 : 0));
  s.bind(4, frame.ts_ns - rec->second);
  s.bind(10, static_cast<std::int64_t>(frame.text.size()));
  // A frame that is not a gateway payload is still stored, with op, s, t, ids NULL.
  gateway::RoutingIds ids;
  if (auto env = parser_.parse_routed(frame.text, ids)) {
    s.bind(5, static_cast<std::int64_t>(env->op));
    if (env->s) s.bind(6, *env->s);
    auto t = code_for_name(env->t);
    if (!t) return std::move(t).error();
    if (*t) s.bind(7, **t);
    auto g = code_for_id(ids.guild_id, true);
    if (!g) return std::move(g).error();
    if (*g) s.bind(8, **g);
    auto c = code_for_id(ids.channel_id, false);
    if (!c) return std::move(c).error();
    if (*c) s.bind(9, **c);
  }
  int rc = s.step();
  s.reset();
  if (rc != SQLITE_DONE) return fail(rc, "frame " + std::to_string(id) + ": insert");
  ++next_id_;
  ++txn_frames_;

  if (!pending_.empty() && pending_bytes_ + frame.text.size() > options_.block_bytes) {
    // A large frame starts its own block, so reading a small neighbour stays cheap.
    if (auto st = seal(); !st) return st;
  }
  pending_bytes_ += frame.text.size();
  pending_.push_back(Pending{id, std::move(frame.text), false});
  if (pending_.size() >= static_cast<std::size_t>(options_.block_frames) ||
      pending_bytes_ >= options_.block_bytes)
    return seal();
  return {};
}

Status WriterCore::seal() {
  if (pending_.empty()) return {};
  std::vector<std::string> texts;
  texts.reserve(pending_.size());
  bool any_persisted = false;
  for (auto& p : pending_) {
    texts.push_back(std::move(p.text));
    any_persisted |= p.persisted;
  }
  in_flight_.push_back(InFlight{pending_.front().id, pending_.back().id, any_persisted});
  sealer_->submit(pending_.front().id, std::move(texts));
  pending_.clear();
  pending_bytes_ = 0;
  return drain(false);
}

Status WriterCore::drain(bool all) {
  for (auto& b : sealer_->take(all)) {
    if (auto st = ensure_transaction(); !st) return st;
    std::string where = "block " + std::to_string(b.first) + ": ";
    if (!b.status)
      return make_error(b.status.error().code, path_ + ": " + where + b.status.error().message);
    InFlight f = in_flight_.front();
    in_flight_.pop_front();
    if (b.new_dict) {
      insert_dict_.bind(1, b.dict_id);
      insert_dict_.bind(2, b.first);
      insert_dict_.bind_blob(3, *b.new_dict);
      int rc = insert_dict_.step();
      insert_dict_.reset();
      if (rc != SQLITE_DONE) return fail(rc, "insert dictionary");
      ++dictionaries_;
    }
    for (SealedBlock& r : b.resealed) {
      Stmt& up = reseal_block_;
      up.bind(1, r.first);
      up.bind(2, r.count);
      up.bind(3, r.dict_id);
      up.bind_blob(4, r.data);
      int rc = up.step();
      up.reset();
      if (rc != SQLITE_DONE) return fail(rc, "block " + std::to_string(r.first) + ": reseal");
    }
    Stmt& ins = insert_block_;
    ins.bind(1, b.first);
    ins.bind(2, b.count);
    if (b.dict_id != 0) ins.bind(3, b.dict_id);
    ins.bind_blob(4, b.data);
    int rc = ins.step();
    ins.reset();
    if (rc != SQLITE_DONE) return fail(rc, where + "insert");
    if (f.persisted) {
      delete_pending_.bind(1, f.first);
      delete_pending_.bind(2, f.last);
      rc = delete_pending_.step();
      delete_pending_.reset();
      if (rc != SQLITE_DONE) return fail(rc, where + "delete pending");
    }
    ++blocks_sealed_;
  }
  return {};
}

Status WriterCore::commit() {
  // Blocks still compressing need a transaction too: close() seals the tail outside one.
  if (!in_txn_ && in_flight_.empty()) return {};
  if (auto st = drain(true); !st) return st;
  for (auto& p : pending_) {
    if (p.persisted) continue;
    auto data = pending_compressor_.compress_pending(p.text);
    if (!data)
      return make_error(data.error().code,
                        path_ + ": frame " + std::to_string(p.id) + ": " + data.error().message);
    insert_pending_.bind(1, p.id);
    insert_pending_.bind_blob(2, *data);
    int rc = insert_pending_.step();
    insert_pending_.reset();
    if (rc != SQLITE_DONE) return fail(rc, "frame " + std::to_string(p.id) + ": insert pending");
  }
  int rc = sqlite3_exec(db_.get(), "COMMIT", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return fail(rc, "commit");
  if (syncer_) {
    syncer_->request();
    if (auto st = syncer_->status(); !st) return st;
  }
  for (auto& p : pending_) p.persisted = true;
  in_txn_ = false;
  ++commits_;
  frames_committed_ += txn_frames_;
  txn_frames_ = 0;
  return {};
}

void WriterCore::rollback() {
  if (db_ && !sqlite3_get_autocommit(db_.get()))
    sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  in_txn_ = false;
}

Status WriterCore::close(bool seal_and_commit) {
  Status st;
  if (seal_and_commit) st = seal();
  if (st && seal_and_commit) st = commit();
  if (!st || !seal_and_commit) rollback();
  sealer_.reset();  // finishes (and drops) whatever it still had
  syncer_.reset();  // its last sync done; the checkpoint below syncs the rest itself
  // Statements first, so the connection really closes (and checkpoints the WAL into the file).
  for (Stmt* s : {&insert_frame_, &insert_pending_, &delete_pending_, &insert_block_, &insert_name_,
                  &insert_guild_, &insert_channel_, &insert_dict_, &insert_recording_,
                  &end_recording_, &max_id_, &insert_connection_, &reseal_block_})
    *s = Stmt();
  if (st) {
    // Everything is committed; a checkpoint that fails (disk full) loses nothing, as the WAL
    // keeps it, but the user should hear of the disk. Readers still open make it partial: fine.
    auto cp = Stmt::prepare(db_.get(), "PRAGMA wal_checkpoint(TRUNCATE)");
    int rc = cp ? cp->step() : sqlite3_errcode(db_.get());
    if (rc != SQLITE_ROW) st = fail(rc, "close: checkpoint (every frame is kept in the WAL)");
  }
  // A closed log is one self-contained file: back to rollback-journal mode, so readers
  // (read-only) need no -wal or -shm beside it. Fails harmlessly while readers are open.
  if (st)
    sqlite3_exec(db_.get(), "PRAGMA busy_timeout=0; PRAGMA journal_mode=DELETE", nullptr, nullptr,
                 nullptr);
  sqlite3* raw = db_.release();
  int rc = sqlite3_close(raw);
  if (rc != SQLITE_OK) {
    sqlite3_close_v2(raw);
    if (st) st = make_error(errc_from_sqlite(rc), path_ + ": close: " + sqlite3_errstr(rc));
  }
  return st;
}

}  // namespace gwtape::store
