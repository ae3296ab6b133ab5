#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include "daemon/base/fd.hpp"

// Real sockets on loopback for attribution tests. Failures throw: a test without its sockets
// has nothing to assert.
namespace sluice::test {

inline void check(bool ok, const std::string& what) {
    if (!ok) {
        throw std::runtime_error(what + ": " + std::strerror(errno));
    }
}

inline Fd make_socket(int family, int type) {
    Fd socket(::socket(family, type | SOCK_CLOEXEC, 0));
    check(socket.valid(), "socket");
    return socket;
}

inline sockaddr_storage address_of(int family, const char* text, std::uint16_t port) {
    sockaddr_storage storage{};
    if (family == AF_INET) {
        auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        check(::inet_pton(AF_INET, text, &v4->sin_addr) == 1, text);
    } else {
        auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        check(::inet_pton(AF_INET6, text, &v6->sin6_addr) == 1, text);
    }
    return storage;
}

inline socklen_t length_of(const sockaddr_storage& address) {
    return address.ss_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
}

inline void bind_to(const Fd& socket, int family, const char* text, std::uint16_t port = 0) {
    const sockaddr_storage address = address_of(family, text, port);
    check(
        ::bind(socket.get(), reinterpret_cast<const sockaddr*>(&address), length_of(address)) == 0,
        std::string("bind ") + text);
}

inline void connect_to(const Fd& socket, int family, const char* text, std::uint16_t port) {
    const sockaddr_storage address = address_of(family, text, port);
    check(::connect(socket.get(), reinterpret_cast<const sockaddr*>(&address),
                    length_of(address)) == 0,
          std::string("connect ") + text);
}

inline std::uint16_t local_port(const Fd& socket) {
    sockaddr_storage address{};
    socklen_t length = sizeof(address);
    check(::getsockname(socket.get(), reinterpret_cast<sockaddr*>(&address), &length) == 0,
          "getsockname");
    return ntohs(address.ss_family == AF_INET
                     ? reinterpret_cast<const sockaddr_in*>(&address)->sin_port
                     : reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
}

// The inode the kernel shows in /proc/self/fd for this socket: "socket:[N]" -> N.
inline std::uint64_t inode_from_proc_self(const Fd& socket) {
    const std::string path = "/proc/self/fd/" + std::to_string(socket.get());
    char link[64] = {};
    const ssize_t length = ::readlink(path.c_str(), link, sizeof(link) - 1);
    check(length > 0, "readlink " + path);
    const std::string text(link, static_cast<std::size_t>(length));
    if (!text.starts_with("socket:[") || !text.ends_with("]")) {
        throw std::runtime_error(path + " is not a socket: " + text);
    }
    return std::stoull(text.substr(8, text.size() - 9));
}

// A TCP listener on `address` with an ephemeral port. `dual_stack` clears IPV6_V6ONLY so an
// AF_INET6 listener on "::" also accepts IPv4 connections.
inline Fd listen_on(int family, const char* address, bool dual_stack = false) {
    Fd listener = make_socket(family, SOCK_STREAM);
    if (dual_stack) {
        const int v6_only = 0;
        check(
            ::setsockopt(listener.get(), IPPROTO_IPV6, IPV6_V6ONLY, &v6_only, sizeof(v6_only)) == 0,
            "IPV6_V6ONLY");
    }
    bind_to(listener, family, address);
    check(::listen(listener.get(), 8) == 0, "listen");
    return listener;
}

// An established TCP connection on loopback with all three sockets kept open.
struct TcpConnection {
    Fd listener;
    Fd client;
    Fd accepted;
    std::uint16_t server_port = 0;
    std::uint16_t client_port = 0;
};

// Connects a `client_family` socket to `listener` at `server_address` and accepts it.
inline TcpConnection connect_tcp(Fd listener, int client_family, const char* server_address) {
    TcpConnection connection;
    connection.server_port = local_port(listener);
    connection.client = make_socket(client_family, SOCK_STREAM);
    connect_to(connection.client, client_family, server_address, connection.server_port);
    connection.client_port = local_port(connection.client);
    connection.accepted = Fd(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    check(connection.accepted.valid(), "accept");
    connection.listener = std::move(listener);
    return connection;
}

}  // namespace sluice::test
