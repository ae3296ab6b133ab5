#pragma once

#include <chrono>

#include "daemon/base/fd.hpp"
#include "daemon/base/result.hpp"

namespace sluice {

// A timerfd (CLOCK_MONOTONIC) that fires once when armed: fd() becomes readable after the
// delay given to arm(); consume() clears it. Arming again moves the deadline. Costs no wakeup
// while disarmed.
class OneShotTimer {
  public:
    static Result<OneShotTimer> create();
    [[nodiscard]] int fd() const { return fd_.get(); }
    // Fires after `delay` (at least a microsecond).
    Result<void> arm(std::chrono::nanoseconds delay);
    void consume();

  private:
    explicit OneShotTimer(Fd fd) : fd_(std::move(fd)) {}
    Fd fd_;
};

}  // namespace sluice
