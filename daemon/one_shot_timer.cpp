#include "daemon/one_shot_timer.hpp"

#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>

namespace sluice {

Result<OneShotTimer> OneShotTimer::create() {
    Fd fd(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
    if (!fd) {
        return Error::from_errno("cannot create timerfd");
    }
    return OneShotTimer(std::move(fd));
}

Result<void> OneShotTimer::arm(std::chrono::nanoseconds delay) {
    // A zero it_value would disarm the timer instead.
    delay = std::max<std::chrono::nanoseconds>(delay, std::chrono::microseconds(1));
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(delay);
    itimerspec spec{};
    spec.it_value.tv_sec = static_cast<time_t>(seconds.count());
    spec.it_value.tv_nsec = static_cast<long>((delay - seconds).count());
    if (::timerfd_settime(fd_.get(), 0, &spec, nullptr) != 0) {
        return Error::from_errno("cannot arm timerfd");
    }
    return {};
}

void OneShotTimer::consume() {
    std::uint64_t expirations = 0;
    static_cast<void>(::read(fd_.get(), &expirations, sizeof expirations));
}

}  // namespace sluice
