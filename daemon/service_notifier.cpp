#include "daemon/service_notifier.hpp"

#include <systemd/sd-daemon.h>

#include <cstdlib>

namespace sluice {

bool SdNotifyChannel::connected() const {
    const char* socket = std::getenv("NOTIFY_SOCKET");  // NOLINT(concurrency-mt-unsafe)
    return socket != nullptr && *socket != '\0';
}

Result<void> SdNotifyChannel::send(std::string_view state) {
    const int sent = sd_notify(0, std::string(state).c_str());
    if (sent < 0) {
        return Error{"cannot notify the service manager", -sent};
    }
    return {};
}

std::chrono::microseconds ServiceNotifier::watchdog_timeout_from_environment() {
    std::uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) <= 0) {
        return std::chrono::microseconds{0};
    }
    return std::chrono::microseconds{usec};
}

ServiceNotifier::ServiceNotifier(std::unique_ptr<NotifyChannel> channel, Settings settings,
                                 const Clock& clock, StatusText status)
    : channel_(std::move(channel)),
      settings_(settings),
      clock_(clock),
      status_(std::move(status)) {}

std::chrono::microseconds ServiceNotifier::tick_interval() const {
    if (!channel_->connected()) {
        return std::chrono::microseconds{0};
    }
    // systemd's own advice (sd_watchdog_enabled(3)): ping at half the timeout.
    if (settings_.watchdog_timeout.count() > 0) {
        return std::max(settings_.watchdog_timeout / 2, std::chrono::microseconds{1});
    }
    return settings_.status_interval;
}

Result<void> ServiceNotifier::ready() {
    return send("READY=1\n" + status_assignment());
}

Result<void> ServiceNotifier::reloading() {
    const auto monotonic = std::chrono::duration_cast<std::chrono::microseconds>(
        clock_.steady_now().time_since_epoch());
    // MONOTONIC_USEC lets systemd >= 253 (Type=notify-reload) tell this reload from an older one.
    return send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonic.count()) +
                "\nSTATUS=Reloading configuration and rules");
}

Result<void> ServiceNotifier::stopping() {
    return send("STOPPING=1\nSTATUS=Stopping");
}

Result<void> ServiceNotifier::tick() {
    std::string state;
    if (settings_.watchdog_timeout.count() > 0) {
        state = "WATCHDOG=1";
    }
    const auto now = clock_.steady_now();
    if (now - last_status_time_ >= settings_.status_interval) {
        const std::string status = status_ ? status_() : std::string();
        if (status != last_status_) {
            if (!state.empty()) {
                state += '\n';
            }
            state += status_assignment();
        }
    }
    if (state.empty()) {
        return {};
    }
    return send(state);
}

Result<void> ServiceNotifier::send(const std::string& state) {
    if (!channel_->connected()) {
        return {};
    }
    return channel_->send(state);
}

std::string ServiceNotifier::status_assignment() {
    last_status_ = status_ ? status_() : std::string();
    last_status_time_ = clock_.steady_now();
    return "STATUS=" + last_status_;
}

}  // namespace sluice
