// The registry tables driven by the lists in gwtape/gateway/events.h, and the event decoder.
// The events' fields are read through their field tables (model_fields.h).
#include <simdjson.h>

#include <unordered_map>

#include "decode_fields.h"
#include "gwtape/gateway/events.h"

namespace gwtape::gateway {

// ---- The registry ----------------------------------------------------------------------

namespace {

constexpr std::string_view kNames[] = {"",
#define GWTAPE_X(e, n, ...) n,
                                       GWTAPE_TYPED_EVENTS(GWTAPE_X) GWTAPE_RAW_EVENTS(GWTAPE_X)
#undef GWTAPE_X
};
static_assert(std::size(kNames) == static_cast<std::size_t>(EventType::kCount));

// Makes the payload a T and reads v into it; no v (d is null) leaves T's defaults.
using DecodeFn = bool (*)(detail::Reader&, detail::value*, EventPayload&);

template <class T>
bool decode_as(detail::Reader& r, detail::value* v, EventPayload& payload) {
  T& out = payload.emplace<T>();
  return v == nullptr || r.read_object(*v, out);
}

constexpr DecodeFn kDecoders[] = {nullptr,
#define GWTAPE_X(e, n, T) &decode_as<T>,
                                  GWTAPE_TYPED_EVENTS(GWTAPE_X)
#undef GWTAPE_X
#define GWTAPE_X(e, n) nullptr,
                                      GWTAPE_RAW_EVENTS(GWTAPE_X)
#undef GWTAPE_X
};
static_assert(std::size(kDecoders) == static_cast<std::size_t>(EventType::kCount));

}  // namespace

bool detail::decode_payload(EventType type, detail::Reader& reader, detail::value& v,
                            EventPayload& payload) {
  return kDecoders[static_cast<std::size_t>(type)](reader, &v, payload);
}

std::string_view event_name(EventType type) {
  const auto i = static_cast<std::size_t>(type);
  return i < std::size(kNames) ? kNames[i] : std::string_view{};
}

EventType event_type(std::string_view name) {
  static const auto* const kByName = [] {
    auto* map = new std::unordered_map<std::string_view, EventType>();
    for (std::size_t i = 1; i < std::size(kNames); ++i) {
      map->emplace(kNames[i], static_cast<EventType>(i));
    }
    return map;
  }();
  auto it = kByName->find(name);
  return it == kByName->end() ? EventType::kUnknown : it->second;
}

bool is_typed(EventType type) {
  const auto i = static_cast<std::size_t>(type);
  return i < std::size(kDecoders) && kDecoders[i] != nullptr;
}

std::string_view Event::name() const {
  return type == EventType::kUnknown ? std::string_view(unknown_name) : event_name(type);
}

class DecodeContext {
 public:
  simdjson::ondemand::parser parser;
  std::string copy;  // the padded copy of a `d` that came without room for padding
};

EventDecoder::EventDecoder() : ctx_(std::make_unique<DecodeContext>()) {}
EventDecoder::~EventDecoder() = default;
EventDecoder::EventDecoder(EventDecoder&&) noexcept = default;
EventDecoder& EventDecoder::operator=(EventDecoder&&) noexcept = default;

namespace {

// Reads d (raw JSON text) into out with `read(reader, value*)`, through ctx's parser; a null d
// is passed as no value. The message names `what`.
template <class Read>
Status decode_into(DecodeContext& ctx, std::string_view what, PaddedView padded, Read&& read) {
  const std::string_view d = padded.text();
  if (!padded.padded()) {
    ctx.copy.reserve(d.size() + kJsonPadding);
    ctx.copy.assign(d);
    padded = ctx.copy;
  }
  auto fail = [&](Errc code, const std::string& problem) -> Status {
    return make_error(code, std::string(what) + ": " + problem);
  };
  simdjson::ondemand::document doc;
  if (auto e = ctx.parser.iterate(padded.data(), padded.size(), padded.readable()).get(doc); e) {
    return fail(Errc::kParse, std::string("d: ") + simdjson::error_message(e));
  }
  // simdjson does not hand out a scalar document as a value (SCALAR_DOCUMENT_AS_VALUE): a
  // null d (RESUMED's) is read as no value, as a null field is; anything but an object is
  // kType. The type is checked before descending: every typed d is an object, and a root
  // array handed to the readers would only fail after a getter's error.
  simdjson::ondemand::json_type type;
  if (auto e = doc.type().get(type); e) {
    return fail(Errc::kParse, std::string("d: ") + simdjson::error_message(e));
  }
  if (type != detail::json_type::object) {
    // Not document::is_null(): simdjson 3.0.1 misreads a root null followed by whitespace.
    std::string_view text = detail::trim_json_right(d);
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\n' ||
                             text.front() == '\r')) {
      text.remove_prefix(1);
    }
    if (type == detail::json_type::null && text == "null") {
      detail::Reader reader;
      read(reader, nullptr);  // cannot fail without a value
      return {};
    }
    return fail(Errc::kType, "d: expected an object");
  }
  detail::value root;
  if (auto e = doc.get_value().get(root); e) {
    return fail(Errc::kParse, std::string("d: ") + simdjson::error_message(e));
  }
  detail::Reader reader;
  if (!read(reader, &root)) {
    return fail(reader.syntax_error() ? Errc::kParse : Errc::kType, "d." + reader.problem());
  }
  // The object must have ended exactly at the end of d. On malformed input (a value followed by
  // a colon), simdjson's iterator can run past d into the bytes after it, which in place are
  // the rest of the frame, not padding (fuzz_decode, docs/RELIABILITY.md).
  const char* end = nullptr;
  if (auto e = doc.current_location().get(end); e != simdjson::OUT_OF_BOUNDS) {
    return fail(Errc::kParse, "d: content after the object");
  }
  return {};
}

}  // namespace

Result<Event> EventDecoder::decode(std::string_view name, PaddedView d) {
  Event event;
  event.type = event_type(name);
  if (event.type == EventType::kUnknown) event.unknown_name.assign(name);
  if (!is_typed(event.type)) {
    event.payload.emplace<RawEvent>(RawEvent{std::string(d.text())});
    return event;
  }
  const DecodeFn decode_fn = kDecoders[static_cast<std::size_t>(event.type)];
  Status st = decode_into(*ctx_, name, d, [&](detail::Reader& r, detail::value* v) {
    return decode_fn(r, v, event.payload);
  });
  if (!st.ok()) return std::move(st).error();
  return event;
}

Result<HelloEvent> EventDecoder::decode_hello(PaddedView d) {
  HelloEvent hello;
  Status st = decode_into(*ctx_, "HELLO", d, [&](detail::Reader& r, detail::value* v) {
    return v == nullptr || r.read_object(*v, hello);
  });
  if (!st.ok()) return std::move(st).error();
  if (hello.heartbeat_interval <= 0) {
    return make_error(Errc::kMissingField, "HELLO: no positive d.heartbeat_interval");
  }
  return hello;
}

}  // namespace gwtape::gateway
