// Fault soak (issue 14): `gwtape record` runs against the loopback gateway while it injects
// every kind of fault Discord's gateway can throw at a client: op 7, op 9 of both kinds, every
// reconnectable close code, dropped TCP connections, withheld ACKs, a black-holed route, an
// outage with a server restart. After all episodes:
// - every connection's recorded frames are, byte for byte, what the server sent on it (a
//   prefix: a connection ended by a fault may lose its tail), so nothing is doubled;
// - every dispatch the server was asked to send is in the log, on a connection of its session
//   (those dispatched while the connection was down arrive with the resume);
// - the log verifies, and its replay gives the live digest with no divergence.
// The episodes cycle through the fault kinds, then draw them at random from the seed.
// GWTAPE_SOAK_EPISODES / GWTAPE_SOAK_SECONDS / GWTAPE_SOAK_SEED set the run (`scripts/soak
// faults` runs 1,000); a bounded count runs here.
#include <signal.h>

#include <catch2/catch_test_macros.hpp>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "gwtape/gateway/clock.h"
#include "gwtape/server/loopback_gateway.h"
#include "record_child.h"

using namespace gwtape;
using namespace gwtape::testing;
using server::LoopbackGateway;
using server::Observations;

namespace {

constexpr const char* kToken = "soak.TEST-token.faults";
constexpr const char* kGuild = "197038439483310086";

const std::vector<std::string>& fault_kinds() {
  static const std::vector<std::string> kinds = {
      "op7",        "op9-resumable", "op9",        "close:4000", "close:4001",
      "close:4002", "close:4003",    "close:4005", "close:4007", "close:4008",
      "close:4009", "drop",          "withhold",   "freeze",     "outage"};
  return kinds;
}

// After these the session goes on (a resume); after the others it ends (an identify).
bool resumable(const std::string& kind) {
  return kind != "op9" && kind != "close:4007" && kind != "close:4009" && kind != "outage";
}

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

std::unique_ptr<LoopbackGateway> start_server(std::uint16_t port, std::uint64_t seed) {
  server::LoopbackOptions o;
  o.token = kToken;
  o.port = port;
  o.seed = seed;
  o.heartbeat_interval = std::chrono::milliseconds(250);
  o.keep_sent = true;
  o.guilds.push_back({197038439483310086ULL, "soak guild", ""});
  auto s = LoopbackGateway::start(o);
  INFO((s.ok() ? std::string() : s.error().message));
  REQUIRE(s.ok());
  return std::move(*s);
}

// A dispatch that changes the cache (so the digest covers it), with ids from `n`.
std::pair<std::string, std::string> event(std::uint64_t n) {
  const std::string id = std::to_string(1'300'000'000'000'000'000ULL + n);
  const std::string g = std::string(R"("guild_id":")") + kGuild + R"(")";
  switch (n % 4) {
    case 0:
      return {"CHANNEL_CREATE", R"({"id":")" + id + R"(","type":0,)" + g + R"(,"name":"c)" + id +
                                    R"(","position":1})"};
    case 1:
      return {"GUILD_ROLE_CREATE",
              "{" + g + R"(,"role":{"id":")" + id + R"(","name":"r)" + id +
                  R"(","color":0,"hoist":false,"position":1,)" +
                  R"("permissions":"0","managed":false,"mentionable":false}})"};
    case 2:
      return {"GUILD_MEMBER_ADD", "{" + g + R"(,"user":{"id":")" + id + R"(","username":"u)" + id +
                                      R"("},"roles":[],"joined_at":"2026-03-01T12:02:03.456000)" +
                                      R"(+00:00","deaf":false,"mute":false})"};
    default:
      return {"MESSAGE_CREATE", R"({"id":")" + id + R"(","channel_id":"41771983423143937",)" + g +
                                    R"(,"content":"soak )" + id +
                                    R"(","author":{"id":"80351110224678912","username":"n"}})"};
  }
}

struct Soak {
  std::uint16_t port = 0;
  std::uint64_t seed = 1;
  int server_index = 0;
  std::unique_ptr<LoopbackGateway> srv;
  std::vector<Observations> finished;  // of the servers an outage stopped, in order
  // (server index, session id) -> the sequence numbers dispatched in it.
  std::map<std::pair<int, std::string>, std::set<std::int64_t>> expected;
  std::uint64_t next_id = 0;
  std::uint64_t dispatched = 0;
  std::string episode;  // what a dispatch is labelled with, for the report of a loss
  std::map<std::pair<int, std::int64_t>, std::string> label;

  void dispatch(int n) {
    for (int i = 0; i < n; ++i) {
      auto [t, d] = event(next_id++);
      auto seq = srv->dispatch(t, d);
      REQUIRE(seq.ok());
      expected[{server_index, srv->session_id()}].insert(*seq);
      label[{server_index, *seq}] = episode;
      ++dispatched;
    }
  }

