#include "gwtape/gateway/json_path.h"

#include <simdjson.h>

#include "json_read.h"

namespace gwtape::gateway {
namespace {

using simdjson::ondemand::value;

simdjson::error_code collect(value v, const std::vector<std::string>& path, std::size_t i,
                             const char* base, std::vector<ByteSpan>& out) {
  if (i == path.size()) {
    std::string_view raw;
    if (auto e = detail::raw_json_of(v, raw); e) return e;
    out.push_back({static_cast<std::size_t>(raw.data() - base), raw.size()});
    return simdjson::SUCCESS;
  }
  if (path[i] == "[*]") {
    simdjson::ondemand::array array;
    if (v.get_array().get(array) != simdjson::SUCCESS) return simdjson::SUCCESS;  // not there
    for (auto element : array) {
      value ev;
      if (auto e = element.get(ev); e) return e;
      if (auto e = collect(ev, path, i + 1, base, out); e) return e;
    }
    return simdjson::SUCCESS;
  }
  simdjson::ondemand::object object;
  if (v.get_object().get(object) != simdjson::SUCCESS) return simdjson::SUCCESS;
  for (auto field : object) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key); e) return e;
    if (key != path[i]) continue;
    value fv;
    if (auto e = field.value().get(fv); e) return e;
    if (auto e = collect(fv, path, i + 1, base, out); e) return e;
  }
  return simdjson::SUCCESS;
}

}  // namespace

Result<std::vector<ByteSpan>> find_values(std::string_view json,
                                          const std::vector<std::string>& path) {
  std::string padded;
  padded.reserve(json.size() + simdjson::SIMDJSON_PADDING);
  padded.assign(json);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  std::vector<ByteSpan> spans;
  auto fail = [](simdjson::error_code e) {
    return make_error(Errc::kParse, std::string("JSON path: ") + simdjson::error_message(e));
  };
  if (auto e = parser.iterate(padded.data(), padded.size(), padded.capacity()).get(doc); e) {
    return fail(e);
  }
  if (path.empty()) return spans;
  value root;
  if (auto e = doc.get_value().get(root); e) return fail(e);
  if (auto e = collect(root, path, 0, padded.data(), spans); e) return fail(e);
  return spans;
}

}  // namespace gwtape::gateway
