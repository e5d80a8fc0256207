// gwtape/replay/errors.h — the replay module's error codes.
//
// Every fallible function of the replay module (the Replayer, serve's log -> server adapter)
// and of the cassette module above it returns `replay::Result<T>` or `replay::Status`; store,
// gateway and server errors are converted at the call site into one of these codes with a
// message saying what failed. A store error always goes through from_store(), which keeps its
// message word for word.
//
// Thread-safety: plain values. Lifetimes: none.
#pragma once

#include <string_view>

#include "gwtape/common/result.h"
#include "gwtape/store/errors.h"

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

// The one mapping from the store's codes, the message kept as the store wrote it (it names the
// file and the frame): store::Errc::kCorrupt is kCorrupt; every other store code (not a log, a
// schema version this build does not read, I/O, a busy or full disk, an internal SQLite or
// zstd failure) is kLog. The command line turns both into exit 4.
Error from_store(const store::Error& error);

}  // namespace gwtape::replay
