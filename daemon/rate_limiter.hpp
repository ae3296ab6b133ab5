#pragma once

#include <chrono>
#include <cstdint>

namespace sluice {

// A token bucket: up to `burst` events at once, refilled at `per_second` events per second.
// Not thread-safe; owned by whoever calls allow() (the decision log: the queue thread).
class RateLimiter {
  public:
    struct Limits {
        double per_second = 20.0;
        double burst = 100.0;
    };

    RateLimiter(Limits limits, std::chrono::steady_clock::time_point now)
        : limits_(limits), tokens_(limits.burst), last_refill_(now) {}

    // True when one more event may happen at `now` (and takes its token).
    bool allow(std::chrono::steady_clock::time_point now);

  private:
    Limits limits_;
    double tokens_;
    std::chrono::steady_clock::time_point last_refill_;
};

}  // namespace sluice
