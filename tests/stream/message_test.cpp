// The stream's message format: what encode_* writes, decode reads back exactly; what gwtape
// did not write is refused with a message naming the header.
#include "gwtape/stream/message.h"

#include <catch2/catch_test_macros.hpp>

#include "gwtape/stream/jetstream.h"

using namespace gwtape;

namespace {

stream::RecordingKey key() { return {"GWTAPE", "80351110224678912", "3", 4242}; }

stream::Decoded roundtrip(const stream::Message& m) {
  auto d = stream::decode(m.subject, m.headers, m.data);
  INFO((d.ok() ? std::string() : d.error().message));
  REQUIRE(d.ok());
  return *d;
}

}  // namespace

TEST_CASE("stream message: frames, ends and recordings read back as written", "[stream]") {
  store::Frame f;
  f.recording_id = 4242;
  f.conn = 7;
  f.ts_ns = 1'765'000'000'123'456'789;
  f.direction = Direction::kSend;
  f.text = std::string("{\"op\":1,\"d\":null}\0\xff\r\n", 22);
  const auto m = stream::encode_frame(key(), 12, f);
  CHECK(m.subject == "GWTAPE.80351110224678912.3.send");
  CHECK(m.msg_id == "4242/7/12");
  auto d = roundtrip(m);
  CHECK(d.kind == stream::Kind::kFrame);
  CHECK(d.recording == 4242);
  CHECK(d.seq == 12);
  CHECK(d.frame.conn == 7);
  CHECK(d.frame.ts_ns == f.ts_ns);
  CHECK(d.frame.direction == Direction::kSend);
  CHECK(d.frame.text == f.text);

  store::ConnectionEnd e;
  e.conn = 7;
  e.ts_ns = 99;
  e.closed_by = ClosedBy::kServer;
  e.code = 4000;
  e.reason = "unknown error";
  auto de = roundtrip(stream::encode_connection_end(key(), 13, e));
  CHECK(de.kind == stream::Kind::kConnectionEnd);
  CHECK(de.end.conn == 7);
  CHECK(de.end.closed_by == ClosedBy::kServer);
  CHECK(de.end.code == 4000);
  CHECK(de.end.reason == "unknown error");
  e.code.reset();
  e.closed_by = ClosedBy::kLost;
  CHECK_FALSE(roundtrip(stream::encode_connection_end(key(), 14, e)).end.code.has_value());

  store::RecordingInfo info;
  info.started_at_ns = 5;
  info.gateway_url = "ws://127.0.0.1:1/?v=10";
  info.compress = "zstd-stream";
  info.intents = 513;
  info.shard_id = 3;
  info.shard_count = 4;
  info.tool_version = "0.1.0";
  info.redactions = "MESSAGE_CREATE:$.d.content\n";
  const auto mb = stream::encode_begin(key(), info);
  CHECK(mb.subject == "GWTAPE.80351110224678912.3.rec");
  auto db = roundtrip(mb);
  CHECK(db.kind == stream::Kind::kBegin);
  CHECK(db.seq == 0);
  CHECK(db.info.gateway_url == info.gateway_url);
  CHECK(db.info.compress == info.compress);
  CHECK(db.info.intents == 513);
  CHECK(db.info.shard_id == 3);
  CHECK(db.info.shard_count == 4);
  CHECK(db.info.redactions == info.redactions);
  info.shard_id.reset();
  info.shard_count.reset();
  CHECK_FALSE(roundtrip(stream::encode_begin(key(), info)).info.shard_id.has_value());
  // An empty text is left out (libnats loses every header of a message with an empty value)
  // and reads back empty.
  info.tool_version.clear();
  info.gateway_url.clear();
  const auto empty = stream::encode_begin(key(), info);
  for (const auto& [k, v] : empty.headers) CHECK_FALSE(v.empty());
  auto dempty = roundtrip(empty);
  CHECK(dempty.info.tool_version.empty());
  CHECK(dempty.info.gateway_url.empty());
  CHECK(dempty.info.compress == "zstd-stream");

  auto dend = roundtrip(stream::encode_end(key(), 15, 77, std::string("ab12")));
  CHECK(dend.kind == stream::Kind::kEnd);
  CHECK(dend.ended_at_ns == 77);
  CHECK(dend.state_digest == "ab12");
  CHECK_FALSE(roundtrip(stream::encode_end(key(), 15, 77, std::nullopt)).state_digest);
}

TEST_CASE("stream message: what gwtape did not write is refused by name", "[stream]") {
  store::Frame f;
  f.text = "x";
  auto m = stream::encode_frame(key(), 1, f);
  for (const char* drop : {"Gwtape-Kind", "Gwtape-Recording", "Gwtape-Seq", "Gwtape-Conn",
                           "Gwtape-Ts-Ns", "Gwtape-Direction"}) {
    INFO(drop);
    auto h = m.headers;
    std::erase_if(h, [&](const auto& kv) { return kv.first == drop; });
    auto d = stream::decode(m.subject, h, m.data);
    REQUIRE_FALSE(d.ok());
    CHECK(d.error().code == stream::Errc::kBadMessage);
    CHECK(d.error().message.find(drop) != std::string::npos);
  }
  for (auto [name, value] : {std::pair{"Gwtape-Seq", "-1"},
                             {"Gwtape-Recording", "0"},
                             {"Gwtape-Conn", "4294967296"},
                             {"Gwtape-Direction", "sideways"},
                             {"Gwtape-Kind", "telegram"},
                             {"Gwtape-Ts-Ns", "12x"}}) {
    INFO(name << "=" << value);
    auto h = m.headers;
    for (auto& kv : h) {
      if (kv.first == name) kv.second = value;
    }
    auto d = stream::decode(m.subject, h, m.data);
    REQUIRE_FALSE(d.ok());
    CHECK(d.error().message.find(name) != std::string::npos);
  }
}

TEST_CASE("stream message: names, ids and URL lists", "[stream]") {
  CHECK(stream::valid_stream_name("GWTAPE"));
  CHECK(stream::valid_stream_name("fleet_a-2"));
  CHECK_FALSE(stream::valid_stream_name(""));
  CHECK_FALSE(stream::valid_stream_name("a.b"));
  CHECK_FALSE(stream::valid_stream_name("a>"));
  CHECK_FALSE(stream::valid_stream_name(std::string(65, 'a')));
  // A token's first part is the base64 of the bot's id; nothing else of it is ever used.
  CHECK(stream::bot_of_token("ODAzNTExMTAyMjQ2Nzg5MTI.GhIjkl.secretpart") == "80351110224678912");
  CHECK(stream::bot_of_token("record.TEST-token.0123456789") == "unknown");
  CHECK(stream::bot_of_token("no-dot-at-all") == "unknown");
  const auto a = stream::new_recording_id(), b = stream::new_recording_id();
  CHECK(a > 0);
  CHECK(a < (std::int64_t{1} << 53));
  CHECK(a != b);
  auto urls = stream::parse_urls("nats://127.0.0.1:4222,localhost:4223");
  REQUIRE(urls.ok());
  CHECK(*urls == std::vector<std::string>{"nats://127.0.0.1:4222", "nats://localhost:4223"});
  for (const char* bad : {"", "http://x:1", "nats://host", "nats://host:99999", "a:1,,b:2"}) {
    INFO(bad);
    auto r = stream::parse_urls(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == stream::Errc::kInvalidArgument);
  }
}
