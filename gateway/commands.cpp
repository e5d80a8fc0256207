#include "gwtape/gateway/commands.h"

#include <simdjson.h>

#include "gwtape/gateway/json.h"

namespace gwtape::gateway {
namespace {

// {"op":op,"d": ... written by body ...}, checked for UTF-8 and the 4096-byte limit.
template <class Body>
Result<std::string> frame(int op, std::string_view what, Body&& body) {
  JsonWriter w;
  w.begin_object().key("op").integer(op).key("d");
  body(w);
  w.end_object();
  if (w.bad_utf8()) {
    return make_error(Errc::kInvalidArgument,
                      std::string(what) + ": \"" + w.bad_utf8_at() + "\" is not valid UTF-8");
  }
  if (w.text().size() > kMaxPayloadBytes) {
    return make_error(Errc::kTooLarge, std::string(what) + " payload is " +
                                           std::to_string(w.text().size()) +
                                           " bytes; the gateway accepts at most 4096");
  }
  return std::move(w.text());
}

void write_snowflake(JsonWriter& w, Snowflake id) { w.string(id.str()); }

void write_presence(JsonWriter& w, const UpdatePresenceData& p) {
  w.begin_object().key("since");
  if (p.since) {
    w.integer(*p.since);
  } else {
    w.null();
  }
  w.key("activities").begin_array();
  for (const Activity& a : p.activities) {
    w.begin_object().key("name").string(a.name).key("type").integer(a.type);
    if (a.state) w.key("state").string(*a.state);
    if (a.url) w.key("url").string(*a.url);
    w.end_object();
  }
  w.end_array().key("status").string(p.status).key("afk").boolean(p.afk).end_object();
}

}  // namespace

Result<std::string> encode_heartbeat(std::optional<std::int64_t> last_seq) {
  return frame(1, "heartbeat", [&](JsonWriter& w) {
    if (last_seq) {
      w.integer(*last_seq);
    } else {
      w.null();
    }
  });
}

Result<std::string> encode(const IdentifyData& d) {
  if (d.large_threshold < 50 || d.large_threshold > 250) {
    return make_error(
        Errc::kInvalidArgument,
        "identify: large_threshold " + std::to_string(d.large_threshold) + " is outside 50-250");
  }
  if (d.shard && ((*d.shard)[1] < 1 || (*d.shard)[0] < 0 || (*d.shard)[0] >= (*d.shard)[1])) {
    return make_error(Errc::kInvalidArgument, "identify: shard [" + std::to_string((*d.shard)[0]) +
                                                  ", " + std::to_string((*d.shard)[1]) +
                                                  "] needs 0 <= shard_id < num_shards");
  }
  return frame(2, "identify", [&](JsonWriter& w) {
    w.begin_object().key("token").string(d.token);
    w.key("properties")
        .begin_object()
        .key("os")
        .string(d.properties.os)
        .key("browser")
        .string(d.properties.browser)
        .key("device")
        .string(d.properties.device)
        .end_object();
    w.key("intents").unsigned_integer(d.intents);
    // Payload compression (each message zlib-compressed alone) is not offered: transport
    // compression (zlib-stream, zstd-stream) does the job better, and Discord turns payload
    // compression off when it is used. Said explicitly, so the server never compresses.
    w.key("compress").boolean(false);
    w.key("large_threshold").integer(d.large_threshold);
    if (d.shard) {
      w.key("shard").begin_array().integer((*d.shard)[0]).integer((*d.shard)[1]).end_array();
    }
    if (d.presence) {
      w.key("presence");
      write_presence(w, *d.presence);
    }
    w.end_object();
  });
}

namespace {

// `d` encoded with an empty token, then copied into a Secret with the token written in its
// place: the token is never in ordinary heap memory, not even in a buffer the JSON writer
// outgrew.
template <class Data>
Result<Secret> seal(const Data& d, std::string_view what) {
  Data bare = d;  // (the copy's token is a Secret too)
  bare.token = Secret();
  auto text = encode(bare);
  if (!text.ok()) return text.error();
  if (!simdjson::validate_utf8(d.token.view().data(), d.token.size())) {
    return make_error(Errc::kInvalidArgument, std::string(what) + ": the token is not valid UTF-8");
  }
  constexpr std::string_view kSlot = R"("token":")";
  const std::size_t at = text->find(kSlot) + kSlot.size();  // d's first key, always there
  Secret out;
  out.append(std::string_view(*text).substr(0, at));
  append_json_escaped(out, d.token.view());
  out.append(std::string_view(*text).substr(at));
  if (out.size() > kMaxPayloadBytes) {
    return make_error(Errc::kTooLarge, std::string(what) + " payload is " +
                                           std::to_string(out.size()) +
                                           " bytes; the gateway accepts at most 4096");
  }
  return out;
}

}  // namespace

