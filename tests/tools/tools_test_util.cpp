// tests/tools/tools_test_util.cpp — the gwtape program as a process, and generated logs.
#include "tools_test_util.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <simdjson.h>
#include <catch2/catch_test_macros.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "gwtape/store/log_writer.h"

extern char** environ;

namespace gwtape::tools::testing {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "gwtape-tools-XXXXXX").string();
  path_ = ::mkdtemp(tmpl.data()) ? tmpl : std::string();
  REQUIRE(!path_.empty());
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string export_head() {
  return "{\"type\":\"gwtape-export\",\"version\":1}\n"
         R"({"type":"recording","id":1,"started_at":1767225600000000000,"ended_at":null,)"
         R"("gateway_url":"wss://gateway.discord.gg/?v=10&encoding=json","api_version":10,)"
         R"("encoding":"json","compress":"none","intents":513,"shard_id":null,)"
         R"("shard_count":null,"tool_version":"test","state_digest":null,"redactions":""})"
         "\n";
}

std::string export_frame(int conn, std::int64_t ts, const char* direction,
                         const std::string& text) {
  std::string escaped;
  for (char c : text) {
    if (c == '"' || c == '\\') escaped += '\\';
    escaped += c;
  }
  return R"({"type":"frame","recording_id":1,"conn":)" + std::to_string(conn) + R"(,"ts_ns":)" +
         std::to_string(1767225600000000000LL + ts) + R"(,"direction":")" + direction +
         R"(","json":")" + escaped + "\"}\n";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

bool file_exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

Run run_program(const std::string& program, const std::vector<std::string>& args,
                const std::string& stdin_path) {
  TempDir dir;
  const std::string out_path = dir.file("stdout"), err_path = dir.file("stderr");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(
      &actions, 0, stdin_path.empty() ? "/dev/null" : stdin_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  Run run;
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    run.err = "posix_spawn failed: " + std::to_string(rc);
    return run;
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.out = read_file(out_path);
  run.err = read_file(err_path);
  return run;
}

Run gwtape(const std::vector<std::string>& args, const std::string& stdin_path) {
  return run_program(GWTAPE_BINARY_DIR "/tools/gwtape", args, stdin_path);
}

std::uint64_t WrittenLog::raw_bytes() const {
  std::uint64_t n = 0;
  for (const auto& f : frames) n += f.text.size();
  return n;
}

namespace {

constexpr const char* kHello = R"({"t":null,"s":null,"op":10,"d":{"heartbeat_interval":41250}})";
constexpr const char* kIdentify =
    R"({"op":2,"d":{"token":"[redacted]","intents":513,"properties":{"os":"linux"}}})";

std::string resume(std::uint64_t seq) {
  return R"({"op":6,"d":{"token":"[redacted]","session_id":"generated","seq":)" +
         std::to_string(seq) + "}}";
}

}  // namespace

WrittenLog write_log(const std::string& path, const std::vector<LogSpec>& specs) {
  WrittenLog log;
  store::WriterOptions options;
  options.durability = store::Durability::kNoSync;
  auto writer = store::LogWriter::open(path, options);
  REQUIRE(writer.ok());
  for (const LogSpec& spec : specs) {
    auto gen = fixtures::Generator::create(spec.generator);
    REQUIRE(gen.ok());
    store::Recording rec;
    rec.info.started_at_ns = spec.generator.start_unix_ms * 1'000'000 - 250'000'000;
    rec.info.gateway_url = "wss://gateway.discord.gg/?v=10&encoding=json";
    rec.info.intents = 513;
    rec.info.tool_version = "test";
    auto id = (*writer)->begin_recording(rec.info);
    REQUIRE(id.ok());
    rec.id = *id;
    std::uint32_t conn = 1;
    std::int64_t last_ts = rec.info.started_at_ns;
    auto add = [&](store::Direction d, std::string text) {
      store::Frame f{rec.id, conn, ++last_ts, d, std::move(text)};
      log.frames.push_back(f);
      REQUIRE((*writer)->append(std::move(f)).ok());
    };
    std::size_t next_reconnect = 0;
    fixtures::GeneratedFrame frame;
    for (std::uint64_t i = 0; i < spec.frames; ++i) {
      while (next_reconnect < spec.reconnects.size() &&
             spec.reconnects[next_reconnect].after == i) {
        const auto kind = spec.reconnects[next_reconnect++].kind;
        if (kind == Reconnect::kOp7Resume)
          add(store::Direction::kRecv, R"({"t":null,"s":null,"op":7,"d":null})");
        if (kind == Reconnect::kOp9Identify)
          add(store::Direction::kRecv, R"({"t":null,"s":null,"op":9,"d":false})");
        // How the connection ended, as the gateway reports it to the recorder.
        store::ConnectionEnd end{rec.id,       conn,
                                 last_ts,      store::ClosedBy::kLost,
                                 std::nullopt, "connection reset by peer"};
        if (kind == Reconnect::kOp7Resume)
          end = {rec.id,  conn,
                 last_ts, store::ClosedBy::kClient,
                 4000,    "gateway asked to reconnect (op 7)"};
        if (kind == Reconnect::kOp9Identify)
          end = {rec.id,  conn,
                 last_ts, store::ClosedBy::kClient,
                 1000,    "invalid session (not resumable)"};
        REQUIRE((*writer)->connection_ended(end).ok());
        ++conn;
        add(store::Direction::kRecv, kHello);
        if (kind == Reconnect::kOp9Identify) {
          add(store::Direction::kSend, kIdentify);
        } else {
          add(store::Direction::kSend, resume(gen->stats().last_sequence));
        }
      }
      gen->next(frame);
      store::Frame f{rec.id, conn, frame.ts_ns, frame.direction, frame.text};
      last_ts = frame.ts_ns;
      log.frames.push_back(f);
      REQUIRE((*writer)->append(std::move(f)).ok());
    }
    if (spec.end_recording) {
      rec.ended_at_ns = last_ts + 5'000'000;
      rec.state_digest = std::string(64, 'a' + static_cast<char>(rec.id % 6));
      REQUIRE((*writer)->end_recording(rec.id, *rec.ended_at_ns, rec.state_digest).ok());
    }
    log.recordings.push_back(rec);
  }
  REQUIRE((*writer)->close().ok());
  return log;
}

Parsed parse_frame(const std::string& text) {
  Parsed p;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(text).get(doc)) return p;
  std::int64_t i = 0;
  if (!doc["op"].get_int64().get(i)) p.op = static_cast<int>(i);
  if (!doc["s"].get_int64().get(i)) p.s = i;
  std::string_view t;
  if (!doc["t"].get_string().get(t)) p.t = t;
  simdjson::dom::element d;
  if (!doc["d"].get(d)) p.d_json = simdjson::minify(d);
  return p;
}

}  // namespace gwtape::tools::testing
