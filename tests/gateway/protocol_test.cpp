#include "gwtape/gateway/protocol.h"

#include <catch2/catch_test_macros.hpp>
#include <string>

using namespace gwtape::gateway;

namespace {

constexpr std::int64_t kMs = 1'000'000;

// `only` returns a pointer into `actions`: keep the vector alive while using it.

// A Random that returns a fixed fraction, to pin the jitter.
class FixedRandom final : public Random {
 public:
  explicit FixedRandom(double fraction)
      : bits_(static_cast<std::uint64_t>(fraction * 0x1.0p53) << 11) {}
  std::uint64_t next_u64() override { return bits_; }

 private:
  std::uint64_t bits_;
};

template <class T>
const T* only(const Actions& actions) {
  REQUIRE(actions.size() == 1);
  return std::get_if<T>(&actions[0]);
}

const char* kHello =
    R"({"op":10,"d":{"heartbeat_interval":41250,"_trace":["x"]},"s":null,"t":null})";
const char* kReady =
    R"({"t":"READY","s":1,"op":0,"d":{"v":10,"user":{"id":"80351110224678912","username":"bot"},)"
    R"("guilds":[{"id":"197038439483310086","unavailable":true}],"session_id":"sess-1",)"
    R"("resume_gateway_url":"wss://resume.example:1","shard":[0,1],"application":{"id":"7"}}})";

std::string dispatch(int s) {
  return R"({"t":"TYPING_START","s":)" + std::to_string(s) +
         R"(,"op":0,"d":{"channel_id":"1","user_id":"2","timestamp":1700000000}})";
}

// HELLO on a new connection, and the identify or resume it leads to: at once, or (a second
// identify within 5 s of the first) when on_timer finds its limiter slot.
Command after_hello(Protocol& p, std::int64_t t, Random& random) {
  auto actions = p.handle_op(kHello, t, random);
  while (actions.empty()) {
    REQUIRE(p.next_deadline_ns().has_value());
    actions = p.on_timer(*p.next_deadline_ns());
    if (!actions.empty() && only<SendCommand>(actions)->command == Command::kHeartbeat) {
      actions.clear();
    }
  }
  return only<SendCommand>(actions)->command;
}

// Connected, HELLO'd, identified, READY.
Protocol ready_protocol(Random& random) {
  Protocol p;
  p.on_connected(0);
  auto hello = p.handle_op(kHello, 0, random);
  REQUIRE(only<SendCommand>(hello)->command == Command::kIdentify);
  auto ready = p.handle_op(kReady, kMs, random);
  REQUIRE(only<DeliverEvent>(ready)->event.type == EventType::kReady);
  return p;
}

}  // namespace

TEST_CASE("HELLO schedules the first beat at interval x jitter, then identify",
          "[gateway][protocol]") {
  for (double jitter : {0.0, 0.25, 0.999}) {
    FixedRandom random(jitter);
    Protocol p;
    p.on_connected(1000);
    auto actions = p.handle_op(kHello, 1000, random);
    CHECK(only<SendCommand>(actions)->command == Command::kIdentify);
    CHECK(p.phase() == Phase::kIdentifying);
    CHECK(p.heartbeat_interval_ns() == 41250 * kMs);
    REQUIRE(p.next_deadline_ns().has_value());
    const std::int64_t first = *p.next_deadline_ns() - 1000;
    CHECK(first >= 0);
    CHECK(first < 41250 * kMs);
    CHECK(first == static_cast<std::int64_t>(41250.0 * kMs * jitter));
    CHECK(p.on_timer(*p.next_deadline_ns() - 1).empty());
    CHECK(only<SendCommand>(p.on_timer(*p.next_deadline_ns()))->command == Command::kHeartbeat);
  }
}

TEST_CASE("HELLO without an interval is an error and a reconnect", "[gateway][protocol]") {
  SplitMix64 random(1);
  Protocol p;
  p.on_connected(0);
  auto actions = p.handle_op(R"({"op":10,"d":{}})", 0, random);
  REQUIRE(actions.size() == 2);
  CHECK(std::get<ProtocolError>(actions[0]).error.code == Errc::kMissingField);
  CHECK(std::holds_alternative<Reconnect>(actions[1]));
}

