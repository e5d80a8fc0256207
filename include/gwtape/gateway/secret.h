// gwtape/gateway/secret.h — `Secret`, text that must not outlive its use: the bot token, and
// the identify and resume frames that carry it.
//
// A Secret's bytes live in pages of their own, mapped for it, marked MADV_DONTDUMP (so neither
// a kernel core dump nor gdb's gcore holds them) and locked in RAM where the system allows
// it (never swapped out); they are overwritten before the pages are unmapped, on destruction,
// assignment and growth. A copy is a new Secret: it never passes through the ordinary heap.
// What the program copies out of `view()` into a std::string is on the heap again, so the
// library does not (see docs/RELIABILITY.md#secrets for the whole path of the token).
//
// The text is always NUL-terminated (`c_str()`, for C APIs). Tokens are a few dozen bytes and
// frames a few KiB: one mapping each is cheap at the rate they are made (once a connection).
//
// Thread-safety: a value type; distinct objects may be used from any threads. Lifetimes:
// `view()` and `c_str()` are valid until the Secret changes or dies.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace gwtape::gateway {

class Secret {
 public:
  Secret() = default;
  Secret(std::string_view text);  // NOLINT: implicit, `options.token = "..."` reads as it should
  Secret(const char* text)        // nullptr (an unset getenv) is empty
      : Secret(text == nullptr ? std::string_view() : std::string_view(text)) {}
  Secret(const std::string& text) : Secret(std::string_view(text)) {}
  Secret(const Secret& other) : Secret(other.view()) {}
  Secret(Secret&& other) noexcept;
  Secret& operator=(const Secret& other);
  Secret& operator=(Secret&& other) noexcept;
  ~Secret();

  std::string_view view() const { return {data_ == nullptr ? "" : data_, size_}; }
  operator std::string_view() const { return view(); }  // NOLINT: reads like a string
  const char* c_str() const { return data_ == nullptr ? "" : data_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  void append(std::string_view text);  // grows into new pages; the old ones are wiped
  void clear();                        // wipes, keeps the pages

  friend bool operator==(const Secret& a, std::string_view b) { return a.view() == b; }

 private:
  static char* map(std::size_t bytes, std::size_t* mapped);
  void release();

  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t mapped_ = 0;  // bytes mapped, a whole number of pages; one kept for the NUL
};

}  // namespace gwtape::gateway
