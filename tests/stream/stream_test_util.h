// Shared by the stream's end-to-end tests: the loopback gateway, traffic, and comparisons of a
// log recorded by `record --out` with one imported from the stream.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "gwtape/server/loopback_gateway.h"
#include "gwtape/store/log_reader.h"

namespace gwtape::testing {

inline constexpr const char* kStreamToken = "nats.TEST-token.0123456789";

std::unique_ptr<server::LoopbackGateway> start_gateway();
// A MESSAGE_CREATE that the cache keeps (so the digest covers it).
std::string message_json(int i);
// `count` dispatches, numbered from n + 1 (n advances).
void burst(server::LoopbackGateway& srv, int& n, int count);
// Waits until a heartbeat carries the last sequence (one asked for when the server can): the
// client has it all.
bool settled(server::LoopbackGateway& srv, std::chrono::milliseconds timeout);

// Waits until the stream holds at least `count` messages (the cluster formed, the stream
// created and taking messages); false after `timeout`.
bool wait_for_messages(const std::string& urls, const std::string& stream, std::uint64_t count,
                       std::chrono::milliseconds timeout);

// `gwtape ARGS...` run to its end in dir/sub; returns the exit code, fills out and err.
int run_gwtape(const std::vector<std::string>& args, const std::filesystem::path& dir,
               const std::string& sub, std::string* out = nullptr, std::string* err = nullptr,
               std::chrono::milliseconds timeout = std::chrono::seconds(60));

// REQUIREs that both logs hold the same recordings and the same frames (recording, connection,
// time, direction, text), in the same order; returns how many frames.
std::size_t require_same_frames(const std::filesystem::path& a, const std::filesystem::path& b);

// The "digest" of `gwtape replay LOG --summary`, and whether it matched the live one.
struct ReplayResult {
  std::string digest;
  bool matches_live = false;
};
ReplayResult replay_summary(const std::filesystem::path& log, const std::filesystem::path& dir,
                            const std::string& sub);
// The same for `gwtape replay SOURCE... --summary` (a nats:// list and its flags).
ReplayResult replay_summary(const std::vector<std::string>& source,
                            const std::filesystem::path& dir, const std::string& sub);

}  // namespace gwtape::testing
