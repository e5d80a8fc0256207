// gwtape/replay/log_server.h — `gwtape serve`: a recorded session as a live gateway.
//
// `LogServer` is the log -> server adapter: it runs the loopback gateway (gwtape/server) and
// feeds each client's session from the log. Every client that identifies gets HELLO, READY (the
// recording's own, with session_id and resume_gateway_url rewritten to this server), then the
// recording's received dispatches in log order (READY and RESUMED of later connections left
// out: a log with several connections is served as one continuous session), with the recorded
// spacing divided by `speed`. Each client has its own stream and position; the server's resume
// replays what a client missed. The log is streamed: each stream reads it with a cursor of its
// own, hands the server its dispatches 64 at a time (fewer before a pause or a fault), and
// waits while its client is away or has more than `max_backlog` messages queued, so memory
// does not grow with the log.
//
// Positions: READY is dispatch 1 of a stream, the k-th recorded dispatch after it is k + 1
// (the `s` a client sees when nothing was resumed). A fault `KIND@SEQ` is done once per stream
// just before dispatch SEQ. After a fault, the stream is adopted by the next client that
// identifies (a client that re-identifies after op 9 or 4007/4009 continues where it was, with
// a fresh READY); a client that resumes keeps it.
//
// Thread-safety: start/stop from one thread; url(), port() and streams() from any. Each stream
// runs a thread of its own; the server runs its io thread. Lifetimes: stop() or the destructor
// ends every stream and closes every connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gwtape/gateway/clock.h"
#include "gwtape/replay/errors.h"

namespace gwtape::replay {

enum class ServeFaultKind {
  kReconnect,
  kInvalid,
  kInvalidResumable,
  kClose,
  kDrop,
  kZombie,
  kHeartbeat,  // a server op 1, which the client must answer at once
};

struct ServeFault {
  ServeFaultKind kind = ServeFaultKind::kReconnect;
  std::uint16_t code = 4000;  // kClose
  std::int64_t seq = 0;       // the stream position it comes just before (>= 2)
};

// "reconnect@10", "invalid@5", "invalid-resumable@5", "close:4000@7", "drop@3", "zombie@9",
// "heartbeat@4".
// Errors: kInvalidArgument with what is wrong.
Result<ServeFault> parse_serve_fault(std::string_view spec);

struct ServeOptions {
  std::string log_path;
  std::optional<std::int64_t> recording_id;  // unset: the log's first recording
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0: the OS picks one
  double speed = 0;        // 0: as fast as the client takes them; else recorded gaps / speed
  std::vector<ServeFault> faults;
  std::string token;                // empty: any non-empty token identifies
  bool loop = false;                // at the end of the recording, start over (positions go on)
  std::string cert_file, key_file;  // both: wss://
  std::chrono::milliseconds heartbeat_interval{41250};
  std::size_t max_backlog = 256;  // messages queued on a connection before its stream waits
  // Dispatches a session keeps for resume (older ones: the resume gets op 9).
  std::size_t max_kept_dispatches = 5000;
  // How long a stream whose client left after a fault waits for it to come back.
  std::chrono::milliseconds adopt_timeout{120'000};
  // The clock that paces the streams; nullptr: the system clock. Every stream's thread calls
  // it, so it must be thread-safe (SystemClock is; ManualClock is not).
  gateway::Clock* clock = nullptr;
};

class LogServer {
 public:
  // Opens the log, finds the recording and its READY, listens. Errors: kLog (not a log,
  // unreadable, another version, no READY in the recording), kCorrupt, kNotFound (no such
  // recording), kAddressInUse, kInvalidArgument (host, TLS files), kIo.
  static Result<std::unique_ptr<LogServer>> start(ServeOptions options);

  ~LogServer();
  LogServer(const LogServer&) = delete;
  LogServer& operator=(const LogServer&) = delete;

  void stop();  // idempotent

  const std::string& url() const;  // "ws://HOST:PORT"
  std::uint16_t port() const;
  std::int64_t recording_id() const;
  std::size_t streams() const;  // clients served so far (re-identifies that adopted excluded)

  struct Impl;

 private:
  explicit LogServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace gwtape::replay
