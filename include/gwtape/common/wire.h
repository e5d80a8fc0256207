// gwtape/common/wire.h — the two facts about the wire that every module names: which way a
// frame went, and who ended a connection. One enum each, shared by the client
// (gateway::Direction), the log (store::Direction, the `events` view's `direction`, the
// `connections` table's `closed_by`) and the traffic generator, so that no module converts
// between copies.
//
// Thread-safety and lifetimes: constants and pure functions only.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace gwtape {

enum class Direction : std::uint8_t { kRecv = 0, kSend = 1 };

// "recv" or "send", as in the `events` view.
constexpr const char* direction_name(Direction d) {
  return d == Direction::kSend ? "send" : "recv";
}

// Who ended a connection, as the client saw it.
enum class ClosedBy : std::uint8_t {
  kServer,  // the server's close frame came first; the code is the server's
  kClient,  // the client closed first (to resume, to identify anew, to stop); the code it sent
  kLost,    // no close frame either way (TCP reset, TLS error, a failed send); no code
};

// "server", "client" or "lost" (the `connections` table's closed_by).
constexpr const char* closed_by_name(ClosedBy b) {
  return b == ClosedBy::kServer ? "server" : b == ClosedBy::kClient ? "client" : "lost";
}
inline std::optional<ClosedBy> closed_by_from_name(std::string_view name) {
  if (name == "server") return ClosedBy::kServer;
  if (name == "client") return ClosedBy::kClient;
  if (name == "lost") return ClosedBy::kLost;
  return std::nullopt;
}

}  // namespace gwtape
