#include "gwtape/replay/errors.h"

namespace gwtape::replay {

std::string_view errc_name(Errc code) {
  switch (code) {
    case Errc::kInvalidArgument:
      return "invalid argument";
    case Errc::kIo:
      return "i/o error";
    case Errc::kLog:
      return "log error";
    case Errc::kCorrupt:
      return "corrupt log";
    case Errc::kNotFound:
      return "not found";
    case Errc::kAddressInUse:
      return "address in use";
  }
  return "unknown error";
}

Error from_store(const store::Error& error) {
  return make_error(error.code == store::Errc::kCorrupt ? Errc::kCorrupt : Errc::kLog,
                    error.message);
}

}  // namespace gwtape::replay
