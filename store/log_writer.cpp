// store/log_writer.cpp — the bounded queue in front of the writer thread.
//
// Callers only move frames into the queue. The writer thread takes the whole queue at once,
// hands the frames to WriterCore inside one transaction, and commits when the commit interval
// has passed, when a command (flush, begin/end recording, close) asks for it, or after every
// frame in kFull mode. The first error stops the writer: it is kept and returned from then on.
#include "gwtape/store/log_writer.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <variant>

#include "writer_core.h"

namespace gwtape::store {
namespace {

using Clock = std::chrono::steady_clock;

// A request that must run after the frames queued before it, and whose caller waits.
struct Command {
  enum Kind { kFlush, kBegin, kEnd, kClose };
  explicit Command(Kind k) : kind(k) {}
  Kind kind;
  RecordingInfo info;
  std::int64_t recording_id = 0;
  std::int64_t ended_at_ns = 0;
  std::optional<std::string> digest;
  bool done = false;
  std::optional<Error> error;
  std::int64_t new_id = 0;
  std::optional<std::int64_t> want_id;  // kBegin with an id chosen by the caller
};

}  // namespace

struct LogWriter::Impl {
  std::string path;
  WriterOptions options;
  std::unique_ptr<WriterCore> core;  // touched by the writer thread only, once started

  mutable std::mutex mu;
  std::condition_variable has_work, has_room, command_done;
  std::deque<std::variant<Frame, Command*, ConnectionEnd>> queue;
  std::size_t queued_frames = 0, queued_bytes = 0;
  std::optional<Error> error;  // sticky: the writer's first failure
  bool closing = false, closed = false;
  std::unordered_map<std::int64_t, std::int64_t> recordings;  // open ones: id -> started_at
  // Each open recording's last frame: its connection and time (the next may not go back).
  std::unordered_map<std::int64_t, std::pair<std::uint32_t, std::int64_t>> last_frame;
  WriterStats stats;
  std::thread thread;

  void run();
  Status run_command(Command* c);
  void fail(Error e) {
    core->rollback();
    std::lock_guard<std::mutex> lock(mu);
    if (!error) error = std::move(e);
  }
  Status wait_for(Command* c);
  void update_stats() {
    std::lock_guard<std::mutex> lock(mu);
    stats.blocks_sealed = core->blocks_sealed();
    stats.dictionaries = core->dictionaries();
    stats.commits = core->commits();
    stats.frames_committed = core->frames_committed();
  }
};

LogWriter::LogWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

LogWriter::~LogWriter() { (void)close(); }

Result<std::unique_ptr<LogWriter>> LogWriter::open(const std::string& path,
                                                   const WriterOptions& options) {
  auto core = WriterCore::open(path, options);
  if (!core) return std::move(core).error();
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->options = options;
  impl->recordings = (*core)->open_recordings();
  impl->core = std::move(*core);
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->run(); });
  return std::unique_ptr<LogWriter>(new LogWriter(std::move(impl)));
}

