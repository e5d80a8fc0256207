// fuzz_rest: the REST bodies, both sides of the wire.
//
// Byte 0 picks the side; the rest of the input is the body.
// - Even: the client reading a reply, `from_json` into the model struct that byte 1 picks
//   (POST /channels/{id}/messages answers a Message; create_message reads it this way). What
//   reads must encode canonically and read back to the same encoding.
// - Odd: the loopback server's REST endpoint (GatewayCore::on_http) taking a POST
//   /channels/{id}/messages with the body; byte 1 picks a well-formed path or a fuzzed one (the
//   body's first line). Its answer must be one of Discord's statuses with a JSON body, and a
//   200's body must read as a Message carrying the content that was posted.
//
// Bad input must give an error value or a 4xx answer: a crash, a sanitizer report or a trap
// below is a bug.
#include <simdjson.h>

#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "gateway_core.h"
#include "gwtape/gateway/json.h"

namespace {

using namespace gwtape::gateway;
using gwtape::PaddedView;

// Reads `body` as a T; when it reads, its canonical encoding must read back to itself.
template <class T>
void read_as(std::string_view body) {
  T value;
  if (!from_json(PaddedView(body), value).ok()) return;
  const std::string once = to_json(value);
  T again;
  const Status st = from_json(PaddedView(once), again);
  FUZZ_CHECK(st.ok());
  FUZZ_CHECK(to_json(again) == once);
}

using ReadFn = void (*)(std::string_view);
constexpr ReadFn kReaders[] = {
#define GWTAPE_X(T) &read_as<T>,
    GWTAPE_MODEL_STRUCTS(GWTAPE_X)
#undef GWTAPE_X
};

void server_side(std::uint8_t pick, std::string_view body) {
  static boost::asio::io_context ioc;
  gwtape::server::LoopbackOptions options;
  options.token = "fuzz-token";
  // A server per input: one that kept every posted message would grow without bound.
  gwtape::server::detail::GatewayCore core(ioc, nullptr, options);
  std::string target = "/api/v10/channels/41771983423143936/messages";
  if (pick & 1) {  // the path is the body's first line
    const auto eol = body.find('\n');
    target = std::string(body.substr(0, eol));
    body = eol == std::string_view::npos ? std::string_view() : body.substr(eol + 1);
  }
  const char* authorization = (pick & 2) ? "Bot wrong" : "Bot fuzz-token";
  const auto reply = core.on_http("POST", target, authorization, body);
  FUZZ_CHECK(reply.status == 200 || reply.status == 400 || reply.status == 401 ||
             reply.status == 404);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  FUZZ_CHECK(parser.parse(reply.body).get(doc) == simdjson::SUCCESS && doc.is_object());
  if (reply.status != 200) return;
  Message message;
  FUZZ_CHECK(from_json(PaddedView(reply.body), message).ok());
  simdjson::dom::element sent;
  std::string_view content;
  FUZZ_CHECK(parser.parse(body.data(), body.size()).get(sent) == simdjson::SUCCESS);
  FUZZ_CHECK(sent["content"].get(content) == simdjson::SUCCESS);
  FUZZ_CHECK(message.content == content);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 2, size - 2);
  if (data[0] % 2 == 0) {
    kReaders[data[1] % std::size(kReaders)](body);
  } else {
    server_side(data[1], body);
  }
  return 0;
}
