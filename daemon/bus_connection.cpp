#include "daemon/bus_connection.hpp"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <sdbus-c++/Error.h>

#include <limits>

namespace sluice {

namespace {

constexpr std::uint64_t kNoTimeout = std::numeric_limits<std::uint64_t>::max();

std::string describe(const BusChoice& choice) {
    switch (choice.kind) {
        case BusKind::kSystem:
            return "the system bus";
        case BusKind::kSession:
            return "the session bus";
        case BusKind::kAddress:
            return "the bus at " + choice.address;
        case BusKind::kNone:
            break;
    }
    return "no bus";
}

void drain(int fd) {
    std::uint64_t value = 0;
    while (::read(fd, &value, sizeof value) == static_cast<ssize_t>(sizeof value)) {
    }
}

void wake(int fd) {
    const std::uint64_t one = 1;
    // EAGAIN means the counter is already non-zero: a wake-up is pending anyway.
    (void)!::write(fd, &one, sizeof one);
}

Result<void> add_to_epoll(int epoll, int fd, std::uint32_t events, const char* what) {
    epoll_event event{};
    event.events = events;
    event.data.fd = fd;
    if (::epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) != 0) {
        return Error::from_errno(std::string("cannot watch the ") + what);
    }
    return {};
}

}  // namespace

Result<std::unique_ptr<BusConnection>> BusConnection::open(const BusChoice& choice,
                                                           std::shared_ptr<spdlog::logger> logger) {
    std::unique_ptr<sdbus::IConnection> connection;
    try {
        switch (choice.kind) {
            case BusKind::kSystem:
                connection = sdbus::createSystemBusConnection();
                break;
            case BusKind::kSession:
                connection = sdbus::createSessionBusConnection();
                break;
            case BusKind::kAddress:
                connection = sdbus::createSessionBusConnectionWithAddress(choice.address);
                break;
            case BusKind::kNone:
                return Error{"dbus.bus is none: no bus to connect to"};
        }
    } catch (const sdbus::Error& error) {
        return Error{"cannot connect to " + describe(choice) + ": " + error.getMessage() +
                     " (is dbus running? dbus.bus: none runs without the D-Bus API)"};
    }
    Fd epoll(::epoll_create1(EPOLL_CLOEXEC));
    if (!epoll) {
        return Error::from_errno("cannot create the bus epoll instance");
    }
    Fd timer(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
    if (!timer) {
        return Error::from_errno("cannot create the bus timerfd");
    }
    Fd wake_fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!wake_fd) {
        return Error::from_errno("cannot create the bus eventfd");
    }
    if (auto added = add_to_epoll(epoll.get(), timer.get(), EPOLLIN, "bus timerfd"); !added) {
        return added.error();
    }
    if (auto added = add_to_epoll(epoll.get(), wake_fd.get(), EPOLLIN, "bus eventfd"); !added) {
        return added.error();
    }
    return std::unique_ptr<BusConnection>(new BusConnection(std::move(connection), std::move(epoll),
                                                            std::move(timer), std::move(wake_fd),
                                                            std::move(logger)));
}

BusConnection::BusConnection(std::unique_ptr<sdbus::IConnection> connection, Fd epoll, Fd timer,
                             Fd wake_fd, std::shared_ptr<spdlog::logger> logger)
    : connection_(std::move(connection)),
      epoll_(std::move(epoll)),
      timer_(std::move(timer)),
      wake_(std::move(wake_fd)),
      logger_(std::move(logger)) {}

BusConnection::~BusConnection() {
    if (loop_ != nullptr && connected_) {
        loop_->unwatch(epoll_.get());
    }
}

Result<void> BusConnection::request_name(const std::string& name) {
    try {
        connection_->requestName(name);
    } catch (const sdbus::Error& error) {
        return Error{"cannot own the bus name " + name + ": " + error.getMessage()};
    }
    return {};
}

Result<void> BusConnection::attach(EventLoop& loop) {
    try {
        bus_fd_ = connection_->getEventLoopPollData().fd;
    } catch (const sdbus::Error& error) {
        return Error{"cannot read the bus poll data: " + error.getMessage()};
    }
    if (auto added = add_to_epoll(epoll_.get(), bus_fd_, EPOLLIN, "bus socket"); !added) {
        return added.error();
    }
    watched_events_ = EPOLLIN;
    if (auto watched = loop.watch(epoll_.get(), [this] { on_ready(); }); !watched) {
        return watched.error();
    }
    loop_ = &loop;
    // Messages may already be buffered (replies read during start-up): look at once.
    wake(wake_.get());
    return {};
}

void BusConnection::on_ready() {
    drain(timer_.get());
    drain(wake_.get());
    bool more = false;
    try {
        for (std::size_t handled = 0; handled < kMessagesPerWakeup; ++handled) {
            more = connection_->processPendingRequest();
            if (!more) {
                break;
            }
        }
    } catch (const sdbus::Error& error) {
        disconnect(error.getMessage());
        return;
    }
    if (more) {
        // Yield to the queue; the eventfd brings us back on the next loop turn.
        wake(wake_.get());
    }
    arm();
}

void BusConnection::refresh() {
    if (connected_) {
        wake(wake_.get());
    }
}

void BusConnection::arm() {
    sdbus::IConnection::PollData poll{};
    try {
        poll = connection_->getEventLoopPollData();
    } catch (const sdbus::Error& error) {
        disconnect(error.getMessage());
        return;
    }
    std::uint32_t events = 0;
    if ((poll.events & POLLIN) != 0) {
        events |= EPOLLIN;
    }
    if ((poll.events & POLLOUT) != 0) {
        events |= EPOLLOUT;
    }
    if (events != watched_events_) {
        epoll_event event{};
        event.events = events;
        event.data.fd = bus_fd_;
        if (::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, bus_fd_, &event) == 0) {
            watched_events_ = events;
        }
    }
    if (poll.timeout_usec == 0) {
        // sd-bus has work that needs no waiting (a message already read into its queue).
        wake(wake_.get());
        return;
    }
    if (poll.timeout_usec == armed_timeout_usec_) {
        return;
    }
    itimerspec deadline{};
    if (poll.timeout_usec != kNoTimeout) {
        deadline.it_value.tv_sec = static_cast<time_t>(poll.timeout_usec / 1'000'000);
        deadline.it_value.tv_nsec = static_cast<long>((poll.timeout_usec % 1'000'000) * 1000);
    }
    // sd-bus deadlines are absolute CLOCK_MONOTONIC times, as timerfd's TFD_TIMER_ABSTIME takes.
    if (::timerfd_settime(timer_.get(), TFD_TIMER_ABSTIME, &deadline, nullptr) == 0) {
        armed_timeout_usec_ = poll.timeout_usec;
    }
}

void BusConnection::disconnect(const std::string& why) {
    if (!connected_) {
        return;
    }
    connected_ = false;
    ++failures_;
    if (loop_ != nullptr) {
        loop_->unwatch(epoll_.get());
    }
    logger_->error("lost the bus connection ({}); filtering goes on without D-Bus", why);
}

}  // namespace sluice
