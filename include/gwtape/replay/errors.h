// gwtape/replay/errors.h — the replay module's error codes.
//
// Every fallible function of the replay module (the Replayer, the Cassette, serve's log ->
// server adapter) returns `replay::Result<T>` or `replay::Status`; store, gateway and server
// errors are converted at the call site into one of these codes with a message saying what
// failed.
//
// Thread-safety: plain values. Lifetimes: none.
#pragma once

#include <string_view>

#include "gwtape/common/result.h"

namespace gwtape::replay {

enum class Errc {
  kInvalidArgument = 1,  // an option or argument is out of its documented domain
  kIo,                   // bind, listen, file write, thread start
  kLog,                  // the log could not be opened or read (not a log, version, I/O)
  kCorrupt,              // a frame or block of the log is corrupt
  kNotFound,             // no such recording
  kAddressInUse,         // the address to listen on is taken
};

// A short, stable English description of a code ("invalid argument", "corrupt log", ...).
std::string_view errc_name(Errc code);

template <class T>
using Result = gwtape::Result<T, Errc>;
using Status = gwtape::Result<void, Errc>;
using Error = gwtape::Error<Errc>;

}  // namespace gwtape::replay
