#include "gwtape/gateway/envelope.h"

#include <simdjson.h>

#include <string>

#include "decode_fields.h"
#include "gwtape/gateway/events.h"
#include "json_read.h"

namespace gwtape::gateway {
namespace {

// The first bytes of a frame, printable, for error messages.
std::string excerpt(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 48)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : '?';
  }
  if (text.size() > 48) out += "...";
  return out;
}

Errc errc_of(simdjson::error_code e) {
  switch (e) {
    case simdjson::INCORRECT_TYPE:
      return Errc::kType;
    case simdjson::NUMBER_OUT_OF_RANGE:
      return Errc::kOutOfRange;
    default:
      return Errc::kParse;
  }
}

// A wrong type (kType) or a number that does not fit (kOutOfRange): simdjson reports both
// as INCORRECT_TYPE for big integers, so ask the value's type.
Errc integer_errc(simdjson::ondemand::value& v, simdjson::error_code e) {
  simdjson::ondemand::json_type type;
  if (e == simdjson::NUMBER_OUT_OF_RANGE ||
      (v.type().get(type) == simdjson::SUCCESS && type == simdjson::ondemand::json_type::number)) {
    return Errc::kOutOfRange;
  }
  return errc_of(e);
}

// Reads d's top-level guild and channel ids (EnvelopeParser::routing_ids says which keys) into
// ids; false when d is not a well-formed object.
bool route(EventType type, simdjson::ondemand::value& d, RoutingIds& ids) {
  simdjson::ondemand::object obj;
  if (d.get_object().get(obj)) return false;
  const bool id_is_channel =
      (type >= EventType::kChannelCreate && type <= EventType::kThreadDelete &&
       type != EventType::kChannelPinsUpdate);
  const bool id_is_guild = type == EventType::kGuildCreate || type == EventType::kGuildUpdate ||
                           type == EventType::kGuildDelete;
  detail::Reader reader;
  for (auto result : obj) {
    if (result.error()) return false;
    simdjson::ondemand::field&& field = std::move(result).value_unsafe();  // in place
    const detail::Key key(field.key());
    simdjson::ondemand::value& v = field.value();
    if (!detail::starts_a_value(v)) return false;
    Snowflake id;
    if (key.is<"guild_id">() || (id_is_guild && key.is<"id">())) {
      if (reader.read(v, id) && id.valid()) ids.guild_id = id;
    } else if (key.is<"channel_id">() || (id_is_channel && key.is<"id">())) {
      if (reader.read(v, id) && id.valid()) ids.channel_id = id;
    }
  }
  return true;
}

}  // namespace

struct EnvelopeParser::Impl {
  simdjson::ondemand::parser parser;
  simdjson::ondemand::parser routing_parser;
  std::string copy;  // padded copy of a frame that came without room for padding
};

EnvelopeParser::EnvelopeParser() : impl_(std::make_unique<Impl>()) {}
EnvelopeParser::~EnvelopeParser() = default;
EnvelopeParser::EnvelopeParser(EnvelopeParser&&) noexcept = default;
EnvelopeParser& EnvelopeParser::operator=(EnvelopeParser&&) noexcept = default;

static_assert(kJsonPadding == simdjson::SIMDJSON_PADDING, "padded.h: kJsonPadding");

Result<Envelope> EnvelopeParser::parse(PaddedView text) {
  return parse_impl(text, nullptr, nullptr, nullptr);
}

Result<Envelope> EnvelopeParser::parse(PaddedView text, Event& event, bool& decoded) {
  decoded = false;
  return parse_impl(text, &event, &decoded, nullptr);
}

Result<Envelope> EnvelopeParser::parse_routed(PaddedView text, RoutingIds& ids) {
  ids = RoutingIds{};
  bool routed = false;
  auto env = parse_impl(text, nullptr, nullptr, &ids, &routed);
  if (env.ok() && !routed) ids = routing_ids(*env);
  return env;
}

