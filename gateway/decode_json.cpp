// from_json (json.h): one model object from a JSON document, through its field table.
#include "gwtape/gateway/json.h"
#include "read_document.h"

namespace gwtape::gateway {

#define GWTAPE_X(T)                                           \
  Status from_json(PaddedView text, T& out) {                 \
    return detail::read_document(text, out, "reading a " #T); \
  }
GWTAPE_MODEL_STRUCTS(GWTAPE_X)
#undef GWTAPE_X

}  // namespace gwtape::gateway
