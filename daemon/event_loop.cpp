#include "daemon/event_loop.hpp"

#include <sys/epoll.h>

#include <array>

namespace sluice {

Result<EventLoop> EventLoop::create() {
    Fd epoll(::epoll_create1(EPOLL_CLOEXEC));
    if (!epoll) {
        return Error::from_errno("cannot create epoll instance");
    }
    return EventLoop(std::move(epoll));
}

Result<void> EventLoop::watch(int fd, Callback on_readable) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = fd;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) != 0) {
        return Error::from_errno("cannot watch fd " + std::to_string(fd));
    }
    callbacks_[fd] = std::move(on_readable);
    return {};
}

void EventLoop::unwatch(int fd) {
    (void)::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
    callbacks_.erase(fd);
}

Result<void> EventLoop::run() {
    running_ = true;
    std::array<epoll_event, 32> events{};
    while (running_) {
        const int ready = ::epoll_wait(epoll_.get(), events.data(), events.size(), -1);
        if (ready < 0) {
            if (errno == EINTR) {
                continue;
            }
            return Error::from_errno("epoll_wait failed");
        }
        for (int i = 0; i < ready && running_; ++i) {
            const auto found = callbacks_.find(events[static_cast<std::size_t>(i)].data.fd);
            if (found != callbacks_.end()) {
                // Copy: the callback may unwatch itself.
                const Callback callback = found->second;
                callback();
            }
        }
    }
    return {};
}

}  // namespace sluice
