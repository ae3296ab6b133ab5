#pragma once

#include <cerrno>
#include <string>
#include <utility>
#include <variant>

namespace sluice {

// A failure on a path that must not throw: what was being attempted and the errno it got
// (0 when the failure is not a syscall's).
struct Error {
    std::string what;
    int errno_value = 0;

    // "what: strerror(errno)", or just "what".
    [[nodiscard]] std::string message() const;
    // Builds an Error from the current errno.
    static Error from_errno(std::string what) { return Error{std::move(what), errno}; }
};

// Either a value or an Error. Small stand-in for std::expected (C++23), which GCC 12 does not
// offer in C++20 mode.
template <typename T>
class [[nodiscard]] Result {
  public:
    Result(T value)
        : state_(std::in_place_index<0>, std::move(value)) {
    }  // NOLINT(google-explicit-constructor)
    Result(Error error)
        : state_(std::in_place_index<1>, std::move(error)) {
    }  // NOLINT(google-explicit-constructor)

    [[nodiscard]] bool ok() const { return state_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() & { return std::get<0>(state_); }
    const T& value() const& { return std::get<0>(state_); }
    T&& value() && { return std::get<0>(std::move(state_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    [[nodiscard]] const Error& error() const { return std::get<1>(state_); }

  private:
    std::variant<T, Error> state_;
};

// Result of an operation with no value.
template <>
class [[nodiscard]] Result<void> {
  public:
    Result() = default;
    Result(Error error)
        : error_(std::move(error)), failed_(true) {}  // NOLINT(google-explicit-constructor)

    [[nodiscard]] bool ok() const { return !failed_; }
    explicit operator bool() const { return ok(); }
    [[nodiscard]] const Error& error() const { return error_; }

  private:
    Error error_;
    bool failed_ = false;
};

}  // namespace sluice