TEST_CASE("READY stores the session; op 1 asks for an immediate beat", "[gateway][protocol]") {
  SplitMix64 random(7);
  Protocol p = ready_protocol(random);
  CHECK(p.phase() == Phase::kActive);
  CHECK(p.session_id() == "sess-1");
  CHECK(p.resume_gateway_url() == "wss://resume.example:1");
  CHECK(p.sequence().get() == 1);
  CHECK(only<SendCommand>(p.handle_op(R"({"op":1,"d":null})", 2 * kMs, random))->command ==
        Command::kHeartbeat);
}

TEST_CASE("a missed ACK between two beats is a zombie; op 11 clears it", "[gateway][protocol]") {
  FixedRandom random(0.5);
  Protocol p = ready_protocol(random);
  std::int64_t t = *p.next_deadline_ns();
  REQUIRE(only<SendCommand>(p.on_timer(t))->command == Command::kHeartbeat);
  CHECK(p.handle_op(R"({"op":11})", t + 50 * kMs, random).empty());
  // The schedule is the first beat plus whole intervals, however late a beat went out.
  const std::int64_t first = t;
  t = *p.next_deadline_ns();
  CHECK(t == first + 41250 * kMs);
  REQUIRE(only<SendCommand>(p.on_timer(t + 3 * kMs))->command == Command::kHeartbeat);
  CHECK(*p.next_deadline_ns() == first + 2 * 41250 * kMs);
  // No ACK this time: the next beat finds the connection dead.
  auto dead = p.on_timer(*p.next_deadline_ns());
  const Reconnect* r = only<Reconnect>(dead);
  REQUIRE(r != nullptr);
  CHECK(r->resume);
  CHECK(r->close_code != 1000);
  CHECK(r->close_code != 1001);
}

TEST_CASE("op 7 reconnects and resumes; HELLO then sends RESUME", "[gateway][protocol]") {
  SplitMix64 random(3);
  Protocol p = ready_protocol(random);
  auto op7 = p.handle_op(R"({"op":7,"d":null})", 5 * kMs, random);
  const Reconnect* r = only<Reconnect>(op7);
  REQUIRE(r != nullptr);
  CHECK(r->resume);
  CHECK(r->close_code == 4000);
  p.on_connected(6 * kMs);
  CHECK(only<SendCommand>(p.handle_op(kHello, 6 * kMs, random))->command == Command::kResume);
  CHECK(p.phase() == Phase::kResuming);
  CHECK(only<DeliverEvent>(
            p.handle_op(R"({"t":"RESUMED","s":2,"op":0,"d":{}})", 7 * kMs, random)) != nullptr);
  CHECK(p.phase() == Phase::kActive);
}

TEST_CASE("our close with 1000 or 1001 ends the session; other codes keep it",
          "[gateway][protocol]") {
  for (std::uint16_t code : {1000, 1001, 4000, 1012}) {
    INFO("close " << code);
    SplitMix64 random(3);
    Protocol p = ready_protocol(random);
    p.on_client_close(code);
    p.on_connected(6 * kMs);
    const bool ends = code == 1000 || code == 1001;
    CHECK(after_hello(p, 6 * kMs, random) == (ends ? Command::kIdentify : Command::kResume));
    CHECK(p.session_id().empty() == ends);
  }
}

TEST_CASE("op 9 true resumes, false waits 1-5 s and identifies", "[gateway][protocol]") {
  SplitMix64 random(11);
  Protocol p = ready_protocol(random);
  auto op9 = p.handle_op(R"({"op":9,"d":true})", 2 * kMs, random);
  const Reconnect* r = only<Reconnect>(op9);
  REQUIRE(r != nullptr);
  CHECK(r->resume);
  auto again = p.handle_op(R"({"op":9,"d":false})", 3 * kMs, random);
  r = only<Reconnect>(again);
  REQUIRE(r != nullptr);
  CHECK_FALSE(r->resume);
  CHECK(r->delay_ns >= 1000 * kMs);
  CHECK(r->delay_ns <= 5000 * kMs);
  CHECK(p.session_id().empty());
  p.on_connected(4 * kMs);
  CHECK(after_hello(p, 4 * kMs, random) == Command::kIdentify);
}

