// Gateway over a scripted transport and a manual clock: the loop's timing decisions
// (heartbeats, zombie detection, reconnect with resume) checked deterministically. The real
// transport against a real server is tested in tests/replay/.
#include "gwtape/gateway/gateway.h"

#include <catch2/catch_test_macros.hpp>
#include <deque>
#include <functional>
#include <string>
#include <vector>

using namespace gwtape::gateway;
using gwtape::make_error;

namespace {

constexpr std::int64_t kMs = 1'000'000;

// Plays a script of (time, event) against the manual clock. receive() jumps the clock to the
// next scripted event, or by the whole timeout when none is due (so nothing ever sleeps).
class ScriptedTransport final : public Transport {
 public:
  struct Step {
    std::int64_t at_ns;
    enum Kind { kMessage, kPeerClose, kDrop } kind;
    std::string text;
    std::uint16_t code = 0;
    int conn = 1;  // the connection the step belongs to
  };
  struct Sent {
    std::int64_t at_ns;
    int conn;
    std::string text;
  };

  explicit ScriptedTransport(ManualClock& clock) : clock_(clock) {}

  std::deque<Step> script;
  std::vector<Sent> sent;
  std::vector<std::string> urls;
  std::vector<std::uint16_t> closes;  // codes we closed with
  std::function<void()> on_end;       // called when the script has run out (the test stops)

  Status connect(const std::string& url, const ConnectOptions&) override {
    urls.push_back(url);
    ++conn_;
    open_ = true;
    peer_.reset();
    return {};
  }
  Result<TransportMessage> receive(std::int64_t timeout_ns) override {
    if (!open_) return make_error(Errc::kClosed, "not open");
    while (!script.empty() && script.front().conn < conn_) script.pop_front();  // stale
    if (script.empty() || script.front().conn > conn_ ||
        script.front().at_ns > clock_.now_ns() + timeout_ns) {
      if (script.empty() && on_end) {
        on_end();
        return make_error(Errc::kInterrupted, "script over");
      }
      clock_.advance(timeout_ns);
      return make_error(Errc::kTimeout, "timeout");
    }
    Step step = std::move(script.front());
    script.pop_front();
    clock_.set(std::max(clock_.now_ns(), step.at_ns));
    if (step.kind == Step::kMessage) return TransportMessage{MessageKind::kText, step.text};
    open_ = false;
    if (step.kind == Step::kPeerClose) peer_ = CloseStatus{step.code, "scripted"};
    return make_error(step.kind == Step::kPeerClose ? Errc::kClosed : Errc::kTransport, "closed");
  }
  Status send_text(std::string_view text) override {
    sent.push_back({clock_.now_ns(), conn_, std::string(text)});
    return {};
  }
  Status send_close(std::uint16_t code, std::string_view) override {
    if (open_) closes.push_back(code);
    open_ = false;
    return {};
  }
  Status close(std::uint16_t code, std::string_view, std::int64_t) override {
    if (open_) closes.push_back(code);
    open_ = false;
    return {};
  }
  void disconnect() override { open_ = false; }
  std::optional<CloseStatus> peer_close() const override { return peer_; }
  void interrupt() override {}
  TransportStats stats() const override { return {}; }

 private:
  ManualClock& clock_;
  int conn_ = 0;
  bool open_ = false;
  std::optional<CloseStatus> peer_;
};

std::string hello(int interval_ms) {
  return R"({"op":10,"d":{"heartbeat_interval":)" + std::to_string(interval_ms) + "}}";
}
std::string ready() {
  return R"({"t":"READY","s":1,"op":0,"d":{"v":10,"user":{"id":"1","username":"bot"},)"
         R"("guilds":[],"session_id":"abc","resume_gateway_url":"wss://resume.test"}})";
}
std::string typing(int s) {
  return R"({"t":"TYPING_START","s":)" + std::to_string(s) +
         R"(,"op":0,"d":{"channel_id":"1","user_id":"2","timestamp":1}})";
}
int op_of(const std::string& frame) { return std::stoi(frame.substr(frame.find(':') + 1)); }

GatewayOptions options() {
  GatewayOptions o;
  o.url = "wss://gateway.test";
  o.identify.token = "TOKEN";
  o.identify.intents = intents::kGuilds;
  o.max_retries = 2;
  return o;
}

}  // namespace

