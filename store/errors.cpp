// store/errors.cpp — names of the store's error codes.
#include "gwtape/store/errors.h"

namespace gwtape::store {

std::string_view errc_name(Errc code) {
  switch (code) {
    case Errc::kIo:
      return "I/O error";
    case Errc::kFull:
      return "disk full";
    case Errc::kBusy:
      return "log busy";
    case Errc::kNotALog:
      return "not a gwtape log";
    case Errc::kVersion:
      return "unsupported log version";
    case Errc::kCorrupt:
      return "corrupt log";
    case Errc::kReadOnly:
      return "read-only log";
    case Errc::kNotFound:
      return "not found";
    case Errc::kInvalidArgument:
      return "invalid argument";
    case Errc::kClosed:
      return "writer closed";
    case Errc::kInternal:
      return "internal error";
  }
  return "unknown error";
}

}  // namespace gwtape::store
