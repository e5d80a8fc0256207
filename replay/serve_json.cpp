#include "serve_json.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdio>
#include <vector>

namespace gwtape::replay::detail {

namespace {

struct Span {
  std::size_t begin = 0;
  std::size_t end = 0;
};

// Where the value of each wanted top-level key starts and ends in `json`.
bool find_values(std::string_view json, const std::vector<std::string_view>& keys,
                 std::vector<std::optional<Span>>& out) {
  out.assign(keys.size(), std::nullopt);
  simdjson::padded_string text(json);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  if (parser.iterate(text).get(doc) != simdjson::SUCCESS) return false;
  simdjson::ondemand::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) return false;
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return false;
    std::string_view raw;
    simdjson::ondemand::value value = field.value();
    simdjson::ondemand::json_type type;
    if (value.type().get(type) != simdjson::SUCCESS) return false;
    simdjson::error_code err = simdjson::SUCCESS;
    if (type == simdjson::ondemand::json_type::object) {
      simdjson::ondemand::object o;
      err = value.get_object().get(o);
      if (!err) err = o.raw_json().get(raw);
    } else if (type == simdjson::ondemand::json_type::array) {
      simdjson::ondemand::array a;
      err = value.get_array().get(a);
      if (!err) err = a.raw_json().get(raw);
    } else {
      raw = value.raw_json_token();
    }
    if (err) return false;
    // raw_json() views the padded copy; keep the value without trailing whitespace.
    while (!raw.empty() &&
           (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\t' || raw.back() == '\r')) {
      raw.remove_suffix(1);
    }
    auto it = std::find(keys.begin(), keys.end(), key);
    if (it == keys.end()) continue;
    const auto begin = static_cast<std::size_t>(raw.data() - text.data());
    out[static_cast<std::size_t>(it - keys.begin())] = Span{begin, begin + raw.size()};
  }
  return true;
}

}  // namespace

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  out += '"';
  return out;
}

std::optional<std::string> raw_field(std::string_view json, std::string_view key) {
  std::vector<std::optional<Span>> spans;
  if (!find_values(json, {key}, spans) || !spans[0]) return std::nullopt;
  return std::string(json.substr(spans[0]->begin, spans[0]->end - spans[0]->begin));
}

std::optional<std::string> rewrite_ready(std::string_view d, std::string_view session_id,
                                         std::string_view resume_gateway_url) {
  std::vector<std::optional<Span>> spans;
  if (!find_values(d, {"session_id", "resume_gateway_url"}, spans)) return std::nullopt;
  const std::string values[2] = {quote(session_id), quote(resume_gateway_url)};
  const char* names[2] = {"session_id", "resume_gateway_url"};
  std::string out(d);
  // Splice from the back so that earlier offsets stay valid.
  std::vector<std::pair<Span, std::size_t>> found;
  std::string missing;
  for (std::size_t i = 0; i < 2; ++i) {
    if (spans[i]) {
      found.emplace_back(*spans[i], i);
    } else {
      // Appended piece by piece: GCC 12 misreads `"," + std::string&&` (-Wrestrict).
      missing += ',';
      missing += quote(names[i]);
      missing += ':';
      missing += values[i];
    }
  }
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.first.begin > b.first.begin; });
  for (const auto& [span, i] : found) out.replace(span.begin, span.end - span.begin, values[i]);
  if (!missing.empty()) {
    const auto close = out.rfind('}');
    if (close == std::string::npos) return std::nullopt;
    const auto before = out.find_last_not_of(" \t\r\n", close - 1);
    if (before != std::string::npos && out[before] == '{') missing.erase(0, 1);
    out.insert(close, missing);
  }
  return out;
}

std::optional<std::string> application_json(std::string_view ready_d) {
  const auto application = raw_field(ready_d, "application");
  if (!application) return std::nullopt;
  const auto id = raw_field(*application, "id");
  if (!id) return std::nullopt;
  const std::string flags = raw_field(*application, "flags").value_or("0");
  const std::string user = raw_field(ready_d, "user").value_or("null");
  std::string name = "\"\"";
  if (auto username = raw_field(user, "username")) name = *username;
  return "{\"id\":" + *id + ",\"name\":" + name +
         ",\"icon\":null,\"description\":\"\",\"rpc_origins\":[],\"bot_public\":false,"
         "\"bot_require_code_grant\":false,\"verify_key\":\"\",\"flags\":" +
         flags + ",\"owner\":" + user + ",\"bot\":" + user + ",\"team\":null}";
}

}  // namespace gwtape::replay::detail
