#pragma once

#include <chrono>
#include <cstdint>

#include "daemon/base/fd.hpp"
#include "daemon/base/result.hpp"

namespace sluice {

// A periodic timerfd (CLOCK_MONOTONIC) for the event loop: fd() becomes readable every
// interval; consume() reads it and returns how many intervals passed since the last read.
class IntervalTimer {
  public:
    static Result<IntervalTimer> create(std::chrono::microseconds interval);

    [[nodiscard]] int fd() const { return fd_.get(); }
    std::uint64_t consume();

  private:
    explicit IntervalTimer(Fd fd) : fd_(std::move(fd)) {}
    Fd fd_;
};

}  // namespace sluice
