// stream/errors.cpp — names of the stream module's error codes.
#include "gwtape/stream/errors.h"

namespace gwtape::stream {

std::string_view errc_name(Errc code) {
  switch (code) {
    case Errc::kInvalidArgument:
      return "invalid argument";
    case Errc::kUnreachable:
      return "unreachable";
    case Errc::kStream:
      return "stream error";
    case Errc::kPublish:
      return "publish failed";
    case Errc::kSpoolFull:
      return "spool full";
    case Errc::kBadMessage:
      return "bad message";
    case Errc::kTimeout:
      return "timeout";
    case Errc::kClosed:
      return "closed";
  }
  return "unknown error";
}

}  // namespace gwtape::stream
