#include "wire.h"

#include <simdjson.h>

#include <charconv>

#include "gwtape/gateway/commands.h"

namespace gwtape::server::detail {
namespace {

std::string_view reason_text(std::uint16_t code) {
  switch (code) {
    case 4000:
      return "Unknown error.";
    case 4001:
      return "Unknown opcode.";
    case 4002:
      return "Error while decoding payload.";
    case 4003:
      return "Not authenticated.";
    case 4004:
      return "Authentication failed.";
    case 4005:
      return "Already authenticated.";
    case 4007:
      return "Invalid seq.";
    case 4008:
      return "Rate limited.";
    case 4009:
      return "Session timed out.";
    case 4010:
      return "Invalid shard.";
    case 4011:
      return "Sharding required.";
    case 4012:
      return "Invalid API version.";
    case 4013:
      return "Invalid intent(s).";
    case 4014:
      return "Disallowed intent(s).";
    default:
      return "";
  }
}

// The value of `key` in a query string ("a=1&b=2"), without percent-decoding (the values
// gateway clients send need none).
std::optional<std::string_view> query_value(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    std::size_t eq = pair.find('=');
    if (pair.substr(0, eq) == key) {
      return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    }
  }
  return std::nullopt;
}

}  // namespace

Rejection rejection(std::uint16_t code) { return {code, std::string(reason_text(code))}; }

std::variant<GatewayQuery, Rejection> parse_gateway_query(std::string_view target) {
  std::size_t q = target.find('?');
  std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  GatewayQuery out;
  auto v = query_value(query, "v");
  int version = 0;
  if (!v ||
      std::from_chars(v->data(), v->data() + v->size(), version).ptr != v->data() + v->size() ||
      (version != 9 && version != 10)) {
    return rejection(4012);
  }
  out.version = version;
  if (auto enc = query_value(query, "encoding"); enc && *enc != "json") {
    return Rejection{4002, "Unsupported encoding."};
  }
  if (auto c = query_value(query, "compress")) {
    auto parsed = gateway::parse_compression(*c);
    if (!parsed.ok() || *parsed == gateway::Compression::kNone) {
      return Rejection{4002, "Unsupported compression."};
    }
    out.compression = *parsed;
  }
  return out;
}

std::variant<IdentifyRequest, Rejection> check_identify(std::string_view d,
                                                        const IdentifyRules& rules) {
  simdjson::dom::parser parser;
  simdjson::padded_string text(d);
  simdjson::dom::object obj;
  if (parser.parse(text).get_object().get(obj) != simdjson::SUCCESS) return rejection(4002);
  IdentifyRequest out;
  std::string_view token;
  if (obj["token"].get_string().get(token) != simdjson::SUCCESS) return rejection(4002);
  out.token = std::string(token);
  if (rules.any_token ? token.empty() : token != rules.token) return rejection(4004);

  std::uint64_t intents = 0;
  if (obj["intents"].get_uint64().get(intents) != simdjson::SUCCESS ||
      (intents & ~gateway::intents::kAll) != 0) {
    return rejection(4013);
  }
  if ((intents & gateway::intents::kPrivileged) != 0 && !rules.allow_privileged) {
    return rejection(4014);
  }
  out.intents = intents;

  simdjson::dom::element shard;
  if (obj["shard"].get(shard) == simdjson::SUCCESS && !shard.is_null()) {
    simdjson::dom::array arr;
    std::int64_t id = -1;
    std::int64_t count = 0;
    if (shard.get_array().get(arr) != simdjson::SUCCESS || arr.size() != 2 ||
        arr.at(0).get_int64().get(id) != simdjson::SUCCESS ||
        arr.at(1).get_int64().get(count) != simdjson::SUCCESS || count < 1 || id < 0 ||
        id >= count) {
      return rejection(4010);
    }
    out.shard = std::array<std::int64_t, 2>{id, count};
  }
  std::int64_t shards = out.shard ? (*out.shard)[1] : 1;
  if (rules.min_shards > 1 && shards < rules.min_shards) return rejection(4011);
  return out;
}

std::variant<ResumeRequest, Rejection> parse_resume(std::string_view d) {
  simdjson::dom::parser parser;
  simdjson::padded_string text(d);
  simdjson::dom::object obj;
  if (parser.parse(text).get_object().get(obj) != simdjson::SUCCESS) return rejection(4002);
  ResumeRequest out;
  std::string_view token;
  std::string_view session;
  if (obj["token"].get_string().get(token) != simdjson::SUCCESS ||
      obj["session_id"].get_string().get(session) != simdjson::SUCCESS ||
      obj["seq"].get_int64().get(out.seq) != simdjson::SUCCESS) {
    return rejection(4002);
  }
  out.token = std::string(token);
  out.session_id = std::string(session);
  return out;
}

std::optional<std::int64_t> parse_heartbeat_seq(std::string_view d) {
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(d.data(), d.data() + d.size(), v);
  if (ec != std::errc() || ptr != d.data() + d.size()) return std::nullopt;
  return v;
}

std::string json_string(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      out += "\\u00";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

std::int64_t shard_of(std::uint64_t guild_id, std::int64_t count) {
  return static_cast<std::int64_t>((guild_id >> 22) % static_cast<std::uint64_t>(count));
}

}  // namespace gwtape::server::detail
