// gwtape/common/result.h — errors as values.
//
// Every fallible gwtape function returns `Result<T, Errc>` where `Errc` is the `enum class`
// of its module (gateway::Errc, store::Errc, ...). An error carries its code and a message
// written for the user, with the context they need ("log.gwtape: frame 1042: zstd: corrupted
// block"). Nothing throws across a module boundary.
//
// Thread-safety: a Result is a plain value; distinct objects may be used from distinct threads.
// Lifetimes: a Result owns its value or its error; `value()` on an error, or `error()` on a
// value, is a programming error (checked by assert in debug builds).
#pragma once

#include <cassert>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace gwtape {

// An error: a module's code plus a human-readable message.
template <class E>
struct Error {
  E code;
  std::string message;
};

template <class E>
[[nodiscard]] Error<E> make_error(E code, std::string message) {
  return Error<E>{code, std::move(message)};
}

template <class T, class E>
class [[nodiscard]] Result {
 public:
  using value_type = T;
  using error_type = Error<E>;

  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}         // NOLINT: implicit
  Result(Error<E> error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error<E>& error() const& {
    assert(!ok());
    return std::get<1>(v_);
  }
  Error<E>&& error() && {
    assert(!ok());
    return std::get<1>(std::move(v_));
  }

 private:
  std::variant<T, Error<E>> v_;
};

// Result<void, E>: success or an error.
template <class E>
class [[nodiscard]] Result<void, E> {
 public:
  Result() = default;
  Result(Error<E> error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error<E>& error() const& {
    assert(!ok_);
    return error_;
  }
  Error<E>&& error() && {
    assert(!ok_);
    return std::move(error_);
  }

 private:
  Error<E> error_{};
  bool ok_ = true;
};

}  // namespace gwtape
