#include "cli/bus_loop.hpp"

#include <poll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <limits>
#include <utility>

namespace sluice::cli {

namespace {

// sd_bus_get_timeout() gives an absolute CLOCK_MONOTONIC time in µs, UINT64_MAX for "none";
// poll() wants milliseconds from now, rounded up so we never spin just before the deadline.
int poll_timeout_ms(std::uint64_t deadline_usec) {
    if (deadline_usec == std::numeric_limits<std::uint64_t>::max()) {
        return -1;
    }
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    const auto now_usec = static_cast<std::uint64_t>(now.tv_sec) * 1'000'000U +
                          static_cast<std::uint64_t>(now.tv_nsec) / 1'000U;
    if (deadline_usec <= now_usec) {
        return 0;
    }
    const std::uint64_t wait_ms = (deadline_usec - now_usec + 999U) / 1'000U;
    return wait_ms > static_cast<std::uint64_t>(std::numeric_limits<int>::max())
               ? std::numeric_limits<int>::max()
               : static_cast<int>(wait_ms);
}

}  // namespace

Result<BusLoop> BusLoop::create(sdbus::IConnection& bus) {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigset_t previous;
    if (const int error = pthread_sigmask(SIG_BLOCK, &signals, &previous); error != 0) {
        return Error{"cannot block SIGINT and SIGTERM", error};
    }
    Fd signal_fd(signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!signal_fd) {
        auto error = Error::from_errno("cannot create a signalfd");
        pthread_sigmask(SIG_SETMASK, &previous, nullptr);
        return error;
    }
    return BusLoop(bus, std::move(signal_fd), previous);
}

BusLoop::BusLoop(sdbus::IConnection& bus, Fd signal_fd, sigset_t previous_mask)
    : bus_(bus), signal_fd_(std::move(signal_fd)), previous_mask_(previous_mask) {}

BusLoop::BusLoop(BusLoop&& other) noexcept
    : bus_(other.bus_),
      signal_fd_(std::move(other.signal_fd_)),
      previous_mask_(other.previous_mask_),
      owns_mask_(std::exchange(other.owns_mask_, false)),
      input_fd_(other.input_fd_),
      on_input_(std::move(other.on_input_)),
      stopped_(other.stopped_) {}

BusLoop::~BusLoop() {
    if (owns_mask_) {
        signal_fd_.reset();
        pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
    }
}

void BusLoop::watch_input(int fd, std::function<void()> on_readable) {
    input_fd_ = fd;
    on_input_ = std::move(on_readable);
}

Result<void> BusLoop::run() {
    while (!stopped_) {
        // Messages read during a blocking call sit in sd-bus's queue, invisible to poll().
        while (!stopped_ && bus_.processPendingRequest()) {
        }
        if (stopped_) {
            break;
        }
        const auto bus_poll = bus_.getEventLoopPollData();
        std::array<pollfd, 3> fds{{
            {bus_poll.fd, bus_poll.events, 0},
            {signal_fd_.get(), POLLIN, 0},
            {input_fd_, POLLIN, 0},
        }};
        const auto count = static_cast<nfds_t>(input_fd_ >= 0 ? 3 : 2);
        if (poll(fds.data(), count, poll_timeout_ms(bus_poll.timeout_usec)) < 0) {
            if (errno == EINTR) {
                continue;
            }
            return Error::from_errno("poll on the bus connection failed");
        }
        if ((fds[1].revents & POLLIN) != 0) {
            signalfd_siginfo info{};
            while (read(signal_fd_.get(), &info, sizeof(info)) == sizeof(info)) {
            }
            return {};
        }
        if (input_fd_ >= 0 && fds[2].revents != 0) {
            on_input_();
        }
    }
    return {};
}

}  // namespace sluice::cli
