// The shape check (gwtape/gateway/shapes.h): the model's side is built from the field tables
// (model_fields.h) once per struct; the frames' side is an observation tree per event type,
// walked with simdjson's DOM alongside the model, so that it only grows where the model
// reaches (plus one level of what it does not read, capped per object).
#include "gwtape/gateway/shapes.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <type_traits>
#include <vector>

#include "gwtape/gateway/events.h"
#include "model_fields.h"

namespace gwtape::gateway {
namespace {

// What the model's reader takes at one place of the document.
struct ModelNode {
  std::uint8_t kinds = 0;  // besides null, which every reader takes
  bool opaque = false;     // kept whole (raw JSON, a count): not walked further
  std::vector<std::pair<std::string_view, const ModelNode*>> fields;  // an object's
  const ModelNode* element = nullptr;                                 // an array's

  const ModelNode* field(std::string_view name) const {
    for (const auto& [n, node] : fields) {
      if (n == name) return node;
    }
    return nullptr;
  }
};

template <class T>
struct IsOptional : std::false_type {};
template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};
template <class T>
struct IsSequence : std::false_type {};
template <class T>
struct IsSequence<std::vector<T>> : std::true_type {};
template <class T, std::size_t N>
struct IsSequence<std::array<T, N>> : std::true_type {};

template <class M>
const ModelNode& node_of();

template <class T, class... Fs>
void add_fields(ModelNode& n, detail::FieldList<Fs...>);

template <class T, class F>
void add_field(ModelNode& n) {
  using detail::FieldKind;
  if constexpr (F::kind == FieldKind::kBase) {
    using B = typename F::type;
    add_fields<B>(n, typename detail::FieldTable<B>::type{});
  } else if constexpr (F::kind == FieldKind::kNested) {
    static const ModelNode nested = [] {
      ModelNode m;
      m.kinds = kJsonObject;
      add_fields<T>(m, typename F::fields{});
      return m;
    }();
    n.fields.emplace_back(F::name.view(), &nested);
  } else if constexpr (F::kind == FieldKind::kRaw) {
    static const ModelNode any{kJsonAny, true, {}, nullptr};
    n.fields.emplace_back(F::name.view(), &any);
  } else if constexpr (F::kind == FieldKind::kTextOrNumber) {
    static const ModelNode text{kJsonString | kJsonNumber, false, {}, nullptr};
    n.fields.emplace_back(F::name.view(), &text);
  } else if constexpr (F::kind == FieldKind::kCounted) {
    static const ModelNode counted{kJsonArray, true, {}, nullptr};
    n.fields.emplace_back(F::name.view(), &counted);
  } else {
    n.fields.emplace_back(F::name.view(), &node_of<typename F::type>());
  }
}

template <class T, class... Fs>
void add_fields(ModelNode& n, detail::FieldList<Fs...>) {
  (add_field<T, Fs>(n), ...);
}

template <class M>
ModelNode build() {
  ModelNode n;
  if constexpr (std::is_same_v<M, bool>) {
    n.kinds = kJsonBoolean;
  } else if constexpr (std::is_arithmetic_v<M>) {
    n.kinds = kJsonNumber;
  } else if constexpr (std::is_same_v<M, std::string> || std::is_same_v<M, Timestamp>) {
    n.kinds = kJsonString;
  } else if constexpr (std::is_same_v<M, Snowflake>) {
    n.kinds = kJsonString | kJsonNumber;  // the decoder takes both (snowflake.h)
  } else if constexpr (IsOptional<M>::value) {
    return build<typename M::value_type>();
  } else if constexpr (IsSequence<M>::value) {
    n.kinds = kJsonArray;
    n.element = &node_of<typename M::value_type>();
  } else {
    static_assert(detail::HasFields<M>, "a model member of a type the shape check lacks");
    n.kinds = kJsonObject;
    add_fields<M>(n, typename detail::FieldTable<M>::type{});
  }
  return n;
}

template <class M>
const ModelNode& node_of() {
  static const ModelNode node = build<M>();
  return node;
}

// The model of a typed event's d; nullptr for a raw or unknown one.
const ModelNode* event_model(std::string_view name) {
  switch (event_type(name)) {
#define GWTAPE_X(e, n, T) \
  case EventType::e:      \
    return &node_of<T>();
    GWTAPE_TYPED_EVENTS(GWTAPE_X)
#undef GWTAPE_X
    default:
      return nullptr;
  }
}

// Unread keys kept per object before the rest are only counted (an object keyed by ids).
constexpr std::size_t kMaxUnreadKeys = 64;

// What the frames carried at one place of the document.
struct Seen {
  std::uint64_t count = 0;
  std::uint8_t kinds = 0;
  std::uint64_t objects = 0;     // times it was an object the model walks
  std::uint64_t mismatched = 0;  // times its kind was not one the model takes
  std::uint8_t bad_kinds = 0;
  std::size_t unread_keys = 0;
  std::uint64_t unread_overflow = 0;  // occurrences of unread keys past kMaxUnreadKeys
  std::map<std::string, Seen, std::less<>> fields;
  std::unique_ptr<Seen> element;
};

std::uint8_t kind_of(simdjson::dom::element e) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::ARRAY:
      return kJsonArray;
    case element_type::OBJECT:
      return kJsonObject;
    case element_type::STRING:
      return kJsonString;
    case element_type::BOOL:
      return kJsonBoolean;
    case element_type::NULL_VALUE:
      return kJsonNull;
    default:
      return kJsonNumber;
  }
}

