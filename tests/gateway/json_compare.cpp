// Semantic comparison of a canonical encoding with its wire JSON; see json_compare.h.
#include "gateway/json_compare.h"

#include <simdjson.h>

#include <charconv>
#include <optional>

#include "gwtape/gateway/snowflake.h"

namespace gwtape::test {
namespace {

namespace dom = simdjson::dom;
using gwtape::gateway::Snowflake;
using gwtape::gateway::Timestamp;

std::string show(std::optional<dom::element> e) {
  return e ? simdjson::minify(*e) : std::string("(missing)");
}

void mismatch(Mismatches& out, const std::string& path, dom::element encoded,
              std::optional<dom::element> file) {
  out.push_back(path + ": encoded " + show(encoded) + ", file " + show(file));
}

template <class Int>
bool digits_equal(std::string_view text, Int n) {
  Int parsed{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
  return ec == std::errc() && end == text.data() + text.size() && parsed == n;
}

// Snowflakes are equal as numbers (string or number in the file), timestamps as instants, an
// integer nonce kept as text equals its digits; other strings byte for byte.
bool same_string(std::string_view encoded, dom::element file) {
  switch (file.type()) {
    case dom::element_type::STRING: {
      const std::string_view text = file.get_string().value_unsafe();
      if (text == encoded) return true;
      auto t1 = Timestamp::parse(encoded);
      auto t2 = Timestamp::parse(text);
      if (t1.ok() && t2.ok()) return *t1 == *t2;
      auto s1 = Snowflake::parse(encoded);
      auto s2 = Snowflake::parse(text);
      return s1.ok() && s2.ok() && *s1 == *s2;
    }
    case dom::element_type::INT64:
      return digits_equal(encoded, file.get_int64().value_unsafe());
    case dom::element_type::UINT64:
      return digits_equal(encoded, file.get_uint64().value_unsafe());
    default:
      return false;
  }
}

bool same_number(dom::element encoded, dom::element file) {
  const auto et = encoded.type();
  const auto ft = file.type();
  if (ft != dom::element_type::INT64 && ft != dom::element_type::UINT64 &&
      ft != dom::element_type::DOUBLE) {
    return false;
  }
  if (et == dom::element_type::DOUBLE || ft == dom::element_type::DOUBLE) {
    return encoded.get_double().value_unsafe() == file.get_double().value_unsafe();
  }
  if (et != ft) return false;  // DOM keeps INT64 for whatever fits it
  return et == dom::element_type::INT64
             ? encoded.get_int64().value_unsafe() == file.get_int64().value_unsafe()
             : encoded.get_uint64().value_unsafe() == file.get_uint64().value_unsafe();
}

// The file has nothing (null or missing) here: the encoding must hold the model's default.
void check_default(dom::element encoded, std::string_view key, const std::string& path,
                   Mismatches& out) {
  bool is_default = true;
  switch (encoded.type()) {
    case dom::element_type::NULL_VALUE:
      break;
    case dom::element_type::BOOL:
      // Emoji::available defaults to true: Discord leaves it out unless it is false.
      is_default = encoded.get_bool().value_unsafe() == (key == "available");
      break;
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE:
      is_default = encoded.get_double().value_unsafe() == 0;
      break;
    case dom::element_type::STRING:
      is_default = encoded.get_string().value_unsafe().empty();
      break;
    case dom::element_type::ARRAY:
      is_default = encoded.get_array().value_unsafe().size() == 0;
      break;
    case dom::element_type::OBJECT: {
      const dom::object obj = encoded.get_object().value_unsafe();
      for (auto [k, v] : obj) check_default(v, k, path + "." + std::string(k), out);
      break;
    }
  }
  if (!is_default) mismatch(out, path, encoded, std::nullopt);
}

// Walks the encoding: every key it has must match the file's value at the same path.
void compare(dom::element encoded, std::optional<dom::element> file, std::string_view key,
             const std::string& path, Mismatches& out) {
  if (!file || file->is_null()) return check_default(encoded, key, path, out);
  switch (encoded.type()) {
    case dom::element_type::OBJECT: {
      dom::object fobj;
      if (file->get_object().get(fobj)) return mismatch(out, path, encoded, file);
      const dom::object eobj = encoded.get_object().value_unsafe();
      for (auto [k, v] : eobj) {
        const std::string sub = path + "." + std::string(k);
        if (k == "embeds_count") {  // json.h: the length of the wire's "embeds" array
          dom::array embeds;
          const std::uint64_t n = fobj["embeds"].get_array().get(embeds) ? 0 : embeds.size();
          if (v.get_uint64().value_unsafe() != n) {
            out.push_back(sub + ": encoded " + simdjson::minify(v) + ", file has " +
                          std::to_string(n) + " embeds");
          }
          continue;
        }
        dom::element fv;
        std::optional<dom::element> wire;
        if (!fobj[k].get(fv)) wire = fv;
        compare(v, wire, k, sub, out);
      }
      return;
    }
    case dom::element_type::ARRAY: {
      dom::array farr;
      if (file->get_array().get(farr)) return mismatch(out, path, encoded, file);
      dom::array earr = encoded.get_array().value_unsafe();
      if (earr.size() != farr.size()) {
        out.push_back(path + ": encoded " + std::to_string(earr.size()) + " elements, file " +
                      std::to_string(farr.size()));
        return;
      }
      auto fit = farr.begin();
      std::size_t i = 0;
      for (dom::element e : earr) {
        compare(e, *fit, key, path + "[" + std::to_string(i) + "]", out);
        ++fit;
        ++i;
      }
      return;
    }
    case dom::element_type::STRING:
      if (!same_string(encoded.get_string().value_unsafe(), *file)) {
        mismatch(out, path, encoded, file);
      }
      return;
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE:
      if (!same_number(encoded, *file)) mismatch(out, path, encoded, file);
      return;
    case dom::element_type::BOOL:
      if (!file->is_bool() ||
          file->get_bool().value_unsafe() != encoded.get_bool().value_unsafe()) {
        mismatch(out, path, encoded, file);
      }
      return;
    case dom::element_type::NULL_VALUE:
      return mismatch(out, path, encoded, file);  // the file has a value the model dropped
  }
}

// Compares the canonical encoding of a typed event with the file's d text.

}  // namespace

Mismatches compare_with_wire(const std::string& encoded, const std::string& wire,
                             const std::string& root) {
  Mismatches out;
  dom::parser encoded_parser;
  dom::parser wire_parser;
  dom::element enc;
  dom::element file;
  if (auto e = encoded_parser.parse(encoded).get(enc); e) {
    out.push_back(std::string("the encoding is not JSON: ") + simdjson::error_message(e) + ": " +
                  encoded.substr(0, 200));
    return out;
  }
  if (auto e = wire_parser.parse(wire).get(file); e) {
    out.push_back(std::string("the wire text is not JSON: ") + simdjson::error_message(e));
    return out;
  }
  compare(enc, file, root, root, out);
  return out;
}

std::string join(const Mismatches& lines) {
  std::string s;
  for (const auto& line : lines) s += line + "\n";
  return s;
}

}  // namespace gwtape::test
