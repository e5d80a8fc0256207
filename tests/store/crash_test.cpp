// A writer process killed with SIGKILL in the middle of its work: the log it leaves opens,
// verifies, and holds every frame that a flush() returned for before the kill.
#include "gwtape/store/log_writer.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <catch2/catch_test_macros.hpp>

#include "gwtape/store/log_reader.h"
#include "gwtape/store/verify.h"
#include "store_test_util.h"

namespace gwtape::store {
namespace {

using testing::TempDir;

// The child: appends frames without pause, flushing every `every`, and reports each flushed
// count on `fd`. Never returns.
[[noreturn]] void write_until_killed(const std::string& path, const std::vector<Frame>& frames,
                                     int every, int fd) {
  WriterOptions opts;
  opts.block_frames = 64;
  opts.dict_train_frames = 300;
  auto w = LogWriter::open(path, opts);
  if (!w.ok()) _exit(10);
  auto rec = (*w)->begin_recording({});
  if (!rec.ok() || *rec != 1) _exit(11);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    if (!(*w)->append(frames[i]).ok()) _exit(12);
    if ((i + 1) % every == 0) {
      if (!(*w)->flush().ok()) _exit(13);
      std::uint64_t n = i + 1;
      if (::write(fd, &n, sizeof n) != sizeof n) _exit(14);
    }
  }
  for (;;) ::pause();
}

void kill_and_check(std::size_t kill_after, int every) {
  TempDir dir;
  std::string path = dir.file("log.gwtape");
  auto frames = testing::FrameBuilder(11).session(1, 20000);
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    write_until_killed(path, frames, every, fds[1]);
  }
  ::close(fds[1]);
  std::uint64_t flushed = 0, n = 0;
  while (flushed < kill_after && ::read(fds[0], &n, sizeof n) == sizeof n) flushed = n;
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  // Reports written before the kill landed may still be in the pipe: they count too.
  while (::read(fds[0], &n, sizeof n) == sizeof n) flushed = n;
  ::close(fds[0]);
  REQUIRE(WIFSIGNALED(status));
  REQUIRE(flushed >= kill_after);

  auto v = verify(path);
  REQUIRE(v.ok());
  INFO((v->problem ? v->problem->message : ""));
  CHECK(v->ok());
  CHECK(v->frames >= static_cast<std::int64_t>(flushed));
  auto r = LogReader::open(path);
  REQUIRE(r.ok());
  auto c = (*r)->frames();
  REQUIRE(c.ok());
  std::size_t i = 0;
  while (*(*c)->next()) {
    REQUIRE(i < frames.size());
    REQUIRE((*c)->frame().text == frames[i].text);
    ++i;
  }
  CHECK(i >= flushed);
  // And a new writer carries on from there.
  auto w = LogWriter::open(path);
  REQUIRE(w.ok());
  REQUIRE((*w)->append(frames[0]).ok());
  REQUIRE((*w)->close().ok());
  auto v2 = verify(path);
  REQUIRE(v2.ok());
  CHECK(v2->frames == static_cast<std::int64_t>(i) + 1);
}

TEST_CASE("store: SIGKILL mid-batch keeps every flushed frame") {
  SECTION("early, before the dictionary") { kill_and_check(100, 10); }
  SECTION("later, with sealed blocks and pending frames") { kill_and_check(3000, 37); }
  SECTION("flushing rarely") { kill_and_check(6000, 1000); }
}

}  // namespace
}  // namespace gwtape::store
