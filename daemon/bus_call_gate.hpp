#pragma once

#include <sdbus-c++/Error.h>
#include <sdbus-c++/MethodResult.h>
#include <spdlog/logger.h>

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include "daemon/bus_connection.hpp"
#include "daemon/call_limiter.hpp"
#include "daemon/clock.hpp"
#include "dbus/authorizer.hpp"
#include "dbus/bus_names.hpp"

namespace sluice {

// The checks every served D-Bus call goes through, shared by the objects sluiced serves:
// the caller's call budget (Error.Busy) and, for mutating calls, authorization
// (Error.AccessDenied), after which the call is answered asynchronously. Bus thread only.
class BusCallGate {
  public:
    template <typename... Results>
    using Reply = std::shared_ptr<sdbus::Result<Results...>>;

    BusCallGate(BusConnection& bus, Authorizer& authorizer, CallLimiter& limiter,
                const Clock& clock, std::shared_ptr<spdlog::logger> logger)
        : bus_(bus),
          authorizer_(authorizer),
          limiter_(limiter),
          clock_(clock),
          logger_(std::move(logger)) {}

    // For calls answered at once: throws Error.Busy when `sender` is over its budget.
    void admit(const std::string& sender) {
        if (!limiter_.admit(sender, clock_.steady_now())) {
            throw busy();
        }
    }

    // Budget, then authorization of `sender`, then `action`, which replies. A denial, and an
    // exception thrown by `action` (sdbus::Error as it is, others as Failed), become the reply.
    template <typename... Results>
    void modify(const std::string& sender, sdbus::Result<Results...>&& result,
                std::type_identity_t<std::function<void(const Reply<Results...>&)>> action) {
        auto reply = std::make_shared<sdbus::Result<Results...>>(std::move(result));
        if (!limiter_.admit(sender, clock_.steady_now())) {
            send_error(reply, busy());
            return;
        }
        authorizer_.authorize_modify(
            sender, [this, reply, action = std::move(action)](std::optional<std::string> denial) {
                if (denial) {
                    send_error(reply, sdbus::Error(bus::kErrorAccessDenied, *denial));
                    return;
                }
                run(reply, action);
            });
    }

    // Budget, then the caller's uid (from the bus), then `action`, which replies.
    void identify(const std::string& sender, sdbus::Result<>&& result,
                  std::function<void(const Reply<>&, std::uint32_t uid)> action) {
        auto reply = std::make_shared<sdbus::Result<>>(std::move(result));
        if (!limiter_.admit(sender, clock_.steady_now())) {
            send_error(reply, busy());
            return;
        }
        authorizer_.caller_uid(
            sender, [this, reply, action = std::move(action)](Result<std::uint32_t> uid) {
                if (!uid) {
                    send_error(reply, sdbus::Error(bus::kErrorAccessDenied, uid.error().message()));
                    return;
                }
                run(reply, [&](const Reply<>& r) { action(r, *uid); });
            });
    }

    [[nodiscard]] std::uint64_t busy_replies() const { return limiter_.refused(); }
    [[nodiscard]] AuthorizationMode mode() const { return authorizer_.mode(); }

  private:
    static sdbus::Error busy() {
        return sdbus::Error(bus::kErrorBusy, "too many calls from this client; slow down");
    }

    template <typename... Results>
    void send_error(const Reply<Results...>& reply, const sdbus::Error& failure) {
        try {
            reply->returnError(failure);
        } catch (const sdbus::Error& lost) {
            logger_->debug("cannot answer a D-Bus call: {}", lost.getMessage());
        }
        bus_.refresh();
    }

    template <typename... Results, typename Action>
    void run(const Reply<Results...>& reply, const Action& action) {
        try {
            action(reply);
        } catch (const sdbus::Error& failure) {
            send_error(reply, failure);
            return;
        } catch (const std::exception& failure) {
            send_error(reply, sdbus::Error(bus::kErrorFailed, failure.what()));
            return;
        }
        bus_.refresh();
    }

    BusConnection& bus_;
    Authorizer& authorizer_;
    CallLimiter& limiter_;
    const Clock& clock_;
    std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace sluice
