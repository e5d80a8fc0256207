// gwtape/gateway/http.h — the REST calls a gateway client needs: GET /gateway and
// GET /gateway/bot (the URL to connect to, the recommended shard count, and the
// session_start_limit that paces identifies), and the one a bot needs to answer:
// POST /channels/{id}/messages. Not a REST client: no rate-limit buckets, no retries (a 429 is
// an error with Discord's body in its message).
//
// The token goes only into the Authorization header; it never appears in an error message.
// `api_base` is "https://discord.com/api/v10" in production and a loopback server in tests.
//
// Thread-safety: reentrant (one libcurl easy handle per call). Lifetimes: none.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "gwtape/gateway/errors.h"
#include "gwtape/gateway/model.h"
#include "gwtape/gateway/transport.h"

namespace gwtape::gateway {

inline constexpr std::string_view kDefaultApiBase = "https://discord.com/api/v10";

struct SessionStartLimit {
  std::int32_t total = 0;
  std::int32_t remaining = 0;
  std::int64_t reset_after_ms = 0;
  std::int32_t max_concurrency = 1;
};

struct GatewayBotInfo {
  std::string url;
  std::int32_t shards = 1;
  SessionStartLimit session_start_limit;
};

// GET {api_base}/gateway -> {"url": ...}. Errors: kTransport (connection, HTTP status),
// kParse (a body that is not JSON), kType (JSON, but not the documented object), kTimeout.
Result<std::string> gateway_url(std::string_view api_base = kDefaultApiBase,
                                const ConnectOptions& options = {});

// GET {api_base}/gateway/bot with "Authorization: Bot <token>". A 401 says the token was
// rejected, without repeating it.
Result<GatewayBotInfo> gateway_bot(std::string_view token,
                                   std::string_view api_base = kDefaultApiBase,
                                   const ConnectOptions& options = {});

// POST {api_base}/channels/{channel_id}/messages {"content": content}: the message Discord
// created. Errors: kInvalidArgument (no channel), kTransport (connection, HTTP status with the
// body's first 200 bytes), kParse, kType (as from_json in json.h), kTimeout. Blocks: call it
// from a thread of your own, not from a Gateway handler, if the handler must not wait
// (gateway.h).
Result<Message> create_message(std::string_view token, Snowflake channel_id,
                               std::string_view content,
                               std::string_view api_base = kDefaultApiBase,
                               const ConnectOptions& options = {});

}  // namespace gwtape::gateway
