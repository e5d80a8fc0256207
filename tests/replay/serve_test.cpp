// LogServer (the adapter behind `gwtape serve`) against this library's live Gateway
// (CurlTransport, system clock) on loopback: the recorded dispatches arrive byte for byte and
// in order, over each transport compression, to several clients at once; and through each fault
// kind the client resumes or identifies anew with no dispatch lost or doubled.
#include "gwtape/replay/log_server.h"

#include <simdjson.h>
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <string>
#include <thread>
#include <vector>

#include "gwtape/server/test_cert.h"
#include "gwtape/store/log_reader.h"
#include "gwtape/store/log_writer.h"
#include "live_gateway_util.h"
#include "serve_util.h"

using namespace gwtape;
using namespace gwtape::testing;
using gateway::Compression;

namespace {

std::unique_ptr<replay::LogServer> serve(const std::filesystem::path& log,
                                         std::function<void(replay::ServeOptions&)> tweak = {}) {
  replay::ServeOptions o;
  o.log_path = log.string();
  o.heartbeat_interval = std::chrono::milliseconds(300);
  if (tweak) tweak(o);
  auto s = replay::LogServer::start(std::move(o));
  REQUIRE(s.ok());
  return std::move(*s);
}

std::vector<Dispatch> source_dispatches(const std::filesystem::path& log) {
  return without_session_events(dispatches_of(received_texts(log)));
}

// READY's d among these frames.
std::string ready_of(const std::vector<std::string>& texts) {
  for (const auto& d : dispatches_of(texts)) {
    if (d.t == "READY") return d.d;
  }
  return {};
}

std::string string_field(const std::string& json, const char* key) {
  simdjson::dom::parser parser;
  std::string_view v;
  if (parser.parse(json)[key].get_string().get(v) != simdjson::SUCCESS) return {};
  return std::string(v);
}

// Built by appending: GCC 12 misreads `"\"" + std::string&&` (-Wrestrict).
std::string quoted(const std::string& s) {
  std::string out(1, '"');
  out += s;
  out += '"';
  return out;
}

void replace_once(std::string& s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  s.replace(at, from.size(), to);
}

bool delivered_all(const LiveClient& c, std::size_t n) {
  return c.wait_for(
      [n](const std::vector<Delivered>& e) {
        std::size_t k = 0;
        for (const auto& x : e) k += x.name != "READY" && x.name != "RESUMED";
        return k >= n;
      },
      30s);
}

}  // namespace

TEST_CASE("serve: the recorded dispatches reach the client byte for byte", "[replay][serve]") {
  const auto log = serve_path("plain.gwtape");
  const std::size_t n = write_source_log(log, 600, 200);
  REQUIRE(n > 300);
  const auto expected = source_dispatches(log);
  REQUIRE(expected.size() == n);
  auto server = serve(log);
  const auto compress =
      GENERATE(Compression::kNone, Compression::kZlibStream, Compression::kZstdStream);
  LiveClient client(server->url(), "any-token", compress);
  REQUIRE(delivered_all(client, n));
  const auto frames = client.frames(gateway::Direction::kRecv);
  CHECK(without_session_events(dispatches_of(frames)) == expected);
  // Sequence numbers: READY 1, then 2, 3, ... with no gap.
  CHECK(exactly_once_in_order(client.events(), static_cast<std::int64_t>(n) + 1));
  // READY is the recorded one but for session_id and resume_gateway_url.
  const std::string ready = ready_of(frames);
  CHECK(ready.find("\"resume_gateway_url\":" + quoted(server->url())) != std::string::npos);
  const std::string recorded = ready_of(received_texts(log));
  REQUIRE(!recorded.empty());
  const std::string served_sid = string_field(ready, "session_id");
  const std::string recorded_sid = string_field(recorded, "session_id");
  REQUIRE(served_sid.size() == 32);
  CHECK(served_sid != recorded_sid);
  std::string back = ready;
  replace_once(back, quoted(served_sid), quoted(recorded_sid));
  replace_once(back, quoted(server->url()), quoted(string_field(recorded, "resume_gateway_url")));
  CHECK(back == recorded);
  CHECK(client.errors().empty());
}