TEST_CASE("gateway: identify, heartbeats on schedule, events in order", "[gateway][loop]") {
  ManualClock clock(1'000 * kMs);
  SplitMix64 random(42);
  auto owned = std::make_unique<ScriptedTransport>(clock);
  ScriptedTransport& t = *owned;
  using S = ScriptedTransport::Step;
  t.script = {{1'000 * kMs, S::kMessage, hello(1000)}, {1'010 * kMs, S::kMessage, ready()},
              {1'500 * kMs, S::kMessage, typing(2)},   {2'100 * kMs, S::kMessage, R"({"op":11})"},
              {2'500 * kMs, S::kMessage, typing(3)},   {3'100 * kMs, S::kMessage, R"({"op":11})"},
              {3'300 * kMs, S::kMessage, typing(4)}};
  Gateway gateway(options(), std::move(owned), clock, random);
  t.on_end = [&] { (void)gateway.close(); };
  std::vector<std::int64_t> seqs;
  std::vector<std::string> frames;
  gateway.on_event([&](const DeliverEvent& e) { seqs.push_back(e.seq); });
  gateway.on_frame([&](const FrameRecord& f) { frames.emplace_back(f.text); });
  REQUIRE(gateway.run().ok());
  CHECK(seqs == std::vector<std::int64_t>{1, 2, 3, 4});
  CHECK(t.urls.front() == "wss://gateway.test/?v=10&encoding=json");
  REQUIRE(t.sent.size() >= 3);
  CHECK(op_of(t.sent[0].text) == 2);
  CHECK(t.sent[0].text.find("\"token\":\"TOKEN\"") != std::string::npos);
  // Beats: the first after interval x jitter, then every interval, carrying the last s.
  std::vector<ScriptedTransport::Sent> beats;
  for (const auto& s : t.sent) {
    if (op_of(s.text) == 1) beats.push_back(s);
  }
  REQUIRE(beats.size() >= 2);
  CHECK(beats[0].at_ns >= 1'000 * kMs);
  CHECK(beats[0].at_ns < 2'000 * kMs);
  CHECK(beats[1].at_ns - beats[0].at_ns == 1'000 * kMs);
  // d is the last sequence received before the beat (typing 2, 3, 4 at 1.5, 2.5, 3.3 s).
  const int last_s = beats[1].at_ns < 2'500 * kMs ? 2 : beats[1].at_ns < 3'300 * kMs ? 3 : 4;
  CHECK(beats[1].text == R"({"op":1,"d":)" + std::to_string(last_s) + "}");
  // The tap saw every frame, both ways, received ones before they were parsed.
  CHECK(frames.size() == t.sent.size() + 7);
}

TEST_CASE("gateway: a missed ACK is a zombie; it closes non-1000 and resumes", "[gateway][loop]") {
  ManualClock clock(0);
  SplitMix64 random(1);
  auto owned = std::make_unique<ScriptedTransport>(clock);
  ScriptedTransport& t = *owned;
  using S = ScriptedTransport::Step;
  // No ACKs at all on connection 1; connection 2 is the resume.
  t.script = {{0, S::kMessage, hello(1000)},
              {10 * kMs, S::kMessage, ready()},
              {20 * kMs, S::kMessage, typing(2)},
              {0, S::kMessage, hello(1000), 0, 2},
              {0, S::kMessage, typing(2), 0, 2},  // replayed by the resume: not delivered again
              {0, S::kMessage, typing(3), 0, 2},
              {0, S::kMessage, R"({"t":"RESUMED","s":4,"op":0,"d":{}})", 0, 2}};
  Gateway gateway(options(), std::move(owned), clock, random);
  t.on_end = [&] { (void)gateway.close(); };
  std::vector<std::int64_t> seqs;
  gateway.on_event([&](const DeliverEvent& e) { seqs.push_back(e.seq); });
  REQUIRE(gateway.run().ok());
  CHECK(seqs == std::vector<std::int64_t>{1, 2, 3, 4});
  REQUIRE(t.closes.size() == 2);
  CHECK(t.closes[0] != 1000);  // the zombie: resumable
  CHECK(t.closes[1] == 1000);  // close() at the end: the session is over
  REQUIRE(t.urls.size() == 2);
  CHECK(t.urls[1] == "wss://resume.test/?v=10&encoding=json");
  std::string resume;
  for (const auto& s : t.sent) {
    if (s.conn == 2 && op_of(s.text) == 6) resume = s.text;
  }
  CHECK(resume == R"({"op":6,"d":{"token":"TOKEN","session_id":"abc","seq":2}})");
}

TEST_CASE("gateway: fatal close codes end run() with the code and its meaning", "[gateway][loop]") {
  ManualClock clock(0);
  SplitMix64 random(1);
  auto owned = std::make_unique<ScriptedTransport>(clock);
  using S = ScriptedTransport::Step;
  owned->script = {{0, S::kMessage, hello(1000)}, {5 * kMs, S::kPeerClose, "", 4014}};
  Gateway gateway(options(), std::move(owned), clock, random);
  std::string fatal;
  gateway.on_fatal([&](const Error& e) { fatal = e.message; });
  Status st = gateway.run();
  REQUIRE_FALSE(st.ok());
  CHECK(st.error().code == Errc::kFatalClose);
  CHECK(st.error().message.find("4014") != std::string::npos);
  CHECK(st.error().message.find("disallowed intents") != std::string::npos);
  CHECK(fatal == st.error().message);
  CHECK(gateway.phase() == Phase::kFatallyClosed);
}

TEST_CASE("gateway: options that cannot work are refused before connecting", "[gateway][loop]") {
  ManualClock clock(0);
  SplitMix64 random(1);
  GatewayOptions o = options();
  o.identify.intents = 0;
  Gateway gateway(o, std::make_unique<ScriptedTransport>(clock), clock, random);
  CHECK(gateway.run().error().code == Errc::kInvalidArgument);
}
