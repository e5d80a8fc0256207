// fuzz_decode: the receive path a frame takes, from text to the state cache.
//
// The whole input is one frame: the envelope parser's three entry points (plain, one-pass
// typed, routed), the typed EventDecoder on the envelope's d, and the canonical encoding of
// what decoded read back by the decoder. It is parsed twice: as libFuzzer hands it (an
// exact-size heap block as a string_view, with no room after it: the parser must copy it) and
// padded in a std::string (its spare capacity is the room); both must give the same envelope. Then
// the input is a session, one frame per line, through Protocol::handle_op (lines alternately
// unpadded in exact-size blocks and padded) with every delivered event applied to a state::Cache,
// whose digest is taken at the end.
//
// Every decode of bad input must be an error value: a crash, a sanitizer report or a trap
// below is a bug.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "fuzz_check.h"
#include "gwtape/gateway/envelope.h"
#include "gwtape/gateway/events.h"
#include "gwtape/gateway/json.h"
#include "gwtape/gateway/protocol.h"
#include "gwtape/gateway/state/cache.h"

namespace {

using namespace gwtape::gateway;
using gwtape::PaddedView;

bool same_envelope(const Result<Envelope>& a, const Result<Envelope>& b) {
  if (a.ok() != b.ok()) return false;
  if (!a.ok()) return a.error().code == b.error().code;
  return a->op == b->op && a->s == b->s && a->t == b->t && a->d == b->d;
}

// The envelope of one frame by every entry point, and its typed decode.
void decode_frame(std::string_view unpadded) {
  std::string padded;
  padded.reserve(unpadded.size() + simdjson::SIMDJSON_PADDING);
  padded.assign(unpadded);

  EnvelopeParser envelopes;
  const Result<Envelope> plain = envelopes.parse(unpadded);
  if (plain.ok()) {
    FUZZ_CHECK(plain->text.padded());
    FUZZ_CHECK(plain->text.text() == unpadded);
    FUZZ_CHECK(plain->padded_d().padded());
    // The typed decode of d, with d's room in the envelope's buffer and with none.
    EventDecoder decoder;
    auto in_place = decoder.decode(plain->t, plain->padded_d());
    auto copied = decoder.decode(plain->t, std::string_view(plain->d));
    FUZZ_CHECK(in_place.ok() == copied.ok());
    if (in_place.ok()) {
      // The canonical encoding reads back to the same struct (gwtape/gateway/json.h).
      const std::string canonical = to_json(*in_place);
      FUZZ_CHECK(canonical == to_json(*copied));
      if (is_typed(in_place->type)) {
        auto again = decoder.decode(plain->t, std::string_view(canonical));
        FUZZ_CHECK(again.ok());
        FUZZ_CHECK(to_json(*again) == canonical);
      }
    }
  }
  // The padded text, read in place, gives the same envelope (the same walk over the same
  // bytes: only where they live differs).
  EnvelopeParser padded_envelopes;
  const Result<Envelope> in_place = padded_envelopes.parse(padded);
  FUZZ_CHECK(same_envelope(plain, in_place));
  if (in_place.ok()) FUZZ_CHECK(in_place->text.data() == padded.data());

  // The one-pass typed parse and the routed parse, unpadded and padded. They walk d's keys
  // where the plain parse skips d whole, and On-Demand does not validate what it skips (a
  // string followed by ':' is taken for a key), so on malformed JSON they may disagree; on
  // valid JSON (simdjson's DOM parser, which validates everything, is the judge) they must
  // give the plain parse's envelope.
  simdjson::dom::parser dom;
  const bool valid = dom.parse(padded.data(), padded.size(), false).error() == simdjson::SUCCESS;
  for (int pass = 0; pass < 2; ++pass) {
    const PaddedView text = pass == 0 ? PaddedView(unpadded) : PaddedView(padded);
    Event event;
    bool decoded = false;
    const auto typed = envelopes.parse(text, event, decoded);
    if (valid) FUZZ_CHECK(same_envelope(plain, typed));
    RoutingIds ids;
    const auto routed = envelopes.parse_routed(text, ids);
    if (valid) FUZZ_CHECK(same_envelope(plain, routed));
  }
}

// A line as the live receive loop may hand it: alone in a heap block of its size (any read
// past it is outside the allocation), or padded in a string with its capacity.
void feed_line(Protocol& protocol, state::Cache& cache, Random& random, std::string_view line,
               bool pad, std::int64_t now_ns, Actions& actions) {
  std::unique_ptr<char[]> exact;
  std::string padded;
  PaddedView frame;
  if (pad) {
    padded.reserve(line.size() + simdjson::SIMDJSON_PADDING);
    padded.assign(line);
    frame = padded;
  } else {
    exact = std::make_unique<char[]>(line.size());
    if (!line.empty()) std::memcpy(exact.get(), line.data(), line.size());
    frame = std::string_view(exact.get(), line.size());
  }
  protocol.handle_op(frame, now_ns, random, actions);
  for (Action& action : actions) {
    if (auto* deliver = std::get_if<DeliverEvent>(&action)) cache.apply(std::move(deliver->event));
  }
  (void)protocol.on_timer(now_ns);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  decode_frame(input);

  Protocol protocol;
  state::Cache cache;
  SplitMix64 random(size);
  Actions actions;
  protocol.on_connected(0);
  std::int64_t now_ns = 0;
  bool pad = false;
  std::size_t lines = 0;
  for (std::size_t start = 0; start < input.size() && lines < 256; ++lines) {
    std::size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    feed_line(protocol, cache, random, input.substr(start, end - start), pad, now_ns, actions);
    pad = !pad;
    now_ns += 1'000'000'000;
    start = end + 1;
  }
  FUZZ_CHECK(cache.digest_hex().size() == 64);
  return 0;
}
