#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <memory>

#include "daemon/attribution/socket_lookup.hpp"
#include "daemon/attribution/user_names.hpp"
#include "daemon/attribution_source.hpp"
#include "daemon/base/result.hpp"

namespace sluice {

// First cut of "who": sock_diag exact lookup of the tuple (socket inode and owner uid), then a
// /proc scan bounded by kScanBudget for the process holding that inode, then its exe. Falls
// back to the socket uid NFQUEUE attached to the packet. The scan runs on the queue thread
// within its budget; the attribution issue replaces it with an event-fed process table.
class ProcAttribution final : public AttributionSource {
  public:
    static constexpr std::chrono::microseconds kScanBudget{5000};

    static Result<std::unique_ptr<ProcAttribution>> create(std::shared_ptr<spdlog::logger> logger);

    void attribute(const QueuedPacket& packet, Connection& connection) noexcept override;

  private:
    ProcAttribution(SocketLookup sockets, std::shared_ptr<spdlog::logger> logger)
        : sockets_(std::move(sockets)), logger_(std::move(logger)) {}

    SocketLookup sockets_;
    UserNames user_names_;
    std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace sluice