void LogWriter::Impl::run() {
  std::deque<std::variant<Frame, Command*, ConnectionEnd>> batch;
  bool has_deadline = false;
  Clock::time_point deadline{};  // when the open transaction must commit
  std::uint64_t since_clock = 0;
  bool failed = false;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu);
      auto ready = [&] { return !queue.empty(); };
      if (has_deadline) {
        has_work.wait_until(lock, deadline, ready);
      } else {
        has_work.wait(lock, ready);
      }
      batch.swap(queue);
      queued_frames = 0;
      queued_bytes = 0;
      failed = error.has_value();
    }
    has_room.notify_all();
    bool stop = false;
    for (auto& item : batch) {
      if (auto* frame = std::get_if<Frame>(&item)) {
        if (failed) continue;
        if (!core->in_transaction()) {
          deadline = Clock::now() + options.commit_interval;
          has_deadline = true;
        }
        Status st = core->append(std::move(*frame));
        // A long batch must not hold the commit back: look at the clock now and then.
        if (st && (options.durability == Durability::kFull ||
                   (++since_clock % 64 == 0 && Clock::now() >= deadline)))
          st = core->commit();
        if (!st) {
          fail(std::move(st).error());
          failed = true;
        }
        continue;
      }
      if (auto* end = std::get_if<ConnectionEnd>(&item)) {
        if (failed) continue;
        if (!core->in_transaction()) {
          deadline = Clock::now() + options.commit_interval;
          has_deadline = true;
        }
        if (Status st = core->connection_ended(*end); !st) {
          fail(std::move(st).error());
          failed = true;
        }
        continue;
      }
      Command* c = std::get<Command*>(item);
      Status st;
      if (!failed) {
        st = run_command(c);
      } else {
        if (c->kind == Command::kClose) (void)core->close(false);
        st = *error;
      }
      if (!st && !failed) {
        fail(st.error());
        failed = true;
      }
      update_stats();
      {
        std::lock_guard<std::mutex> lock(mu);
        if (!st) c->error = st.error();
        c->done = true;
        if (c->kind == Command::kClose) stop = true;
      }
      command_done.notify_all();
    }
    batch.clear();
    if (stop) return;
    if (!failed && core->in_transaction() && has_deadline && Clock::now() >= deadline) {
      if (auto st = core->commit(); !st) {
        fail(std::move(st).error());
        failed = true;
      }
    }
    if (!core->in_transaction()) has_deadline = false;
    update_stats();
  }
}

Status LogWriter::Impl::run_command(Command* c) {
  switch (c->kind) {
    case Command::kBegin: {
      auto id = core->begin_recording(c->info, c->want_id);
      if (!id) return std::move(id).error();
      c->new_id = *id;
      return core->commit();
    }
    case Command::kEnd: {
      Status st = core->end_recording(c->recording_id, c->ended_at_ns, c->digest);
      if (!st) return st;
      return core->commit();
    }
    case Command::kFlush:
      return core->commit();
    case Command::kClose:
      return core->close(true);
  }
  return {};
}

Status LogWriter::Impl::wait_for(Command* c) {
  std::unique_lock<std::mutex> lock(mu);
  if (closing) return make_error(Errc::kClosed, path + ": writer closed");
  queue.emplace_back(c);
  has_work.notify_one();
  command_done.wait(lock, [&] { return c->done; });
  if (c->error) return *c->error;
  return {};
}

Result<std::int64_t> LogWriter::begin_recording(const RecordingInfo& info) {
  Command c(Command::kBegin);
  c.info = info;
  if (auto st = impl_->wait_for(&c); !st) return std::move(st).error();
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->recordings.emplace(c.new_id, info.started_at_ns);
  return c.new_id;
}

Result<std::int64_t> LogWriter::begin_recording(std::int64_t id, const RecordingInfo& info) {
  if (id < 1)
    return make_error(Errc::kInvalidArgument,
                      impl_->path + ": recording id " + std::to_string(id) + " is not >= 1");
  Command c(Command::kBegin);
  c.info = info;
  c.want_id = id;
  if (auto st = impl_->wait_for(&c); !st) return std::move(st).error();
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->recordings.emplace(c.new_id, info.started_at_ns);
  return c.new_id;
}

