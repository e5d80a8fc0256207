// gwtape export / import: lossless both ways, refusals, and no partial log after a bad line.
#include <catch2/catch_test_macros.hpp>
#include <filesystem>

#include "gwtape/store/log_reader.h"
#include "gwtape/store/log_writer.h"
#include "tools_test_util.h"

namespace gwtape::tools::testing {
namespace {

// Every frame and recording of `path` must equal what was written.
void check_log_holds(const std::string& path, const std::vector<store::Frame>& frames,
                     const std::vector<store::Recording>& recordings) {
  auto reader = store::LogReader::open(path);
  REQUIRE(reader.ok());
  auto recs = (*reader)->recordings();
  REQUIRE(recs.ok());
  REQUIRE(recs->size() == recordings.size());
  for (std::size_t i = 0; i < recordings.size(); ++i) {
    const auto &a = (*recs)[i], &b = recordings[i];
    CHECK(a.id == b.id);
    CHECK(a.info.started_at_ns == b.info.started_at_ns);
    CHECK(a.info.gateway_url == b.info.gateway_url);
    CHECK(a.info.intents == b.info.intents);
    CHECK(a.info.shard_id == b.info.shard_id);
    CHECK(a.info.shard_count == b.info.shard_count);
    CHECK(a.info.redactions == b.info.redactions);
    CHECK(a.info.tool_version == b.info.tool_version);
    CHECK(a.ended_at_ns == b.ended_at_ns);
    CHECK(a.state_digest == b.state_digest);
  }
  auto cursor = (*reader)->frames();
  REQUIRE(cursor.ok());
  std::size_t i = 0;
  for (;; ++i) {
    auto more = (*cursor)->next();
    REQUIRE(more.ok());
    if (!*more) break;
    REQUIRE(i < frames.size());
    const auto& f = (*cursor)->frame();
    CHECK(f.id == static_cast<std::int64_t>(i + 1));
    CHECK(f.recording_id == frames[i].recording_id);
    CHECK(f.conn == frames[i].conn);
    CHECK(f.ts_ns == frames[i].ts_ns);
    CHECK(f.direction == frames[i].direction);
    CHECK(f.text == frames[i].text);
  }
  CHECK(i == frames.size());
}

TEST_CASE("tools: export -> import -> export is byte-identical, odd frames and all") {
  TempDir dir;
  const std::string log = dir.file("a.gwtape");
  LogSpec spec;
  spec.frames = 1500;
  spec.reconnects = {{400, Reconnect::kOp7Resume}, {900, Reconnect::kOp9Identify}};
  LogSpec second;
  second.frames = 300;
  second.generator.seed = 2;
  second.end_recording = false;
  WrittenLog written = write_log(log, {spec, second});
  // Odd recordings and frames through the API: a shard, invalid UTF-8, NUL, empty text.
  {
    auto w = store::LogWriter::open(log);
    REQUIRE(w.ok());
    store::Recording odd;
    odd.info.started_at_ns = -7;
    odd.info.gateway_url = "wss://\xff\xfe";
    odd.info.shard_id = 3;
    odd.info.shard_count = 16;
    odd.info.redactions = "d.token\nd.email";
    odd.info.compress = "zstd-stream";
    auto id = (*w)->begin_recording(odd.info);
    REQUIRE(id.ok());
    odd.id = *id;
    for (const std::string& text :
         {std::string("\xff\x00\x01", 3), std::string(), std::string("\0", 1),
          std::string("{\"op\":1,\"d\":null}\n  ")}) {
      store::Frame f{odd.id, 9, -5 + static_cast<std::int64_t>(written.frames.size()),
                     store::Direction::kSend, text};
      written.frames.push_back(f);
      REQUIRE((*w)->append(f).ok());
    }
    // How its connections ended (the connections table), a reason not valid UTF-8 included.
    REQUIRE((*w)->connection_ended(
                    {odd.id, 9, 5, store::ClosedBy::kServer, 4004, std::string("auth \xff failed")})
                .ok());
    REQUIRE((*w)->connection_ended({odd.id, 10, 6, store::ClosedBy::kLost, std::nullopt, ""}).ok());
    REQUIRE((*w)->end_recording(odd.id, 99, std::nullopt).ok());
    odd.ended_at_ns = 99;
    written.recordings.push_back(odd);
    REQUIRE((*w)->close().ok());
  }

  auto e1 = gwtape({"export", log, "--out", dir.file("e1.jsonl")});
  REQUIRE(e1.exit_code == 0);
  CHECK(e1.out.empty());
  REQUIRE(gwtape({"import", dir.file("e1.jsonl"), "--out", dir.file("b.gwtape")}).exit_code == 0);
  check_log_holds(dir.file("b.gwtape"), written.frames, written.recordings);
  {
    auto reader = store::LogReader::open(dir.file("b.gwtape"));
    REQUIRE(reader.ok());
    auto ends = (*reader)->connection_ends();
    REQUIRE(ends.ok());
    REQUIRE(ends->size() == 4);  // two from write_log's reconnects, then the odd ones
    CHECK(((*ends)[0].recording_id == 1 && (*ends)[0].conn == 1 && (*ends)[0].code == 4000));
    CHECK(((*ends)[1].recording_id == 1 && (*ends)[1].conn == 2 && (*ends)[1].code == 1000));
    CHECK(((*ends)[2].conn == 9 && (*ends)[2].code == 4004 && (*ends)[2].ts_ns == 5));
    CHECK((*ends)[2].reason == "auth \xff failed");
    CHECK(((*ends)[3].closed_by == store::ClosedBy::kLost && !(*ends)[3].code));
  }
  CHECK(gwtape({"verify", dir.file("b.gwtape")}).exit_code == 0);
  auto e2 = gwtape({"export", dir.file("b.gwtape")});
  REQUIRE(e2.exit_code == 0);
  const std::string first = read_file(dir.file("e1.jsonl"));
  CHECK(e2.out == first);
  CHECK(first.find("\"b64\":\"/wAB\"") != std::string::npos);  // \xff\x00\x01
  CHECK(first.find("\"gateway_url\":{\"b64\":\"d3NzOi8v//4=\"}") != std::string::npos);
  CHECK(first.find("\"json\":\"\\u0000\"") != std::string::npos);  // NUL is valid UTF-8
  CHECK(first.find("{\"type\":\"connection\",\"recording_id\":3,\"conn\":10,\"closed_at\":6,"
                   "\"closed_by\":\"lost\",\"code\":null,\"reason\":\"\"}\n") != std::string::npos);
  CHECK(first.find("\"json\":\"{\\\"op\\\":1,\\\"d\\\":null}\\n  \"") != std::string::npos);

  // One recording: it keeps its id, and the round trip is exact too.
  auto only = gwtape({"export", log, "--recording", "2"});
  REQUIRE(only.exit_code == 0);
  write_file(dir.file("r2.jsonl"), only.out);
  REQUIRE(gwtape({"import", dir.file("r2.jsonl"), "--out", dir.file("c.gwtape")}).exit_code == 0);
  CHECK(gwtape({"export", dir.file("c.gwtape")}).out == only.out);
  CHECK(gwtape({"query", dir.file("c.gwtape"), "SELECT DISTINCT recording_id FROM events"}).out ==
        "recording_id\n------------\n2\n");
  CHECK(gwtape({"export", log, "--recording", "7"}).exit_code == 2);

  // Standard input, and --force over an existing log.
  CHECK(gwtape({"import", "-", "--out", dir.file("b.gwtape")}, dir.file("r2.jsonl")).exit_code ==
        2);
  REQUIRE(gwtape({"import", "-", "--out", dir.file("b.gwtape"), "--force"}, dir.file("r2.jsonl"))
              .exit_code == 0);
  CHECK(gwtape({"export", dir.file("b.gwtape")}).out == only.out);
}

TEST_CASE("tools: import refuses a bad line with its number and leaves no log behind") {
  TempDir dir;
  const std::string log = dir.file("a.gwtape");
  LogSpec spec;
  spec.frames = 600;
  write_log(log, {spec});
  const std::string good = gwtape({"export", log}).out;
  REQUIRE(!good.empty());
  // Line 300 (a frame) damaged in several ways; each is refused, naming line 300.
  std::vector<std::string> lines;
  for (std::size_t at = 0, nl; (nl = good.find('\n', at)) != std::string::npos; at = nl + 1)
    lines.push_back(good.substr(at, nl - at));
  const std::string damages[] = {"{\"type\":\"frame\"",
                                 "[]",
                                 "{\"type\":\"frame\",\"recording_id\":9,"
                                 "\"conn\":1,\"ts_ns\":1,\"direction\":\"recv\",\"json\":\"\"}",
                                 lines[299] + "x",
                                 std::string("\xff"),
                                 "{\"type\":\"connection\",\"recording_id\":1,\"conn\":1,"
                                 "\"closed_at\":1,\"closed_by\":\"nobody\",\"code\":null,"
                                 "\"reason\":\"\"}"};
  for (const auto& damage : damages) {
    std::string text;
    for (std::size_t i = 0; i < lines.size(); ++i) text += (i == 299 ? damage : lines[i]) + "\n";
    write_file(dir.file("bad.jsonl"), text);
    auto r = gwtape({"import", dir.file("bad.jsonl"), "--out", dir.file("out.gwtape")});
    CHECK(r.exit_code == 4);
    CHECK(r.err.find("bad.jsonl:300: ") != std::string::npos);
    CHECK(r.err.find("no log written") != std::string::npos);
    for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
      CHECK(entry.path().filename().string().rfind("out.gwtape", 0) == std::string::npos);
  }
  // Not an export at all, an empty file, a missing file.
  write_file(dir.file("x.jsonl"), "{\"type\":\"frame\"}\n");
  auto r = gwtape({"import", dir.file("x.jsonl"), "--out", dir.file("out.gwtape")});
  CHECK(r.exit_code == 4);
  CHECK(r.err.find("x.jsonl:1: not a gwtape export") != std::string::npos);
  write_file(dir.file("empty.jsonl"), "");
  CHECK(gwtape({"import", dir.file("empty.jsonl"), "--out", dir.file("out.gwtape")}).exit_code ==
        4);
  CHECK(gwtape({"import", dir.file("none.jsonl"), "--out", dir.file("out.gwtape")}).exit_code == 4);
  CHECK_FALSE(file_exists(dir.file("out.gwtape")));
  // An existing file is never overwritten without --force, even one that is not a log.
  write_file(dir.file("keep.txt"), "precious");
  auto keep = gwtape({"import", dir.file("x.jsonl"), "--out", dir.file("keep.txt")});
  CHECK(keep.exit_code == 2);
  CHECK(keep.err.find("--force") != std::string::npos);
  CHECK(read_file(dir.file("keep.txt")) == "precious");
  CHECK(gwtape({"import", dir.file("x.jsonl")}).exit_code == 2);
}

TEST_CASE("tools: export of a missing or foreign file exits 4") {
  TempDir dir;
  CHECK(gwtape({"export", dir.file("none")}).exit_code == 4);
  write_file(dir.file("junk"), std::string(4096, 'x'));
  auto r = gwtape({"export", dir.file("junk"), "--out", dir.file("o.jsonl")});
  CHECK(r.exit_code == 4);
  CHECK(r.err.find("not a gwtape log") != std::string::npos);
  CHECK_FALSE(file_exists(dir.file("o.jsonl")));
  CHECK(gwtape({"export", dir.file("junk"), "--format", "csv"}).exit_code == 2);
}

}  // namespace
}  // namespace gwtape::tools::testing