void observe(simdjson::dom::element e, const ModelNode* model, Seen& seen) {
  const std::uint8_t kind = kind_of(e);
  ++seen.count;
  seen.kinds |= kind;
  if (model == nullptr || model->opaque || kind == kJsonNull) return;
  if ((kind & model->kinds) == 0) {
    ++seen.mismatched;
    seen.bad_kinds |= kind;
    return;
  }
  if (kind == kJsonObject) {
    ++seen.objects;
    simdjson::dom::object object;
    if (e.get(object) != simdjson::SUCCESS) return;  // (the kind says it is one)
    for (auto [key, value] : object) {
      const ModelNode* child = model->field(key);
      auto it = seen.fields.find(key);
      if (it == seen.fields.end()) {
        if (child == nullptr && seen.unread_keys >= kMaxUnreadKeys) {
          ++seen.unread_overflow;
          continue;
        }
        if (child == nullptr) ++seen.unread_keys;
        it = seen.fields.emplace(std::string(key), Seen{}).first;
      }
      observe(value, child, it->second);
    }
  } else if (kind == kJsonArray && model->element != nullptr) {
    simdjson::dom::array array;
    if (e.get(array) != simdjson::SUCCESS) return;
    for (simdjson::dom::element item : array) {
      if (!seen.element) seen.element = std::make_unique<Seen>();
      observe(item, model->element, *seen.element);
    }
  }
}

void collect(const ModelNode& model, const Seen& seen, const std::string& path,
             std::vector<ShapeFinding>& out) {
  using Kind = ShapeFinding::Kind;
  if (seen.mismatched > 0) {
    out.push_back({Kind::kMismatched, path, model.kinds, seen.bad_kinds, seen.mismatched});
  }
  for (const auto& [key, child] : seen.fields) {
    const ModelNode* m = model.field(key);
    if (m == nullptr) {
      out.push_back({Kind::kUnread, path + "." + key, 0, child.kinds, child.count});
    } else {
      collect(*m, child, path + "." + key, out);
    }
  }
  if (seen.unread_overflow > 0) {
    out.push_back({Kind::kUnread,
                   path + ".(" + std::to_string(seen.unread_overflow) + " more keys)", 0, 0,
                   seen.unread_overflow});
  }
  if (seen.objects > 0) {
    for (const auto& [name, m] : model.fields) {
      if (!seen.fields.contains(name)) {
        out.push_back({Kind::kMissing, path + "." + std::string(name), m->kinds, 0, seen.objects});
      }
    }
  }
  if (seen.element && model.element) collect(*model.element, *seen.element, path + "[]", out);
}

struct EventSeen {
  const ModelNode* model = nullptr;
  std::uint64_t frames = 0;
  std::uint64_t unparsed = 0;
  Seen d;
};

}  // namespace

std::string json_kinds_name(std::uint8_t kinds) {
  if ((kinds & kJsonAny) == kJsonAny) return "any";
  static constexpr std::pair<std::uint8_t, const char*> kNames[] = {
      {kJsonObject, "object"}, {kJsonArray, "array"},     {kJsonString, "string"},
      {kJsonNumber, "number"}, {kJsonBoolean, "boolean"}, {kJsonNull, "null"}};
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if ((kinds & bit) == 0) continue;
    if (!out.empty()) out += " or ";
    out += name;
  }
  return out.empty() ? "nothing" : out;
}

struct ShapeCheck::Impl {
  simdjson::dom::parser parser;
  std::map<std::string, EventSeen, std::less<>> events;
};

ShapeCheck::ShapeCheck() : impl_(std::make_unique<Impl>()) {}
ShapeCheck::~ShapeCheck() = default;
ShapeCheck::ShapeCheck(ShapeCheck&&) noexcept = default;
ShapeCheck& ShapeCheck::operator=(ShapeCheck&&) noexcept = default;

void ShapeCheck::add_frame(std::string_view event, std::string_view frame_text) {
  auto it = impl_->events.find(event);
  if (it == impl_->events.end()) {
    it = impl_->events.emplace(std::string(event), EventSeen{}).first;
    it->second.model = event_model(event);
  }
  EventSeen& ev = it->second;
  ++ev.frames;
  simdjson::dom::element root, d;
  if (impl_->parser.parse(frame_text.data(), frame_text.size()).get(root) != simdjson::SUCCESS ||
      root["d"].get(d) != simdjson::SUCCESS) {
    ++ev.unparsed;
    return;
  }
  if (ev.model != nullptr) observe(d, ev.model, ev.d);
}

std::vector<EventShape> ShapeCheck::report() const {
  std::vector<EventShape> out;
  for (const auto& [name, ev] : impl_->events) {
    EventShape shape{name, ev.model != nullptr, ev.frames, ev.unparsed, {}};
    if (ev.model != nullptr) collect(*ev.model, ev.d, "d", shape.findings);
    std::stable_sort(shape.findings.begin(), shape.findings.end(),
                     [](const ShapeFinding& a, const ShapeFinding& b) {
                       return a.kind != b.kind ? a.kind < b.kind : a.path < b.path;
                     });
    out.push_back(std::move(shape));
  }
  return out;
}

}  // namespace gwtape::gateway
