// tools/import_nats.h — `gwtape import nats://...`: a JetStream stream, or a slice of it, into a
// log (docs/CLI.md). The first argument that is a nats:// URL list selects it. `gwtape replay
// nats://...` reads its slice with the same code.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cli.h"
#include "gwtape/common/result.h"
#include "tool_args.h"

namespace gwtape::tools {

// True when an argument of `import` is a nats:// URL (list).
bool is_nats_import(const Args& args);
int run_import_nats(const Command& command, const Args& args);

// A slice of a stream: which servers, which stream, which subjects, which time window.
struct NatsSlice {
  std::vector<std::string> urls;
  std::string stream = "GWTAPE";
  std::string filter;  // a subject filter inside the stream (default: all of it)
  std::int64_t since_ns = 0;
  std::int64_t until_ns = INT64_MAX;
  bool windowed = false;  // --since or --until was given
};

// The slice from a command's positional nats:// list and its --stream, --subject, --since and
// --until (those `flags` has). kOk, or the usage error's exit code (printed).
int parse_nats_slice(const Command& command, const ParsedFlags& flags, NatsSlice& slice);

// The slice into the log `out` (created, or continued where the last run stopped); `frames`
// written and `skipped` as already there. kOk, or the exit code of the error it printed (as
// `command`): 1 for an unreachable server, a missing stream or an empty slice, 4 for a message
// gwtape did not write or a bad log.
int import_nats_slice(const Command& command, const NatsSlice& slice, const std::string& out,
                      std::uint64_t& frames, std::uint64_t& skipped);

// --since / --until: RFC 3339 in UTC ("2026-12-07T17:00:00Z", optional fraction) or Unix
// seconds (optional fraction). Nanoseconds since the epoch; an error message on bad input.
enum class TimeErrc { kBad = 1 };
[[nodiscard]] Result<std::int64_t, TimeErrc> parse_time_ns(std::string_view text);

}  // namespace gwtape::tools
