// tools/import_nats.h — `gwtape import nats://...`: a JetStream stream, or a slice of it, into a
// log (docs/CLI.md). The first argument that is a nats:// URL list selects it.
#pragma once

#include <cstdint>
#include <string_view>

#include "cli.h"
#include "gwtape/common/result.h"

namespace gwtape::tools {

// True when an argument of `import` is a nats:// URL (list).
bool is_nats_import(const Args& args);
int run_import_nats(const Command& command, const Args& args);

// --since / --until: RFC 3339 in UTC ("2026-12-07T17:00:00Z", optional fraction) or Unix
// seconds (optional fraction). Nanoseconds since the epoch; an error message on bad input.
enum class TimeErrc { kBad = 1 };
[[nodiscard]] Result<std::int64_t, TimeErrc> parse_time_ns(std::string_view text);

}  // namespace gwtape::tools
