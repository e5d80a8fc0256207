// state::Cache over a guild's scheduled events, stage instances and soundboard sounds: each
// reducer, GUILD_CREATE's arrays of them, and the dump rule that keeps every earlier digest: a
// cache holding none of them writes the bytes it wrote before they were cached (checked against
// a digest recorded by an earlier version, fixtures/sessions/demo-300.jsonl.zst).
#include "gwtape/gateway/state/cache.h"

#include <simdjson.h>
#include <zstd.h>

#include <catch2/catch_test_macros.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gateway/state_support.h"

namespace {

using namespace gwtape::gateway;  // NOLINT: the model's many struct names
using namespace gwtape::test;     // NOLINT: the event builders
using gwtape::gateway::state::Cache;

constexpr Snowflake kMe{1000};
constexpr Snowflake kG{10};
constexpr Snowflake kOther{20};
constexpr Snowflake kText{11};
constexpr Snowflake kStage{12};

Cache started() {
  Cache c;
  c.apply(ready(kMe, {kG}));
  c.apply(guild_create(kG, {channel(kText), channel(kStage, 13)}, {member(kMe, "bot")}));
  c.apply(message_create(Snowflake{500}, kText, kG, kMe, "hello"));
  return c;
}

GuildScheduledEvent scheduled(Snowflake id, std::string name, std::int32_t user_count = 0) {
  GuildScheduledEvent e;
  e.id = id;
  e.guild_id = kG;
  e.channel_id = kStage;
  e.name = std::move(name);
  e.scheduled_start_time = *Timestamp::parse("2026-03-04T19:00:00+00:00");
  e.status = 1;
  e.entity_type = 1;
  e.user_count = user_count;
  return e;
}

StageInstance stage(Snowflake id, std::string topic) {
  StageInstance s;
  s.id = id;
  s.guild_id = kG;
  s.channel_id = kStage;
  s.topic = std::move(topic);
  s.privacy_level = 2;
  return s;
}

SoundboardSound sound(Snowflake id, std::string name, double volume = 1.0) {
  SoundboardSound s;
  s.sound_id = id;
  s.guild_id = kG;
  s.name = std::move(name);
  s.volume = volume;
  s.available = true;
  return s;
}

template <class E, class Base>
Event as_event(Base base) {
  E e;
  static_cast<Base&>(e) = std::move(base);
  return make_event(std::move(e));
}

template <class E>
Event scheduled_user(Snowflake event_id, Snowflake user, Snowflake guild = kG) {
  E e;
  e.guild_scheduled_event_id = event_id;
  e.user_id = user;
  e.guild_id = guild;
  return make_event(std::move(e));
}

template <class E>
Event sounds_list(std::vector<SoundboardSound> sounds) {
  E e;
  e.guild_id = kG;
  e.soundboard_sounds = std::move(sounds);
  return make_event(std::move(e));
}

// The top-level keys of a dump, in order.
std::vector<std::string> top_keys(const std::string& dump) {
  simdjson::dom::parser parser;
  simdjson::dom::object doc;
  REQUIRE(parser.parse(dump).get(doc) == simdjson::SUCCESS);
  std::vector<std::string> keys;
  for (auto field : doc) keys.emplace_back(field.key);
  return keys;
}

const std::vector<std::string> kV1Keys = {"format",           "user",           "guilds",
                                          "private_channels", "thread_members", "messages"};

TEST_CASE("cache: scheduled events: create, update, user add and remove, delete", "[state]") {
  Cache c = started();
  const Snowflake e1{700}, e2{701};
  c.apply(as_event<GuildScheduledEventCreateEvent>(scheduled(e1, "game night")));
  c.apply(as_event<GuildScheduledEventCreateEvent>(scheduled(e2, "town hall", 5)));
  CHECK(c.counts().scheduled_events == 2);
  REQUIRE(c.scheduled_event(kG, e1) != nullptr);
  CHECK(c.scheduled_event(kG, e1)->name == "game night");
  CHECK(c.scheduled_event(kG, e2)->user_count == 5);

  c.apply(scheduled_user<GuildScheduledEventUserAddEvent>(e1, Snowflake{1}));
  c.apply(scheduled_user<GuildScheduledEventUserAddEvent>(e1, Snowflake{2}));
  CHECK(c.scheduled_event(kG, e1)->user_count == 2);
  c.apply(scheduled_user<GuildScheduledEventUserRemoveEvent>(e1, Snowflake{1}));
  CHECK(c.scheduled_event(kG, e1)->user_count == 1);
  // A remove never takes the count below zero (subscribers from before the cache knew).
  c.apply(scheduled_user<GuildScheduledEventUserRemoveEvent>(e1, Snowflake{2}));
  c.apply(scheduled_user<GuildScheduledEventUserRemoveEvent>(e1, Snowflake{3}));
  CHECK(c.scheduled_event(kG, e1)->user_count == 0);
  c.apply(scheduled_user<GuildScheduledEventUserAddEvent>(e1, Snowflake{4}));

  // An update replaces the event; without a user_count it keeps the cached one.
  GuildScheduledEvent renamed = scheduled(e1, "game night (moved)");
  renamed.status = 2;
  c.apply(as_event<GuildScheduledEventUpdateEvent>(renamed));
  CHECK(c.scheduled_event(kG, e1)->name == "game night (moved)");
  CHECK(c.scheduled_event(kG, e1)->status == 2);
  CHECK(c.scheduled_event(kG, e1)->user_count == 1);
  // ... and with one, takes it.
  c.apply(as_event<GuildScheduledEventUpdateEvent>(scheduled(e1, "game night", 9)));
  CHECK(c.scheduled_event(kG, e1)->user_count == 9);

  // User add of an unknown event, or of an unknown guild: nothing cached changes.
  const std::string before = c.dump_json();
  c.apply(scheduled_user<GuildScheduledEventUserAddEvent>(Snowflake{999}, Snowflake{1}));
  c.apply(scheduled_user<GuildScheduledEventUserAddEvent>(e1, Snowflake{1}, kOther));
  CHECK(c.dump_json() == before);
  CHECK(c.stats().unknown_guild == 1);

  c.apply(as_event<GuildScheduledEventDeleteEvent>(scheduled(e1, "game night")));
  CHECK(c.scheduled_event(kG, e1) == nullptr);
  CHECK(c.counts().scheduled_events == 1);
  CHECK(Cache::reduces(EventType::kGuildScheduledEventUserAdd));
  CHECK(Cache::reduces(EventType::kGuildScheduledEventUserRemove));
}

TEST_CASE("cache: stage instances: create, update, delete; GUILD_DELETE takes them", "[state]") {
  Cache c = started();
  const Snowflake s1{800};
  c.apply(as_event<StageInstanceCreateEvent>(stage(s1, "office hours")));
  REQUIRE(c.stage_instance(kG, s1) != nullptr);
  CHECK(c.stage_instance(kG, s1)->topic == "office hours");
  c.apply(as_event<StageInstanceUpdateEvent>(stage(s1, "AMA")));
  CHECK(c.stage_instance(kG, s1)->topic == "AMA");
  CHECK(c.counts().stage_instances == 1);
  c.apply(as_event<StageInstanceDeleteEvent>(stage(s1, "AMA")));
  CHECK(c.stage_instance(kG, s1) == nullptr);
  CHECK(c.counts().stage_instances == 0);

  // Of an unknown guild: dropped and counted.
  StageInstance elsewhere = stage(Snowflake{801}, "x");
  elsewhere.guild_id = kOther;
  c.apply(as_event<StageInstanceCreateEvent>(elsewhere));
  CHECK(c.counts().stage_instances == 0);
  CHECK(c.stats().unknown_guild == 1);

  // The guild's removal takes its stage instances, scheduled events and sounds with it.
  c.apply(as_event<StageInstanceCreateEvent>(stage(s1, "again")));
  c.apply(as_event<GuildScheduledEventCreateEvent>(scheduled(Snowflake{700}, "e")));
  c.apply(as_event<GuildSoundboardSoundCreateEvent>(sound(Snowflake{900}, "s")));
  GuildDeleteEvent gone;
  gone.id = kG;
  c.apply(make_event(gone));
  const auto n = c.counts();
  CHECK(n.stage_instances == 0);
  CHECK(n.scheduled_events == 0);
  CHECK(n.soundboard_sounds == 0);
}

TEST_CASE("cache: soundboard sounds: create, update, delete; a whole list replaces the set",
          "[state]") {
  Cache c = started();
  const Snowflake a{900}, b{901}, d{902};
  c.apply(as_event<GuildSoundboardSoundCreateEvent>(sound(a, "yay")));
  SoundboardSound no_guild = sound(b, "quack", 0.5);
  no_guild.guild_id = Snowflake{};  // still placed by the event's guild_id below
  GuildSoundboardSoundCreateEvent create_b;
  static_cast<SoundboardSound&>(create_b) = no_guild;
  create_b.guild_id = kG;
  c.apply(make_event(create_b));
  CHECK(c.counts().soundboard_sounds == 2);
  REQUIRE(c.soundboard_sound(kG, b) != nullptr);
  CHECK(c.soundboard_sound(kG, b)->volume == 0.5);

  c.apply(as_event<GuildSoundboardSoundUpdateEvent>(sound(b, "QUACK", 0.25)));
  CHECK(c.soundboard_sound(kG, b)->name == "QUACK");
  CHECK(c.soundboard_sound(kG, b)->volume == 0.25);

  GuildSoundboardSoundDeleteEvent del;
  del.guild_id = kG;
  del.sound_id = a;
  c.apply(make_event(del));
  CHECK(c.soundboard_sound(kG, a) == nullptr);
  CHECK(c.counts().soundboard_sounds == 1);

  // GUILD_SOUNDBOARD_SOUNDS_UPDATE: the list is the guild's whole set.
  c.apply(sounds_list<GuildSoundboardSoundsUpdateEvent>({sound(a, "yay"), sound(d, "boo")}));
  CHECK(c.counts().soundboard_sounds == 2);
  CHECK(c.soundboard_sound(kG, b) == nullptr);
  CHECK(c.soundboard_sound(kG, d)->name == "boo");
  // SOUNDBOARD_SOUNDS (the reply to op 31) too.
  c.apply(sounds_list<SoundboardSoundsEvent>({sound(b, "quack")}));
  CHECK(c.counts().soundboard_sounds == 1);
  CHECK(c.soundboard_sound(kG, b)->name == "quack");
  c.apply(sounds_list<SoundboardSoundsEvent>({}));
  CHECK(c.counts().soundboard_sounds == 0);
}

TEST_CASE(
    "cache: GUILD_CREATE's scheduled events, stage instances and sounds are cached, "
    "outside the written Guild",
    "[state]") {
  Cache c = started();
  Event ev = guild_create(kG, {channel(kText)}, {member(kMe, "bot")});
  auto& gc = std::get<GuildCreateEvent>(ev.payload);
  gc.guild_scheduled_events = {scheduled(Snowflake{700}, "e")};
  gc.guild_scheduled_events[0].guild_id = Snowflake{};  // filled in from the guild
  gc.stage_instances = {stage(Snowflake{800}, "s")};
  gc.soundboard_sounds = {sound(Snowflake{900}, "a"), sound(Snowflake{901}, "b")};
  c.apply(std::move(ev));
  const auto n = c.counts();
  CHECK(n.scheduled_events == 1);
  CHECK(n.stage_instances == 1);
  CHECK(n.soundboard_sounds == 2);
  REQUIRE(c.scheduled_event(kG, Snowflake{700}) != nullptr);
  CHECK(c.scheduled_event(kG, Snowflake{700})->guild_id == kG);

  // The dump has them in sections of their own, after the v1 keys; the guild is as it was.
  const std::string dump = c.dump_json();
  std::vector<std::string> keys = kV1Keys;
  keys.insert(keys.end(), {"scheduled_events", "stage_instances", "soundboard_sounds"});
  CHECK(top_keys(dump) == keys);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(dump).get(doc) == simdjson::SUCCESS);
  simdjson::dom::object guild = doc["guilds"].at(0);
  for (auto field : guild) {
    INFO(field.key);
    CHECK(field.key != "guild_scheduled_events");
    CHECK(field.key != "stage_instances");
    CHECK(field.key != "soundboard_sounds");
  }
  CHECK(doc["soundboard_sounds"].get_array().size() == 2);
  CHECK(std::string_view(doc["soundboard_sounds"].at(0)["name"]) == "a");  // by sound id
  CHECK(std::string_view(doc["stage_instances"].at(0)["topic"]) == "s");

