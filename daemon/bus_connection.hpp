#pragma once

#include <sdbus-c++/IConnection.h>
#include <spdlog/logger.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "daemon/base/fd.hpp"
#include "daemon/base/result.hpp"
#include "daemon/config.hpp"
#include "daemon/event_loop.hpp"

namespace sluice {

// sluiced's connection to its bus, run by the daemon's EventLoop on the queue thread: no
// thread of its own, so every method handler, reply callback and signal handler runs between
// two packet batches and may touch daemon state without locks. The bus socket (with the events
// sd-bus wants), a timerfd for sd-bus's own deadline (method call timeouts) and a wake-up
// eventfd sit in an inner epoll instance; the EventLoop watches that one fd. Each wake-up
// handles at most kMessagesPerWakeup messages, then yields to the queue, so a flood of calls
// delays packets by one bounded batch at most. Handlers must not block: calls out are async.
class BusConnection {
  public:
    static constexpr std::size_t kMessagesPerWakeup = 64;

    // Connects (blocking: start-up only) to the bus `choice` names; kNone is an error. A lost
    // connection is logged once on `logger` and the daemon goes on filtering without a bus.
    static Result<std::unique_ptr<BusConnection>> open(const BusChoice& choice,
                                                       std::shared_ptr<spdlog::logger> logger);

    BusConnection(const BusConnection&) = delete;
    BusConnection& operator=(const BusConnection&) = delete;
    ~BusConnection();

    [[nodiscard]] sdbus::IConnection& connection() { return *connection_; }
    // Blocking round trip: start-up only. Fails when another process owns the name.
    Result<void> request_name(const std::string& name);
    // Starts watching the connection from `loop`, which must outlive this object.
    Result<void> attach(EventLoop& loop);
    // Code that sent messages outside a bus callback (signals from the queue path, calls from
    // a timer) calls this: the connection then looks at sd-bus's queued output and reply
    // deadlines on the next loop turn. Cheap (one eventfd write); harmless inside callbacks.
    void refresh();

    [[nodiscard]] bool connected() const { return connected_; }
    [[nodiscard]] std::uint64_t failures() const { return failures_; }

  private:
    BusConnection(std::unique_ptr<sdbus::IConnection> connection, Fd epoll, Fd timer, Fd wake,
                  std::shared_ptr<spdlog::logger> logger);
    void on_ready();
    void arm();
    void disconnect(const std::string& why);

    std::unique_ptr<sdbus::IConnection> connection_;
    Fd epoll_;
    Fd timer_;
    Fd wake_;
    std::shared_ptr<spdlog::logger> logger_;
    EventLoop* loop_ = nullptr;
    int bus_fd_ = -1;
    std::uint32_t watched_events_ = 0;
    std::uint64_t armed_timeout_usec_ = 0;
    bool connected_ = true;
    std::uint64_t failures_ = 0;
};

}  // namespace sluice
