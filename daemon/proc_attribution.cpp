#include "daemon/proc_attribution.hpp"

#include <fmt/format.h>

namespace sluice {

namespace {

// Datagrams handled per readiness event before the loop looks at its other sources again.
constexpr std::size_t kEventsPerWakeup = 1024;

}  // namespace

Result<std::unique_ptr<ProcAttribution>> ProcAttribution::create(
    std::shared_ptr<spdlog::logger> logger, ProcessAttributor::Options options) {
    auto attributor = ProcessAttributor::create(std::move(options));
    if (!attributor) {
        return attributor.error();
    }
    const auto& processes = (*attributor)->processes();
    if (const auto& problem = (*attributor)->connector_problem()) {
        logger->warn(
            "process events unavailable ({}); attribution falls back to /proc searches, and a "
            "process that exits right after connecting may go unnamed",
            problem->message());
    }
    if (const auto& problem = (*attributor)->exec_watch_problem()) {
        logger->warn(
            "exec events unavailable ({}); a process that exits right after connecting "
            "may go unnamed",
            problem->message());
    }
    if ((*attributor)->connector_in_initial_netns()) {
        logger->info("process events: connector socket opened in the initial network namespace");
    }
    logger->info("process table: {} processes", processes.live());
    return std::unique_ptr<ProcAttribution>(
        new ProcAttribution(std::move(*attributor), std::move(logger)));  // NOLINT: private ctor
}

std::string ProcAttribution::stats_text() const {
    const auto& counters = attributor_->counters();
    const auto* events = attributor_->connector_counters();
    const auto identities = attributor_->identity_counters();
    return fmt::format(
        "processes={} process_events={} process_event_losses={} attribution_lookups={} "
        "attributed={} attributed_departed={} uid_only={} fd_searches_cut={} exe_hashed={}",
        attributor_->processes().live(), events != nullptr ? events->events : 0,
        events != nullptr ? events->overruns : 0, counters.lookups, counters.processes_found,
        counters.departed, counters.uid_only, counters.searches_out_of_time, identities.hashed);
}

void ProcAttribution::on_events_readable() noexcept {
    try {
        attributor_->drain_events(kEventsPerWakeup);
    } catch (const std::exception& error) {
        // Allocation failure is the only way here; the table catches up at the next resync.
        logger_->error("applying process events: {}", error.what());
    }
}

void ProcAttribution::attribute(const QueuedPacket& packet, Connection& connection) noexcept {
    try {
        const auto notes =
            attributor_->attribute(connection, packet.uid, packet.gid, packet.packet_id);
        if (notes.socket_lookup_error) {
            logger_->debug("socket lookup failed: {}", notes.socket_lookup_error->message());
        }
        logger_->debug("attribution of port {}: {}", connection.local_port, notes.outcome);
        if (notes.package_mismatch) {
            logger_->warn("{}", *notes.package_mismatch);
        }
    } catch (const std::exception& error) {
        logger_->error("attribution failed: {}", error.what());
    }
}

}  // namespace sluice
