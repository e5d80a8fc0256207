// gwtape/gateway/shapes.h — how recorded dispatches compare with the typed model.
//
// A `ShapeCheck` is shown the `d` of dispatches (from a log, by `gwtape shapes`) and reports,
// per event type, what the model and the frames disagree on:
// - unread: a field the frames carry that the typed model does not read (its subtree is not
//   walked further);
// - mismatched: a field whose JSON type is not one the model's reader takes (null is always
//   taken: it keeps the field's default);
// - missing: a field the model reads that never appeared, in an object that did;
// so that an API change by Discord shows in a recording before it bites. The model side comes
// from the same field tables that drive the decoder and the canonical writer, so it cannot
// drift from what the decoder reads. Events without a struct (RawEvent) are counted, not
// walked: all of their fields are kept as raw JSON.
//
// Paths read `d.channels[].permission_overwrites[].allow`; counts are occurrences (an array's
// element counts once per element).
//
// Thread-safety: a ShapeCheck is used by one thread. Lifetimes: it copies what it keeps.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace gwtape::gateway {

// JSON value kinds, as bits of a set.
enum JsonKind : std::uint8_t {
  kJsonNull = 1,
  kJsonBoolean = 2,
  kJsonNumber = 4,
  kJsonString = 8,
  kJsonArray = 16,
  kJsonObject = 32,
  kJsonAny = 63,
};
// "string", "string or number", "any", ... ("nothing" for 0).
std::string json_kinds_name(std::uint8_t kinds);

struct ShapeFinding {
  enum class Kind : std::uint8_t { kUnread, kMismatched, kMissing };
  Kind kind = Kind::kUnread;
  std::string path;           // "d.member.user.avatar_decoration_data"
  std::uint8_t expected = 0;  // the kinds the model takes (kMismatched, kMissing)
  std::uint8_t seen = 0;      // the kinds the frames carried (kUnread, kMismatched)
  std::uint64_t count = 0;    // occurrences (kUnread, kMismatched); kMissing: of the parent
};

struct EventShape {
  std::string event;  // the dispatch name
  bool typed = false;
  std::uint64_t frames = 0;
  std::uint64_t unparsed = 0;          // frames whose d was not JSON (or had no d)
  std::vector<ShapeFinding> findings;  // unread, then mismatched, then missing; by path
};

class ShapeCheck {
 public:
  ShapeCheck();
  ~ShapeCheck();
  ShapeCheck(ShapeCheck&&) noexcept;
  ShapeCheck& operator=(ShapeCheck&&) noexcept;

  // One dispatch: its name and its whole frame text ({"op":0,"t":...,"d":...}). A frame that
  // does not parse, or has no d, counts as unparsed for its event.
  void add_frame(std::string_view event, std::string_view frame_text);

  // Per event type seen, in name order.
  std::vector<EventShape> report() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gwtape::gateway
