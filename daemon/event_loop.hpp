#pragma once

#include <functional>
#include <unordered_map>

#include "daemon/base/fd.hpp"
#include "daemon/base/result.hpp"

namespace sluice {

// A single-threaded epoll loop. Sources register an fd and a callback run when it is readable;
// nothing in a callback may block. The thread that calls run() owns the loop.
class EventLoop {
  public:
    using Callback = std::function<void()>;

    static Result<EventLoop> create();

    Result<void> watch(int fd, Callback on_readable);
    void unwatch(int fd);
    // Runs until stop(); returns an error only if epoll itself fails.
    Result<void> run();
    void stop() { running_ = false; }

  private:
    explicit EventLoop(Fd epoll) : epoll_(std::move(epoll)) {}
    Fd epoll_;
    std::unordered_map<int, Callback> callbacks_;
    bool running_ = false;
};

}  // namespace sluice
