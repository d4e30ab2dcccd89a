// Result<T>: the data path's error type (STYLE: no exceptions while parsing,
// matching or sanitizing). Holds either a value or an Error with a stable
// machine-readable code and a human message. Switch to std::expected with C++23.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace mugai {

struct Error {
  std::string code;     ///< stable identifier, e.g. "input.unreadable"
  std::string message;  ///< human-readable detail
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }

  T& value() {
    assert(ok());
    return std::get<T>(v_);
  }
  const T& value() const {
    assert(ok());
    return std::get<T>(v_);
  }
  const Error& error() const {
    assert(!ok());
    return std::get<Error>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

}  // namespace mugai
