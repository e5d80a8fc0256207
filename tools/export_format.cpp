// tools/export_format.cpp — writing and reading the lines of `gwtape export` (export_format.h).
#include "export_format.h"

#include <simdjson.h>

#include <limits>
#include <map>
#include <optional>
#include <string_view>
#include <variant>

#include "json_text.h"

namespace gwtape::tools {
namespace {

void append_key(std::string& out, std::string_view key) {
  out += ",\"";
  out.append(key);
  out.append("\":");
}

void append_text(std::string& out, std::string_view key, std::string_view text) {
  append_key(out, key);
  if (is_valid_utf8(text)) {
    append_json_string(out, text);
  } else {
    out.append("{\"b64\":\"");
    append_base64(out, text);
    out.append("\"}");
  }
}

template <class T>
void append_int(std::string& out, std::string_view key, const std::optional<T>& v) {
  append_key(out, key);
  out.append(v ? std::to_string(*v) : "null");
}

// A value as read from a line: null, an integer, or text (a JSON string, or {"b64": ...}).
using Value = std::variant<std::monostate, std::int64_t, std::string>;

using LineResult = gwtape::Result<ExportLine, LineErrc>;

gwtape::Error<LineErrc> bad(std::string message) {
  return make_error(LineErrc::kBadLine, std::move(message));
}

// Built by appends: GCC 12 warns (-Wrestrict, a false positive) on "\"" + std::string(key).
std::string key_name(std::string_view key) {
  std::string out(1, '"');
  out.append(key);
  out += '"';
  return out;
}

std::optional<std::string> read_value(simdjson::ondemand::value v, Value& out) {
  using simdjson::ondemand::json_type;
  json_type type;
  if (auto e = v.type().get(type); e) return std::string(simdjson::error_message(e));
  switch (type) {
    case json_type::null:
      if (bool null = false; v.is_null().get(null) || !null) return "bad null";
      out = std::monostate{};
      return std::nullopt;
    case json_type::number: {
      std::int64_t i = 0;
      if (auto e = v.get_int64().get(i); e) return "not a 64-bit integer";
      out = i;
      return std::nullopt;
    }
    case json_type::string: {
      std::string_view s;
      if (auto e = v.get_string().get(s); e) return std::string(simdjson::error_message(e));
      out = std::string(s);
      return std::nullopt;
    }
    case json_type::object: {
      simdjson::ondemand::object obj;
      if (v.get_object().get(obj)) return "bad object";
      std::optional<std::string> bytes;
      for (auto field : obj) {
        std::string_view key, s;
        if (field.unescaped_key().get(key) || key != "b64" || bytes)
          return "an object value must be {\"b64\": \"...\"}";
        if (field.value().get_string().get(s)) return "\"b64\" must be a string";
        bytes = decode_base64(s);
        if (!bytes) return "\"b64\" is not canonical base64";
      }
      if (!bytes) return "an object value must be {\"b64\": \"...\"}";
      out = std::move(*bytes);
      return std::nullopt;
    }
    default:
      return "must be an integer, a string or null";
  }
}

}  // namespace

void append_header_line(std::string& out) {
  out.append("{\"type\":\"gwtape-export\",\"version\":");
  out.append(std::to_string(kExportVersion));
  out.append("}\n");
}

void append_recording_line(std::string& out, const store::Recording& r) {
  const store::RecordingInfo& i = r.info;
  out.append("{\"type\":\"recording\"");
  append_int(out, "id", std::optional(r.id));
  append_int(out, "started_at", std::optional(i.started_at_ns));
  append_int(out, "ended_at", r.ended_at_ns);
  append_text(out, "gateway_url", i.gateway_url);
  append_int(out, "api_version", std::optional(i.api_version));
  append_text(out, "encoding", i.encoding);
  append_text(out, "compress", i.compress);
  append_int(out, "intents", std::optional(i.intents));
  append_int(out, "shard_id", i.shard_id);
  append_int(out, "shard_count", i.shard_count);
  append_text(out, "tool_version", i.tool_version);
  if (r.state_digest) {
    append_text(out, "state_digest", *r.state_digest);
  } else {
    append_key(out, "state_digest");
    out.append("null");
  }
  append_text(out, "redactions", i.redactions);
  out.append("}\n");
}

void append_frame_line(std::string& out, const store::StoredFrame& f) {
  out.append("{\"type\":\"frame\"");
  append_int(out, "recording_id", std::optional(f.recording_id));
  append_int(out, "conn", std::optional<std::int64_t>(f.conn));
  append_int(out, "ts_ns", std::optional(f.ts_ns));
  append_key(out, "direction");
  out.append(f.direction == store::Direction::kSend ? "\"send\"" : "\"recv\"");
  if (is_valid_utf8(f.text)) {
    append_key(out, "json");
    append_json_string(out, f.text);
  } else {
    append_key(out, "b64");
    out += '"';
    append_base64(out, f.text);
    out += '"';
  }
  out.append("}\n");
}

void append_connection_line(std::string& out, const store::ConnectionEnd& e) {
  out.append("{\"type\":\"connection\"");
  append_int(out, "recording_id", std::optional(e.recording_id));
  append_int(out, "conn", std::optional<std::int64_t>(e.conn));
  append_int(out, "closed_at", std::optional(e.ts_ns));
  append_key(out, "closed_by");
  out += '"';
  out.append(gwtape::closed_by_name(e.closed_by));
  out += '"';
  append_int(out, "code", e.code);
  append_text(out, "reason", e.reason);
  out.append("}\n");
}

struct ExportLineParser::Impl {
  simdjson::ondemand::parser parser;
  std::map<std::string, Value, std::less<>> fields;
};

ExportLineParser::ExportLineParser() : impl_(std::make_unique<Impl>()) {}
ExportLineParser::~ExportLineParser() = default;

LineResult ExportLineParser::parse(std::string& line) {
  auto& fields = impl_->fields;
  fields.clear();
  const std::size_t size = line.size();
  line.reserve(size + simdjson::SIMDJSON_PADDING);
  simdjson::ondemand::document doc;
  if (auto e = impl_->parser.iterate(line.data(), size, line.capacity()).get(doc); e)
    return bad(std::string("not JSON: ") + simdjson::error_message(e));
  simdjson::ondemand::object obj;
  if (auto e = doc.get_object().get(obj); e) return bad("not a JSON object");
  for (auto field : obj) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key); e)
      return bad(std::string("bad key: ") + simdjson::error_message(e));
    std::string name(key);
    simdjson::ondemand::value v;
    if (auto e = field.value().get(v); e) return bad(key_name(name) + ": " + error_message(e));
    Value value;
    if (auto problem = read_value(v, value)) return bad(key_name(name) + ": " + *problem);
    if (!fields.emplace(name, std::move(value)).second) return bad(key_name(name) + " repeated");
  }
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS)
    return bad("trailing content after the object");

  auto take = [&](std::string_view key) -> std::optional<Value> {
    auto it = fields.find(key);
    if (it == fields.end()) return std::nullopt;
    Value v = std::move(it->second);
    fields.erase(it);
    return v;
  };
  std::optional<std::string> problem;
  // Required unless `nullable`; the integer, or nullopt when null.
  auto integer = [&](std::string_view key, bool nullable, std::int64_t lo,
                     std::int64_t hi) -> std::optional<std::int64_t> {
    auto v = take(key);
    if (!v || std::holds_alternative<std::monostate>(*v)) {
      if (!nullable && !problem) problem = key_name(key) + (v ? " must not be null" : " missing");
      return std::nullopt;
    }
    const auto* i = std::get_if<std::int64_t>(&*v);
    if (!i || *i < lo || *i > hi) {
      if (!problem)
        problem = key_name(key) + " must be an integer from " + std::to_string(lo) + " to " +
                  std::to_string(hi);
      return std::nullopt;
    }
    return *i;
  };
  auto text = [&](std::string_view key, bool nullable) -> std::optional<std::string> {
    auto v = take(key);
    if (!v || std::holds_alternative<std::monostate>(*v)) {
      if (!nullable && !problem) problem = key_name(key) + (v ? " must not be null" : " missing");
      return std::nullopt;
    }
    auto* s = std::get_if<std::string>(&*v);
    if (!s) {
      if (!problem) problem = key_name(key) + " must be a string";
      return std::nullopt;
    }
    return std::move(*s);
  };
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  constexpr std::int64_t kIntMin = std::numeric_limits<int>::min();
  constexpr std::int64_t kIntMax = std::numeric_limits<int>::max();

  ExportLine out;
  const auto type = text("type", false);
  if (!type) return bad(problem.value_or("\"type\" missing"));
  if (*type == "gwtape-export") {
    out.kind = ExportLine::kHeader;
    auto version = integer("version", false, 1, kIntMax);
    if (!problem && version != kExportVersion)
      problem = "version " + std::to_string(*version) + " of the export format; this build reads " +
                std::to_string(kExportVersion);
  } else if (*type == "recording") {
    out.kind = ExportLine::kRecording;
    store::Recording& r = out.recording;
    store::RecordingInfo& i = r.info;
    r.id = integer("id", false, 1, kMax).value_or(0);
    i.started_at_ns = integer("started_at", false, kMin, kMax).value_or(0);
    r.ended_at_ns = integer("ended_at", true, kMin, kMax);
    i.gateway_url = text("gateway_url", false).value_or("");
    i.api_version = static_cast<int>(integer("api_version", false, kIntMin, kIntMax).value_or(0));
    i.encoding = text("encoding", false).value_or("");
    i.compress = text("compress", false).value_or("");
    i.intents = integer("intents", false, kMin, kMax).value_or(0);
    if (auto v = integer("shard_id", true, kIntMin, kIntMax)) i.shard_id = static_cast<int>(*v);
    if (auto v = integer("shard_count", true, kIntMin, kIntMax))
      i.shard_count = static_cast<int>(*v);
    i.tool_version = text("tool_version", false).value_or("");
    r.state_digest = text("state_digest", true);
    i.redactions = text("redactions", false).value_or("");
    if (!problem && r.state_digest && !r.ended_at_ns)
      problem = "\"state_digest\" without \"ended_at\" (a digest is stored at a clean stop)";
  } else if (*type == "frame") {
    out.kind = ExportLine::kFrame;
    store::Frame& f = out.frame;
    f.recording_id = integer("recording_id", false, 1, kMax).value_or(0);
    f.conn = static_cast<std::uint32_t>(integer("conn", false, 0, 0xFFFFFFFF).value_or(0));
    f.ts_ns = integer("ts_ns", false, kMin, kMax).value_or(0);
    const auto direction = text("direction", false);
    if (direction == "send") {
      f.direction = store::Direction::kSend;
    } else if (direction != "recv" && !problem) {
      problem = "\"direction\" must be \"recv\" or \"send\"";
    }
    const bool has_json = fields.count("json") > 0, has_b64 = fields.count("b64") > 0;
    if (has_json == has_b64 && !problem) problem = "a frame has one of \"json\" or \"b64\"";
    if (has_json) {
      f.text = text("json", false).value_or("");
    } else if (has_b64) {
      auto encoded = text("b64", false);
      if (encoded) {
        auto bytes = decode_base64(*encoded);
        if (!bytes && !problem) problem = "\"b64\" is not canonical base64";
        f.text = std::move(bytes).value_or("");
      }
    }
  } else if (*type == "connection") {
    out.kind = ExportLine::kConnection;
    store::ConnectionEnd& e = out.connection;
    e.recording_id = integer("recording_id", false, 1, kMax).value_or(0);
    e.conn = static_cast<std::uint32_t>(integer("conn", false, 0, 0xFFFFFFFF).value_or(0));
    e.ts_ns = integer("closed_at", false, kMin, kMax).value_or(0);
    const auto by = text("closed_by", false);
    const auto parsed_by = gwtape::closed_by_from_name(by.value_or(""));
    if (!parsed_by && !problem)
      problem = "\"closed_by\" must be \"server\", \"client\" or \"lost\"";
    e.closed_by = parsed_by.value_or(store::ClosedBy::kLost);
    if (auto code = integer("code", true, 0, 0xFFFF)) e.code = static_cast<int>(*code);
    e.reason = text("reason", false).value_or("");
  } else {
    return bad("unknown \"type\": \"" + *type + "\"");
  }
  if (problem) return bad(*problem);
  if (!fields.empty()) return bad("unknown key " + key_name(fields.begin()->first));
  return out;
}

}  // namespace gwtape::tools
