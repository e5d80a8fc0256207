#include "stream/stream_test_util.h"

#include <catch2/catch_test_macros.hpp>

#include <thread>

#include "gwtape/stream/jetstream.h"
#include "recorder/record_child.h"

namespace gwtape::testing {

std::unique_ptr<server::LoopbackGateway> start_gateway() {
  server::LoopbackOptions o;
  o.token = kStreamToken;
  o.keep_sent = true;
  o.heartbeat_interval = std::chrono::milliseconds(400);
  o.guilds.push_back({197038439483310086ULL, "streamed guild", ""});
  auto s = server::LoopbackGateway::start(o);
  REQUIRE(s.ok());
  return std::move(*s);
}

std::string message_json(int i) {
  return R"({"id":")" + std::to_string(5000 + i) +
         R"(","channel_id":"41771983423143937","guild_id":"197038439483310086",)" +
         R"("content":"line )" + std::to_string(i) + R"( caf\u00e9",)" +
         R"("author":{"id":"80351110224678912","username":"nelly"}})";
}

void burst(server::LoopbackGateway& srv, int& n, int count) {
  for (int i = 0; i < count; ++i) REQUIRE(srv.dispatch("MESSAGE_CREATE", message_json(++n)).ok());
}

bool settled(server::LoopbackGateway& srv, std::chrono::milliseconds timeout) {
  const std::int64_t last = srv.observations().last_seq;
  // Asked for to be quick; refused while the client is between connections (a resume in
  // flight), when the client's own heartbeats (every 400 ms) will carry the sequence anyway.
  (void)srv.request_heartbeat();
  return srv.wait_for(
      [&](const server::Observations& o) {
        return !o.heartbeats.empty() && o.heartbeats.back() >= last;
      },
      timeout);
}

bool wait_for_messages(const std::string& urls, const std::string& stream, std::uint64_t count,
                       std::chrono::milliseconds timeout) {
  stream::JetStreamOptions o;
  auto list = stream::parse_urls(urls);
  REQUIRE(list.ok());
  o.urls = *list;
  o.stream = stream;
  auto js = stream::JetStream::connect(o);
  REQUIRE(js.ok());
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto reader = (*js)->read(stream::all_subjects(stream), 0);
    if (reader.ok() && (*reader)->total() >= count) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

int run_gwtape(const std::vector<std::string>& args, const std::filesystem::path& dir,
               const std::string& sub, std::string* out, std::string* err,
               std::chrono::milliseconds timeout) {
  std::filesystem::create_directories(dir / sub);
  Child child(args, nullptr, dir / sub);
  const int code = child.wait(timeout);
  if (out) *out = child.out();
  if (err) *err = child.err();
  return code;
}

std::size_t require_same_frames(const std::filesystem::path& a, const std::filesystem::path& b) {
  const auto fa = read_log(a), fb = read_log(b);
  REQUIRE(fa.size() == fb.size());
  for (std::size_t i = 0; i < fa.size(); ++i) {
    INFO("frame " << i + 1);
    REQUIRE(fa[i].recording_id == fb[i].recording_id);
    REQUIRE(fa[i].conn == fb[i].conn);
    REQUIRE(fa[i].ts_ns == fb[i].ts_ns);
    REQUIRE(fa[i].direction == fb[i].direction);
    REQUIRE(fa[i].text == fb[i].text);
  }
  return fa.size();
}

ReplayResult replay_summary(const std::filesystem::path& log, const std::filesystem::path& dir,
                            const std::string& sub) {
  return replay_summary(std::vector<std::string>{log.string()}, dir, sub);
}

ReplayResult replay_summary(const std::vector<std::string>& source,
                            const std::filesystem::path& dir, const std::string& sub) {
  std::vector<std::string> args = {"replay"};
  args.insert(args.end(), source.begin(), source.end());
  args.push_back("--summary");
  std::string out, err;
  const int code = run_gwtape(args, dir, sub, &out, &err);
  INFO(err);
  REQUIRE(code == 0);
  ReplayResult r;
  const auto at = out.find("\"digest\":\"");
  REQUIRE(at != std::string::npos);
  r.digest = out.substr(at + 10, 64);
  r.matches_live = out.find("\"digest_matches_live\":true") != std::string::npos;
  return r;
}

}  // namespace gwtape::testing