  // A full GUILD_CREATE replaces them all.
  c.apply(guild_create(kG, {channel(kText)}, {member(kMe, "bot")}));
  CHECK(c.counts().scheduled_events == 0);
  CHECK(c.counts().soundboard_sounds == 0);
  CHECK(top_keys(c.dump_json()) == kV1Keys);
}

TEST_CASE(
    "cache: without scheduled events, stages or sounds the dump has the v1 layout, byte "
    "for byte",
    "[state]") {
  Cache c = started();
  const std::string before = c.dump_json();
  const std::string digest = c.digest_hex();
  CHECK(top_keys(before) == kV1Keys);

  // Each section appears with its first entity, and leaves no trace once it is gone.
  c.apply(as_event<GuildScheduledEventCreateEvent>(scheduled(Snowflake{700}, "e")));
  c.apply(as_event<StageInstanceCreateEvent>(stage(Snowflake{800}, "s")));
  c.apply(as_event<GuildSoundboardSoundCreateEvent>(sound(Snowflake{900}, "a")));
  CHECK(c.dump_json() != before);
  CHECK(c.digest_hex() != digest);
  c.apply(as_event<GuildScheduledEventDeleteEvent>(scheduled(Snowflake{700}, "e")));
  c.apply(as_event<StageInstanceDeleteEvent>(stage(Snowflake{800}, "s")));
  CHECK(top_keys(c.dump_json()).back() == "soundboard_sounds");
  c.apply(sounds_list<GuildSoundboardSoundsUpdateEvent>({}));
  CHECK(c.dump_json() == before);
  CHECK(c.digest_hex() == digest);
}

