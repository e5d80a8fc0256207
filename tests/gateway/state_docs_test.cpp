// state::Cache over every dispatch of Discord's documentation examples
// (/work/shared/docs-examples/dispatches.jsonl): each decodes and reduces without error, into
// an empty cache, into one that knows the fixture guild, and all of them in a row.
#include "gwtape/gateway/state/cache.h"

#include <simdjson.h>

#include <catch2/catch_test_macros.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gateway/state_support.h"

namespace {

namespace fs = std::filesystem;
using gwtape::gateway::Event;
using gwtape::gateway::state::Cache;
using gwtape::test::decode_dispatch;
using gwtape::test::fixture_session;

const fs::path kDocsExamples =
    fs::path(GWTAPE_SOURCE_DIR) / ".." / "shared" / "docs-examples" / "dispatches.jsonl";

bool parses(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  return parser.parse(json).get(doc) == simdjson::SUCCESS;
}

TEST_CASE("cache: every documentation example dispatch decodes and reduces", "[state]") {
  if (!fs::exists(kDocsExamples)) {
    // Not SKIP(): CTest here does not treat Catch2's skip code as a skip. CI has shared/.
    WARN("no " << kDocsExamples.string() << ": the documentation examples are not reduced");
    return;
  }
  // The fixture world's opening (READY, GUILD_CREATE): a cache that knows its guild.
  std::vector<Event> opening;
  for (const auto& f : fixture_session()) {
    if (f.s > 2) break;
    auto ev = decode_dispatch(f.text);
    REQUIRE(ev.ok());
    opening.push_back(std::move(*ev));
  }
  REQUIRE(opening.size() == 2);

  std::ifstream in(kDocsExamples, std::ios::binary);
  std::string line;
  std::size_t lineno = 0;
  Cache all;
  std::size_t reduced = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty()) continue;
    INFO("dispatches.jsonl:" << lineno);
    REQUIRE(line.front() == '{');
    // The line is {"t", "d", "source"}: a frame once it has an op.
    auto ev = decode_dispatch(R"({"op":0,"s":null,)" + line.substr(1));
    INFO((ev.ok() ? std::string() : ev.error().message));
    REQUIRE(ev.ok());
    if (Cache::reduces(ev->type)) ++reduced;

    Cache empty;
    empty.apply(*ev);
    CHECK(empty.stats().events == 1);
    CHECK(parses(empty.dump_json()));

    Cache known;
    for (const Event& e : opening) known.apply(e);
    known.apply(*ev);
    CHECK(known.counts().guilds >= 1);
    CHECK(parses(known.dump_json()));

    all.apply(std::move(*ev));
  }
  CHECK(lineno >= 91);
  CHECK(reduced > 40);
  CHECK(all.stats().events == lineno);
  CHECK(all.stats().applied == reduced);
  CHECK(parses(all.dump_json()));
  CHECK(all.digest_hex().size() == 64);
}

}  // namespace