Status LogWriter::append(Frame frame) {
  Impl& m = *impl_;
  std::size_t size = frame.text.size();
  if (size > kMaxFrameBytes)
    return make_error(Errc::kInvalidArgument,
                      m.path + ": frame of " + std::to_string(size) + " bytes exceeds the limit");
  std::unique_lock<std::mutex> lock(m.mu);
  if (m.error) return *m.error;
  if (m.closing) return make_error(Errc::kClosed, m.path + ": writer closed");
  auto rec = m.recordings.find(frame.recording_id);
  if (rec == m.recordings.end())
    return make_error(Errc::kInvalidArgument,
                      m.path + ": no open recording " + std::to_string(frame.recording_id));
  std::int64_t dts;
  if (__builtin_sub_overflow(frame.ts_ns, rec->second, &dts))
    return make_error(Errc::kInvalidArgument, m.path + ": frame timestamp out of range");
  // The order every reader relies on (verify and replay check it): a recording's connections
  // follow one another, and its times never go back.
  if (auto last = m.last_frame.find(frame.recording_id); last != m.last_frame.end()) {
    const auto [conn, ts] = last->second;
    if (frame.conn < conn)
      return make_error(Errc::kInvalidArgument,
                        m.path + ": a frame of connection " + std::to_string(frame.conn) +
                            " after connection " + std::to_string(conn) + " of recording " +
                            std::to_string(frame.recording_id));
    if (frame.ts_ns < ts)
      return make_error(Errc::kInvalidArgument,
                        m.path + ": frame timestamp " + std::to_string(frame.ts_ns) +
                            " before the previous frame's (" + std::to_string(ts) +
                            ") in recording " + std::to_string(frame.recording_id));
  }
  m.last_frame[frame.recording_id] = {frame.conn, frame.ts_ns};
  auto full = [&] {
    return m.queued_frames > 0 && (m.queued_frames >= m.options.queue_frames ||
                                   m.queued_bytes + size > m.options.queue_bytes);
  };
  if (full()) {
    auto start = Clock::now();
    m.stats.backpressure_waits++;
    m.has_room.wait(lock, [&] { return !full() || m.error || m.closing; });
    m.stats.backpressure_ns += static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count());
    if (m.error) return *m.error;
    if (m.closing) return make_error(Errc::kClosed, m.path + ": writer closed");
  }
  m.queue.emplace_back(std::move(frame));
  m.queued_frames++;
  m.queued_bytes += size;
  m.stats.frames_appended++;
  m.stats.bytes_appended += size;
  if (m.queued_frames > m.stats.queue_high_water) m.stats.queue_high_water = m.queued_frames;
  lock.unlock();
  m.has_work.notify_one();
  // kFull: the frame is committed (in its own synced transaction) before append returns.
  if (m.options.durability == Durability::kFull) return flush();
  return {};
}

Status LogWriter::connection_ended(ConnectionEnd end) {
  Impl& m = *impl_;
  {
    std::lock_guard<std::mutex> lock(m.mu);
    if (m.error) return *m.error;
    if (m.closing) return make_error(Errc::kClosed, m.path + ": writer closed");
    if (!m.recordings.count(end.recording_id))
      return make_error(Errc::kInvalidArgument,
                        m.path + ": no open recording " + std::to_string(end.recording_id));
    m.queue.emplace_back(std::move(end));
  }
  m.has_work.notify_one();
  return {};
}

Status LogWriter::flush() {
  Command c(Command::kFlush);
  return impl_->wait_for(&c);
}

Status LogWriter::end_recording(std::int64_t recording_id, std::int64_t ended_at_ns,
                                std::optional<std::string> state_digest) {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (!impl_->recordings.count(recording_id))
      return make_error(Errc::kInvalidArgument,
                        impl_->path + ": no open recording " + std::to_string(recording_id));
  }
  Command c(Command::kEnd);
  c.recording_id = recording_id;
  c.ended_at_ns = ended_at_ns;
  c.digest = std::move(state_digest);
  auto st = impl_->wait_for(&c);
  if (st) {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->recordings.erase(recording_id);
    impl_->last_frame.erase(recording_id);
  }
  return st;
}

WriterStats LogWriter::stats() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->stats;
}

Status LogWriter::status() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->error) return *impl_->error;
  return {};
}

Status LogWriter::close() {
  Impl& m = *impl_;
  Command c(Command::kClose);
  {
    std::unique_lock<std::mutex> lock(m.mu);
    if (m.closed) return m.error ? Status(*m.error) : Status();
    m.closing = true;
    m.queue.emplace_back(&c);
  }
  m.has_work.notify_one();
  m.has_room.notify_all();
  {
    std::unique_lock<std::mutex> lock(m.mu);
    m.command_done.wait(lock, [&] { return c.done; });
  }
  m.thread.join();
  std::lock_guard<std::mutex> lock(m.mu);
  m.closed = true;
  if (c.error) {
    if (!m.error) m.error = c.error;
    return *c.error;
  }
  if (m.error) return *m.error;
  return {};
}

}  // namespace gwtape::store
