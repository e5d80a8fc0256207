// Fail-at-N: the writer's N-th write, sync or lock fails, for N = 0, 1, 2, ... Whatever N, the
// error is reported (never a crash), and the log left behind opens, verifies and holds a prefix
// of what was appended, including everything a successful flush() covered.
#include "faulty_vfs.h"

#include <catch2/catch_test_macros.hpp>

#include <chrono>
#include <filesystem>
#include <thread>

#include "gwtape/store/log_reader.h"
#include "gwtape/store/log_writer.h"
#include "gwtape/store/verify.h"
#include "store_test_util.h"

namespace gwtape::store {
namespace {

using testing::Fault;
using testing::TempDir;

struct Run {
  bool failed = false;
  Errc code = Errc::kInternal;
  std::size_t flushed = 0;  // frames covered by the last successful flush
};

// Appends the frames with a flush every 50, through the faulty VFS; returns what happened.
Run write_through_faults(const std::string& path, const std::vector<Frame>& frames) {
  WriterOptions opts;
  opts.vfs = "faulty";
  opts.block_frames = 32;
  opts.dict_bytes = 4 << 10;
  opts.dict_train_frames = 120;
  Run run;
  auto note = [&](const auto& result) {
    if (!result.ok() && !run.failed) {
      run.failed = true;
      run.code = result.error().code;
    }
    return result.ok();
  };
  auto w = LogWriter::open(path, opts);
  if (!note(w)) return run;
  auto rec = (*w)->begin_recording({});
  if (note(rec)) {
    for (std::size_t i = 0; i < frames.size(); ++i) {
      if (!note((*w)->append(frames[i]))) break;
      if (i % 50 == 49) {
        if (!note((*w)->flush())) break;
        run.flushed = i + 1;
      }
    }
  }
  (void)note((*w)->close());
  return run;
}

void check_log_after(const std::string& path, const std::vector<Frame>& frames, const Run& run) {
  INFO("failed " << run.failed << " flushed " << run.flushed);
  if (!std::filesystem::exists(path)) {
    // Failed while creating it: nothing was promised, and nothing half-made is left.
    CHECK(run.failed);
    CHECK(run.flushed == 0);
    return;
  }
  auto v = verify(path);
  INFO((v.ok() ? std::string() : v.error().message));
  REQUIRE(v.ok());
  INFO((v->problem ? v->problem->message : ""));
  CHECK(v->ok());
  auto r = LogReader::open(path);
  REQUIRE(r.ok());
  auto c = (*r)->frames();
  REQUIRE(c.ok());
  std::size_t i = 0;
  for (;;) {
    auto more = (*c)->next();
    REQUIRE(more.ok());
    if (!*more) break;
    REQUIRE(i < frames.size());
    REQUIRE((*c)->frame().text == frames[i].text);
    ++i;
  }
  CHECK(i >= run.flushed);
  if (!run.failed) CHECK(i == frames.size());
}

void fail_at_each(Fault fault, bool sticky) {
  testing::install_faulty_vfs();
  auto frames = testing::FrameBuilder(3).session(1, 400);
  TempDir dir;
  // A clean run counts the operations; then each one in turn fails.
  testing::arm_faulty_vfs(std::int64_t{1} << 40, fault, sticky);
  Run clean = write_through_faults(dir.file("clean.gwtape"), frames);
  std::int64_t total = testing::faulty_vfs_operations();
  testing::disarm_faulty_vfs();
  REQUIRE(!clean.failed);
  REQUIRE(total > 10);
  // Every point when there are few; an even spread of about 150 otherwise (test time).
  std::int64_t stride = total / 150 + 1;
  int failures_seen = 0, injected_runs = 0;
  for (std::int64_t n = 0; n < total; n += stride) {
    std::string path = dir.file("log-" + std::to_string(n) + ".gwtape");
    testing::arm_faulty_vfs(n, fault, sticky);
    Run run = write_through_faults(path, frames);
    bool injected = testing::faulty_vfs_failures() > 0;
    if (injected) ++injected_runs;
    testing::disarm_faulty_vfs();
    INFO("fail at " << n << " of " << total);
    if (run.failed) {
      ++failures_seen;
      if (fault == Fault::kFull) CHECK((run.code == Errc::kFull || run.code == Errc::kIo));
    }
    // A failure that loses nothing (a busy lock SQLite retried, the closed log's switch back
    // to rollback mode) need not surface; check_log_after holds a run that reported no error
    // to every frame it appended.
    (void)injected;
    check_log_after(path, frames, run);
    std::filesystem::remove(path);
  }
  CHECK(injected_runs > 0);
  if (sticky) CHECK(failures_seen > injected_runs * 9 / 10);
}

TEST_CASE("store: fail-at-N: disk full from the N-th write on") {
  fail_at_each(Fault::kFull, true);
}

TEST_CASE("store: fail-at-N: one failed write or sync") { fail_at_each(Fault::kIoErr, false); }

TEST_CASE("store: fail-at-N: one busy lock") { fail_at_each(Fault::kBusy, false); }

// A recorder must stop as soon as the log stops taking frames, even when no frame comes: the
// writer thread's failure (a commit on a full disk) shows in status() with no append, and
// frames_committed is then what the log holds.
TEST_CASE("store: status() shows the writer thread's failure without an append") {
  testing::install_faulty_vfs();
  TempDir dir;
  const std::string path = dir.file("full.gwtape");
  WriterOptions opts;
  opts.vfs = "faulty";
  opts.commit_interval = std::chrono::milliseconds(1000);  // the fault is armed well before
  auto w = LogWriter::open(path, opts);
  REQUIRE(w.ok());
  auto rec = (*w)->begin_recording({});
  REQUIRE(rec.ok());
  auto frames = testing::FrameBuilder(5).session(*rec, 300);
  for (std::size_t i = 0; i < 100; ++i) REQUIRE((*w)->append(frames[i]).ok());
  REQUIRE((*w)->flush().ok());
  CHECK((*w)->status().ok());
  for (std::size_t i = 100; i < frames.size(); ++i) REQUIRE((*w)->append(frames[i]).ok());
  // The disk fills before the interval commit of the last 200 frames.
  testing::arm_faulty_vfs(0, Fault::kFull, true);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while ((*w)->status().ok() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const Status st = (*w)->status();
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == Errc::kFull);
  CHECK(st.error().message.rfind(path + ": ", 0) == 0);
  CHECK((*w)->append(frames[0]).error().code == Errc::kFull);
  (void)(*w)->close();
  testing::disarm_faulty_vfs();
  const std::uint64_t committed = (*w)->stats().frames_committed;
  CHECK(committed == 100);
  auto v = verify(path);
  REQUIRE(v.ok());
  CHECK(v->ok());
  CHECK(v->frames == static_cast<std::int64_t>(committed));
}

}  // namespace
}  // namespace gwtape::store
