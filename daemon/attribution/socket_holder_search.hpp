#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "daemon/attribution/process_table.hpp"
#include "daemon/attribution/socket_inode_cache.hpp"

namespace sluice {

struct SocketSearch {
    std::optional<SocketHolder> holder;
    std::size_t processes_scanned = 0;
    bool out_of_time = false;
};

// Finds the process holding socket `inode` by reading PROC/PID/fd links ("socket:[N]"): first
// the table's live processes of effective uid `uid`, most recently active first; then /proc
// entries the table does not know (events missed or unavailable) of that uid, newest first;
// then the table's processes of other uids. Every socket link passed on the way is recorded in
// `cache`, so later lookups of those sockets cost one readlink, and every table process read in
// full without a match is demoted in the table's order. Gives up at `deadline`. Processes whose
// fds we may not read are skipped.
SocketSearch search_socket_holder(std::uint64_t inode, std::optional<std::uint32_t> uid,
                                  ProcessTable& table, SocketInodeCache& cache,
                                  std::chrono::steady_clock::time_point deadline);

// Whether `holder` still holds socket `inode` under the same descriptor: one readlink.
bool holds_socket(int proc_root, const SocketHolder& holder, std::uint64_t inode);

}  // namespace sluice