Result<Envelope> EnvelopeParser::parse_impl(PaddedView padded, Event* event, bool* decoded,
                                            RoutingIds* ids, bool* routed) {
  Envelope env;
  // env.text is what is parsed, with its room: the caller's text, or the parser's padded copy
  // of it (then every view points into the copy).
  const std::string_view text = padded.text();
  env.text = padded;
  if (!padded.padded()) {
    impl_->copy.reserve(text.size() + kJsonPadding);
    impl_->copy.assign(text);
    env.text = impl_->copy;
  }
  // The plain pass after a one-pass decode or routing walk gave up: over the same padded bytes
  // (no second copy).
  auto plain_pass = [&] { return parse_impl(env.text, nullptr, nullptr, nullptr); };

  auto fail = [&](Errc code, std::string what) -> Result<Envelope> {
    return make_error(code, "gateway frame: " + what + " in \"" + excerpt(text) + "\"");
  };
  auto fail_json = [&](simdjson::error_code e, std::string_view where) -> Result<Envelope> {
    return fail(errc_of(e), std::string(where) + ": " + simdjson::error_message(e));
  };

  if (text.empty()) return fail(Errc::kParse, "empty frame");
  simdjson::ondemand::document doc;
  if (auto e =
          impl_->parser.iterate(env.text.data(), env.text.size(), env.text.readable()).get(doc);
      e) {
    return fail_json(e, "not JSON");
  }
  simdjson::ondemand::object obj;
  if (auto e = doc.get_object().get(obj); e) {
    return fail(e == simdjson::INCORRECT_TYPE ? Errc::kParse : errc_of(e),
                "not a JSON object: " + std::string(simdjson::error_message(e)));
  }
  bool have_op = false;
  for (auto result : obj) {
    if (auto e = result.error(); e) return fail_json(e, "bad key");
    simdjson::ondemand::field&& field = std::move(result).value_unsafe();
    const detail::Key key(field.key());
    simdjson::ondemand::value& v = field.value();
    if (!detail::starts_a_value(v)) return fail(Errc::kParse, "a key without a value");
    if (key.is<"op">()) {
      std::uint64_t op = 0;
      if (auto e = v.get_uint64().get(op); e) {
        return fail(integer_errc(v, e), "\"op\" must be an integer 0-255 (" +
                                            std::string(simdjson::error_message(e)) + ")");
      }
      if (op > 255) return fail(Errc::kOutOfRange, "\"op\" " + std::to_string(op) + " > 255");
      env.op = static_cast<OpCode>(op);
      have_op = true;
    } else if (key.is<"s">()) {
      if (detail::Reader::is_null(v)) continue;
      std::int64_t s = 0;
      if (auto e = v.get_int64().get(s); e) {
        return fail(integer_errc(v, e), "\"s\" must be null or an integer (" +
                                            std::string(simdjson::error_message(e)) + ")");
      }
      if (s < 0) return fail(Errc::kOutOfRange, "\"s\" is negative");
      env.s = s;
    } else if (key.is<"t">()) {
      if (detail::Reader::is_null(v)) continue;
      // Event names are plain ASCII: read in place, unescaped only if written with escapes.
      if (auto e = detail::string_of(v, env.t); e) {
        return fail(
            e == simdjson::INCORRECT_TYPE ? Errc::kType : Errc::kParse,
            "\"t\" must be null or a string (" + std::string(simdjson::error_message(e)) + ")");
      }
    } else if (key.is<"d">()) {
      // Discord sends "t" and "op" before "d": then a typed event is decoded in this same
      // pass, without a second parse of d. Any other order, or any failure, takes the plain
      // path (d kept raw; the caller decodes it and reports the error).
      if (event != nullptr && have_op && env.op == OpCode::kDispatch && !env.t.empty()) {
        if (const EventType type = event_type(env.t); is_typed(type)) {
          const char* start = v.raw_json_token().data();
          event->type = type;  // decoded where the caller keeps it: no moves of the event
          event->unknown_name.clear();
          detail::Reader reader;
          const char* end = nullptr;
          if (detail::decode_payload(type, reader, v, event->payload) &&
              doc.current_location().get(end) == simdjson::SUCCESS) {
            env.d = detail::trim_json_right(
                std::string_view(start, static_cast<std::size_t>(end - start)));
            *decoded = true;
            continue;
          }
          return plain_pass();
        }
      }
      // The log writer's pass: the routing ids read from d's top-level keys on the way (the
      // walk that finds d's end anyway), instead of a second parse of d.
      if (ids != nullptr && have_op && env.op == OpCode::kDispatch && !env.t.empty()) {
        const char* start = v.raw_json_token().data();
        const char* end = nullptr;
        if (*start == '{' && route(event_type(env.t), v, *ids) &&
            doc.current_location().get(end) == simdjson::SUCCESS) {
          env.d = detail::trim_json_right(
              std::string_view(start, static_cast<std::size_t>(end - start)));
          *routed = true;
          continue;
        }
        *ids = RoutingIds{};
        return plain_pass();
      }
      if (auto e = detail::raw_json_of(v, env.d); e) return fail_json(e, "\"d\"");
    }
  }
  // After the object, the document must be over ({"op":11} junk is not a frame).
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) {
    return fail(Errc::kParse, "trailing content after the object");
  }
  if (!have_op) return fail(Errc::kMissingField, "no \"op\"");
  // An absent d is an empty view at the end of the text, not a null one: the room after d
  // (padded_d(), what callers hand to EventDecoder) stays true.
  if (env.d.data() == nullptr) env.d = env.text.text().substr(env.text.size());
  return env;
}

RoutingIds EnvelopeParser::routing_ids(const Envelope& env) {
  RoutingIds ids;
  if (env.op != OpCode::kDispatch || env.d.size() < 2 || env.d.front() != '{') return ids;
  const PaddedView d = env.padded_d();
  simdjson::ondemand::document doc;
  if (impl_->routing_parser.iterate(d.data(), d.size(), d.readable()).get(doc)) return ids;
  simdjson::ondemand::value v;
  if (doc.get_value().get(v) || !route(event_type(env.t), v, ids)) return RoutingIds{};
  return ids;
}

}  // namespace gwtape::gateway
