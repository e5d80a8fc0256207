// gwtape/server/errors.h — the server module's error codes.
//
// Every fallible function of the server module (the loopback gateway, the test certificate
// maker) returns `server::Result<T>` or `server::Status`; Boost.Asio, Beast and OpenSSL errors
// are converted at the call site into one of these codes with a message saying what failed.
//
// Thread-safety: plain values. Lifetimes: none.
#pragma once

#include <string_view>

#include "gwtape/common/result.h"

namespace gwtape::server {

enum class Errc {
  kInvalidArgument = 1,  // an option or argument is out of its documented domain
  kIo,                   // bind, listen, file write, thread start
  kTls,                  // certificate, key or TLS context set-up failed
  kNotRunning,           // the server was stopped
  kNoConnection,         // a control call needs a connected client and there is none
  kNoSession,            // a control call needs a session (an identify happened) and there is none
  kAddressInUse,         // bind failed because another socket holds the address
};

// A short, stable English description of a code ("invalid argument", "no connection", ...).
std::string_view errc_name(Errc code);

template <class T>
using Result = gwtape::Result<T, Errc>;
using Status = gwtape::Result<void, Errc>;
using Error = gwtape::Error<Errc>;

}  // namespace gwtape::server
