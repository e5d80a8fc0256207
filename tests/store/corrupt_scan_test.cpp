// A frame scan over a damaged b-tree ends. fuzz_log found a log (now
// fuzz/corpus/log/regression_frames_out_of_order.bin) whose frames table has its rowids out of
// order ("Rowid 37 out of order" in integrity_check) and whose blocks are unreadable: a cursor
// that went on past each corrupt frame, as `replay --skip-bad` does, was handed frames 12 and 37
// in turn for ever through the read-ahead thread (a hang: libFuzzer's timeout, and gwtape replay
// --skip-bad printing "skipped" without end). The cursor now takes a row that does not come
// after the previous one for what it is, a corrupt log, and ends the scan there.
#include <catch2/catch_test_macros.hpp>
#include <filesystem>
#include <string>

#include "gwtape/store/log_reader.h"
#include "store_test_util.h"

namespace gwtape::store {
namespace {

constexpr const char* kDamaged =
    GWTAPE_SOURCE_DIR "/fuzz/corpus/log/regression_frames_out_of_order.bin";

}  // namespace

TEST_CASE("store: a scan over frames out of order reports it and ends", "[store][corruption]") {
  testing::TempDir dir;
  const std::string log = dir.path() + "/damaged.gwtape";
  std::filesystem::copy_file(kDamaged, log);
  for (bool read_ahead : {false, true}) {
    INFO("read_ahead " << read_ahead);
    auto reader = LogReader::open(log);
    REQUIRE(reader.ok());
    // The replay's query: one recording, no name lookups.
    FrameQuery query;
    query.recording_id = 1;
    query.names = false;
    query.read_ahead = read_ahead;
    auto cursor = (*reader)->frames(query);
    REQUIRE(cursor.ok());
    // Go on past every error, as replay --skip-bad does, within a bound far above the 12 rows.
    int steps = 0, errors = 0;
    bool out_of_order = false, ended = false;
    for (; steps < 10'000; ++steps) {
      auto more = (*cursor)->next();
      if (!more.ok()) {
        ++errors;
        CHECK(more.error().code == Errc::kCorrupt);
        out_of_order |= more.error().message.find("out of order") != std::string::npos;
        continue;
      }
      if (!*more) {
        ended = true;
        break;
      }
    }
    CHECK(ended);
    CHECK(steps < 100);
    CHECK(errors > 0);
    CHECK(out_of_order);
  }
}

}  // namespace gwtape::store
