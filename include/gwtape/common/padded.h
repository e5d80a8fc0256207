// gwtape/common/padded.h — JSON text with the room simdjson needs after it, as a type.
//
// simdjson parses text in place only when kJsonPadding readable bytes follow it; otherwise the
// text is copied once first. A PaddedView carries the text together with how many bytes may be
// read from its start, so the room travels with the text: a std::string brings its spare
// capacity, a plain string_view brings none (and is copied), and a part of a view (an
// envelope's `d`) keeps exactly the room that follows it. No call takes a bare
// (string_view, capacity) pair, so no text is ever handed another text's room.
//
// Thread-safety: a value. Lifetimes: a view; the bytes must outlive it and every view parsed
// from it (an Envelope's fields point into the text; a decoded Event owns its data).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace gwtape {

// simdjson's SIMDJSON_PADDING (gateway/envelope.cpp checks that they agree): the one padding
// constant of every module (the transport's buffers, the log reader's frames). Allocate
// `size + kJsonPadding` (std::string::reserve) for text that is to be parsed in place.
inline constexpr std::size_t kJsonPadding = 64;

class PaddedView {
 public:
  constexpr PaddedView() = default;
  // Text with no room known after it: parsed from a copy.
  constexpr PaddedView(std::string_view text) : text_(text), readable_(text.size()) {}  // NOLINT
  constexpr PaddedView(const char* text) : PaddedView(std::string_view(text)) {}        // NOLINT
  // A string: its spare capacity is readable room.
  PaddedView(const std::string& text) : text_(text), readable_(text.capacity()) {}  // NOLINT

  // `readable` bytes may be read from text.data(). REQUIRES: readable >= text.size().
  static constexpr PaddedView with_room(std::string_view text, std::size_t readable) {
    PaddedView v(text);
    v.readable_ = readable < text.size() ? text.size() : readable;
    return v;
  }

  constexpr std::string_view text() const { return text_; }
  constexpr const char* data() const { return text_.data(); }
  constexpr std::size_t size() const { return text_.size(); }
  // Bytes readable from data(): size() plus the room after the text.
  constexpr std::size_t readable() const { return readable_; }
  // True when the text can be parsed in place.
  constexpr bool padded() const { return readable_ - text_.size() >= kJsonPadding; }

  // `part` with the room after it in this view. REQUIRES: part lies within text() (an empty
  // part may stand at its end).
  constexpr PaddedView sub(std::string_view part) const {
    const auto offset = static_cast<std::size_t>(part.data() - text_.data());
    return with_room(part, readable_ - offset);
  }

 private:
  std::string_view text_;
  std::size_t readable_ = 0;
};

}  // namespace gwtape
