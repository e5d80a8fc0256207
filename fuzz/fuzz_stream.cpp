// fuzz_stream: stream::decode, the one parser of bytes read back from NATS (what
// `gwtape import nats://` reads), on any subject, headers and payload. Layout of an input: the
// subject up to the first '\n', then header lines "Key: Value" up to an empty line, then the
// payload. A decoded message must re-encode to the same fields (the format round-trips).
// The whole input is also read as an identify lease's value (stream::lease_until, the one
// parser of the `--nats-identify` KV bucket's bytes): a lease it accepts ends after 0 and
// reads back the same from the value take() would write.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_check.h"
#include "gwtape/stream/identify_lease.h"
#include "gwtape/stream/message.h"

using namespace gwtape;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (const auto until = stream::lease_until(in)) {
    FUZZ_CHECK(*until > 0);
    FUZZ_CHECK(stream::lease_until(stream::lease_value(*until, 3, "f00d")) == until);
  }
  auto nl = in.find('\n');
  const std::string_view subject = in.substr(0, nl);
  in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  stream::Headers headers;
  while (!in.empty()) {
    nl = in.find('\n');
    const std::string_view line = in.substr(0, nl);
    in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
    if (line.empty()) break;
    const auto colon = line.find(": ");
    if (colon == std::string_view::npos) continue;
    headers.emplace_back(line.substr(0, colon), line.substr(colon + 2));
  }
  auto d = stream::decode(subject, headers, in);
  if (!d.ok()) {
    FUZZ_CHECK(!d.error().message.empty());  // every refusal says why
    return 0;
  }
  // What decoded re-encodes to a message that decodes to the same thing.
  const stream::RecordingKey key{"GWTAPE", "1", "0", d->recording};
  stream::Message m;
  switch (d->kind) {
    case stream::Kind::kFrame:
      m = stream::encode_frame(key, d->seq, d->frame);
      break;
    case stream::Kind::kConnectionEnd:
      m = stream::encode_connection_end(key, d->seq, d->end);
      break;
    case stream::Kind::kBegin:
      m = stream::encode_begin(key, d->info);
      break;
    case stream::Kind::kEnd:
      m = stream::encode_end(key, d->seq, d->ended_at_ns, d->state_digest);
      break;
  }
  auto again = stream::decode(m.subject, m.headers, m.data);
  FUZZ_CHECK(again.ok() && again->kind == d->kind && again->recording == d->recording);
  if (d->kind == stream::Kind::kFrame) {
    FUZZ_CHECK(again->frame.text == d->frame.text && again->frame.ts_ns == d->frame.ts_ns &&
               again->frame.conn == d->frame.conn && again->frame.direction == d->frame.direction);
  }
  return 0;
}
