#pragma once

#include <chrono>

namespace sluice {

// Time as the daemon sees it: steady time for deadlines and caches, wall time for rule expiry
// (rules say "expires: 2026-12-24T18:00:00Z"). Tests substitute a manual clock.
class Clock {
  public:
    Clock() = default;
    virtual ~Clock() = default;
    Clock(const Clock&) = delete;
    Clock& operator=(const Clock&) = delete;

    [[nodiscard]] virtual std::chrono::steady_clock::time_point steady_now() const = 0;
    [[nodiscard]] virtual std::chrono::system_clock::time_point wall_now() const = 0;
};

class SystemClock final : public Clock {
  public:
    [[nodiscard]] std::chrono::steady_clock::time_point steady_now() const override {
        return std::chrono::steady_clock::now();
    }
    [[nodiscard]] std::chrono::system_clock::time_point wall_now() const override {
        return std::chrono::system_clock::now();
    }
};

}  // namespace sluice
