// state::Cache over hand-built events: the digest's independence of insertion order, READY
// and RESUMED, unknown references, the message window, partial updates, reactions, removals.
#include "gwtape/gateway/state/cache.h"

#include <openssl/evp.h>

#include <algorithm>
#include <catch2/catch_test_macros.hpp>
#include <set>
#include <string>
#include <vector>

#include "gateway/state_support.h"

namespace {

using namespace gwtape::gateway;  // NOLINT: the model's many struct names
using gwtape::gateway::state::Cache;
using gwtape::gateway::state::CacheOptions;
using namespace gwtape::test;  // NOLINT: the event builders

constexpr Snowflake kMe{1000};
constexpr Snowflake kG1{10}, kG2{20};
constexpr Snowflake kC1{11}, kC2{12}, kC3{21}, kThread{13};
constexpr Snowflake kUa{101}, kUb{102}, kUc{103};

Cache apply_all(std::vector<Event> events, CacheOptions options = {}) {
  Cache c(options);
  for (Event& e : events) c.apply(std::move(e));
  return c;
}

std::string sha256_hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  REQUIRE(EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) == 1);
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) {
    static constexpr char kHex[] = "0123456789abcdef";
    hex += kHex[md[i] >> 4];
    hex += kHex[md[i] & 0xf];
  }
  return hex;
}

// The same facts, in two orders: each group reversed, the groups in causal order (a guild's
// GUILD_CREATE before what happens in it, a message before its reactions).
std::vector<Event> world(bool reversed) {
  std::vector<std::vector<Event>> groups(4);
  groups[0].push_back(guild_create(kG1, {channel(kC1), channel(kC2)}, {member(kUa, "a")}));
  groups[0].push_back(guild_create(kG2, {channel(kC3)}, {member(kUc, "c")}));
  groups[1].push_back(member_add(kG1, member(kUb, "b")));
  groups[1].push_back(member_add(kG2, member(kUa, "a2")));
  for (std::uint64_t i = 1; i <= 6; ++i) {
    groups[2].push_back(
        message_create(Snowflake{5000 + i}, kC1, kG1, kUa, "m" + std::to_string(i)));
  }
  groups[2].push_back(message_create(Snowflake{6000}, kC3, kG2, kUc, "in g2"));
  groups[2].push_back(message_create(Snowflake{7000}, Snowflake{999}, {}, kUb, "a DM"));
  groups[3].push_back(reaction(true, kC1, Snowflake{5006}, kUa, {}, "x"));
  groups[3].push_back(reaction(true, kC1, Snowflake{5006}, kUb, Snowflake{77}, "custom"));
  groups[3].push_back(reaction(true, kC1, Snowflake{5006}, kUa, Snowflake{77}, "custom"));
  std::vector<Event> all;
  all.push_back(ready(kMe, {kG1, kG2}));
  for (auto& group : groups) {
    if (reversed) std::reverse(group.begin(), group.end());
    for (Event& e : group) all.push_back(std::move(e));
  }
  return all;
}

TEST_CASE("cache: the digest does not depend on the order of inserts", "[state]") {
  const CacheOptions four{.messages_per_channel = 4};
  Cache a = apply_all(world(false), four);
  Cache b = apply_all(world(true), four);
  CHECK(a.counts().messages == 4 + 1 + 1);  // the 4 newest of 6 in #c1
  CHECK(b.counts().messages == 6);
  CHECK(a.counts().members == 4);
  // Reactions are kept in arrival order, and written in canonical order.
  REQUIRE(a.message(kC1, Snowflake{5006})->reactions.size() == 2);
  CHECK(a.message(kC1, Snowflake{5006})->reactions[0].emoji.name == "x");
  CHECK(b.message(kC1, Snowflake{5006})->reactions[0].emoji.name == "custom");
  CHECK(a.dump_json() == b.dump_json());
  CHECK(a.digest_hex() == b.digest_hex());
  CHECK(a.digest_hex().size() == 64);

  SECTION("a real change of content changes it") {
    std::vector<Event> changed = world(false);
    changed.push_back(member_add(kG2, member(kUc, "c renamed")));
    Cache c = apply_all(std::move(changed), four);
    CHECK(c.digest_hex() != a.digest_hex());
    std::vector<Event> edited = world(true);
    edited.push_back(message_create(Snowflake{6000}, kC3, kG2, kUc, "in g2!"));
    CHECK(apply_all(std::move(edited), four).digest_hex() != a.digest_hex());
    // So does the window: N = 5 keeps one more message.
    CHECK(apply_all(world(false), {.messages_per_channel = 5}).digest_hex() != a.digest_hex());
  }
}

