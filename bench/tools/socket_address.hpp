#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace sluice::bench {

// An IPv4 or IPv6 socket address built from text, for the load tools' command lines.
struct SocketAddress {
    sockaddr_storage storage{};
    socklen_t length = 0;

    [[nodiscard]] int family() const { return storage.ss_family; }
    [[nodiscard]] const sockaddr* get() const {
        return reinterpret_cast<const sockaddr*>(&storage);
    }

    // Throws std::invalid_argument when `host` is neither an IPv4 nor an IPv6 literal.
    static SocketAddress parse(const std::string& host, std::uint16_t port) {
        SocketAddress address;
        auto* v4 = reinterpret_cast<sockaddr_in*>(&address.storage);
        auto* v6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
        if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
            v4->sin_family = AF_INET;
            v4->sin_port = htons(port);
            address.length = sizeof(sockaddr_in);
        } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
            v6->sin6_family = AF_INET6;
            v6->sin6_port = htons(port);
            address.length = sizeof(sockaddr_in6);
        } else {
            throw std::invalid_argument("not an IP address: " + host);
        }
        return address;
    }

    // The wildcard address of `family` with `port`.
    static SocketAddress any(int family, std::uint16_t port) {
        return parse(family == AF_INET6 ? "::" : "0.0.0.0", port);
    }

    void set_port(std::uint16_t port) {
        if (family() == AF_INET6) {
            reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port = htons(port);
        } else {
            reinterpret_cast<sockaddr_in*>(&storage)->sin_port = htons(port);
        }
    }
};

// "9000", "9000-9063" or "9000,9005": the ports named, in order. Throws std::invalid_argument.
inline std::vector<std::uint16_t> parse_ports(const std::string& text) {
    std::vector<std::uint16_t> ports;
    auto number = [&](const std::string& part) {
        std::size_t used = 0;
        unsigned long value = 0;
        try {
            value = std::stoul(part, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != part.size() || part.empty() || value == 0 || value > 65535) {
            throw std::invalid_argument("not a port: " + part);
        }
        return static_cast<std::uint16_t>(value);
    };
    std::size_t start = 0;
    while (start <= text.size() && !text.empty()) {
        const std::size_t comma = text.find(',', start);
        const std::string item =
            text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        const std::size_t dash = item.find('-');
        if (dash == std::string::npos) {
            ports.push_back(number(item));
        } else {
            const auto first = number(item.substr(0, dash));
            const auto last = number(item.substr(dash + 1));
            if (last < first) {
                throw std::invalid_argument("empty port range: " + item);
            }
            for (unsigned port = first; port <= last; ++port) {
                ports.push_back(static_cast<std::uint16_t>(port));
            }
        }
        if (comma == std::string::npos) {
            break;
        }
        start = comma + 1;
    }
    return ports;
}

}  // namespace sluice::bench
