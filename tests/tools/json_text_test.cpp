// The tools' text encodings: JSON strings (strict and lossy), base64, reals; and the export
// line format read back by its parser.
#include "json_text.h"

#include <simdjson.h>
#include <catch2/catch_test_macros.hpp>

#include "export_format.h"

namespace gwtape::tools {
namespace {

// What a conforming JSON parser reads back from a JSON string literal.
std::string reparse(const std::string& literal) {
  simdjson::dom::parser parser;
  std::string_view s;
  auto err = parser.parse(literal).get_string().get(s);
  return err ? "<invalid: " + std::string(simdjson::error_message(err)) + ">" : std::string(s);
}

TEST_CASE("tools: JSON strings round-trip every valid UTF-8 text, NUL and controls included") {
  const std::string texts[] = {"",
                               "plain",
                               "quote \" backslash \\ slash /",
                               std::string("nul \0 bell \a del \x7f", 18),
                               "\n\r\t\b\f\x01\x1f",
                               "café 日本語 😂 \xF4\x8F\xBF\xBF"};
  for (const auto& t : texts) {
    std::string out;
    append_json_string(out, t);
    CHECK(reparse(out) == t);
    CHECK(out.find('\n') == std::string::npos);
  }
  std::string out;
  append_json_string(out, std::string("a\0\x1f\"", 4));
  CHECK(out == "\"a\\u0000\\u001f\\\"\"");
}

TEST_CASE("tools: invalid UTF-8 is detected and replaced byte by byte in lossy strings") {
  const std::string bad[] = {"\xff",        "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                             "abc\xe2\x82", "\x80"};
  for (const auto& b : bad) {
    CHECK_FALSE(is_valid_utf8(b));
    std::string out;
    append_json_string_lossy(out, b);
    const std::string back = reparse(out);
    CHECK(back.find("<invalid") == std::string::npos);
    CHECK(back.find("\xEF\xBF\xBD") != std::string::npos);
  }
  std::string out;
  append_json_string_lossy(out, "a\xff\n€");
  CHECK(out == "\"a\xEF\xBF\xBD\\n€\"");
  CHECK(is_valid_utf8("€ 😂"));
}

TEST_CASE("tools: base64 is RFC 4648 and decoding refuses non-canonical text") {
  std::string out;
  append_base64(out, "foobar");
  CHECK(out == "Zm9vYmFy");
  const std::string samples[] = {
      "", "f", "fo", "foo", "foob", "fooba", std::string("\xff\x00\x01", 3)};
  for (const std::string& s : samples) {
    std::string enc;
    append_base64(enc, s);
    auto dec = decode_base64(enc);
    REQUIRE(dec);
    CHECK(*dec == s);
  }
  CHECK_FALSE(decode_base64("Zg="));   // length
  CHECK_FALSE(decode_base64("Zh=="));  // non-zero dropped bits
  CHECK_FALSE(decode_base64("Zm9v!A=="));
  CHECK_FALSE(decode_base64("Z==="));
}

TEST_CASE("tools: reals are shortest, stay reals, and infinities stay valid JSON") {
  CHECK(format_real(1.5) == "1.5");
  CHECK(format_real(100.0) == "100.0");
  CHECK(format_real(0.1) == "0.1");
  CHECK(format_real(1e300) == "1e+300");
  CHECK(format_real(-1.0 / 0.0) == "-1e999");
}

TEST_CASE("tools: an export frame line reads back to the same frame, any bytes") {
  ExportLineParser parser;
  for (const std::string& text : {std::string("{\"op\":11}"), std::string("\xff\x00x", 3),
                                  std::string(), std::string("line\nbreak \"q\" \0", 16)}) {
    store::StoredFrame f;
    f.recording_id = 3;
    f.conn = 4294967295u;
    f.ts_ns = -5;
    f.direction = store::Direction::kSend;
    f.text = text;
    std::string line;
    append_frame_line(line, f);
    REQUIRE(line.back() == '\n');
    line.pop_back();
    CHECK(line.find('\n') == std::string::npos);
    CHECK((line.find("\"b64\"") != std::string::npos) == !is_valid_utf8(text));
    auto back = parser.parse(line);
    REQUIRE(back.ok());
    CHECK(back->kind == ExportLine::kFrame);
    CHECK(back->frame.text == text);
    CHECK(back->frame.conn == f.conn);
    CHECK(back->frame.ts_ns == -5);
    CHECK(back->frame.recording_id == 3);
    CHECK(back->frame.direction == store::Direction::kSend);
  }
}

TEST_CASE("tools: export lines with a problem are refused with what is wrong") {
  ExportLineParser parser;
  auto error_of = [&](std::string line) {
    auto r = parser.parse(line);
    return r.ok() ? std::string("<accepted>") : r.error().message;
  };
  const std::string frame = R"({"type":"frame","recording_id":1,"conn":1,"ts_ns":5,)";
  CHECK(error_of(frame + R"("direction":"recv","json":"x"})") == "<accepted>");
  CHECK(error_of(frame + R"("direction":"up","json":"x"})").find("direction") != std::string::npos);
  CHECK(error_of(frame + R"("direction":"recv"})").find("\"json\" or \"b64\"") !=
        std::string::npos);
  CHECK(error_of(frame + R"("direction":"recv","json":"x","b64":"eA=="})")
            .find("\"json\" or \"b64\"") != std::string::npos);
  CHECK(error_of(frame + R"("direction":"recv","json":"x","extra":1})").find("unknown key") !=
        std::string::npos);
  CHECK(error_of(frame + R"("direction":"recv","json":"x","conn":2})").find("repeated") !=
        std::string::npos);
  CHECK(error_of(R"({"type":"frame","recording_id":1,"conn":1.5})").find("conn") !=
        std::string::npos);
  CHECK(error_of(frame + R"("direction":"recv","json":"\ud800"})") != "<accepted>");
  CHECK(error_of(frame + R"("direction":"recv","json":"x"} {})").find("trailing") !=
        std::string::npos);
  CHECK(error_of("not json").find("JSON") != std::string::npos);
  CHECK(error_of(R"({"type":"gwtape-export","version":2})").find("version 2 of the export") !=
        std::string::npos);
  CHECK(error_of(R"({"type":"recording","id":1,"started_at":1,"ended_at":null,)"
                 R"("gateway_url":"","api_version":10,"encoding":"json","compress":"none",)"
                 R"("intents":0,"shard_id":null,"shard_count":null,"tool_version":"",)"
                 R"("state_digest":"ab","redactions":""})")
            .find("state_digest") != std::string::npos);
}

}  // namespace
}  // namespace gwtape::tools
