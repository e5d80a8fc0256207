// store/writer_core.h — the SQLite side of LogWriter, run on the writer thread.
//
// Appends frame rows inside a transaction, keeps the frames of the block being filled in
// memory, seals them into a compressed block when it is full, writes the still-unsealed ones
// as pending rows at each commit, and trains the log's dictionary once enough frames were seen.
// Invariant at every commit: each frame id is in exactly one block or one pending row.
//
// Thread-safety: none; used by the writer thread only (opened on the caller's thread before
// the writer thread starts). Lifetimes: owns its connection.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "block_sealer.h"
#include "codec.h"
#include "gwtape/gateway/envelope.h"
#include "gwtape/store/frame.h"
#include "gwtape/store/log_writer.h"
#include "gwtape/store/sql_functions.h"
#include "sqlite_util.h"
#include "wal_syncer.h"

namespace gwtape::store {

class WriterCore {
 public:
  static Result<std::unique_ptr<WriterCore>> open(const std::string& path,
                                                  const WriterOptions& options);
  ~WriterCore();

  // `id`: the row's id, or the next free one when absent.
  Result<std::int64_t> begin_recording(const RecordingInfo& info,
                                       std::optional<std::int64_t> id = std::nullopt);
  Status end_recording(std::int64_t id, std::int64_t ended_at_ns,
                       const std::optional<std::string>& digest);
  Status append(Frame&& frame);
  Status connection_ended(const ConnectionEnd& end);
  // Writes the unsealed frames as pending rows and commits; nothing to do outside a transaction.
  Status commit();
  // Seals every frame not yet in a block.
  Status seal();
  // Abandons the open transaction after an error.
  void rollback();
  // Seals, commits and closes the connection (checkpointing the WAL); after an error, with
  // `seal_and_commit` false, only closes it (the open transaction is rolled back).
  Status close(bool seal_and_commit);

  bool in_transaction() const { return in_txn_; }
  std::uint64_t frames_in_transaction() const { return txn_frames_; }
  std::uint64_t blocks_sealed() const { return blocks_sealed_; }
  std::uint64_t commits() const { return commits_; }
  std::uint64_t frames_committed() const { return frames_committed_; }
  std::uint64_t dictionaries() const { return dictionaries_; }
  // Recordings that can take frames (not ended), with their start times.
  const std::unordered_map<std::int64_t, std::int64_t>& open_recordings() const {
    return open_recordings_;
  }

 private:
  struct Pending {
    std::int64_t id;
    std::string text;
    bool persisted;  // has a pending row in the log
  };

  WriterCore(std::string path, const WriterOptions& options, SqliteHandle db);
  Status load();
  Status prepare_statements();
  Status ensure_transaction();
  Result<std::optional<std::int64_t>> code_for_name(std::string_view name);
  Result<std::optional<std::int64_t>> code_for_id(std::optional<gateway::Snowflake> id, bool guild);
  // Stores the blocks the sealer finished (all of them with `all`).
  Status drain(bool all);
  Error fail(int rc, std::string_view what);

  std::string path_;
  WriterOptions options_;
  SqliteHandle db_;
  Stmt reseal_block_;
  Stmt insert_frame_, insert_pending_, delete_pending_, insert_block_, insert_name_, insert_guild_,
      insert_channel_, insert_dict_, insert_recording_, end_recording_, max_id_, insert_connection_;
  gateway::EnvelopeParser parser_;
  BlockCompressor pending_compressor_;
  std::unique_ptr<BlockSealer> sealer_;
  std::unique_ptr<WalSyncer> syncer_;  // kInterval only
  struct InFlight {
    std::int64_t first, last;
    bool persisted;  // some of its frames have pending rows to delete
  };
  std::deque<InFlight> in_flight_;  // submitted to the sealer, not yet stored
  std::vector<Pending> pending_;
  std::size_t pending_bytes_ = 0;
  std::int64_t next_id_ = 1;
  bool in_txn_ = false;
  std::uint64_t txn_frames_ = 0;
  std::uint64_t blocks_sealed_ = 0;
  std::uint64_t commits_ = 0;
  std::uint64_t frames_committed_ = 0;
  std::uint64_t dictionaries_ = 0;
  std::unordered_map<std::string, std::int64_t> names_;
  std::unordered_map<std::uint64_t, std::int64_t> guilds_, channels_;
  std::unordered_map<std::int64_t, std::int64_t> open_recordings_;  // id -> started_at
};

}  // namespace gwtape::store
