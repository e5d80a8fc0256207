// state::Cache over the fixture session of fixtures/payloads/dispatch: the 99 frames applied
// in the order of their `s` (fixtures/payloads/README.md, "One consistent little world"),
// with the cache checked after every event type it reduces, and the README's end state.
#include "gwtape/gateway/state/cache.h"

#include <simdjson.h>

#include <algorithm>
#include <catch2/catch_test_macros.hpp>
#include <set>
#include <string>

#include "gateway/state_support.h"

namespace {

using gwtape::gateway::EventType;
using gwtape::gateway::Snowflake;
using gwtape::gateway::Timestamp;
using gwtape::gateway::state::Cache;
using gwtape::test::decode_dispatch;
using gwtape::test::fixture_session;

constexpr Snowflake kGuild{197038439483310086ULL};
constexpr Snowflake kGuild2{81384788765712384ULL};
constexpr Snowflake kNelly{80351110224678912ULL};
constexpr Snowflake kMason{53908099506183680ULL};
constexpr Snowflake kLuigi{96008815106887111ULL};
constexpr Snowflake kTest{82198898841029460ULL};
constexpr Snowflake kGeneral{41771983423143937ULL};
constexpr Snowflake kVoice{155101607195836416ULL};
constexpr Snowflake kDm{319674150115610528ULL};
constexpr Snowflake kSupaHot{334385199974967042ULL};
constexpr Snowflake kReply{334385360454942720ULL};
constexpr Snowflake kDmMessage{334386025231155200ULL};
constexpr Snowflake kEscapes{1477645316554620928ULL};
constexpr Snowflake kBoyz{41771983423143936ULL};
constexpr Snowflake kNewChannel{1477636521984131072ULL};
constexpr Snowflake kNewThread{1477639038566531072ULL};
constexpr Snowflake kDotaThread{831310213939331072ULL};
constexpr Snowflake kNewRole{1477637780275331072ULL};
constexpr Snowflake kLul{41771983429993937ULL};
constexpr Snowflake kTownHall{947656305244532806ULL};
constexpr Snowflake kTownHallStage{840647391636226060ULL};
constexpr Snowflake kGameNight{1477642813440131072ULL};
constexpr Snowflake kOfficeHours{1477651621478531072ULL};
constexpr Snowflake kYay{1106714396018884649ULL};
constexpr Snowflake kOuais{1477640296857731072ULL};

Timestamp ts(const char* text) { return *Timestamp::parse(text); }

std::vector<Snowflake> member_roles(const Cache& c, Snowflake user) {
  const auto* m = c.member(kGuild, user);
  return m ? m->roles : std::vector<Snowflake>{Snowflake{1}};
}

// The checks that hold right after the frame with sequence `s` was applied.
void check_after(const Cache& c, std::int64_t s) {
  const auto n = c.counts();
  INFO("after s=" << s);
  switch (s) {
    case 1:  // READY
      REQUIRE(c.current_user() != nullptr);
      CHECK(c.current_user()->username == "Nelly");
      CHECK(n.guilds == 2);
      CHECK(n.unavailable_guilds == 2);
      break;
    case 2: {  // GUILD_CREATE
      const auto* g = c.guild(kGuild);
      REQUIRE(g != nullptr);
      CHECK_FALSE(g->guild.unavailable);
      CHECK(g->guild.name == "Discord Testers");
      CHECK(g->guild.member_count == 60814);
      CHECK(g->guild.channels.empty());  // held in the cache's maps
      CHECK(n.channels == 6);
      CHECK(n.threads == 1);
      CHECK(n.roles == 4);
      CHECK(n.members == 3);
      CHECK(n.presences == 3);
      CHECK(n.voice_states == 1);
      CHECK(n.emojis == 2);
      CHECK(n.stickers == 1);
      CHECK(c.channel(kGeneral)->guild_id == kGuild);  // filled in: GUILD_CREATE omits it
      CHECK(c.presence(kGuild, kLuigi)->guild_id == kGuild);
      CHECK(c.voice_state(kGuild, kMason)->channel_id == kVoice);
      CHECK(c.voice_state(kGuild, kMason)->guild_id == kGuild);
      CHECK(n.unavailable_guilds == 1);
      // GUILD_CREATE's own arrays, kept beside the guild.
      CHECK(n.scheduled_events == 1);
      CHECK(c.scheduled_event(kGuild, kTownHall)->status == 2);
      CHECK(c.stage_instance(kGuild, kTownHallStage)->topic == "Testing Testing, 123");
      CHECK(c.soundboard_sound(kGuild, kYay)->user->id == kLuigi);
      break;
    }
    case 3:  // GUILD_CREATE_unavailable
      CHECK(c.guild(kGuild2)->guild.unavailable);
      CHECK(n.guilds == 2);
      break;
    case 4:  // TYPING_START carries Mason's member
      CHECK(*c.member(kGuild, kMason)->nick == "NOT API SUPPORT");
      CHECK(n.members == 3);
      break;
    case 5: {  // MESSAGE_CREATE
      const auto* m = c.message(kGeneral, kSupaHot);
      REQUIRE(m != nullptr);
      CHECK(m->author.id == kMason);
      CHECK(m->content.starts_with("Supa Hot"));
      CHECK_FALSE(m->member.has_value());  // moved to the guild's members
      CHECK(c.channel(kGeneral)->last_message_id == kSupaHot);
      break;
    }
    case 6: {  // MESSAGE_CREATE_reply, by the bot
      const auto* m = c.message(kGeneral, kReply);
      REQUIRE(m != nullptr);
      CHECK(m->referenced_message_id == kSupaHot);
      CHECK(m->attachments.size() == 1);
      CHECK(member_roles(c, kNelly) == std::vector<Snowflake>{Snowflake{330633628876931073ULL}});
      break;
    }
    case 7:  // MESSAGE_CREATE_dm: kept although the bot knows no such channel
      CHECK(c.channel(kDm) == nullptr);
      CHECK(c.message(kDm, kDmMessage) != nullptr);
      CHECK(c.stats().unknown_channel == 1);
      break;
    case 8: {  // MESSAGE_UPDATE (the full form)
      const auto* m = c.message(kGeneral, kSupaHot);
      CHECK(m->content.ends_with("(edit: \xE2\x9C\x94)"));
      CHECK(m->edited_timestamp == ts("2017-07-11T17:29:44Z"));
      CHECK(m->nonce == "18446744073709551615");  // creates only: kept
      break;
    }
    case 9: {  // MESSAGE_REACTION_ADD 🔥 by Luigi
      const auto& r = c.message(kGeneral, kSupaHot)->reactions;
      REQUIRE(r.size() == 1);
      CHECK(r[0].count == 1);
      CHECK_FALSE(r[0].me);
      CHECK(r[0].emoji.name == "\xF0\x9F\x94\xA5");
      break;
    }
    case 10: {  // a custom burst reaction
      const auto& r = c.message(kGeneral, kSupaHot)->reactions;
      REQUIRE(r.size() == 2);
      CHECK(r[1].emoji.id == kLul);
      CHECK(r[1].emoji.animated);
      break;
    }
    case 11:  // MESSAGE_REACTION_REMOVE of LUL, named null: matched by id
      REQUIRE(c.message(kGeneral, kSupaHot)->reactions.size() == 1);
      CHECK(c.message(kGeneral, kSupaHot)->reactions[0].emoji.name == "\xF0\x9F\x94\xA5");
      break;
    case 12:  // MESSAGE_REACTION_REMOVE_EMOJI 🔥
    case 13:  // MESSAGE_REACTION_REMOVE_ALL
      CHECK(c.message(kGeneral, kSupaHot)->reactions.empty());
      break;
    case 14:  // CHANNEL_PINS_UPDATE
      CHECK(c.channel(kGeneral)->last_pin_timestamp == ts("2017-07-11T17:31:00+00:00"));
      break;
    case 18:  // MESSAGE_CREATE_escapes: four messages in #general, the NUL kept
      CHECK(c.messages(kGeneral).size() == 4);
      CHECK(c.message(kGeneral, kEscapes)->content.starts_with(std::string("NUL:\0 BEL", 9)));
      break;
    case 19:  // CHANNEL_CREATE
      CHECK(n.channels == 7);
      CHECK(c.channel(kNewChannel)->guild_id == kGuild);
      break;
    case 20:  // CHANNEL_UPDATE
      CHECK(c.channel(kNewChannel)->type == 5);
      CHECK(*c.channel(kNewChannel)->name == "important-news");
      break;
    case 21:  // THREAD_CREATE
      CHECK(n.threads == 2);
      CHECK(c.channel(kNewThread)->parent_id == kGeneral);
      CHECK(c.guild(kGuild)->thread_ids.contains(kNewThread));
      break;
    case 22:  // THREAD_MEMBER_UPDATE: the bot's own membership
      REQUIRE(c.thread_member(kNewThread) != nullptr);
      CHECK(c.thread_member(kNewThread)->user_id == kNelly);
      CHECK(c.thread_member(kNewThread)->flags == 1);
      break;
    case 23:  // THREAD_MEMBERS_UPDATE
      CHECK(c.channel(kNewThread)->member_count == 2);
      break;
    case 24:  // THREAD_UPDATE
      CHECK(c.channel(kNewThread)->thread_metadata->archived);
      CHECK(c.channel(kNewThread)->thread_metadata->locked);
      break;
    case 25:  // THREAD_LIST_SYNC of #general: the archived thread is not active any more
      CHECK(c.channel(kNewThread) == nullptr);
      CHECK(c.thread_member(kNewThread) == nullptr);
      CHECK(*c.channel(kDotaThread)->name == "don't buy dota-2");
      CHECK(c.thread_member(kDotaThread) != nullptr);
      CHECK(n.threads == 1);
      break;
    case 27:  // THREAD_MEMBERS_UPDATE_removed and THREAD_DELETE of the thread the sync dropped
      CHECK(c.stats().unknown_channel == 3);
      CHECK(n.threads == 1);
      break;
    case 28:  // GUILD_MEMBER_ADD
      CHECK(n.members == 4);
      CHECK(c.member(kGuild, kTest)->pending);
      CHECK(c.guild(kGuild)->guild.member_count == 60815);
      break;
    case 29:  // GUILD_ROLE_CREATE
      CHECK(n.roles == 5);
      break;
    case 30:  // GUILD_ROLE_UPDATE
      CHECK(c.role(kGuild, kNewRole)->color == 15844367);
      CHECK(c.role(kGuild, kNewRole)->position == 4);
      CHECK(c.role(kGuild, kNewRole)->mentionable);
      break;
    case 31:  // GUILD_MEMBER_UPDATE
      CHECK(member_roles(c, kMason) == std::vector<Snowflake>{kBoyz, kNewRole});
      CHECK(c.member(kGuild, kMason)->communication_disabled_until.valid());
      CHECK(c.member(kGuild, kMason)->nick->starts_with("Mason"));
      break;
    case 33:  // GUILD_MEMBER_REMOVE
      CHECK(n.members == 3);
      CHECK(c.member(kGuild, kTest) == nullptr);
      CHECK(c.guild(kGuild)->guild.member_count == 60814);
      break;
    case 37:  // GUILD_ROLE_DELETE: gone from the guild and from Mason's roles
      CHECK(n.roles == 4);
      CHECK(c.role(kGuild, kNewRole) == nullptr);
      CHECK(member_roles(c, kMason) == std::vector<Snowflake>{kBoyz});
      break;
    case 38:  // GUILD_MEMBERS_CHUNK: members and presences as of the chunk
      CHECK(member_roles(c, kMason).empty());
      CHECK(*c.member(kGuild, kMason)->nick == "NOT API SUPPORT");
      CHECK(c.presence(kGuild, kMason)->status == "online");
      CHECK(c.presence(kGuild, kMason)->guild_id == kGuild);
      CHECK(n.members == 3);
      break;
    case 40:  // PRESENCE_UPDATE
      CHECK(c.presence(kGuild, kMason)->status == "dnd");
      CHECK(c.presence(kGuild, kMason)->activities.size() == 2);
      CHECK(c.presence(kGuild, kMason)->client_desktop == "dnd");
      CHECK(n.presences == 3);
      break;
    case 41:  // USER_UPDATE
      CHECK(c.current_user()->global_name->starts_with("N\xC3\xA9lly"));
      break;
    case 42: {  // GUILD_EMOJIS_UPDATE replaces the list
      const auto& e = c.guild(kGuild)->guild.emojis;
      CHECK(e.size() == 2);
      CHECK(std::any_of(e.begin(), e.end(),
                        [](const auto& x) { return x.name == "ultra_fast_parrot"; }));
      break;
    }
    case 43:  // GUILD_STICKERS_UPDATE
      REQUIRE(c.guild(kGuild)->guild.stickers.size() == 1);
      CHECK(c.guild(kGuild)->guild.stickers[0].tags == "wave");
      break;
    case 44:  // GUILD_UPDATE keeps GUILD_CREATE's extras
      CHECK(c.guild(kGuild)->guild.features.size() == 9);
      CHECK(c.guild(kGuild)->guild.member_count == 60814);
      CHECK(c.guild(kGuild)->guild.joined_at.valid());
      CHECK(n.channels == 7);
      CHECK(n.roles == 4);
      CHECK(n.members == 3);
      break;
    case 57:  // GUILD_SCHEDULED_EVENT_CREATE
      CHECK(n.scheduled_events == 2);
      CHECK(c.scheduled_event(kGuild, kGameNight)->user_count == 0);
      break;
    case 58:  // GUILD_SCHEDULED_EVENT_USER_ADD
      CHECK(c.scheduled_event(kGuild, kGameNight)->user_count == 1);
      break;
    case 59:  // GUILD_SCHEDULED_EVENT_UPDATE: external, with a location
      CHECK(c.scheduled_event(kGuild, kGameNight)->entity_type == 3);
      CHECK(*c.scheduled_event(kGuild, kGameNight)->location ==
            "Caf\xC3\xA9 \xC3\x9Cmlaut, \xE6\x9D\xB1\xE4\xBA\xAC");
      CHECK(c.scheduled_event(kGuild, kGameNight)->user_count == 1);
      break;
    case 60:  // GUILD_SCHEDULED_EVENT_USER_REMOVE
      CHECK(c.scheduled_event(kGuild, kGameNight)->user_count == 0);
      break;
    case 61:  // GUILD_SCHEDULED_EVENT_DELETE
      CHECK(c.scheduled_event(kGuild, kGameNight) == nullptr);
      CHECK(n.scheduled_events == 1);
      break;
    case 63:  // STAGE_INSTANCE_DELETE (62 updated it)
      CHECK(n.stage_instances == 0);
      break;
    case 64:  // STAGE_INSTANCE_CREATE
      CHECK(n.stage_instances == 1);
      CHECK(c.stage_instance(kGuild, kOfficeHours)->channel_id.valid());
      break;
    case 65:  // GUILD_SOUNDBOARD_SOUND_CREATE
      CHECK(n.soundboard_sounds == 2);
      break;
    case 66:  // GUILD_SOUNDBOARD_SOUND_UPDATE
      CHECK(c.soundboard_sound(kGuild, kOuais)->available);
      CHECK(c.soundboard_sound(kGuild, kOuais)->volume == 0.8);
      break;
    case 67:  // GUILD_SOUNDBOARD_SOUNDS_UPDATE: the whole set
      CHECK(n.soundboard_sounds == 2);
      CHECK_FALSE(c.soundboard_sound(kGuild, kOuais)->available);
      break;
    case 68:  // GUILD_SOUNDBOARD_SOUND_DELETE
      CHECK(c.soundboard_sound(kGuild, kOuais) == nullptr);
      CHECK(n.soundboard_sounds == 1);
      break;
    case 69:  // SOUNDBOARD_SOUNDS: the reply to op 31 replaces the set
      CHECK(n.soundboard_sounds == 1);
      CHECK(c.soundboard_sound(kGuild, kYay) != nullptr);
      break;
    case 70:  // VOICE_STATE_UPDATE: the bot joins
      CHECK(n.voice_states == 2);
      CHECK(c.voice_state(kGuild, kNelly)->self_deaf);
      CHECK_FALSE(c.voice_state(kGuild, kNelly)->member.has_value());
      break;
    case 72:  // VOICE_STATE_UPDATE_leave: channel_id null removes
      CHECK(n.voice_states == 1);
      CHECK(c.voice_state(kGuild, kMason) == nullptr);
      break;
    case 91:  // MESSAGE_DELETE
      CHECK(c.message(kGeneral, kReply) == nullptr);
      CHECK(c.messages(kGeneral).size() == 3);
      break;
    case 92:  // MESSAGE_DELETE_dm
      CHECK(c.messages(kDm).empty());
      break;
    case 93:  // MESSAGE_DELETE_BULK
      CHECK(n.messages == 0);
      break;
    case 94:  // CHANNEL_PINS_UPDATE_unpinned
      CHECK_FALSE(c.channel(kGeneral)->last_pin_timestamp.valid());
      break;
    case 95:  // CHANNEL_DELETE
      CHECK(n.channels == 6);
      CHECK(c.channel(kNewChannel) == nullptr);
      break;
    case 96:  // GUILD_DELETE, an outage: kept, marked
      CHECK(n.guilds == 2);
      CHECK(c.guild(kGuild2)->guild.unavailable);
      break;
    case 97:  // GUILD_DELETE_removed
      CHECK(n.guilds == 1);
      CHECK(c.guild(kGuild2) == nullptr);
      break;
    default:
      break;
  }
}

TEST_CASE("cache: the fixture session, event by event, ends in the README's state", "[state]") {
  const auto frames = fixture_session();
  REQUIRE(frames.size() == 99);
  Cache cache;
  std::int64_t expected_s = 1;
  for (const auto& f : frames) {
    REQUIRE(f.s == expected_s++);
    auto ev = decode_dispatch(f.text);
    INFO(f.stem);
    REQUIRE(ev.ok());
    cache.apply(std::move(*ev));
    check_after(cache, f.s);
  }

  const auto& st = cache.stats();
  CHECK(st.events == 99);
  CHECK(st.applied + st.ignored == 99);
  CHECK(st.readys == 1);
  CHECK(st.resumes == 2);
  CHECK(st.unknown_guild == 0);
  CHECK(st.unknown_channel == 3);
  CHECK(st.unknown_message == 0);
  CHECK(st.unknown_member == 0);
  CHECK(st.unknown_role == 0);
  // Every event type the cache reduces occurs in the session.
  for (std::size_t i = 0; i < st.by_type.size(); ++i) {
    const auto type = static_cast<EventType>(i);
    if (Cache::reduces(type)) {
      INFO(gwtape::gateway::event_name(type));
      CHECK(st.by_type[i] > 0);
    }
  }

  // The README's end state.
  const auto n = cache.counts();
  CHECK(n.guilds == 1);
  CHECK(n.unavailable_guilds == 0);
  CHECK(n.channels == 6);
  CHECK(n.threads == 1);
  CHECK(n.roles == 4);
  CHECK(n.members == 3);
  CHECK(n.messages == 0);
  CHECK(n.private_channels == 0);
  CHECK(n.scheduled_events == 1);
  CHECK(n.stage_instances == 1);
  CHECK(n.soundboard_sounds == 1);
  std::set<std::string> channel_names;
  for (Snowflake id : cache.guild(kGuild)->channel_ids)
    channel_names.insert(*cache.channel(id)->name);
  CHECK(channel_names == std::set<std::string>{"Test", "r\xC3\xA8gles-\xF0\x9F\x93\x9C",
                                               "moderator-only", "ROCKET CHEESE", "general",
                                               "Town Hall \xF0\x9F\x8E\xA4"});
  std::set<std::string> role_names;
  for (const auto& [id, r] : cache.guild(kGuild)->roles) role_names.insert(r.name);
  CHECK(role_names ==
        std::set<std::string>{"@everyone", "WE DEM BOYZZ!!!!!!", "Server Booster", "Nelly"});
  for (Snowflake u : {kNelly, kMason, kLuigi}) CHECK(cache.member(kGuild, u) != nullptr);

  // The dump is JSON, in the documented layout.
  const std::string dump = cache.dump_json();
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(dump).get(doc) == simdjson::SUCCESS);
  CHECK(std::string_view(doc["format"]) == "gwtape.state.v1");
  CHECK(doc["guilds"].get_array().size() == 1);
  CHECK(doc["guilds"].at(0)["channels"].get_array().size() == 6);
  CHECK(doc["messages"].get_array().size() == 0);
  CHECK(doc["scheduled_events"].get_array().size() == 1);
  CHECK(doc["stage_instances"].get_array().size() == 1);
  CHECK(doc["soundboard_sounds"].get_array().size() == 1);
}

TEST_CASE("cache: the const and the moving apply build the same state", "[state]") {
  const auto frames = fixture_session();
  REQUIRE_FALSE(frames.empty());
  Cache moved, copied;
  for (const auto& f : frames) {
    if (f.s > 60) break;  // before the deletes, so that messages are still there
    auto ev = decode_dispatch(f.text);
    REQUIRE(ev.ok());
    copied.apply(*ev);
    moved.apply(std::move(*ev));
  }
  CHECK(copied.counts().messages == 5);
  CHECK(copied.dump_json() == moved.dump_json());
  CHECK(copied.digest_hex() == moved.digest_hex());
}

}  // namespace
