// The far end of the bench scenarios: accepts TCP connections and closes them at once, and
// echoes every UDP datagram to its sender. One thread, epoll, dual-stack sockets ([::] also
// takes IPv4), so the server is never what limits a measurement of the client side's firewall.
//
//   sink_server [--tcp 9000,9001] [--udp 9100-9163]
//
// Prints "listening" once every socket is bound; on SIGTERM/SIGINT prints its counters as one
// JSON line and exits.

#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/tools/arguments.hpp"
#include "bench/tools/socket_address.hpp"
#include "daemon/base/fd.hpp"
#include "daemon/base/result.hpp"

namespace sluice::bench {
namespace {

// Above the accept rate the client can reach while the sink waits for a CPU on a busy machine:
// an overflow drops the SYN and costs the client a 1 s retransmission.
constexpr int kListenBacklog = 65535;
constexpr std::size_t kDatagramSlots = 64;
constexpr std::size_t kDatagramBytes = 2048;

struct SinkCounters {
    std::uint64_t accepted = 0;
    std::uint64_t datagrams = 0;
    std::uint64_t echo_failures = 0;
};

Result<Fd> bound_socket(int type, std::uint16_t port) {
    Fd socket(::socket(AF_INET6, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!socket) {
        return Error::from_errno("cannot create socket");
    }
    const int off = 0;
    const int on = 1;
    (void)::setsockopt(socket.get(), IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    (void)::setsockopt(socket.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    const SocketAddress any = SocketAddress::any(AF_INET6, port);
    if (::bind(socket.get(), any.get(), any.length) != 0) {
        return Error::from_errno("cannot bind port " + std::to_string(port));
    }
    if (type == SOCK_STREAM && ::listen(socket.get(), kListenBacklog) != 0) {
        return Error::from_errno("cannot listen on port " + std::to_string(port));
    }
    return socket;
}

class Sink {
  public:
    void accept_all(int listener) {
        for (;;) {
            Fd connection(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
            if (!connection) {
                if (errno == EINTR || errno == ECONNABORTED) {
                    continue;
                }
                return;  // EAGAIN, or out of fds: epoll reports the backlog again
            }
            ++counters_.accepted;
        }
    }

    void echo_all(int socket) {
        for (;;) {
            for (std::size_t i = 0; i < kDatagramSlots; ++i) {
                vectors_[i] = iovec{buffers_[i].data(), buffers_[i].size()};
                headers_[i] = mmsghdr{};
                headers_[i].msg_hdr.msg_name = &sources_[i];
                headers_[i].msg_hdr.msg_namelen = sizeof sources_[i];
                headers_[i].msg_hdr.msg_iov = &vectors_[i];
                headers_[i].msg_hdr.msg_iovlen = 1;
            }
            const int received =
                ::recvmmsg(socket, headers_.data(), kDatagramSlots, MSG_DONTWAIT, nullptr);
            if (received <= 0) {
                return;
            }
            for (int i = 0; i < received; ++i) {
                const auto slot = static_cast<std::size_t>(i);
                vectors_[slot].iov_len = headers_[slot].msg_len;
            }
            counters_.datagrams += static_cast<std::uint64_t>(received);
            const int sent =
                ::sendmmsg(socket, headers_.data(), static_cast<unsigned>(received), MSG_DONTWAIT);
            if (sent < received) {
                counters_.echo_failures += static_cast<std::uint64_t>(received - std::max(sent, 0));
            }
            if (static_cast<std::size_t>(received) < kDatagramSlots) {
                return;
            }
        }
    }

    [[nodiscard]] const SinkCounters& counters() const { return counters_; }

  private:
    std::array<std::array<char, kDatagramBytes>, kDatagramSlots> buffers_{};
    std::array<sockaddr_in6, kDatagramSlots> sources_{};
    std::array<iovec, kDatagramSlots> vectors_{};
    std::array<mmsghdr, kDatagramSlots> headers_{};
    SinkCounters counters_;
};

int run(const std::vector<std::uint16_t>& tcp_ports, const std::vector<std::uint16_t>& udp_ports) {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    if (::sigprocmask(SIG_BLOCK, &signals, nullptr) != 0) {
        std::perror("sink_server: cannot block signals");
        return 1;
    }
    Fd signal_fd(::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK));
    Fd epoll(::epoll_create1(EPOLL_CLOEXEC));
    if (!signal_fd || !epoll) {
        std::perror("sink_server: cannot create signalfd or epoll");
        return 1;
    }
    // The epoll data is the index into `sockets`; the last index is the signalfd.
    std::vector<Fd> sockets;
    std::vector<bool> is_listener;
    auto add = [&](int type, std::uint16_t port) -> bool {
        auto socket = bound_socket(type, port);
        if (!socket) {
            std::fprintf(stderr, "sink_server: %s\n", socket.error().message().c_str());
            return false;
        }
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.u64 = sockets.size();
        if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, socket->get(), &event) != 0) {
            std::perror("sink_server: epoll_ctl");
            return false;
        }
        sockets.push_back(std::move(*socket));
        is_listener.push_back(type == SOCK_STREAM);
        return true;
    };
    for (const auto port : tcp_ports) {
        if (!add(SOCK_STREAM, port)) {
            return 1;
        }
    }
    for (const auto port : udp_ports) {
        if (!add(SOCK_DGRAM, port)) {
            return 1;
        }
    }
    epoll_event stop_event{};
    stop_event.events = EPOLLIN;
    stop_event.data.u64 = sockets.size();
    if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, signal_fd.get(), &stop_event) != 0) {
        std::perror("sink_server: epoll_ctl");
        return 1;
    }
    std::printf("listening\n");
    std::fflush(stdout);

    Sink sink;
    std::array<epoll_event, 64> events{};
    bool stopping = false;
    while (!stopping) {
        const int ready = ::epoll_wait(epoll.get(), events.data(), events.size(), -1);
        if (ready < 0 && errno != EINTR) {
            std::perror("sink_server: epoll_wait");
            return 1;
        }
        for (int i = 0; i < ready; ++i) {
            const auto index = events[static_cast<std::size_t>(i)].data.u64;
            if (index == sockets.size()) {
                stopping = true;
            } else if (is_listener[index]) {
                sink.accept_all(sockets[index].get());
            } else {
                sink.echo_all(sockets[index].get());
            }
        }
    }
    const auto& counters = sink.counters();
    std::printf("{\"accepted\": %llu, \"datagrams\": %llu, \"echo_failures\": %llu}\n",
                static_cast<unsigned long long>(counters.accepted),
                static_cast<unsigned long long>(counters.datagrams),
                static_cast<unsigned long long>(counters.echo_failures));
    return 0;
}

}  // namespace
}  // namespace sluice::bench

int main(int argc, char** argv) {
    std::vector<std::uint16_t> tcp_ports;
    std::vector<std::uint16_t> udp_ports;
    try {
        sluice::bench::Arguments arguments(argc, argv);
        tcp_ports = sluice::bench::parse_ports(arguments.text("--tcp", ""));
        udp_ports = sluice::bench::parse_ports(arguments.text("--udp", ""));
        arguments.finish();
        if (tcp_ports.empty() && udp_ports.empty()) {
            throw std::invalid_argument("give --tcp PORTS and/or --udp PORTS");
        }
    } catch (const std::invalid_argument& error) {
        std::fprintf(stderr, "sink_server: %s\n", error.what());
        return 2;
    }
    return sluice::bench::run(tcp_ports, udp_ports);
}
