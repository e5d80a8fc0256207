// state::Cache over hand-built guild, thread and private-channel events: GUILD_UPDATE's
// merge, GUILD_CREATE stubs, THREAD_LIST_SYNC of a whole guild, thread memberships, private
// channels, channel updates that never move last_message_id back.
#include "gwtape/gateway/state/cache.h"

#include <catch2/catch_test_macros.hpp>
#include <string>
#include <utility>
#include <vector>

#include "gateway/state_support.h"

namespace {

using namespace gwtape::gateway;  // NOLINT: the model's many struct names
using namespace gwtape::test;     // NOLINT: the event builders
using gwtape::gateway::state::Cache;
using gwtape::gateway::state::CachedGuild;

constexpr Snowflake kMe{1000};
constexpr Snowflake kG{10};
constexpr Snowflake kText{11}, kNews{12}, kT1{13}, kT2{14}, kT3{15}, kDm{16};

Cache started() {
  Cache c;
  c.apply(ready(kMe, {kG}));
  c.apply(guild_create(kG, {channel(kText), channel(kNews, 5)}, {member(kMe, "bot")}));
  const std::pair<Snowflake, Snowflake> threads[] = {{kT1, kText}, {kT2, kText}, {kT3, kNews}};
  for (auto [id, parent] : threads) {
    ThreadCreateEvent t;
    static_cast<Channel&>(t) = channel(id, 11, parent);
    t.guild_id = kG;
    c.apply(make_event(t));
  }
  return c;
}

TEST_CASE("cache: GUILD_UPDATE merges the guild's own fields", "[state]") {
  Cache c = started();
  c.apply(message_create(Snowflake{500}, kText, kG, kMe, "m"));
  GuildUpdateEvent up;
  up.id = kG;
  up.name = "renamed";
  up.features = {"COMMUNITY"};
  up.verification_level = 2;
  c.apply(make_event(up));  // no roles, emojis, stickers: taken as absent
  const CachedGuild* g = c.guild(kG);
  CHECK(g->guild.name == "renamed");
  CHECK(g->guild.features == std::vector<std::string>{"COMMUNITY"});
  CHECK(g->guild.verification_level == 2);
  CHECK(g->guild.member_count == 1);  // GUILD_CREATE's extras stay
  CHECK(g->roles.size() == 2);
  CHECK(g->channel_ids.size() == 2);
  CHECK(c.counts().messages == 1);

  Role only;
  only.id = kG;
  only.name = "@everyone";
  up.roles = {only};
  c.apply(make_event(up));
  CHECK(c.guild(kG)->roles.size() == 1);
}

TEST_CASE("cache: GUILD_CREATE stubs and READY's unavailable guilds", "[state]") {
  Cache c = started();
  GuildCreateEvent stub;
  stub.id = Snowflake{20};
  stub.unavailable = true;
  c.apply(make_event(stub));
  CHECK(c.guild(Snowflake{20})->guild.unavailable);
  stub.id = kG;  // an outage of a known guild: marked, kept
  c.apply(make_event(stub));
  CHECK(c.guild(kG)->guild.unavailable);
  CHECK(c.guild(kG)->channel_ids.size() == 2);
  CHECK(c.counts().unavailable_guilds == 2);
}

TEST_CASE("cache: THREAD_LIST_SYNC replaces the synced parents' threads", "[state]") {
  Cache c = started();
  ThreadMemberUpdateEvent mine;
  mine.id = kT1;
  mine.user_id = kMe;
  mine.guild_id = kG;
  c.apply(make_event(mine));
  REQUIRE(c.thread_member(kT1) != nullptr);

  SECTION("of some parents") {
    ThreadListSyncEvent sync;
    sync.guild_id = kG;
    sync.channel_ids = {kText};
    sync.threads = {channel(kT2, 11, kText)};
    c.apply(make_event(sync));
    CHECK(c.channel(kT1) == nullptr);  // under #text, not listed: not active any more
    CHECK(c.thread_member(kT1) == nullptr);
    CHECK(c.channel(kT2)->guild_id == kG);
    CHECK(c.channel(kT3) != nullptr);  // another parent: untouched
    CHECK(c.counts().threads == 2);
  }
  SECTION("of the whole guild") {
    ThreadListSyncEvent sync;
    sync.guild_id = kG;
    sync.threads = {channel(kT1, 11, kText)};
    ThreadMember m;
    m.id = kT1;
    m.user_id = kMe;
    m.flags = 3;
    sync.members = {m};
    c.apply(make_event(sync));
    CHECK(c.counts().threads == 1);
    CHECK(c.thread_member(kT1)->flags == 3);
  }
}

TEST_CASE("cache: THREAD_MEMBERS_UPDATE counts, and keeps only the current user", "[state]") {
  Cache c = started();
  ThreadMembersUpdateEvent up;
  up.id = kT3;
  up.guild_id = kG;
  up.member_count = 7;
  ThreadMember other, me;
  other.id = me.id = kT3;
  other.user_id = Snowflake{555};
  me.user_id = kMe;
  up.added_members = {other, me};
  c.apply(make_event(up));
  CHECK(c.channel(kT3)->member_count == 7);
  CHECK(c.thread_member(kT3)->user_id == kMe);
  CHECK(c.counts().thread_memberships == 1);
  up.added_members.clear();
  up.removed_member_ids = {kMe};
  up.member_count = 6;
  c.apply(make_event(up));
  CHECK(c.thread_member(kT3) == nullptr);
  CHECK(c.channel(kT3)->member_count == 6);
}

TEST_CASE("cache: private channels and channel updates", "[state]") {
  Cache c;
  ReadyEvent r = *ready(kMe, {kG}).as<ReadyEvent>();
  Channel dm = channel(kDm, 1);
  dm.recipients = {user(Snowflake{555}, "friend")};
  r.private_channels = {dm};
  c.apply(make_event(r));
  CHECK(c.counts().private_channels == 1);
  CHECK(c.private_channel_ids() == std::vector<Snowflake>{kDm});

  c.apply(message_create(Snowflake{900}, kDm, {}, Snowflake{555}, "hi"));
  CHECK(c.channel(kDm)->last_message_id == Snowflake{900});
  CHECK(c.stats().unknown_channel == 0);
  ChannelUpdateEvent up;
  static_cast<Channel&>(up) = dm;
  up.last_message_id = Snowflake{800};  // older than what the cache saw
  c.apply(make_event(up));
  CHECK(c.channel(kDm)->last_message_id == Snowflake{900});

  ChannelCreateEvent group;
  static_cast<Channel&>(group) = channel(Snowflake{17}, 3);
  c.apply(make_event(group));
  CHECK(c.counts().private_channels == 2);
  CHECK(c.counts().channels == 0);

  ChannelDeleteEvent del;
  del.id = kDm;
  c.apply(make_event(del));
  CHECK(c.counts().private_channels == 1);
  CHECK(c.messages(kDm).empty());
}

}  // namespace
