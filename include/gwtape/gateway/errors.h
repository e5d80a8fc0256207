// gwtape/gateway/errors.h — the gateway module's error codes.
//
// Every fallible function of the gateway module returns `gateway::Result<T>`. The codes
// include the seed's (arikawa) error values: missing-for-resume, max tries, dead connection
// and invalid session.
//
// Thread-safety: plain values. Lifetimes: none.
#pragma once

#include <string_view>

#include "gwtape/common/result.h"

namespace gwtape::gateway {

enum class Errc {
  kParse = 1,         // the text is not valid JSON (truncated, garbage, invalid UTF-8, too deep)
  kType,              // valid JSON, but a field has the wrong type ("op":"x")
  kMissingField,      // a required field is absent ("op", "heartbeat_interval", ...)
  kOutOfRange,        // a number does not fit (op > 255, s < 0, huge integers)
  kTooLarge,          // an outgoing payload over 4096 bytes, or a frame over the configured cap
  kMissingForResume,  // seed: no session id or sequence to resume with
  kMaxTries,          // seed: the connection was retried WSRetries times
  kDead,              // seed: no heartbeat ACK between two beats (zombie connection)
  kInvalidSession,    // seed: op 9
  kFatalClose,        // the gateway closed with 4004 or 4010-4014: no retry
  kTransport,         // connect, TLS, read or write failed
  kTimeout,           // connect, write or read deadline passed
  kClosed,            // the gateway or transport is closed
  kInvalidArgument,   // a caller's argument is out of its documented domain
  kInterrupted,       // a blocking wait was woken by Transport::interrupt()
  kRateLimited,       // a send or identify limit would be exceeded
};

// A short, stable English description of a code ("parse error", "max tries reached", ...).
std::string_view errc_name(Errc code);

template <class T>
using Result = gwtape::Result<T, Errc>;
using Status = gwtape::Result<void, Errc>;
using Error = gwtape::Error<Errc>;

}  // namespace gwtape::gateway
