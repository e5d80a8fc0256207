// The rarer dispatches (events_more.h) as Discord's documentation examples show them
// (/work/shared/docs-examples/dispatches.jsonl): the fields whose wire form is unusual, checked
// by value. Every field of every example is also compared with the file in fixtures_test.cpp.
#include "gwtape/gateway/events.h"

#include <simdjson.h>

#include <catch2/catch_test_macros.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace {

namespace fs = std::filesystem;
namespace dom = simdjson::dom;
using gwtape::gateway::EventDecoder;
using gwtape::gateway::Snowflake;

const fs::path kDocsExamples =
    fs::path(GWTAPE_SOURCE_DIR) / ".." / "shared" / "docs-examples" / "dispatches.jsonl";

// The new typed events' trickier fields, read from Discord's own examples: a sound id sent as
// an integer, an integration account id kept as text, raw JSON kept whole, GUILD_CREATE's own
// arrays.
TEST_CASE("documentation examples of the rarer events decode into their structs",
          "[gateway][fixtures][docs]") {
  if (!fs::exists(kDocsExamples)) {
    WARN("no " << kDocsExamples.string() << ": the documentation examples are not checked");
    return;
  }
  namespace gw = gwtape::gateway;
  std::ifstream in(kDocsExamples, std::ios::binary);
  std::string line;
  EventDecoder decoder;
  dom::parser dom_parser;
  std::size_t seen = 0;
  while (std::getline(in, line)) {
    std::string_view t;
    REQUIRE(!dom_parser.parse(line)["t"].get_string().get(t));
    const std::string name(t);
    // d, minified (so that raw JSON fields read back minified).
    const std::string d = simdjson::minify(dom_parser.parse(line)["d"]);
    auto event = decoder.decode(name, d);
    REQUIRE(event.ok());
    INFO(name);
    if (const auto* e = event->as<gw::VoiceChannelEffectSendEvent>()) {
      CHECK(e->sound_id == Snowflake{1});
      CHECK(e->sound_volume == 1.0);
      REQUIRE(e->emoji.has_value());
      CHECK(e->emoji->name == "\xF0\x9F\xA6\x86");
      ++seen;
    } else if (const auto* e = event->as<gw::IntegrationCreateEvent>()) {
      CHECK(e->type == "twitch");
      CHECK(e->account_id == "1234567");
      CHECK(e->account_name == "twitchusername");
      CHECK(e->guild_id == Snowflake{197038439483310086ULL});
      ++seen;
    } else if (const auto* e = event->as<gw::AutoModerationRuleCreateEvent>()) {
      REQUIRE(e->actions.size() == 3);
      CHECK(e->actions[2].metadata == R"({"duration_seconds":60})");
      CHECK(e->trigger_metadata.starts_with(R"({"keyword_filter":["cat*")"));
      CHECK(e->exempt_roles.size() == 2);
      ++seen;
    } else if (const auto* e = event->as<gw::GuildScheduledEventUpdateEvent>()) {
      CHECK(e->status == 1);
      CHECK(e->scheduled_start_time == *gw::Timestamp::parse("2022-03-02T18:00:00+00:00"));
      CHECK(e->recurrence_rule.find(R"("by_weekday":[2])") != std::string::npos);
      REQUIRE(e->creator.has_value());
      CHECK(e->creator->username == "Mason");
      ++seen;
    } else if (const auto* e = event->as<gw::GuildCreateEvent>(); e && !e->unavailable) {
      REQUIRE(e->guild_scheduled_events.size() == 1);
      CHECK(e->guild_scheduled_events[0].name == "Testing Testing, 123");
      REQUIRE(e->stage_instances.size() == 1);
      CHECK(e->stage_instances[0].guild_scheduled_event_id == Snowflake{947656305244532806ULL});
      REQUIRE(e->soundboard_sounds.size() == 1);
      CHECK(e->soundboard_sounds[0].emoji_id == Snowflake{989193655938064464ULL});
      ++seen;
    } else if (const auto* e = event->as<gw::SubscriptionCreateEvent>()) {
      CHECK(e->sku_ids.size() == 1);
      CHECK(e->renewal_sku_ids.empty());  // null
      CHECK(!e->canceled_at.valid());
      ++seen;
    }
  }
  CHECK(seen == 6);
}

}  // namespace