TEST_CASE("cache: the digest is SHA-256 of the dump; an empty cache's dump", "[state]") {
  Cache empty;
  CHECK(empty.dump_json() ==
        R"({"format":"gwtape.state.v1","user":null,"guilds":[],"private_channels":[],)"
        R"("thread_members":[],"messages":[]})");
  CHECK(empty.digest_hex() == sha256_hex(empty.dump_json()));
  // Big enough for the digest to be fed in many chunks.
  std::vector<Event> events = world(false);
  for (std::uint64_t i = 0; i < 3000; ++i) {
    events.push_back(member_add(kG1, member(Snowflake{100000 + i}, "member " + std::to_string(i))));
  }
  Cache big = apply_all(std::move(events));
  const std::string dump = big.dump_json();
  CHECK(dump.size() > 4 * (1 << 16));
  CHECK(big.digest_hex() == sha256_hex(dump));
}

TEST_CASE("cache: READY after a re-identify replaces the old session, RESUMED keeps it",
          "[state]") {
  Cache c = apply_all(world(false));
  const std::string before = c.digest_hex();
  c.apply(make_event(ResumedEvent{}));
  CHECK(c.digest_hex() == before);
  CHECK(c.stats().resumes == 1);

  c.apply(ready(Snowflake{2000}, {kG2}));
  const auto n = c.counts();
  CHECK(n.guilds == 1);
  CHECK(n.unavailable_guilds == 1);
  CHECK(n.channels == 0);
  CHECK(n.members == 0);
  CHECK(n.messages == 0);
  CHECK(c.current_user()->id == Snowflake{2000});
  CHECK(c.stats().readys == 2);
  Cache fresh;
  fresh.apply(ready(Snowflake{2000}, {kG2}));
  CHECK(c.digest_hex() == fresh.digest_hex());
}

TEST_CASE("cache: events about unknown guilds, channels and messages are counted", "[state]") {
  Cache c;
  c.apply(member_add(kG1, member(kUa, "a")));
  ChannelCreateEvent cc;
  static_cast<Channel&>(cc) = channel(kC1);
  cc.guild_id = kG1;
  c.apply(make_event(cc));
  CHECK(c.stats().unknown_guild == 2);
  CHECK(c.counts().channels == 0);

  ChannelPinsUpdateEvent pins;
  pins.channel_id = kC1;
  c.apply(make_event(pins));
  ChannelDeleteEvent del;
  del.id = kC2;
  c.apply(make_event(del));
  CHECK(c.stats().unknown_channel == 2);

  // A message in an unknown channel of an unknown guild is kept all the same.
  c.apply(message_create(Snowflake{5001}, kC1, kG1, kUa, "hello"));
  CHECK(c.stats().unknown_channel == 3);
  CHECK(c.stats().unknown_guild == 3);
  CHECK(c.message(kC1, Snowflake{5001}) != nullptr);

  MessageDeleteEvent md;
  md.id = Snowflake{4242};
  md.channel_id = kC1;
  c.apply(make_event(md));
  c.apply(reaction(true, kC1, Snowflake{4242}, kUa, {}, "x"));
  MessageUpdateEvent mu;
  mu.id = Snowflake{4242};
  mu.channel_id = kC1;
  c.apply(make_event(mu));
  CHECK(c.stats().unknown_message == 3);
  CHECK(c.counts().messages == 1);

  // Every typed event, default-constructed (all ids 0), on an empty and on a full cache.
  std::vector<Event> blanks;
#define GWTAPE_X(e, n, T) blanks.push_back(make_event(T{}));
  GWTAPE_TYPED_EVENTS(GWTAPE_X)
#undef GWTAPE_X
  for (const Event& e : blanks) c.apply(e);
  Cache full = apply_all(world(false));
  const auto before = full.counts();
  for (Event& e : blanks) {
    if (e.type == EventType::kReady) continue;  // a READY would clear it
    full.apply(std::move(e));
  }
  CHECK(full.counts().guilds == before.guilds);
  CHECK(full.counts().messages == before.messages);
  CHECK(full.stats().applied + full.stats().ignored == full.stats().events);
}

