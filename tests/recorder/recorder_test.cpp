#include "gwtape/recorder/recorder.h"

#include <catch2/catch_test_macros.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "gwtape/store/log_reader.h"
#include "gwtape/store/log_writer.h"

using namespace gwtape;

namespace {

std::filesystem::path temp_log(const char* name) {
  auto dir = std::filesystem::temp_directory_path() / "gwtape-recorder-test";
  std::filesystem::create_directories(dir);
  auto path = dir / name;
  std::filesystem::remove(path);
  return path;
}

}  // namespace

TEST_CASE("the recorder writes every frame in order, token masked, rules applied", "[recorder]") {
  const std::string token = "Bot.SECRET-token_123";
  const auto path = temp_log("order.gwtape");
  auto writer = store::LogWriter::open(path.string());
  REQUIRE(writer.ok());
  store::RecordingInfo info;
  info.gateway_url = "ws://127.0.0.1:1";
  info.redactions = "MESSAGE_CREATE:$.d.content";
  auto rec_id = (*writer)->begin_recording(info);
  REQUIRE(rec_id.ok());
  recorder::Recorder rec(**writer, *rec_id,
                         {token, {*recorder::RedactionRule::parse("MESSAGE_CREATE:$.d.content")}});
  const std::vector<std::pair<gateway::Direction, std::string>> frames = {
      {gateway::Direction::kRecv, R"({"op":10,"d":{"heartbeat_interval":41250}})"},
      {gateway::Direction::kSend, R"({"op":2,"d":{"token":")" + token + R"(","intents":1}})"},
      {gateway::Direction::kRecv, R"({"t":"MESSAGE_CREATE","s":1,"op":0,"d":{"content":"hi"}})"},
      {gateway::Direction::kRecv, "not json at all \xff"},
      {gateway::Direction::kSend, R"({"op":6,"d":{"token":")" + token + R"(","seq":1}})"}};
  std::int64_t t = 1'700'000'000'000'000'000;
  for (const auto& [dir, text] : frames) rec.on_frame({dir, 1, t++, text});
  REQUIRE((*writer)->flush().ok());
  REQUIRE((*writer)->close().ok());
  CHECK(rec.status().ok());
  CHECK(rec.stats().frames == 5);
  CHECK(rec.stats().tokens_masked == 2);
  CHECK(rec.stats().values_redacted == 1);

  auto reader = store::LogReader::open(path.string());
  REQUIRE(reader.ok());
  auto cursor = (*reader)->frames();
  REQUIRE(cursor.ok());
  std::vector<std::string> back;
  while (true) {
    auto more = (*cursor)->next();
    REQUIRE(more.ok());
    if (!*more) break;
    back.push_back((*cursor)->frame().text);
  }
  REQUIRE(back.size() == 5);
  CHECK(back[0] == frames[0].second);
  CHECK(back[1] == R"({"op":2,"d":{"token":"[token redacted]","intents":1}})");
  CHECK(back[2] == R"({"t":"MESSAGE_CREATE","s":1,"op":0,"d":{"content":"[redacted]"}})");
  CHECK(back[3] == frames[3].second);  // unparseable: recorded as it came
  CHECK(back[4] == R"({"op":6,"d":{"token":"[token redacted]","seq":1}})");
  // The token is nowhere in the file.
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(bytes.find("SECRET-token") == std::string::npos);
}

TEST_CASE("the recorder keeps connection ends, the token masked, and the first writer error",
          "[recorder]") {
  const std::string token = "Bot.SECRET-token_456";
  const auto path = temp_log("ends.gwtape");
  auto writer = store::LogWriter::open(path.string());
  REQUIRE(writer.ok());
  auto rec_id = (*writer)->begin_recording({});
  REQUIRE(rec_id.ok());
  recorder::Recorder rec(**writer, *rec_id, {token, {}});
  rec.on_connection_end({1, 5, gateway::ClosedBy::kServer, 4000, "unknown error"});
  rec.on_connection_end({2, 6, gateway::ClosedBy::kLost, std::nullopt, "reset near " + token});
  REQUIRE((*writer)->flush().ok());
  CHECK(rec.status().ok());
  auto reader = store::LogReader::open(path.string());
  REQUIRE(reader.ok());
  auto ends = (*reader)->connection_ends();
  REQUIRE(ends.ok());
  REQUIRE(ends->size() == 2);
  CHECK(((*ends)[0].closed_by == store::ClosedBy::kServer && (*ends)[0].code == 4000));
  CHECK((*ends)[0].ts_ns == 5);
  CHECK((*ends)[1].reason == "reset near [token redacted]");
  CHECK_FALSE((*ends)[1].code.has_value());
  // A writer that refuses (closed): the recorder keeps the first error, naming the connection.
  REQUIRE((*writer)->close().ok());
  rec.on_connection_end({3, 7, gateway::ClosedBy::kClient, 1000, "closing"});
  rec.on_connection_end({4, 8, gateway::ClosedBy::kClient, 1000, "closing"});
  REQUIRE_FALSE(rec.status().ok());
  CHECK(rec.status().error().message.find("recorder: the end of connection 3: ") == 0);
}