TEST_CASE("serve: several clients, each at its own position", "[replay][serve]") {
  const auto log = serve_path("several.gwtape");
  const std::size_t n = write_source_log(log, 400, 200);
  const auto expected = source_dispatches(log);
  auto server = serve(log);
  LiveClient a(server->url(), "token-a", Compression::kZstdStream);
  REQUIRE(delivered_all(a, n));
  // b comes after a has everything, and still gets the whole recording from its start.
  LiveClient b(server->url(), "token-b", Compression::kZlibStream);
  LiveClient c(server->url(), "token-c");
  REQUIRE(delivered_all(b, n));
  REQUIRE(delivered_all(c, n));
  for (const LiveClient* x : {&a, &b, &c}) {
    CHECK(without_session_events(dispatches_of(x->frames(gateway::Direction::kRecv))) == expected);
  }
  CHECK(server->streams() == 3);
}

TEST_CASE("serve: each fault kind, the client recovers, nothing lost or doubled",
          "[replay][serve][faults]") {
  const auto log = serve_path("faults.gwtape");
  const std::size_t n = write_source_log(log, 400, 200);
  const auto expected = source_dispatches(log);
  const std::string spec = GENERATE("reconnect@40", "invalid@40", "invalid-resumable@40",
                                    "close:4000@40", "close:4009@40", "drop@40", "zombie@40");
  CAPTURE(spec);
  auto fault = replay::parse_serve_fault(spec);
  REQUIRE(fault.ok());
  // Paced (about 0.4 s for the whole recording) so that the zombie is noticed mid-stream.
  auto server = serve(log, [&](replay::ServeOptions& o) {
    o.faults = {*fault};
    o.speed = 5;
  });
  LiveClient client(server->url(), "fault-token", Compression::kZstdStream);
  REQUIRE(delivered_all(client, n));
  const auto frames = client.frames(gateway::Direction::kRecv);
  const auto got = without_session_events(dispatches_of(frames));
  CHECK(got.size() == expected.size());
  CHECK(got == expected);
  std::size_t readies = 0;
  std::size_t resumed = 0;
  for (const auto& d : dispatches_of(frames)) {
    readies += d.t == "READY";
    resumed += d.t == "RESUMED";
  }
  const bool identifies_anew = spec.starts_with("invalid@") || spec.starts_with("close:4009");
  CHECK(readies == (identifies_anew ? 2u : 1u));
  CHECK(resumed == (identifies_anew ? 0u : 1u));
  CHECK(server->streams() == 1);  // the re-identify continued the same stream
}

TEST_CASE("serve: bad input at start", "[replay][serve]") {
  const auto missing = serve_path("missing.gwtape");
  replay::ServeOptions o;
  o.log_path = missing.string();
  auto r = replay::LogServer::start(o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == replay::Errc::kLog);

  const auto log = serve_path("badinput.gwtape");
  write_source_log(log, 50, 200);
  o.log_path = log.string();
  o.recording_id = 99;
  r = replay::LogServer::start(o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == replay::Errc::kNotFound);

  o.recording_id.reset();
  auto first = replay::LogServer::start(o);
  REQUIRE(first.ok());
  o.port = (*first)->port();
  r = replay::LogServer::start(o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == replay::Errc::kAddressInUse);
}

TEST_CASE("serve: --fault specs", "[replay][serve]") {
  auto f = replay::parse_serve_fault("close:4007@12");
  REQUIRE(f.ok());
  CHECK(f->kind == replay::ServeFaultKind::kClose);
  CHECK(f->code == 4007);
  CHECK(f->seq == 12);
  CHECK(replay::parse_serve_fault("invalid-resumable@2")->kind ==
        replay::ServeFaultKind::kInvalidResumable);
  for (const char* bad : {"reconnect", "reconnect@1", "reconnect@x", "close@5", "close:99@5",
                          "explode@5", "zombie@-3", "@5"}) {
    CAPTURE(bad);
    CHECK_FALSE(replay::parse_serve_fault(bad).ok());
  }
}