TEST_CASE("resume replays are delivered once; gaps are counted", "[gateway][protocol]") {
  SplitMix64 random(5);
  Protocol p = ready_protocol(random);
  for (int s = 2; s <= 4; ++s) {
    CHECK(only<DeliverEvent>(p.handle_op(dispatch(s), s * kMs, random))->seq == s);
  }
  CHECK(p.handle_op(dispatch(3), 5 * kMs, random).empty());  // replayed after a resume
  CHECK(p.handle_op(dispatch(4), 5 * kMs, random).empty());
  CHECK(p.duplicates() == 2);
  CHECK(only<DeliverEvent>(p.handle_op(dispatch(7), 6 * kMs, random))->seq == 7);
  CHECK(p.gaps() == 1);
  CHECK(p.sequence().get() == 7);
  // Discord's field order ("t" before "d") is decoded in the envelope's pass, not twice.
  CHECK(p.one_pass_decodes() == 5);  // READY and TYPING_START 2, 3, 4, 7
  CHECK(p.two_pass_decodes() == 0);
  auto d_first =
      p.handle_op(R"({"d":{"channel_id":"1"},"op":0,"s":8,"t":"TYPING_START"})", 7 * kMs, random);
  CHECK(only<DeliverEvent>(d_first)->seq == 8);
  CHECK(p.two_pass_decodes() == 1);
}

TEST_CASE("close codes: fatal ones stop, 4007/4009/1000/1001 identify, others resume",
          "[gateway][protocol]") {
  SplitMix64 random(9);
  for (std::uint16_t code : {4004, 4010, 4011, 4012, 4013, 4014}) {
    Protocol p = ready_protocol(random);
    auto closed = p.on_closed(code, 2 * kMs);
    const FatalClose* f = only<FatalClose>(closed);
    REQUIRE(f != nullptr);
    CHECK(f->code == code);
    CHECK_FALSE(f->meaning.empty());
    CHECK(p.phase() == Phase::kFatallyClosed);
  }
  // A server's 1000 or 1001 ends the session as ours does: identify afresh, no resume first.
  for (std::uint16_t code : {4007, 4009, 1000, 1001}) {
    Protocol p = ready_protocol(random);
    CHECK_FALSE(only<Reconnect>(p.on_closed(code, 2 * kMs))->resume);
    CHECK(p.session_id().empty());
  }
  for (std::uint16_t code : {0, 4000, 4001, 4002, 4003, 4005, 4008}) {
    Protocol p = ready_protocol(random);
    CHECK(only<Reconnect>(p.on_closed(code, 2 * kMs))->resume);
  }
}