  // The session is up on the current connection and the client has every dispatch: it
  // answers the server's op 1, on that connection, with the last seq.
  bool settled(std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < until) {
      const auto obs = srv->observations();
      const bool up = !obs.session_id.empty() && !obs.connections.empty() &&
                      obs.connections.back().open &&
                      obs.connections.back().session_id == obs.session_id;
      if (!up) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        continue;
      }
      const int conn = obs.connections.back().id;
      const std::int64_t last = obs.last_seq;
      const std::size_t before = obs.frames.size();
      (void)srv->request_heartbeat();
      if (srv->wait_for(
              [&](const Observations& o) {
                for (std::size_t i = before; i < o.frames.size(); ++i) {
                  const auto& f = o.frames[i];
                  if (f.connection == conn && f.op == 1 &&
                      f.text.find("\"d\":" + std::to_string(last) + "}") != std::string::npos) {
                    return true;
                  }
                }
                return false;
              },
              std::chrono::milliseconds(300))) {
        return true;
      }
    }
    return false;
  }

  // Injects `kind`; returns once the fault took effect (the client recovers by itself).
  void inject(const std::string& kind, gateway::SplitMix64& random) {
    if (kind == "op7") {
      REQUIRE(srv->request_reconnect().ok());
    } else if (kind == "op9-resumable" || kind == "op9") {
      REQUIRE(srv->invalidate_session(kind == "op9-resumable").ok());
    } else if (kind.rfind("close:", 0) == 0) {
      REQUIRE(srv->close(static_cast<std::uint16_t>(std::stoi(kind.substr(6))), "soak").ok());
    } else if (kind == "drop") {
      REQUIRE(srv->drop().ok());
    } else if (kind == "freeze") {
      REQUIRE(srv->freeze().ok());
    } else if (kind == "withhold") {
      const std::size_t before = srv->connections();
      srv->withhold_acks(true);
      REQUIRE(srv->wait_for_connections(before + 1, std::chrono::seconds(10)));
      srv->withhold_acks(false);
    } else if (kind == "outage") {
      srv->stop();  // first: a beat answered in between would be missing from the copy
      finished.push_back(srv->observations());
      srv.reset();
      std::this_thread::sleep_for(std::chrono::milliseconds(500 + random.next_u64() % 2000));
      srv = start_server(port, seed + static_cast<std::uint64_t>(++server_index));
    }
  }
};

struct LogConnection {
  std::vector<const store::StoredFrame*> recv;
};

}  // namespace