TEST_CASE("cache: the last N messages of a channel, by id", "[state]") {
  Cache c({.messages_per_channel = 3});
  for (std::uint64_t i = 1; i <= 5; ++i) {
    c.apply(message_create(Snowflake{100 + i}, kC1, {}, kUa, "m"));
  }
  auto kept = c.messages(kC1);
  REQUIRE(kept.size() == 3);
  CHECK(kept.front()->id == Snowflake{103});
  CHECK(kept.back()->id == Snowflake{105});
  CHECK(c.stats().messages_evicted == 2);
  c.apply(message_create(Snowflake{102}, kC1, {}, kUa, "late and old"));  // older than all kept
  CHECK(c.message(kC1, Snowflake{102}) == nullptr);
  CHECK(c.stats().messages_evicted == 3);
  c.apply(message_create(Snowflake{104}, kC1, {}, kUa, "again"));  // same id: replaced
  CHECK(c.message(kC1, Snowflake{104})->content == "again");
  CHECK(c.messages(kC1).size() == 3);

  Cache none({.messages_per_channel = 0});
  none.apply(message_create(Snowflake{1}, kC1, {}, kUa, "m"));
  CHECK(none.counts().messages == 0);
}

TEST_CASE("cache: the message window against a reference model", "[state]") {
  // Random creates (in and out of order, some repeated) and deletes in one channel, checked
  // after every event against the plain definition: the N largest ids created and not deleted
  // since... except that a message older than a full window is not taken back later.
  constexpr std::size_t kN = 7;
  Cache c({.messages_per_channel = kN});
  std::set<std::uint64_t> model;
  std::uint64_t x = 88172645463325252ULL;  // xorshift64: a fixed sequence
  auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  for (int step = 0; step < 5000; ++step) {
    const std::uint64_t id = 1 + next() % 40;
    if (next() % 3 == 0) {
      MessageDeleteEvent d;
      d.id = Snowflake{id};
      d.channel_id = kC1;
      c.apply(make_event(d));
      model.erase(id);
    } else {
      c.apply(message_create(Snowflake{id}, kC1, {}, kUa, "step " + std::to_string(step)));
      if (!model.contains(id)) {
        if (model.size() < kN) {
          model.insert(id);
        } else if (id > *model.begin()) {
          model.erase(model.begin());
          model.insert(id);
        }
      }
    }
    std::vector<std::uint64_t> kept;
    for (const Message* m : c.messages(kC1)) kept.push_back(m->id.value);
    REQUIRE(kept == std::vector<std::uint64_t>(model.begin(), model.end()));
  }
}

