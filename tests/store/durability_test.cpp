// The writer's promises under pressure: in `kFull` mode a frame whose append() returned
// survives a SIGKILL; when the writer cannot keep up, append() waits (and says so in its
// statistics) rather than dropping a frame.
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch_test_macros.hpp>
#include <chrono>
#include <thread>

#include "gwtape/store/log_reader.h"
#include "gwtape/store/log_writer.h"
#include "gwtape/store/verify.h"
#include "store_test_util.h"

namespace gwtape::store {
namespace {

using testing::TempDir;

// Every frame of the log, in order.
std::vector<std::string> texts_of(const std::string& path) {
  std::vector<std::string> out;
  auto r = LogReader::open(path);
  REQUIRE(r.ok());
  auto c = (*r)->frames();
  REQUIRE(c.ok());
  for (;;) {
    auto more = (*c)->next();
    REQUIRE(more.ok());
    if (!*more) break;
    out.push_back((*c)->frame().text);
  }
  return out;
}

TEST_CASE("store: kFull keeps every frame whose append returned, through a SIGKILL") {
  TempDir dir;
  const std::string path = dir.file("full.gwtape");
  const auto frames = testing::FrameBuilder(5).session(1, 3000);
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // The child appends without ever calling flush(), and reports each append that returned.
    ::close(fds[0]);
    WriterOptions opts;
    opts.durability = Durability::kFull;
    opts.block_frames = 32;
    opts.dict_train_frames = 100;
    auto w = LogWriter::open(path, opts);
    if (!w.ok()) _exit(10);
    auto rec = (*w)->begin_recording({});
    if (!rec.ok() || *rec != 1) _exit(11);
    for (std::uint64_t i = 0; i < frames.size(); ++i) {
      if (!(*w)->append(frames[i]).ok()) _exit(12);
      const std::uint64_t n = i + 1;
      if (::write(fds[1], &n, sizeof n) != sizeof n) _exit(13);
    }
    for (;;) ::pause();
  }
  ::close(fds[1]);
  std::uint64_t returned = 0, n = 0;
  while (returned < 250 && ::read(fds[0], &n, sizeof n) == sizeof n) returned = n;
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  while (::read(fds[0], &n, sizeof n) == sizeof n) returned = n;  // sent before the kill
  ::close(fds[0]);
  REQUIRE(WIFSIGNALED(status));
  REQUIRE(returned >= 250);

  auto v = verify(path);
  REQUIRE(v.ok());
  INFO((v->problem ? v->problem->message : ""));
  CHECK(v->ok());
  const auto got = texts_of(path);
  CHECK(got.size() >= returned);  // nothing whose append returned is lost
  REQUIRE(got.size() <= frames.size());
  for (std::size_t i = 0; i < got.size(); ++i) REQUIRE(got[i] == frames[i].text);
}

TEST_CASE("store: kFull commits each frame before append returns") {
  TempDir dir;
  const std::string path = dir.file("full2.gwtape");
  WriterOptions opts;
  opts.durability = Durability::kFull;
  auto w = LogWriter::open(path, opts);
  REQUIRE(w.ok());
  auto rec = (*w)->begin_recording({});
  REQUIRE(rec.ok());
  const auto frames = testing::FrameBuilder(6).session(*rec, 40);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    REQUIRE((*w)->append(frames[i]).ok());
    // A reader on another connection already sees it: committed, not just queued.
    CHECK((*w)->stats().frames_committed == i + 1);
    CHECK(texts_of(path).size() == i + 1);
  }
  CHECK((*w)->stats().commits >= frames.size());
  REQUIRE((*w)->close().ok());
}

TEST_CASE("store: a writer that cannot keep up makes append wait; nothing is dropped") {
  TempDir dir;
  const std::string path = dir.file("pressure.gwtape");
  WriterOptions opts;
  opts.queue_frames = 8;
  auto w = LogWriter::open(path, opts);
  REQUIRE(w.ok());
  auto rec = (*w)->begin_recording({});
  REQUIRE(rec.ok());
  const auto frames = testing::FrameBuilder(9).session(*rec, 200);

  // Another connection holds the write lock: the writer thread waits on it (busy_timeout),
  // so its queue fills and append() has to wait for room.
  sqlite3* blocker = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &blocker) == SQLITE_OK);
  REQUIRE(sqlite3_exec(blocker, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);

  std::atomic<std::size_t> appended{0};
  std::atomic<bool> failed{false};
  std::thread appender([&] {
    for (const Frame& f : frames) {
      if (!(*w)->append(f).ok()) failed = true;
      ++appended;
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  // At most one queue taken by the blocked writer thread plus one full queue.
  CHECK(appended.load() <= 2 * opts.queue_frames + 1);
  CHECK((*w)->stats().backpressure_waits >= 1);
  REQUIRE(sqlite3_exec(blocker, "ROLLBACK", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(blocker);
  appender.join();
  CHECK_FALSE(failed.load());
  REQUIRE((*w)->close().ok());
  const auto stats = (*w)->stats();
  CHECK(stats.frames_appended == frames.size());
  CHECK(stats.frames_committed == frames.size());
  CHECK(stats.backpressure_waits >= 1);
  CHECK(stats.backpressure_ns > 0);
  CHECK(stats.queue_high_water <= opts.queue_frames);
  const auto got = texts_of(path);
  REQUIRE(got.size() == frames.size());
  for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == frames[i].text);
}

}  // namespace
}  // namespace gwtape::store