TEST_CASE("after 15 minutes without an ACK, a reconnect identifies", "[gateway][protocol]") {
  SplitMix64 random(2);
  Protocol p = ready_protocol(random);
  CHECK(p.can_resume(60'000 * kMs));
  CHECK_FALSE(p.can_resume(16LL * 60'000 * kMs));
  CHECK_FALSE(only<Reconnect>(p.on_closed(0, 16LL * 60'000 * kMs))->resume);
}

TEST_CASE("bad frames are reported and reconnect; bad dispatches still deliver raw",
          "[gateway][protocol]") {
  SplitMix64 random(4);
  Protocol p = ready_protocol(random);
  auto garbage = p.handle_op("\x01\x02not json", 2 * kMs, random);
  REQUIRE(garbage.size() == 2);
  CHECK(std::get<ProtocolError>(garbage[0]).error.code == Errc::kParse);
  auto bad_type =
      p.handle_op(R"({"t":"MESSAGE_CREATE","s":2,"op":0,"d":{"id":{"x":1}}})", 3 * kMs, random);
  REQUIRE(bad_type.size() == 2);
  CHECK(std::get<ProtocolError>(bad_type[0]).error.code == Errc::kType);
  const auto& delivered = std::get<DeliverEvent>(bad_type[1]);
  CHECK(delivered.seq == 2);
  CHECK(delivered.event.name() == "MESSAGE_CREATE");
  CHECK(delivered.event.as<RawEvent>()->d == R"({"id":{"x":1}})");
  CHECK(p.handle_op(R"({"op":42,"d":{"future":true}})", 4 * kMs, random).empty());
}

TEST_CASE("handle_op into a reused vector gives the same actions, cleared each time",
          "[gateway][protocol]") {
  Protocol a, b;
  FixedRandom ra(0.5), rb(0.5);
  a.on_connected(0);
  b.on_connected(0);
  Actions reused;
  const std::string frames[] = {kHello,        kReady,      dispatch(2), R"({"op":11})",
                                R"({"op":1})", dispatch(2), "not json",  R"({"op":7})"};
  for (const std::string& f : frames) {
    INFO(f);
    const Actions fresh = a.handle_op(f, 5 * kMs, ra);
    b.handle_op(f, 5 * kMs, rb, reused);
    REQUIRE(reused.size() == fresh.size());  // never the previous frame's actions too
    for (std::size_t i = 0; i < fresh.size(); ++i) {
      CHECK(reused[i].index() == fresh[i].index());
      if (const auto* d = std::get_if<DeliverEvent>(&fresh[i])) {
        CHECK(std::get<DeliverEvent>(reused[i]).seq == d->seq);
        CHECK(std::get<DeliverEvent>(reused[i]).event.type == d->event.type);
      }
    }
  }
  CHECK(a.sequence().get() == b.sequence().get());
  CHECK(a.phase() == b.phase());
}

TEST_CASE("READY with an odd field keeps its session; the phase becomes active",
          "[gateway][protocol]") {
  // "v" as a string fails the typed decode; the session must survive it (it used to be lost,
  // so the phase never became active and every reconnect identified).
  SplitMix64 random(1);
  Protocol p;
  p.on_connected(0);
  REQUIRE(after_hello(p, 0, random) == Command::kIdentify);
  const std::string odd =
      R"({"t":"READY","s":1,"op":0,"d":{"v":"10","user":{"id":"1","username":"bot"},)"
      R"("guilds":[],"session_id":"odd-1","resume_gateway_url":"wss://r.example"}})";
  auto actions = p.handle_op(odd, kMs, random);
  REQUIRE(actions.size() == 2);
  CHECK(std::holds_alternative<ProtocolError>(actions[0]));
  CHECK(std::get<DeliverEvent>(actions[1]).event.name() == "READY");
  CHECK(p.phase() == Phase::kActive);
  CHECK(p.session_id() == "odd-1");
  CHECK(p.resume_gateway_url() == "wss://r.example");
  p.on_closed(4000, 2 * kMs);
  p.on_connected(3 * kMs);
  CHECK(after_hello(p, 3 * kMs, random) == Command::kResume);
}

TEST_CASE("RESUMED is handled whatever its s; READY starts the sequence anew",
          "[gateway][protocol]") {
  SplitMix64 random(1);
  Protocol p = ready_protocol(random);
  for (int s = 2; s <= 5; ++s) (void)p.handle_op(dispatch(s), s * kMs, random);
  p.on_closed(4000, 6 * kMs);
  p.on_connected(7 * kMs);
  REQUIRE(after_hello(p, 7 * kMs, random) == Command::kResume);
  // A RESUMED whose s is not above the last seen used to be dropped as a duplicate.
  auto resumed = p.handle_op(R"({"t":"RESUMED","s":5,"op":0,"d":{}})", 8 * kMs, random);
  CHECK(only<DeliverEvent>(resumed) != nullptr);
  CHECK(p.phase() == Phase::kActive);
  CHECK(p.sequence().get() == 5);
  // A new session's READY has s = 1: it is not a duplicate of the old session's events.
  p.give_up_session();
  CHECK(only<DeliverEvent>(p.handle_op(kReady, 9 * kMs, random)) != nullptr);
  CHECK(p.sequence().get() == 1);
  CHECK(only<DeliverEvent>(p.handle_op(dispatch(2), 10 * kMs, random))->seq == 2);
}

TEST_CASE("each connection waits for its own HELLO; no beat before it", "[gateway][protocol]") {
  SplitMix64 random(1);
  Protocol p = ready_protocol(random);
  CHECK(p.heartbeat_interval_ns() > 0);
  p.on_closed(4000, 2 * kMs);
  p.on_connected(3 * kMs);
  // The interval of the last connection is gone: no beat may go out before this one's HELLO.
  CHECK(p.heartbeat_interval_ns() == 0);
  CHECK(p.heartbeat_now(4 * kMs).empty());
  REQUIRE(p.next_deadline_ns().has_value());
  CHECK(*p.next_deadline_ns() == 3 * kMs + ProtocolOptions{}.hello_timeout_ns);
  CHECK(p.on_timer(*p.next_deadline_ns() - 1).empty());
  const Actions fired = p.on_timer(*p.next_deadline_ns());
  const Reconnect* r = only<Reconnect>(fired);
  REQUIRE(r != nullptr);
  CHECK(r->resume);
  CHECK(r->terminate);
}

TEST_CASE("heartbeats are never rate-limited; the bot's commands wait for a slot",
          "[gateway][protocol]") {
  FixedRandom random(0.0);
  Protocol p = ready_protocol(random);
  for (int i = 0; i < 200; ++i) p.queue(R"({"op":3,"d":{}})");
  Actions out;
  p.on_timer(2 * kMs, out);
  std::size_t user = 0, beats = 0;
  for (const auto& a : out) {
    const auto& send = std::get<SendCommand>(a);
    (send.command == Command::kUser ? user : beats)++;
  }
  // 120 a minute, less the reserve for a 41.25 s interval's beats (2) and one identify/resume,
  // less what the window already holds: the identify and the first beat.
  CHECK(user == 120 - 3 - 2);
  CHECK(beats == 1);  // the first beat, due at HELLO with jitter 0
  CHECK(p.queued() == 200 - user);
  // The window is full of user sends: a server's op 1 is still answered, and beats go on.
  CHECK(only<SendCommand>(p.handle_op(R"({"op":1,"d":null})", 3 * kMs, random))->command ==
        Command::kHeartbeat);
  (void)p.handle_op(R"({"op":11})", 4 * kMs, random);
  const std::int64_t beat = *p.next_deadline_ns();
  CHECK(beat < 60'000 * kMs);
  CHECK(only<SendCommand>(p.on_timer(beat))->command == Command::kHeartbeat);
  // A minute after the first sends, their slots free and the queue moves on.
  out.clear();
  p.on_timer(2 * kMs + 60'000 * kMs, out);
  CHECK(out.size() == 200 - user);
  CHECK(p.queued() == 0);
}

TEST_CASE("on_too_large: before any session, once identifies again, twice in a row is fatal",
          "[gateway][protocol][limits]") {
  SplitMix64 random(3);
  const Error cap = gwtape::make_error(Errc::kTooLarge, "message exceeds the cap of 4096 bytes");
  auto count = [](const Actions& actions, auto pred) {
    std::size_t n = 0;
    for (const Action& a : actions) n += pred(a);
    return n;
  };
  Protocol p;
  p.on_connected(0);
  CHECK(after_hello(p, 1 * kMs, random) == Command::kIdentify);
  // READY refused: no session to resume, a new identify.
  auto first = p.on_too_large(cap, 2 * kMs);
  REQUIRE(count(first, [](const Action& a) { return std::holds_alternative<Reconnect>(a); }) == 1);
  for (const Action& a : first) {
    if (auto* r = std::get_if<Reconnect>(&a)) CHECK_FALSE(r->resume);
    CHECK_FALSE(std::holds_alternative<FatalClose>(a));
  }
  // Its READY refused too: the end, said why; no reconnect.
  p.on_connected(3 * kMs);
  auto second = p.on_too_large(cap, 4 * kMs);
  CHECK(count(second, [](const Action& a) { return std::holds_alternative<Reconnect>(a); }) == 0);
  const FatalClose* fatal = nullptr;
  for (const Action& a : second) {
    if (auto* f = std::get_if<FatalClose>(&a)) fatal = f;
  }
  REQUIRE(fatal != nullptr);
  CHECK(fatal->errc == Errc::kTooLarge);
  CHECK(fatal->code == 1009);
  CHECK(fatal->meaning.find("4096") != std::string::npos);
  CHECK(p.phase() == Phase::kFatallyClosed);
  CHECK_FALSE(p.next_deadline_ns().has_value());

  // A READY between two refusals starts the count anew: a refused dispatch is resumed.
  Protocol q = ready_protocol(random);
  auto after_ready = q.on_too_large(cap, 10 * kMs);
  CHECK(count(after_ready, [](const Action& a) { return std::holds_alternative<FatalClose>(a); }) ==
        0);
  for (const Action& a : after_ready) {
    if (auto* r = std::get_if<Reconnect>(&a)) CHECK(r->resume);
  }
}
