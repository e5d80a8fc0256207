// gwtape/store/errors.h — the store module's error codes.
//
// Every fallible function of the store returns `store::Result<T>` or `store::Status`. SQLite
// and zstd errors are converted where they happen, and the message carries the context a user
// needs: the file, the frame or block, and what failed ("log.gwtape: frame 1042: zstd:
// corrupted block").
//
// Thread-safety: plain values. Lifetimes: `errc_name` returns static strings.
#pragma once

#include <string_view>

#include "gwtape/common/result.h"

namespace gwtape::store {

enum class Errc {
  kIo = 1,           // the file could not be opened, read, written or synced
  kFull,             // the disk (or a size limit) is full: nothing after the last commit kept
  kBusy,             // another connection holds a lock on the log
  kNotALog,          // not a SQLite file, a SQLite file without the gwtape schema, or empty
  kVersion,          // a gwtape log of a schema version this build does not read
  kCorrupt,          // truncated file, malformed page, bad block, checksum mismatch
  kReadOnly,         // a write was attempted on a read-only log
  kNotFound,         // no such frame or recording
  kInvalidArgument,  // a caller's argument is out of its documented domain
  kClosed,           // the writer is closed, or stopped after an earlier error
  kInternal,         // SQLite or zstd reported something that should not happen
};

// A short, stable English description of a code ("not a gwtape log", "corrupt log", ...).
std::string_view errc_name(Errc code);

template <class T>
using Result = gwtape::Result<T, Errc>;
using Status = gwtape::Result<void, Errc>;
using Error = gwtape::Error<Errc>;

}  // namespace gwtape::store
