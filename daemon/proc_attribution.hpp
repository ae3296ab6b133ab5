#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <string>

#include "daemon/attribution/process_attributor.hpp"
#include "daemon/attribution_source.hpp"
#include "daemon/base/result.hpp"

namespace sluice {

// The AttributionSource the pipeline calls: ProcessAttributor (sock_diag, event-fed process
// table, inode cache, exe identity) plus the logging the library leaves to its caller. Owned
// by the event loop thread; the daemon watches event_fds() and calls on_events_readable().
class ProcAttribution final : public AttributionSource {
  public:
    static Result<std::unique_ptr<ProcAttribution>> create(
        std::shared_ptr<spdlog::logger> logger,
        ProcessAttributor::Options options = ProcessAttributor::Options{});

    void attribute(const QueuedPacket& packet, Connection& connection) noexcept override;

    // Process event fds (proc connector, exec watch) for the event loop; on_events_readable()
    // when any is readable.
    [[nodiscard]] std::vector<int> event_fds() const { return attributor_->event_fds(); }
    void on_events_readable() noexcept;
    // After the verdicts of a batch of queued packets went out: bookkeeping no verdict waits for.
    void after_verdicts() noexcept { attributor_->observe_queue_if_due(); }

    void require_exe_identity(bool required) { attributor_->require_exe_identity(required); }
    [[nodiscard]] const ProcessAttributor& attributor() const { return *attributor_; }
    // "processes=N process_events=N ..." for the daemon's stats line.
    [[nodiscard]] std::string stats_text() const;

  private:
    ProcAttribution(std::unique_ptr<ProcessAttributor> attributor,
                    std::shared_ptr<spdlog::logger> logger)
        : attributor_(std::move(attributor)), logger_(std::move(logger)) {}

    std::unique_ptr<ProcessAttributor> attributor_;
    std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace sluice
