// replay/serve_json.h — private: the JSON surgery `gwtape serve` does on recorded frames.
//
// Recorded frames are served byte for byte; only what must name this server changes. These
// find a top-level field's raw text (simdjson On-Demand, so field order and whitespace are
// whatever the recording had) and splice new values in.
//
// Thread-safety: pure functions. Lifetimes: results own their text.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gwtape::replay::detail {

// The raw JSON text of the top-level field `key` of the object `json`; nullopt when `json`
// is not an object or has no such field.
std::optional<std::string> raw_field(std::string_view json, std::string_view key);

// READY's `d` with `session_id` and `resume_gateway_url` set to these values (added when the
// recording's READY had none); every other byte kept. nullopt when `d` is not an object.
std::optional<std::string> rewrite_ready(std::string_view d, std::string_view session_id,
                                         std::string_view resume_gateway_url);

// What GET /oauth2/applications/@me answers: Discord's application object (id, name, icon,
// description, rpc_origins, bot_public, bot_require_code_grant, verify_key, flags, owner,
// bot, team) made from READY's partial `application` (id, flags) and its `user`, which is
// the bot, its owner here, and the application's name. Clients (discord.py) read those
// fields at login. nullopt when READY has no application object.
std::optional<std::string> application_json(std::string_view ready_d);

// s as a JSON string literal, quotes included.
std::string quote(std::string_view s);

}  // namespace gwtape::replay::detail
