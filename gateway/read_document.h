// gateway/read_document.h — private: one whole JSON document into a struct through its field
// table (decode_fields.h); what `from_json` (json.h) and the REST calls (http.cpp) share.
//
// Thread-safety: a function of its arguments. Lifetimes: nothing is kept.
#pragma once

#include <simdjson.h>

#include <string>

#include "decode_fields.h"
#include "gwtape/common/padded.h"
#include "gwtape/gateway/errors.h"

namespace gwtape::gateway::detail {

// Reads `text`, one JSON object, into `out`. Errors, each message beginning with `what`: kParse
// (not JSON, invalid UTF-8, or anything after the document), kType (valid JSON, but not an
// object, or a field of the wrong type: the message names the field).
template <class T>
Status read_document(PaddedView text, T& out, std::string_view what) {
  std::string copy;  // the padded copy of a text that came without room
  if (!text.padded()) {
    copy.reserve(text.size() + kJsonPadding);
    copy.assign(text.text());
    text = PaddedView(copy);
  }
  auto fail = [&](Errc code, std::string_view problem) {
    return make_error(code, std::string(what) + ": " + std::string(problem));
  };
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  value root;
  if (auto e = parser.iterate(text.data(), text.size(), text.readable()).get(doc); e) {
    return fail(Errc::kParse, simdjson::error_message(e));
  }
  json_type type;
  if (auto e = doc.type().get(type); e) return fail(Errc::kParse, simdjson::error_message(e));
  if (type != json_type::object) return fail(Errc::kType, "the document is not a JSON object");
  if (auto e = doc.get_value().get(root); e) return fail(Errc::kParse, simdjson::error_message(e));
  Reader reader;
  if (!reader.read_object(root, out)) {
    return fail(reader.syntax_error() ? Errc::kParse : Errc::kType, reader.problem());
  }
  // After the whole object, nothing is left to read: the location is out of bounds.
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) {
    return fail(Errc::kParse, "content after the JSON document");
  }
  return {};
}

}  // namespace gwtape::gateway::detail