TEST_CASE("fault soak: record through every kind of fault, nothing lost or doubled",
          "[recorder][cli][soak][faults]") {
  const std::uint64_t episodes = env_number("GWTAPE_SOAK_EPISODES", fault_kinds().size());
  const auto budget = std::chrono::seconds(env_number("GWTAPE_SOAK_SECONDS", 120));
  Soak soak;
  soak.seed = env_number("GWTAPE_SOAK_SEED", 1);
  gateway::SplitMix64 random(soak.seed);
  const auto dir = fresh_dir("fault-soak");
  const auto log = dir / "soak.gwtape";
  soak.srv = start_server(0, soak.seed);
  soak.port = soak.srv->port();
  const std::string compress = soak.seed % 2 ? "zlib-stream" : "zstd-stream";
  Child child(
      {"record", "--out", log.string(), "--gateway", soak.srv->url(), "--compress", compress},
      kToken, dir);
  REQUIRE(soak.srv->wait_until_identified(std::chrono::seconds(10)));

  const auto started = std::chrono::steady_clock::now();
  std::map<std::string, int> counts;
  std::uint64_t run = 0;
  for (; run < episodes && std::chrono::steady_clock::now() - started < budget; ++run) {
    const auto& kinds = fault_kinds();
    const std::string kind =
        run < kinds.size() ? kinds[run] : kinds[random.next_u64() % kinds.size()];
    INFO("episode " << run << " (" << kind << "), seed " << soak.seed
                    << "; stderr: " << child.err());
    soak.episode = "before episode " + std::to_string(run) + " (" + kind + ")";
    soak.dispatch(1 + static_cast<int>(random.next_u64() % 8));
    soak.episode = "during episode " + std::to_string(run) + " (" + kind + ")";
    REQUIRE(soak.settled(std::chrono::seconds(30)));
    const auto before = soak.srv->observations();
    const std::size_t failed_before = before.failed_resumes;
    soak.inject(kind, random);
    // Dispatched while the connection is down: they must come with the resume.
    if (resumable(kind)) soak.dispatch(1 + static_cast<int>(random.next_u64() % 4));
    // The client came back: a resume, or an identify (the old session may still look current
    // to the server until then, on a connection the client is about to leave).
    const bool same_server = kind != "outage";
    REQUIRE(soak.srv->wait_for(
        [&](const Observations& o) {
          return resumable(kind) ? o.resumes > before.resumes
                                 : o.identifies > (same_server ? before.identifies : 0);
        },
        std::chrono::seconds(30)));
    REQUIRE(soak.settled(std::chrono::seconds(30)));
    if (resumable(kind)) CHECK(soak.srv->observations().failed_resumes == failed_before);
    REQUIRE(child.running());
    ++counts[kind];
    if (std::getenv("GWTAPE_SOAK_VERBOSE"))
      std::fprintf(stderr, "episode %llu %s ok\n", static_cast<unsigned long long>(run),
                   kind.c_str());
  }
  child.signal(SIGINT);
  REQUIRE(child.wait() == 0);
  CHECK(child.err().find(kToken) == std::string::npos);
  CHECK(child.out().find(kToken) == std::string::npos);
  soak.srv->stop();
  soak.finished.push_back(soak.srv->observations());

  // The log's connections in order, beside the servers' connections in accept order.
  const auto frames = read_log(log);
  std::map<std::uint32_t, LogConnection> by_conn;
  for (const auto& f : frames) {
    if (f.direction == store::Direction::kRecv) by_conn[f.conn].recv.push_back(&f);
  }
  struct ServerConnection {
    int server;
    const Observations* obs;
    const server::ConnectionRecord* record;
  };
  std::vector<ServerConnection> accepted;
  for (std::size_t s = 0; s < soak.finished.size(); ++s) {
    for (const auto& c : soak.finished[s].connections) {
      accepted.push_back({static_cast<int>(s), &soak.finished[s], &c});
    }
  }
  REQUIRE(by_conn.size() == accepted.size());
  std::map<std::pair<int, std::string>, std::set<std::int64_t>> recorded;
  std::uint64_t doubled = 0, mismatched = 0;
  std::size_t index = 0;
  for (const auto& [conn, lc] : by_conn) {
    const auto& sc = accepted[index++];
    std::vector<const std::string*> sent;
    for (const auto& f : sc.obs->sent) {
      if (f.connection == sc.record->id && !f.binary) sent.push_back(&f.text);
    }
    INFO("log connection " << conn << " = server " << sc.server << " connection " << sc.record->id);
    CHECK(lc.recv.size() <= sent.size());
    std::set<std::int64_t> seen;
    for (std::size_t i = 0; i < lc.recv.size(); ++i) {
      if (i >= sent.size() || lc.recv[i]->text != *sent[i]) {
        ++mismatched;
        FAIL_CHECK("conn " << conn << " frame " << i << ": " << lc.recv[i]->text << "\nsent: "
                           << (i < sent.size() ? *sent[i] : std::string("(nothing)")));
        break;
      }
      if (lc.recv[i]->op == 0 && lc.recv[i]->s) {
        doubled += !seen.insert(*lc.recv[i]->s).second;
        recorded[{sc.server, sc.record->session_id}].insert(*lc.recv[i]->s);
      }
    }
  }
  std::uint64_t lost = 0;
  std::string losses;
  for (const auto& [session, seqs] : soak.expected) {
    for (std::int64_t s : seqs) {
      if (recorded[session].contains(s)) continue;
      ++lost;
      losses += "lost: server " + std::to_string(session.first) + " session " + session.second +
                " seq " + std::to_string(s) + ", dispatched " +
                soak.label[std::pair(session.first, s)] + "\n";
    }
  }
  UNSCOPED_INFO(run << " episodes, " << soak.dispatched << " dispatches, " << by_conn.size()
                    << " connections");
  CHECK(run == episodes);  // within the time budget
  CHECK(mismatched == 0);
  CHECK(doubled == 0);
  INFO(losses);
  CHECK(lost == 0);
  for (const auto& kind : fault_kinds()) {
    if (run >= fault_kinds().size()) CHECK(counts[kind] > 0);
  }

  const auto verify_dir = dir / "verify";
  std::filesystem::create_directories(verify_dir);
  Child verify({"verify", log.string()}, nullptr, verify_dir);
  CHECK(verify.wait() == 0);
  INFO("verify: " << verify.out() << verify.err());
  const auto replay_dir = dir / "replay";
  std::filesystem::create_directories(replay_dir);
  Child replayed({"replay", log.string(), "--summary"}, nullptr, replay_dir);
  CHECK(replayed.wait(std::chrono::seconds(60)) == 0);
  const std::string out = replayed.out();
  INFO("replay: " << out << replayed.err());
  CHECK(out.find(R"("digest_matches_live":true)") != std::string::npos);
  CHECK(out.find(R"("divergences":0)") != std::string::npos);
  std::printf(
      "fault soak: seed %llu, %s, %llu episodes, %llu dispatches, %zu connections, "
      "lost %llu, doubled %llu, mismatched %llu, %.1f s\n",
      static_cast<unsigned long long>(soak.seed), compress.c_str(),
      static_cast<unsigned long long>(run), static_cast<unsigned long long>(soak.dispatched),
      by_conn.size(), static_cast<unsigned long long>(lost),
      static_cast<unsigned long long>(doubled), static_cast<unsigned long long>(mismatched),
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}