Result<Secret> encode_sealed(const IdentifyData& d) { return seal(d, "identify"); }
Result<Secret> encode_sealed(const ResumeData& d) { return seal(d, "resume"); }

Result<std::string> encode(const UpdatePresenceData& d) {
  return frame(3, "presence update", [&](JsonWriter& w) { write_presence(w, d); });
}

Result<std::string> encode(const UpdateVoiceStateData& d) {
  return frame(4, "voice state update", [&](JsonWriter& w) {
    w.begin_object().key("guild_id");
    write_snowflake(w, d.guild_id);
    w.key("channel_id");
    if (d.channel_id) {
      write_snowflake(w, *d.channel_id);
    } else {
      w.null();
    }
    w.key("self_mute").boolean(d.self_mute).key("self_deaf").boolean(d.self_deaf).end_object();
  });
}

Result<std::string> encode(const ResumeData& d) {
  return frame(6, "resume", [&](JsonWriter& w) {
    w.begin_object()
        .key("token")
        .string(d.token)
        .key("session_id")
        .string(d.session_id)
        .key("seq")
        .integer(d.seq)
        .end_object();
  });
}

Result<std::string> encode(const RequestGuildMembersData& d) {
  if (d.query.has_value() == !d.user_ids.empty()) {
    return make_error(Errc::kInvalidArgument,
                      "request guild members: give either a query or user_ids, not both");
  }
  if (d.nonce && d.nonce->size() > 32) {
    return make_error(Errc::kInvalidArgument, "request guild members: nonce over 32 bytes");
  }
  return frame(8, "request guild members", [&](JsonWriter& w) {
    w.begin_object().key("guild_id");
    write_snowflake(w, d.guild_id);
    if (d.query) w.key("query").string(*d.query).key("limit").integer(d.limit);
    if (!d.user_ids.empty()) {
      w.key("user_ids").begin_array();
      for (Snowflake id : d.user_ids) write_snowflake(w, id);
      w.end_array();
    }
    w.key("presences").boolean(d.presences);
    if (d.nonce) w.key("nonce").string(*d.nonce);
    w.end_object();
  });
}

Result<std::string> encode(const GuildSubscribeData& d) {
  return frame(14, "guild subscribe", [&](JsonWriter& w) {
    w.begin_object().key("guild_id");
    write_snowflake(w, d.guild_id);
    w.key("typing").boolean(d.typing).key("activities").boolean(d.activities).end_object();
  });
}

Result<std::string> encode(const RequestSoundboardSoundsData& d) {
  return frame(31, "request soundboard sounds", [&](JsonWriter& w) {
    w.begin_object().key("guild_ids").begin_array();
    for (Snowflake id : d.guild_ids) write_snowflake(w, id);
    w.end_array().end_object();
  });
}

Result<std::string> encode(const RequestChannelInfoData& d) {
  return frame(43, "request channel info", [&](JsonWriter& w) {
    w.begin_object().key("guild_id");
    write_snowflake(w, d.guild_id);
    w.key("fields").begin_array();
    for (const std::string& f : d.fields) w.string(f);
    w.end_array().end_object();
  });
}

Result<std::string> encode_raw(int op, std::string_view d_json) {
  if (op < 0 || op > 255) {
    return make_error(Errc::kInvalidArgument, "opcode " + std::to_string(op) + " outside 0-255");
  }
  simdjson::dom::parser parser;
  if (auto e = parser.parse(simdjson::padded_string(d_json)).error(); e) {
    return make_error(
        Errc::kInvalidArgument,
        "op " + std::to_string(op) + ": d is not valid JSON: " + simdjson::error_message(e));
  }
  return frame(op, "op " + std::to_string(op), [&](JsonWriter& w) { w.raw(d_json); });
}

}  // namespace gwtape::gateway
