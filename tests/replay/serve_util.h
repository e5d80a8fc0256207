// Helpers for the `gwtape serve` tests: a generated source log, and the received dispatches of
// a log or of a client's tap, as (t, d) pairs in arrival order.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace gwtape::testing {

struct Dispatch {
  std::string t;
  std::string d;  // raw JSON, byte for byte
  bool operator==(const Dispatch&) const = default;
};

// A fresh file $TMPDIR/gwtape-serve-test/NAME (removed if present).
std::filesystem::path serve_path(const char* name);

// A log of `frames` generated frames (HELLO, identify, READY, guilds, traffic), one recording,
// one connection; the log is created, or gets one more recording. Returns the number of
// dispatches after READY.
std::size_t write_source_log(const std::filesystem::path& path, int frames, double per_second,
                             std::uint64_t seed = 1);

// The received dispatches of each frame text (op 0 only), READY and RESUMED included.
std::vector<Dispatch> dispatches_of(const std::vector<std::string>& texts);
// The received frame texts of a log (all recordings, or only `recording`), in order.
std::vector<std::string> received_texts(const std::filesystem::path& log,
                                        std::optional<std::int64_t> recording = std::nullopt);
// Without READY and RESUMED: what a stream serves.
std::vector<Dispatch> without_session_events(const std::vector<Dispatch>& all);

}  // namespace gwtape::testing
