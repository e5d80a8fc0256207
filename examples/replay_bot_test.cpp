// A worked example: a tiny bot's handler, tested against a recorded session.
//
// The bot counts the greetings it sees per channel and answers the last one; the test
// replays a bundled recording (fixtures/sessions/demo-300.jsonl.zst, imported into a log at
// build time) through the gateway's own handle_op path, and checks the bot against the state
// the replay rebuilt. No token, no network.
#include <catch2/catch_test_macros.hpp>
#include <map>
#include <string>

#include "gwtape/replay/replayer.h"

using gwtape::gateway::DeliverEvent;
using gwtape::gateway::MessageCreateEvent;
using gwtape::gateway::MessageDeleteEvent;
using gwtape::gateway::Snowflake;

namespace {

// The bot under test: plain code that reacts to events.
class GreeterBot {
 public:
  void handle(const DeliverEvent& delivered) {
    if (const auto* m = delivered.event.as<MessageCreateEvent>()) {
      ++messages_;
      if (m->author.bot) return;
      const bool greeting = m->content.find("hello") != std::string::npos ||
                            m->content.find("Hello") != std::string::npos;
      if (greeting) ++greetings_[m->channel_id];
      last_author_[m->channel_id] = m->author.id;
    } else if (delivered.event.as<MessageDeleteEvent>()) {
      ++deletes_;
    }
  }
  std::size_t messages() const { return messages_; }
  std::size_t deletes() const { return deletes_; }
  std::size_t channels_seen() const { return last_author_.size(); }

 private:
  std::size_t messages_ = 0, deletes_ = 0;
  std::map<Snowflake, int> greetings_;
  std::map<Snowflake, Snowflake> last_author_;
};

}  // namespace

TEST_CASE("example: a bot replayed against a recorded session", "[example]") {
  auto replayer = gwtape::replay::Replayer::open(GWTAPE_EXAMPLE_LOG);
  REQUIRE(replayer.ok());
  GreeterBot bot;
  (*replayer)->on_event([&](const DeliverEvent& e) { bot.handle(e); });
  REQUIRE((*replayer)->run().ok());

  const auto& cache = (*replayer)->cache();
  const auto& stats = cache.stats();
  using gwtape::gateway::EventType;
  // The bot saw exactly the messages the session delivered...
  CHECK(bot.messages() == stats.by_type[static_cast<std::size_t>(EventType::kMessageCreate)]);
  CHECK(bot.deletes() == stats.by_type[static_cast<std::size_t>(EventType::kMessageDelete)]);
  CHECK(bot.messages() > 0);
  CHECK(bot.channels_seen() > 0);
  // ...and the state the replay rebuilt is the state the live client had when it stopped.
  REQUIRE((*replayer)->recording().state_digest.has_value());
  CHECK(cache.digest_hex() == *(*replayer)->recording().state_digest);
  CHECK((*replayer)->divergences().empty());
}

TEST_CASE("example: replay up to a sequence number, and inspect the cache there", "[example]") {
  gwtape::replay::ReplayOptions options;
  options.until_seq = 10;
  auto replayer = gwtape::replay::Replayer::open(GWTAPE_EXAMPLE_LOG, options);
  REQUIRE(replayer.ok());
  std::int64_t last = 0;
  (*replayer)->on_event([&](const DeliverEvent& e) { last = e.seq; });
  REQUIRE((*replayer)->run().ok());
  CHECK(last == 10);
  // READY and the GUILD_CREATEs came first: the guilds are known by then.
  CHECK((*replayer)->cache().counts().guilds == 3);
  CHECK((*replayer)->cache().current_user() != nullptr);
}
