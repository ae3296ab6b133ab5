#pragma once

#include <cstdint>

namespace sluice {

// The socket behind a connection, as sock_diag reports it.
struct SocketOwner {
    // sockfs inode: a process holding the socket has /proc/PID/fd/N -> "socket:[inode]".
    // 0 for a socket no process holds yet (an established child not yet accept()ed).
    std::uint64_t inode = 0;
    // The socket's owner (sk_uid: the fsuid that created it), mapped into our user namespace.
    std::uint32_t uid = 0;

    friend bool operator==(const SocketOwner&, const SocketOwner&) = default;
};

}  // namespace sluice