// fixtures/sessions/demo-300.jsonl.zst: a session recorded (with its live state digest) before
// these entities were cached. Its dispatches, applied in order, must give that digest still.
TEST_CASE("cache: a session recorded by an earlier version still digests as recorded", "[state]") {
  const std::string packed =
      read_text(std::string(GWTAPE_SOURCE_DIR) + "/fixtures/sessions/demo-300.jsonl.zst");
  REQUIRE_FALSE(packed.empty());
  std::string text;
  {
    ZSTD_DStream* z = ZSTD_createDStream();
    REQUIRE(z != nullptr);
    ZSTD_inBuffer in{packed.data(), packed.size(), 0};
    std::vector<char> buf(ZSTD_DStreamOutSize());
    while (in.pos < in.size) {
      ZSTD_outBuffer out{buf.data(), buf.size(), 0};
      const std::size_t rc = ZSTD_decompressStream(z, &out, &in);
      REQUIRE_FALSE(ZSTD_isError(rc));
      text.append(buf.data(), out.pos);
    }
    ZSTD_freeDStream(z);
  }
  simdjson::dom::parser parser;
  std::string recorded;
  Cache cache;
  std::size_t dispatches = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t end = text.find('\n', pos);
    const std::string line = text.substr(pos, end - pos);
    pos = end == std::string::npos ? text.size() : end + 1;
    if (line.empty()) continue;
    simdjson::dom::element row;
    REQUIRE(parser.parse(line).get(row) == simdjson::SUCCESS);
    const std::string_view type = row["type"];
    if (type == "recording") recorded = std::string(std::string_view(row["state_digest"]));
    if (type != "frame" || std::string_view(row["direction"]) != "recv") continue;
    const std::string frame{std::string_view(row["json"])};
    simdjson::dom::parser frame_parser;
    if (std::uint64_t(frame_parser.parse(frame)["op"]) != 0) continue;
    auto ev = decode_dispatch(frame);
    REQUIRE(ev.ok());
    cache.apply(std::move(*ev));
    ++dispatches;
  }
  CHECK(dispatches == 302);
  CHECK(cache.counts().guilds == 3);
  REQUIRE(recorded.size() == 64);
  CHECK(cache.digest_hex() == recorded);
}

}  // namespace
