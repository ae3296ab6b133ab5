#include "daemon/interval_timer.hpp"

#include <sys/timerfd.h>
#include <unistd.h>

namespace sluice {

Result<IntervalTimer> IntervalTimer::create(std::chrono::microseconds interval) {
    if (interval.count() <= 0) {
        return Error{"a timer interval must be positive"};
    }
    Fd fd(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
    if (!fd) {
        return Error::from_errno("cannot create timerfd");
    }
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(interval);
    const auto nanoseconds =
        std::chrono::duration_cast<std::chrono::nanoseconds>(interval - seconds);
    itimerspec spec{};
    spec.it_interval.tv_sec = static_cast<time_t>(seconds.count());
    spec.it_interval.tv_nsec = static_cast<long>(nanoseconds.count());
    spec.it_value = spec.it_interval;
    if (::timerfd_settime(fd.get(), 0, &spec, nullptr) != 0) {
        return Error::from_errno("cannot arm timerfd");
    }
    return IntervalTimer(std::move(fd));
}

std::uint64_t IntervalTimer::consume() {
    std::uint64_t expirations = 0;
    if (::read(fd_.get(), &expirations, sizeof expirations) !=
        static_cast<ssize_t>(sizeof expirations)) {
        return 0;
    }
    return expirations;
}

}  // namespace sluice