TEST_CASE("serve: a wrong --token gets 4004, the other clients are served on", "[replay][serve]") {
  const auto log = serve_path("token.gwtape");
  const std::size_t n = write_source_log(log, 300, 200);
  auto server = serve(log, [](replay::ServeOptions& o) { o.token = "the-right-token"; });
  LiveClient good(server->url(), "the-right-token", Compression::kZstdStream);
  LiveClient bad(server->url(), "a-wrong-token");
  gateway::Status st = bad.wait_end(10s);
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == gateway::Errc::kFatalClose);
  CHECK(st.error().message.find("4004") != std::string::npos);
  REQUIRE(delivered_all(good, n));
  CHECK(without_session_events(dispatches_of(good.frames(gateway::Direction::kRecv))) ==
        source_dispatches(log));
  CHECK(server->streams() == 1);
}

TEST_CASE("serve: a log of several connections is served as one continuous session",
          "[replay][serve]") {
  // Record a served session with a reconnect and an identify anew into a log (three
  // connections: READY, RESUMED, READY), then serve that log.
  const auto source = serve_path("multi-source.gwtape");
  const std::size_t n = write_source_log(source, 300, 200);
  const auto expected = source_dispatches(source);
  const auto multi = serve_path("multi.gwtape");
  {
    auto first = serve(source, [](replay::ServeOptions& o) {
      o.faults = {*replay::parse_serve_fault("reconnect@50"),
                  *replay::parse_serve_fault("invalid@120")};
    });
    LiveClient client(first->url(), "t", Compression::kZlibStream);
    REQUIRE(delivered_all(client, n));
    auto writer = store::LogWriter::open(multi.string());
    REQUIRE(writer.ok());
    auto rec = (*writer)->begin_recording({});
    REQUIRE(rec.ok());
    std::uint32_t conn = 1;
    std::int64_t ts = 1'000'000'000;
    bool ready_seen = false;
    for (const auto& text : client.frames(gateway::Direction::kRecv)) {
      const bool ready = text.find("\"READY\"") != std::string::npos;
      if (text.find("\"RESUMED\"") != std::string::npos || (ready && ready_seen)) {
        ++conn;  // what the recorder would have seen: a new connection before each
      }
      ready_seen = ready_seen || ready;
      REQUIRE((*writer)->append({*rec, conn, ts += 1000, store::Direction::kRecv, text}).ok());
    }
    REQUIRE((*writer)->close().ok());
    REQUIRE(conn == 3);
  }
  auto second = serve(multi);
  LiveClient client(second->url(), "t");
  REQUIRE(delivered_all(client, n));
  const auto frames = client.frames(gateway::Direction::kRecv);
  CHECK(without_session_events(dispatches_of(frames)) == expected);
  CHECK(exactly_once_in_order(client.events(), static_cast<std::int64_t>(n) + 1));
}

// A resume replays what the server thinks the client missed, and the recorder keeps both copies
// of one that was in flight (the library drops the second as a duplicate). Before, serve sent
// both, and a client's cache applied the event twice.
TEST_CASE("serve: dispatches a resume repeated in the log are served once", "[replay][serve]") {
  const auto source = serve_path("dup-source.gwtape");
  const std::size_t n = write_source_log(source, 300, 200);
  const auto expected = source_dispatches(source);
  const auto texts = received_texts(source);
  const auto log = serve_path("dup.gwtape");
  {
    auto writer = store::LogWriter::open(log.string());
    REQUIRE(writer.ok());
    auto rec = (*writer)->begin_recording({});
    REQUIRE(rec.ok());
    std::int64_t ts = 1'000'000'000;
    std::size_t cut = texts.size() / 2;
    for (std::size_t i = 0; i < texts.size(); ++i) {
      const std::uint32_t conn = i < cut ? 1 : 2;
      if (i == cut) {
        // The second connection: RESUMED, then the last three of the first again.
        REQUIRE((*writer)
                    ->append({*rec, 2, ts += 1000, store::Direction::kRecv,
                              R"({"t":"RESUMED","s":null,"op":0,"d":{}})"})
                    .ok());
        for (std::size_t j = cut - 3; j < cut; ++j) {
          REQUIRE((*writer)->append({*rec, 2, ts += 1000, store::Direction::kRecv, texts[j]}).ok());
        }
      }
      REQUIRE((*writer)->append({*rec, conn, ts += 1000, store::Direction::kRecv, texts[i]}).ok());
    }
    REQUIRE((*writer)->close().ok());
  }
  auto server = serve(log);
  LiveClient client(server->url(), "t");
  REQUIRE(delivered_all(client, n));
  std::this_thread::sleep_for(200ms);  // anything more would come now
  CHECK(without_session_events(dispatches_of(client.frames(gateway::Direction::kRecv))) ==
        expected);
  CHECK(exactly_once_in_order(client.events(), static_cast<std::int64_t>(n) + 1));
}

