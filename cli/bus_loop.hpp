#pragma once

#include <pthread.h>
#include <signal.h>

#include <functional>

#include <sdbus-c++/IConnection.h>

#include "daemon/base/fd.hpp"
#include "daemon/base/result.hpp"

namespace sluice::cli {

// Drives one bus connection on the calling thread (sluicectl has no other thread) until
// SIGINT or SIGTERM arrives or a handler calls stop(); optionally also watches one input fd
// (the terminal of `sluicectl prompt`). Bus callbacks and the input handler run inside run(),
// one at a time, so they share state without locks.
class BusLoop {
  public:
    // Blocks SIGINT and SIGTERM (restored on destruction) and reads them from a signalfd, so
    // Ctrl-C ends run() cleanly instead of killing the process mid-reply.
    static Result<BusLoop> create(sdbus::IConnection& bus);
    ~BusLoop();
    BusLoop(BusLoop&& other) noexcept;
    BusLoop& operator=(BusLoop&&) = delete;
    BusLoop(const BusLoop&) = delete;
    BusLoop& operator=(const BusLoop&) = delete;

    // `fd` stays owned by the caller; `on_readable` runs when poll says it is readable (or hung
    // up), and must read it or stop the loop.
    void watch_input(int fd, std::function<void()> on_readable);
    void stop() { stopped_ = true; }

    // Returns when stopped or signalled; an Error when poll itself fails. Bus errors inside
    // callbacks propagate as the sdbus::Error they are.
    Result<void> run();

  private:
    BusLoop(sdbus::IConnection& bus, Fd signal_fd, sigset_t previous_mask);

    sdbus::IConnection& bus_;
    Fd signal_fd_;
    sigset_t previous_mask_;
    bool owns_mask_ = true;
    int input_fd_ = -1;
    std::function<void()> on_input_;
    bool stopped_ = false;
};

}  // namespace sluice::cli
