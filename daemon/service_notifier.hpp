#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "daemon/base/result.hpp"
#include "daemon/clock.hpp"

namespace sluice {

// The service manager's notification socket (sd_notify(3), $NOTIFY_SOCKET); an interface so
// the notifier is tested without systemd.
class NotifyChannel {
  public:
    NotifyChannel() = default;
    virtual ~NotifyChannel() = default;
    NotifyChannel(const NotifyChannel&) = delete;
    NotifyChannel& operator=(const NotifyChannel&) = delete;
    NotifyChannel(NotifyChannel&&) = delete;
    NotifyChannel& operator=(NotifyChannel&&) = delete;

    // True when a service manager listens (the daemon was started with $NOTIFY_SOCKET).
    [[nodiscard]] virtual bool connected() const = 0;
    // Sends newline-separated assignments ("READY=1\nSTATUS=..."): one datagram, no answer.
    virtual Result<void> send(std::string_view state) = 0;
};

class SdNotifyChannel final : public NotifyChannel {
  public:
    [[nodiscard]] bool connected() const override;
    Result<void> send(std::string_view state) override;
};

// Tells systemd how the daemon is doing (Type=notify): READY=1 once the queue is bound and the
// rules are loaded, STATUS= with the decision counters, WATCHDOG=1 at half of WatchdogSec,
// RELOADING=1 around a SIGHUP reload and STOPPING=1 at stop. Every call is a no-op when no
// service manager listens. Owned by the event loop thread: tick() runs from a timer on that
// loop, so a hung loop stops the pings and systemd restarts the daemon.
class ServiceNotifier {
  public:
    struct Settings {
        // WATCHDOG_USEC from the environment; zero when the watchdog is off.
        std::chrono::microseconds watchdog_timeout{0};
        // STATUS= is sent at most this often, and only when its text changed.
        std::chrono::milliseconds status_interval{std::chrono::seconds(5)};
    };
    using StatusText = std::function<std::string()>;

    // WATCHDOG_USEC when it is meant for this process (sd_watchdog_enabled(3)), else zero.
    static std::chrono::microseconds watchdog_timeout_from_environment();

    ServiceNotifier(std::unique_ptr<NotifyChannel> channel, Settings settings, const Clock& clock,
                    StatusText status);

    // How often tick() must run: half the watchdog timeout when the watchdog is on, else the
    // status interval; zero when no service manager listens (then no timer is needed).
    [[nodiscard]] std::chrono::microseconds tick_interval() const;

    Result<void> ready();
    Result<void> reloading();
    Result<void> stopping();
    // A watchdog ping when the watchdog is on, plus STATUS= when due and changed.
    Result<void> tick();

  private:
    Result<void> send(const std::string& state);
    std::string status_assignment();

    std::unique_ptr<NotifyChannel> channel_;
    Settings settings_;
    const Clock& clock_;
    StatusText status_;
    std::string last_status_;
    std::chrono::steady_clock::time_point last_status_time_{};
};

}  // namespace sluice
