#include "serve_util.h"

#include <catch2/catch_test_macros.hpp>

#include "gwtape/fixtures/generator.h"
#include "gwtape/gateway/envelope.h"
#include "gwtape/store/log_reader.h"
#include "gwtape/store/log_writer.h"

namespace gwtape::testing {

std::filesystem::path serve_path(const char* name) {
  auto dir = std::filesystem::temp_directory_path() / "gwtape-serve-test";
  std::filesystem::create_directories(dir);
  auto p = dir / name;
  std::filesystem::remove(p);
  std::filesystem::remove(p.string() + "-wal");
  std::filesystem::remove(p.string() + "-shm");
  return p;
}

std::size_t write_source_log(const std::filesystem::path& path, int frames, double per_second,
                             std::uint64_t seed) {
  auto writer = store::LogWriter::open(path.string());
  REQUIRE(writer.ok());
  store::RecordingInfo info;
  info.gateway_url = "wss://gateway.invalid";
  auto rec = (*writer)->begin_recording(info);
  REQUIRE(rec.ok());
  fixtures::GeneratorOptions go;
  go.guilds = 2;
  go.members_per_guild = 20;
  go.channels_per_guild = 5;
  go.events_per_second = per_second;
  go.seed = seed;
  auto gen = fixtures::Generator::create(go);
  REQUIRE(gen.ok());
  std::vector<std::string> texts;
  for (int i = 0; i < frames; ++i) {
    auto f = gen->next();
    const bool send = f.direction == fixtures::Direction::kSend;
    if (!send) texts.push_back(f.text);
    REQUIRE(
        (*writer)
            ->append({*rec, 1, f.ts_ns, send ? store::Direction::kSend : store::Direction::kRecv,
                      std::move(f.text)})
            .ok());
  }
  REQUIRE((*writer)->close().ok());
  return without_session_events(dispatches_of(texts)).size();
}

std::vector<Dispatch> dispatches_of(const std::vector<std::string>& texts) {
  std::vector<Dispatch> out;
  gateway::EnvelopeParser parser;
  for (const auto& text : texts) {
    auto env = parser.parse(text);
    if (!env.ok() || env->op != gateway::OpCode::kDispatch) continue;
    out.push_back({std::string(env->t), std::string(env->d)});
  }
  return out;
}

std::vector<std::string> received_texts(const std::filesystem::path& log,
                                        std::optional<std::int64_t> recording) {
  auto reader = store::LogReader::open(log.string());
  REQUIRE(reader.ok());
  store::FrameQuery q;
  q.recording_id = recording;
  auto cursor = (*reader)->frames(q);
  REQUIRE(cursor.ok());
  std::vector<std::string> out;
  for (;;) {
    auto more = (*cursor)->next();
    REQUIRE(more.ok());
    if (!*more) break;
    if ((*cursor)->frame().direction == store::Direction::kRecv) {
      out.push_back((*cursor)->frame().text);
    }
  }
  return out;
}

std::vector<Dispatch> without_session_events(const std::vector<Dispatch>& all) {
  std::vector<Dispatch> out;
  for (const auto& d : all) {
    if (d.t != "READY" && d.t != "RESUMED") out.push_back(d);
  }
  return out;
}

}  // namespace gwtape::testing