TEST_CASE("cache: MESSAGE_UPDATE, full and partial", "[state]") {
  Cache c;
  c.apply(ready(kMe, {}));
  MessageCreateEvent m = message(Snowflake{500}, kC1, {}, kUa, "first");
  m.nonce = "n1";
  m.embeds = 1;
  c.apply(make_event(m));
  c.apply(reaction(true, kC1, Snowflake{500}, kMe, {}, "x"));

  MessageUpdateEvent partial;  // an unfurl: id, channel, embeds
  partial.id = Snowflake{500};
  partial.channel_id = kC1;
  partial.embeds = 2;
  c.apply(make_event(partial));
  CHECK(c.message(kC1, Snowflake{500})->content == "first");
  CHECK(c.message(kC1, Snowflake{500})->embeds == 2);

  MessageUpdateEvent full;
  static_cast<Message&>(full) = message(Snowflake{500}, kC1, {}, kUa, "");
  full.edited_timestamp = Timestamp{1'700'000'000'000'000};
  c.apply(make_event(full));
  const Message* now = c.message(kC1, Snowflake{500});
  CHECK(now->content.empty());  // the full form can empty it
  CHECK(now->embeds == 0);
  CHECK(now->edited_timestamp.valid());
  CHECK(now->nonce == "n1");
  REQUIRE(now->reactions.size() == 1);  // kept by the reaction events
  CHECK(now->reactions[0].me);
}

TEST_CASE("cache: reactions count per emoji, `me` for the current user", "[state]") {
  Cache c;
  c.apply(ready(kMe, {}));
  c.apply(message_create(Snowflake{500}, kC1, {}, kUa, "m"));
  c.apply(reaction(true, kC1, Snowflake{500}, kUa, {}, "x"));
  c.apply(reaction(true, kC1, Snowflake{500}, kMe, {}, "x"));
  c.apply(reaction(true, kC1, Snowflake{500}, kUb, Snowflake{77}, "custom"));
  auto reactions = [&] { return c.message(kC1, Snowflake{500})->reactions; };
  REQUIRE(reactions().size() == 2);
  CHECK(reactions()[0].count == 2);
  CHECK(reactions()[0].me);
  c.apply(reaction(false, kC1, Snowflake{500}, kMe, {}, "x"));
  CHECK(reactions()[0].count == 1);
  CHECK_FALSE(reactions()[0].me);
  c.apply(reaction(false, kC1, Snowflake{500}, kUb, Snowflake{77}, ""));  // custom: by id
  CHECK(reactions().size() == 1);
  MessageReactionRemoveAllEvent all;
  all.channel_id = kC1;
  all.message_id = Snowflake{500};
  c.apply(make_event(all));
  CHECK(reactions().empty());
}

TEST_CASE("cache: members carried by other events; presences; voice states", "[state]") {
  Cache c = apply_all(world(false));
  MessageCreateEvent m = message(Snowflake{9000}, kC1, kG1, Snowflake{555}, "hi");
  m.member = Member{};
  m.member->nick = "from a message";
  c.apply(make_event(m));
  REQUIRE(c.member(kG1, Snowflake{555}) != nullptr);
  CHECK(c.member(kG1, Snowflake{555})->user->username == "author 555");  // the author
  CHECK_FALSE(c.message(kC1, Snowflake{9000})->member.has_value());

  PresenceUpdateEvent p;
  p.user_id = kUa;
  p.guild_id = kG1;
  p.status = "online";
  c.apply(make_event(p));
  CHECK(c.presence(kG1, kUa)->status == "online");
  p.status = "offline";
  c.apply(make_event(p));
  CHECK(c.presence(kG1, kUa) == nullptr);

  VoiceStateUpdateEvent v;
  v.guild_id = kG1;
  v.channel_id = kC2;
  v.user_id = kUb;
  v.member = member(kUb, "b in voice");
  c.apply(make_event(v));
  CHECK(c.voice_state(kG1, kUb)->channel_id == kC2);
  CHECK(*c.member(kG1, kUb)->nick == "b in voice's nick");
  v.channel_id = Snowflake{};
  v.member.reset();
  c.apply(make_event(v));
  CHECK(c.voice_state(kG1, kUb) == nullptr);
}

TEST_CASE("cache: removals take what is under them", "[state]") {
  Cache c = apply_all(world(false));
  ThreadCreateEvent t;
  static_cast<Channel&>(t) = channel(kThread, 11, kC1);
  t.guild_id = kG1;
  c.apply(make_event(t));
  c.apply(message_create(Snowflake{8000}, kThread, kG1, kUa, "in the thread"));
  c.apply(message_create(Snowflake{8001}, Snowflake{19}, kG1, kUa, "channel never seen"));
  CHECK(c.counts().threads == 1);

  ChannelDeleteEvent del;  // #c1 goes, with its thread and both their messages
  del.id = kC1;
  c.apply(make_event(del));
  CHECK(c.channel(kThread) == nullptr);
  CHECK(c.messages(kC1).empty());
  CHECK(c.messages(kThread).empty());
  CHECK(c.counts().threads == 0);

  GuildDeleteEvent outage;
  outage.id = kG1;
  outage.unavailable = true;
  c.apply(make_event(outage));
  CHECK(c.guild(kG1)->guild.unavailable);
  CHECK(c.member(kG1, kUa) != nullptr);  // kept through an outage

  GuildDeleteEvent left;
  left.id = kG1;
  c.apply(make_event(left));
  CHECK(c.guild(kG1) == nullptr);
  CHECK(c.channel(kC2) == nullptr);
  CHECK(c.messages(Snowflake{19}).empty());  // a message of the guild in an unknown channel
  CHECK(c.counts().guilds == 1);
  CHECK(c.message(Snowflake{999}, Snowflake{7000}) != nullptr);  // the DM stays
}

TEST_CASE("cache: a full GUILD_CREATE after an outage replaces the guild, keeps messages",
          "[state]") {
  Cache c = apply_all(world(false));
  c.apply(guild_create(kG1, {channel(kC1)}, {member(kUc, "c")}));
  CHECK(c.guild(kG1)->members.size() == 1);
  CHECK(c.guild(kG1)->channel_ids.size() == 1);
  CHECK(c.channel(kC2) == nullptr);
  CHECK(c.messages(kC1).size() == 6);
  CHECK(c.guild(kG2)->members.size() == 2);  // another guild is untouched
}

}  // namespace
