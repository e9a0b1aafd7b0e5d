#pragma once
// Errors are values. Every fallible call on the request path returns Result<T>.
//
// Error carries the AWS error code (the wire `Code`/`__type`), a message a person can act on,
// the HTTP status, and whether the fault is the sender's or the receiver's (query protocol
// `<Type>`). The codec of the request's protocol turns it into bytes in one place.

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace rampart {

struct Error {
  std::string code;     // AWS error code, e.g. "ValidationError", "AccessDenied".
  std::string message;  // Human-readable; shown to the client.
  int http_status = 400;
  bool sender_fault = true;  // false => "Receiver" (5xx style)

  static Error Validation(std::string message) {
    return {"ValidationError", std::move(message), 400, true};
  }
  static Error Internal(std::string message) {
    return {"InternalFailure", std::move(message), 500, false};
  }
  // The server cannot take the request now (storage failing, draining); retryable.
  static Error Unavailable(std::string message) {
    return {"ServiceUnavailable", std::move(message), 503, false};
  }
};

// A value or an Error. Cheap to move; [[nodiscard]] so errors are not dropped.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}           // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}       // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& { assert(!ok()); return std::get<1>(v_); }
  Error&& error() && { assert(!ok()); return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const& { assert(!ok_); return error_; }
  Error&& error() && { assert(!ok_); return std::move(error_); }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace rampart

// Propagate an error from an expression returning Result<...>.
#define RAMPART_RETURN_IF_ERROR(expr)                 \
  do {                                                \
    auto _st = (expr);                                \
    if (!_st.ok()) return std::move(_st).error();     \
  } while (0)

#define RAMPART_CONCAT_INNER(a, b) a##b
#define RAMPART_CONCAT(a, b) RAMPART_CONCAT_INNER(a, b)
#define RAMPART_ASSIGN_OR_RETURN(lhs, expr) \
  RAMPART_ASSIGN_OR_RETURN_IMPL(RAMPART_CONCAT(_res_, __LINE__), lhs, expr)
#define RAMPART_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return std::move(tmp).error();       \
  lhs = std::move(tmp).value()
