// gwtape/cassette/cassette.h — record once, replay forever (VCR's record-once mode).
//
// A test names a log file. `Cassette::open` replays it when it exists. When it does not and
// DISCORD_TOKEN is set, it records a live session into it first (bounded by max_events and
// max_seconds) and then replays that. Otherwise it fails with a message that says how to
// record the cassette. The token is never written (the recorder masks it).
//
//   auto tape = gwtape::cassette::Cassette::open({.path = "tests/cassettes/ready.gwtape"});
//   REQUIRE(tape.ok());
//   (*tape)->on_event([&](const gwtape::gateway::DeliverEvent& e) { bot.handle(e.event); });
//   REQUIRE((*tape)->run().ok());
//
// Its own module, above both recorder and replay (which know nothing of each other): it records
// with the one and replays with the other. Errors are the replay module's (replay::Errc).
//
// Thread-safety: as Replayer. Lifetimes: the returned Replayer owns its log reader.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "gwtape/gateway/compression.h"
#include "gwtape/replay/errors.h"
#include "gwtape/replay/replayer.h"

namespace gwtape::cassette {

struct CassetteOptions {
  std::string path;                // the log file (the cassette)
  std::uint64_t max_events = 200;  // when recording: stop after this many dispatches
  double max_seconds = 30;         // ... or after this long
  std::uint64_t intents = 513;     // GUILDS | GUILD_MESSAGES
  std::string gateway_url;         // when recording: connect here (default: /gateway/bot)
  std::string api_base;            // REST base for /gateway/bot (default: Discord's)
  std::string ca_file;             // CA bundle for wss:// (default: the system's)
  gateway::Compression compress = gateway::Compression::kZstdStream;
  std::string token_variable = "DISCORD_TOKEN";  // read from the environment, never stored
  replay::ReplayOptions replay;
};

class Cassette {
 public:
  // Errors: kNotFound (no cassette and no token: the message says how to record one),
  // kIo when recording failed (with the gateway's reason), and the Replayer's.
  static replay::Result<std::unique_ptr<replay::Replayer>> open(const CassetteOptions& options);
};

}  // namespace gwtape::cassette
