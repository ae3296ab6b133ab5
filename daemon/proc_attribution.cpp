#include "daemon/proc_attribution.hpp"

#include "daemon/attribution/process_lookup.hpp"

namespace sluice {

Result<std::unique_ptr<ProcAttribution>> ProcAttribution::create(
    std::shared_ptr<spdlog::logger> logger) {
    auto sockets = SocketLookup::open();
    if (!sockets) {
        return sockets.error();
    }
    return std::unique_ptr<ProcAttribution>(
        new ProcAttribution(std::move(*sockets), std::move(logger)));  // NOLINT: private ctor
}

void ProcAttribution::attribute(const QueuedPacket& /*packet*/, Connection& connection) noexcept {
    if (connection.protocol == Protocol::kTcp || connection.protocol == Protocol::kUdp) {
        auto owner =
            sockets_.find(connection.protocol, connection.local_address, connection.local_port,
                          connection.remote_address, connection.remote_port);
        if (!owner) {
            logger_->debug("socket lookup failed: {}", owner.error().message());
        } else if (*owner) {
            const auto& socket = **owner;
            connection.uid = socket.uid;
            if (socket.inode != 0) {
                if (auto pid = find_pid_by_socket_inode(socket.inode, socket.uid, kScanBudget)) {
                    if (auto process = read_process(*pid)) {
                        connection.pid = process->pid;
                        connection.exe = process->exe;
                        connection.gid = process->gid;
                    }
                }
            }
        }
    }
    if (connection.uid) {
        connection.user_name = user_names_.user_name(*connection.uid).value_or("");
    }
    if (connection.gid) {
        connection.group_name = user_names_.group_name(*connection.gid).value_or("");
    }
}

}  // namespace sluice
