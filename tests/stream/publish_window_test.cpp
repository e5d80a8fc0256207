// Publishing a window of messages at once (JetStream::publish_window), against a real
// nats-server: every message of a window acknowledged and stored once, a republish
// deduplicated; and `gwtape import` puts a message that a retried window stored late back in
// its recording's order.
#include <catch2/catch_test_macros.hpp>
#include <thread>

#include "gwtape/store/log_reader.h"
#include "gwtape/stream/jetstream.h"
#include "gwtape/stream/message.h"
#include "recorder/record_child.h"
#include "stream/nats_servers.h"
#include "stream/stream_test_util.h"

using namespace gwtape;
using namespace gwtape::testing;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t kRecording = 777;
constexpr std::int64_t kStart = 1'765'000'000'000'000'000;

stream::RecordingKey key() { return {"WIN", "80351110224678912", "0", kRecording}; }

// Frame `seq` of the recording: received at kStart + seq ms, its text naming it.
stream::Message frame(std::uint64_t seq) {
  store::Frame f;
  f.recording_id = kRecording;
  f.conn = 1;
  f.ts_ns = kStart + static_cast<std::int64_t>(seq) * 1'000'000;
  f.text = R"({"op":0,"t":"MESSAGE_CREATE","s":)" + std::to_string(seq) + R"(,"d":{}})";
  return stream::encode_frame(key(), seq, f);
}

std::unique_ptr<stream::JetStream> connect(const std::string& urls) {
  stream::JetStreamOptions o;
  auto parsed = stream::parse_urls(urls);
  REQUIRE(parsed.ok());
  o.urls = *parsed;
  o.stream = "WIN";
  auto js = stream::JetStream::connect(o);
  REQUIRE(js.ok());
  for (int i = 0; i < 100 && !(*js)->connected(); ++i) std::this_thread::sleep_for(50ms);
  REQUIRE((*js)->connected());
  REQUIRE((*js)->ensure_stream().ok());
  return std::move(*js);
}

// Publishes `messages` one window at a time, in the order given; REQUIREs every
// acknowledgement.
void publish_all(stream::JetStream& js, const std::vector<stream::Message>& messages) {
  std::vector<const stream::Message*> all;
  for (const auto& m : messages) all.push_back(&m);
  for (std::size_t at = 0; at < all.size();) {
    auto r = js.publish_window(std::span(all).subspan(at));
    INFO((r.failure.ok() ? std::string() : r.failure.error().message));
    REQUIRE(r.acknowledged == std::min(all.size() - at, stream::kPublishWindow));
    at += r.acknowledged;
  }
}

// The texts of the log's frames, in the log's order.
std::vector<std::string> texts(const std::filesystem::path& log) {
  auto reader = store::LogReader::open(log.string());
  REQUIRE(reader.ok());
  store::FrameQuery q;
  q.names = false;
  auto cursor = (*reader)->frames(q);
  REQUIRE(cursor.ok());
  std::vector<std::string> out;
  for (;;) {
    auto more = (*cursor)->next();
    REQUIRE(more.ok());
    if (!*more) break;
    out.push_back((*cursor)->frame().text);
  }
  return out;
}

std::uint64_t stream_count(const std::string& urls) {
  stream::JetStreamOptions o;
  o.urls = *stream::parse_urls(urls);
  o.stream = "WIN";
  auto js = stream::JetStream::connect(o);
  REQUIRE(js.ok());
  for (int i = 0; i < 100 && !(*js)->connected(); ++i) std::this_thread::sleep_for(50ms);
  auto reader = (*js)->read("WIN.>", 0);
  REQUIRE(reader.ok());
  return (*reader)->total();
}

}  // namespace

TEST_CASE("publish_window: a window is acknowledged whole, and a republish is stored once",
          "[stream]") {
  const auto dir = fresh_dir("nats-window");
  NatsCluster nats(dir / "nats", 1);
  auto js = connect(nats.urls());
  std::vector<stream::Message> messages;
  for (std::uint64_t seq = 1; seq <= stream::kPublishWindow + 10; ++seq) {
    messages.push_back(frame(seq));
  }
  std::vector<const stream::Message*> all;
  for (const auto& m : messages) all.push_back(&m);
  // One call sends one window at most.
  auto r = js->publish_window(all);
  INFO((r.failure.ok() ? std::string() : r.failure.error().message));
  CHECK(r.acknowledged == stream::kPublishWindow);
  CHECK(r.failure.ok());
  auto rest = js->publish_window(std::span(all).subspan(stream::kPublishWindow));
  CHECK(rest.acknowledged == 10);
  CHECK(stream_count(nats.urls()) == stream::kPublishWindow + 10);
  // The same window again: acknowledged (as duplicates), not stored twice.
  auto again = js->publish_window(all);
  CHECK(again.acknowledged == stream::kPublishWindow);
  CHECK(stream_count(nats.urls()) == stream::kPublishWindow + 10);
}

TEST_CASE("import puts a message a retried window stored late back in its recording's order",
          "[stream][cli]") {
  const auto dir = fresh_dir("nats-window-order");
  NatsCluster nats(dir / "nats", 1);
  auto js = connect(nats.urls());
  constexpr std::uint64_t kFrames = 700;
  store::RecordingInfo info;
  info.started_at_ns = kStart;
  info.gateway_url = "ws://127.0.0.1:1";
  // What a failed window leaves: 10 failed and was retried after the window's other 255 were
  // stored; in a later window 400 and 402 failed and were retried after 401 and 403..655. And
  // 500 stored twice (a republish after the duplicate window).
  std::vector<stream::Message> order{stream::encode_begin(key(), info)};
  auto add = [&](std::uint64_t from, std::uint64_t to) {
    for (std::uint64_t seq = from; seq <= to; ++seq) order.push_back(frame(seq));
  };
  add(1, 9);
  add(11, 10 + stream::kPublishWindow - 1);
  add(10, 10);
  add(10 + stream::kPublishWindow, 399);
  add(401, 401);
  add(403, 400 + stream::kPublishWindow - 1);
  add(400, 400);
  add(402, 402);
  order.push_back(frame(500));
  order.back().msg_id += "/again";  // not deduplicated by JetStream
  add(400 + stream::kPublishWindow, kFrames);
  order.push_back(stream::encode_end(key(), kFrames + 1, kStart + 10'000'000'000, std::nullopt));
  publish_all(*js, order);

  const auto log = dir / "imported.gwtape";
  std::string err;
  const int code = run_gwtape({"import", nats.urls(), "--stream", "WIN", "--out", log.string()},
                              dir, "import", nullptr, &err);
  INFO(err);
  REQUIRE(code == 0);
  const auto got = texts(log);
  REQUIRE(got.size() == kFrames);
  for (std::uint64_t seq = 1; seq <= kFrames; ++seq) {
    INFO("frame " << seq);
    CHECK(got[seq - 1] == frame(seq).data);
  }
  std::string out;
  CHECK(run_gwtape({"verify", log.string()}, dir, "verify", &out, &err) == 0);
}
