// gwtape/replay/replayer.h — a recorded session, fed back through the live code path.
//
// `Replayer` runs one recording of a log through a `gateway::Gateway` — the live session driver
// itself, with its Protocol's handle_op / handle_event, its timers and its reconnect rules —
// over a transport that plays the log (each recorded connection, its frames, how it ended), on
// a clock that shows the recorded times, with a fixed random source: no network, no wall
// clock, no randomness. Delivered events go to the user's handlers and into a
// `state::Cache`, so the state a bot had is rebuilt, and its digest can be compared with the
// one the recorder stored at its clean stop.
//
// The sends the replayed Gateway makes (identify, resume, with the token marker the log holds)
// are compared with the recorded sends; a difference is a `Divergence` with the frame id — how a
// behaviour change in the library shows up in a test. Heartbeats are timing, not behaviour:
// they are not compared (recorded frames after a live heartbeat wait for the replayed one, so
// the zombie rule sees the ACKs as live did). Sends the bot itself made (presence, voice,
// member requests) are not the library's and are not compared.
// At a connection boundary the replay takes the recorded end of the connection (the log's
// `connections` table): a server close reaches the Gateway as that close frame (so a change in
// what the library does after 4000, 4007, 4009 or a fatal code is a divergence), a lost
// connection as a dropped one. A close the client made and the replayed Gateway did not make by
// itself is made for it as the bot made it (identify(), reconnect(), close()); when the replayed
// protocol closes by itself (op 7, op 9, the zombie rule) with another code than the recorded
// one, that is a divergence ("close 1000" recorded, "close 4000" replayed). A log without that
// table (or a connection the recorder did not see end) follows the recorded choice between
// resume and identify.
//
// Thread-safety: one thread; run() drives the Gateway on the caller's thread. Lifetimes:
// handlers are called during run(); the Event passed to a handler is valid during the call only.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gwtape/gateway/gateway.h"
#include "gwtape/gateway/protocol.h"
#include "gwtape/gateway/state/cache.h"
#include "gwtape/replay/errors.h"
#include "gwtape/store/frame.h"

namespace gwtape::replay {

struct ReplayStats;

struct ReplayOptions {
  std::optional<std::int64_t> recording_id;  // default: the log's first recording
  std::optional<std::int64_t> until_seq;     // stop after the dispatch with this s
  std::optional<std::int64_t> until_ts_ns;   // stop before the first frame after this time
  bool skip_bad = false;  // report a corrupt frame and go on, instead of stopping
  // Read and decompress the log on a second thread, ahead of the replay (store::FrameQuery::
  // read_ahead), when the machine has more than one core. Same frames, same results.
  bool read_ahead = true;
  // Called with each frame's recorded time before it is fed, and the counts so far (this
  // frame included): pacing (--speed) and progress.
  std::function<void(std::int64_t ts_ns, const ReplayStats& so_far)> before_frame;
  gateway::state::CacheOptions cache;
};

struct Divergence {
  // The recorded send that differs (0: none was recorded); for a close, the first frame after
  // it.
  std::int64_t frame_id = 0;
  std::string expected;  // what the log holds
  std::string actual;    // what the replayed protocol sent
};

struct ReplayStats {
  std::uint64_t frames = 0;      // frames read (both directions)
  std::uint64_t received = 0;    // frames handed to the Gateway (fed to handle_op)
  std::uint64_t dispatches = 0;  // events delivered
  std::uint64_t connections = 0;
  std::uint64_t protocol_errors = 0;  // frames the protocol could not read (as live)
  std::uint64_t bad_frames = 0;       // log corruption skipped with skip_bad
  std::uint64_t frame_bytes = 0;      // text of the frames read
};

class Replayer {
 public:
  using EventHandler = std::function<void(const gateway::DeliverEvent&)>;
  using ProblemHandler = std::function<void(std::int64_t frame_id, const std::string& what)>;

  // Errors: the store's (kNotALog, kVersion, kCorrupt, kIo) as kLog; kNotFound for a missing
  // recording id.
  static Result<std::unique_ptr<Replayer>> open(const std::string& path,
                                                ReplayOptions options = {});
  ~Replayer();

  void on_event(EventHandler handler) { on_event_ = std::move(handler); }
  // Protocol errors (as live) and, with skip_bad, skipped corrupt frames.
  void on_problem(ProblemHandler handler) { on_problem_ = std::move(handler); }

  // Replays to the end (or to until_seq / until_ts_ns). Errors: kCorrupt with the frame id
  // for log corruption (unless skip_bad).
  Status run();

  const store::Recording& recording() const;
  // How many frames run() will read at most (the recording's, both directions), counted from
  // the log's row table without decompressing; for a progress bar. Errors: kLog.
  Result<std::uint64_t> frame_count();
  const gateway::state::Cache& cache() const { return cache_; }
  // The replayed Gateway's protocol (its session, sequence, duplicates and gaps).
  const gateway::Protocol& protocol() const;
  const std::vector<Divergence>& divergences() const;
  const ReplayStats& stats() const;

 private:
  struct Impl;
  Replayer(std::unique_ptr<Impl> impl, ReplayOptions options);

  std::unique_ptr<Impl> impl_;
  ReplayOptions options_;
  gateway::state::Cache cache_;
  EventHandler on_event_;
  ProblemHandler on_problem_;
};

}  // namespace gwtape::replay