TEST_CASE("serve: --loop starts the recording over, sequence numbers go on", "[replay][serve]") {
  const auto log = serve_path("loop.gwtape");
  const std::size_t n = write_source_log(log, 200, 200);
  const auto once = source_dispatches(log);
  auto server = serve(log, [](replay::ServeOptions& o) { o.loop = true; });
  LiveClient client(server->url(), "t");
  REQUIRE(delivered_all(client, 2 * n + 5));
  auto got = without_session_events(dispatches_of(client.frames(gateway::Direction::kRecv)));
  REQUIRE(got.size() >= 2 * n);
  CHECK(std::vector<Dispatch>(got.begin(), got.begin() + n) == once);
  CHECK(std::vector<Dispatch>(got.begin() + n, got.begin() + 2 * n) == once);
  CHECK(exactly_once_in_order(client.events(), static_cast<std::int64_t>(client.events().size())));
}

TEST_CASE("serve: --speed keeps the recorded spacing, divided by the factor", "[replay][serve]") {
  const auto log = serve_path("speed.gwtape");
  // 300 frames at 100 events/s: a few seconds of recorded time.
  const std::size_t n = write_source_log(log, 300, 100);
  std::int64_t first = 0, last = 0;
  {
    auto reader = store::LogReader::open(log.string());
    REQUIRE(reader.ok());
    auto cursor = (*reader)->frames();
    REQUIRE(cursor.ok());
    bool after_ready = false;
    while (*(*cursor)->next()) {
      const auto& f = (*cursor)->frame();
      if (f.direction != store::Direction::kRecv || f.op != 0) continue;
      if (f.t == "READY") {
        after_ready = true;
        continue;
      }
      if (!after_ready) continue;
      if (first == 0) first = f.ts_ns;
      last = f.ts_ns;
    }
  }
  const double span_s = static_cast<double>(last - first) / 1e9;
  REQUIRE(span_s > 2.0);
  const double factor = 4;
  auto server = serve(log, [&](replay::ServeOptions& o) { o.speed = factor; });
  const auto started = std::chrono::steady_clock::now();
  LiveClient client(server->url(), "t");
  REQUIRE(delivered_all(client, n));
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  CAPTURE(span_s, took);
  CHECK(took >= 0.9 * span_s / factor);
  CHECK(took <= span_s / factor + 5.0);
  // Against max speed, which does not wait.
  auto fast = serve(log);
  const auto fast_started = std::chrono::steady_clock::now();
  LiveClient quick(fast->url(), "t");
  REQUIRE(delivered_all(quick, n));
  CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - fast_started).count() <
        took);
}

TEST_CASE("serve: wss:// with --tls-cert and --tls-key", "[replay][serve]") {
  const auto dir = std::filesystem::temp_directory_path() / "gwtape-serve-tls";
  std::filesystem::create_directories(dir);
  auto cert = server::make_self_signed_cert(dir.string());
  REQUIRE(cert.ok());
  const auto log = serve_path("tls.gwtape");
  const std::size_t n = write_source_log(log, 150, 200);
  auto server = serve(log, [&](replay::ServeOptions& o) {
    o.cert_file = cert->cert_path;
    o.key_file = cert->key_path;
  });
  REQUIRE(server->url().starts_with("wss://127.0.0.1:"));
  LiveClient client(server->url(), "t", Compression::kZlibStream,
                    [&](gateway::GatewayOptions& o) { o.connect.ca_file = cert->cert_path; });
  REQUIRE(delivered_all(client, n));
  CHECK(without_session_events(dispatches_of(client.frames(gateway::Direction::kRecv))) ==
        source_dispatches(log));
}
