// A worked example: a bot, live. It connects a Gateway, keeps a state cache from the events it
// receives, and answers "!ping" over REST with what its cache knows about where it was asked.
//
// The test runs it against the loopback Discord server (gwtape::server): a real WebSocket
// gateway and REST endpoint on 127.0.0.1 that speaks v10 (HELLO, IDENTIFY, READY, heartbeats,
// POST /channels/{id}/messages). No token, no network. Against Discord, the same bot takes
// the gateway URL from gateway_bot(token) and kDefaultApiBase for REST.
#include <catch2/catch_test_macros.hpp>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gwtape/gateway/gateway.h"
#include "gwtape/gateway/http.h"
#include "gwtape/gateway/state/cache.h"
#include "gwtape/server/loopback_gateway.h"

namespace gw = gwtape::gateway;

namespace {

// The bot under test.
class PingBot {
 public:
  PingBot(gw::Gateway& gateway, std::string token, std::string api_base)
      : token_(std::move(token)), api_base_(std::move(api_base)) {
    // Typed handlers run first, in the order added; on_event sees every event after them.
    gateway.on<gw::MessageCreateEvent>([this](const gw::MessageCreateEvent& m) { answer(m); });
    gateway.on_event([this](gw::DeliverEvent& e) { cache_.apply(std::move(e.event)); });
  }

  std::vector<std::string> errors() const {
    std::lock_guard lock(mu_);
    return errors_;
  }

 private:
  // Runs on the gateway's loop thread. The REST call blocks it for a round trip: delivery
  // waits meanwhile, heartbeats do not (a busy bot would hand the call to a thread of its own).
  void answer(const gw::MessageCreateEvent& m) {
    if (m.author.bot || m.content != "!ping") return;
    std::string text = "pong";
    if (const gw::Channel* channel = cache_.channel(m.channel_id))
      text += " from #" + channel->name.value_or("?");
    if (const auto* guild = cache_.guild(m.guild_id)) {
      text += " in " + guild->guild.name + " (" + std::to_string(guild->members.size()) +
              " members cached)";
    }
    auto sent = gw::create_message(token_, m.channel_id, text, api_base_);
    if (!sent.ok()) {
      std::lock_guard lock(mu_);
      errors_.push_back(sent.error().message);
    }
  }

  const std::string token_;
  const std::string api_base_;
  gw::state::Cache cache_;  // loop thread only
  mutable std::mutex mu_;
  std::vector<std::string> errors_;
};

constexpr std::uint64_t kGuild = 81384788765712384ULL;
constexpr std::uint64_t kChannel = 81384788765712385ULL;
constexpr const char* kToken = "example-token";

std::string message(std::uint64_t id, const char* author, bool bot, const char* content) {
  return R"({"id":")" + std::to_string(id) + R"(","channel_id":")" + std::to_string(kChannel) +
         R"(","guild_id":")" + std::to_string(kGuild) + R"(","author":{"id":")" +
         std::to_string(id + 1000) + R"(","username":")" + author + R"(","bot":)" +
         (bot ? "true" : "false") + R"(},"content":")" + content + R"(","type":0})";
}

}  // namespace

TEST_CASE("example: a live bot keeps a cache and answers !ping over REST", "[example]") {
  gwtape::server::LoopbackOptions options;
  options.token = kToken;
  options.allow_privileged = true;  // MESSAGE_CONTENT, as an approved bot has it
  // The guild the bot is in: a channel and two members, as Discord's GUILD_CREATE carries them.
  options.guilds.push_back({kGuild, "Example Guild",
                            R"({"id":")" + std::to_string(kGuild) +
                                R"(","name":"Example Guild","unavailable":false,"member_count":2,)"
                                R"("channels":[{"id":")" +
                                std::to_string(kChannel) +
                                R"(","type":0,"name":"general"}],)"
                                R"("members":[{"user":{"id":"11","username":"alice"}},)"
                                R"({"user":{"id":"12","username":"bob"}}],"roles":[]})"});
  auto server = gwtape::server::LoopbackGateway::start(options);
  REQUIRE(server.ok());

  gw::GatewayOptions o;
  o.url = (*server)->url();
  o.identify.token = kToken;
  o.identify.intents =
      gw::intents::kGuilds | gw::intents::kGuildMessages | gw::intents::kMessageContent;
  gw::SystemClock clock;
  gw::SplitMix64 random(7);
  gw::Gateway gateway(std::move(o), gw::make_curl_transport(clock), clock, random);
  // The loopback server's REST endpoints share its port: http://127.0.0.1:PORT/api/v10.
  PingBot bot(gateway, kToken,
              "http://127.0.0.1:" + std::to_string((*server)->port()) + "/api/v10");
  REQUIRE(gateway.open(10'000'000'000).ok());

  // A greeting, a bot's !ping (ignored), then a person's !ping.
  REQUIRE((*server)->dispatch("MESSAGE_CREATE", message(900, "alice", false, "hello")).ok());
  REQUIRE((*server)->dispatch("MESSAGE_CREATE", message(901, "robot", true, "!ping")).ok());
  REQUIRE((*server)->dispatch("MESSAGE_CREATE", message(902, "bob", false, "!ping")).ok());

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::vector<gwtape::server::PostedMessage> posted;
  while (posted.empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    posted = (*server)->observations().posted_messages;
  }
  REQUIRE(gateway.close().ok());
  CHECK(bot.errors().empty());
  REQUIRE(posted.size() == 1);
  CHECK(posted[0].channel_id == kChannel);
  CHECK(posted[0].content == "pong from #general in Example Guild (2 members cached)");
}
