#include "daemon/attribution/socket_lookup.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <unistd.h>

#include "tests/unit/attribution/loopback_sockets.hpp"

namespace sluice {
namespace {

using test::bind_to;
using test::connect_tcp;
using test::connect_to;
using test::inode_from_proc_self;
using test::listen_on;
using test::local_port;
using test::make_socket;
using test::TcpConnection;

const IpAddress kLoopback4 = *IpAddress::parse("127.0.0.1");
const IpAddress kLoopback6 = *IpAddress::parse("::1");

class SocketLookupTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto opened = SocketLookup::open();
        ASSERT_TRUE(opened.ok()) << opened.error().message();
        lookup_.emplace(std::move(opened.value()));
    }

    // Asserts that the tuple resolves to `socket`, as /proc/self/fd names it, owned by us.
    void expect_owner(Protocol protocol, const IpAddress& local, std::uint16_t local_port,
                      const IpAddress& remote, std::uint16_t remote_port, const Fd& socket) {
        auto found = lookup_->find(protocol, local, local_port, remote, remote_port);
        ASSERT_TRUE(found.ok()) << found.error().message();
        ASSERT_TRUE(found->has_value())
            << "no socket for " << local.to_string() << ":" << local_port << " -> "
            << remote.to_string() << ":" << remote_port;
        EXPECT_EQ((*found)->inode, inode_from_proc_self(socket));
        EXPECT_EQ((*found)->uid, ::geteuid());
    }

    std::optional<SocketLookup> lookup_;
};

TEST_F(SocketLookupTest, FindsConnectedTcpClientSocketOfThisProcess) {
    const TcpConnection tcp = connect_tcp(listen_on(AF_INET, "127.0.0.1"), AF_INET, "127.0.0.1");

    expect_owner(Protocol::kTcp, kLoopback4, tcp.client_port, kLoopback4, tcp.server_port,
                 tcp.client);
}

TEST_F(SocketLookupTest, FindsAcceptedSocketForItsTupleAndListenerForAnUnknownPeer) {
    const TcpConnection tcp = connect_tcp(listen_on(AF_INET, "127.0.0.1"), AF_INET, "127.0.0.1");

    expect_owner(Protocol::kTcp, kLoopback4, tcp.server_port, kLoopback4, tcp.client_port,
                 tcp.accepted);
    // A SYN from a new peer is delivered to the listener: inet_lookup falls back to it.
    constexpr std::uint16_t kUnusedPeerPort = 1;  // below every ephemeral range
    expect_owner(Protocol::kTcp, kLoopback4, tcp.server_port, kLoopback4, kUnusedPeerPort,
                 tcp.listener);
}

TEST_F(SocketLookupTest, FindsTcpConnectionOverIpv6Loopback) {
    const TcpConnection tcp = connect_tcp(listen_on(AF_INET6, "::1"), AF_INET6, "::1");

    expect_owner(Protocol::kTcp, kLoopback6, tcp.client_port, kLoopback6, tcp.server_port,
                 tcp.client);
    expect_owner(Protocol::kTcp, kLoopback6, tcp.server_port, kLoopback6, tcp.client_port,
                 tcp.accepted);
}

TEST_F(SocketLookupTest, FindsIpv4TcpConnectionOnDualStackIpv6Socket) {
    // The accepted socket is AF_INET6 with peer ::ffff:127.0.0.1.
    const TcpConnection tcp =
        connect_tcp(listen_on(AF_INET6, "::", /*dual_stack=*/true), AF_INET, "127.0.0.1");

    expect_owner(Protocol::kTcp, kLoopback4, tcp.server_port, kLoopback4, tcp.client_port,
                 tcp.accepted);
}

TEST_F(SocketLookupTest, FindsConnectedUdpSocketOnEachSideOfTheFlow) {
    const Fd server = make_socket(AF_INET, SOCK_DGRAM);
    bind_to(server, AF_INET, "127.0.0.1");
    const Fd client = make_socket(AF_INET, SOCK_DGRAM);
    connect_to(client, AF_INET, "127.0.0.1", local_port(server));

    // Swapping UDP's src/dst wrongly would answer with the server for the client's tuple.
    expect_owner(Protocol::kUdp, kLoopback4, local_port(client), kLoopback4, local_port(server),
                 client);
    expect_owner(Protocol::kUdp, kLoopback4, local_port(server), kLoopback4, local_port(client),
                 server);
}

TEST_F(SocketLookupTest, FindsUnconnectedUdpSocketThatSentADatagram) {
    const Fd receiver = make_socket(AF_INET, SOCK_DGRAM);
    bind_to(receiver, AF_INET, "127.0.0.1");
    const Fd sender = make_socket(AF_INET, SOCK_DGRAM);  // sendto binds it to 0.0.0.0:ephemeral
    const sockaddr_storage destination =
        test::address_of(AF_INET, "127.0.0.1", local_port(receiver));
    const char datagram[] = "hello";
    ASSERT_EQ(::sendto(sender.get(), datagram, sizeof(datagram), 0,
                       reinterpret_cast<const sockaddr*>(&destination), sizeof(sockaddr_in)),
              static_cast<ssize_t>(sizeof(datagram)));
    char received[16] = {};
    ASSERT_EQ(::recv(receiver.get(), received, sizeof(received), 0),
              static_cast<ssize_t>(sizeof(datagram)));

    expect_owner(Protocol::kUdp, kLoopback4, local_port(sender), kLoopback4, local_port(receiver),
                 sender);
}

TEST_F(SocketLookupTest, FindsIpv4UdpSenderOnDualStackIpv6Socket) {
    const Fd receiver = make_socket(AF_INET, SOCK_DGRAM);
    bind_to(receiver, AF_INET, "127.0.0.1");
    const Fd sender = make_socket(AF_INET6, SOCK_DGRAM);
    const int v6_only = 0;
    ASSERT_EQ(::setsockopt(sender.get(), IPPROTO_IPV6, IPV6_V6ONLY, &v6_only, sizeof(v6_only)), 0);
    const sockaddr_storage destination =
        test::address_of(AF_INET6, "::ffff:127.0.0.1", local_port(receiver));
    const char datagram[] = "hello";
    ASSERT_EQ(::sendto(sender.get(), datagram, sizeof(datagram), 0,
                       reinterpret_cast<const sockaddr*>(&destination), sizeof(sockaddr_in6)),
              static_cast<ssize_t>(sizeof(datagram)));

    expect_owner(Protocol::kUdp, kLoopback4, local_port(sender), kLoopback4, local_port(receiver),
                 sender);
}

TEST_F(SocketLookupTest, ReturnsNulloptForTupleWithoutSocket) {
    // Ports taken from sockets then closed: nothing on loopback uses them now.
    std::uint16_t closed_ports[2];
    for (auto& port : closed_ports) {
        const Fd probe = make_socket(AF_INET, SOCK_STREAM);
        bind_to(probe, AF_INET, "127.0.0.1");
        port = local_port(probe);
    }
    for (const Protocol protocol : {Protocol::kTcp, Protocol::kUdp}) {
        auto found =
            lookup_->find(protocol, kLoopback4, closed_ports[0], kLoopback4, closed_ports[1]);
        ASSERT_TRUE(found.ok()) << found.error().message();
        EXPECT_FALSE(found->has_value()) << to_string(protocol);
    }
}

TEST_F(SocketLookupTest, KeepsAnsweringAfterManyLookups) {
    const TcpConnection tcp = connect_tcp(listen_on(AF_INET, "127.0.0.1"), AF_INET, "127.0.0.1");
    for (int round = 0; round < 200; ++round) {
        auto missing = lookup_->find(Protocol::kUdp, kLoopback4, 1, kLoopback4, 1);
        ASSERT_TRUE(missing.ok()) << missing.error().message();
        expect_owner(Protocol::kTcp, kLoopback4, tcp.client_port, kLoopback4, tcp.server_port,
                     tcp.client);
    }
}

TEST_F(SocketLookupTest, RejectsProtocolWithoutSockets) {
    auto found = lookup_->find(Protocol::kIcmp, kLoopback4, 0, kLoopback4, 0);
    ASSERT_FALSE(found.ok());
    EXPECT_EQ(found.error().message(),
              "socket lookup: protocol icmp is not supported (only tcp and udp)");
}

TEST_F(SocketLookupTest, RejectsMixedAddressFamilies) {
    auto found = lookup_->find(Protocol::kTcp, kLoopback4, 1, kLoopback6, 2);
    ASSERT_FALSE(found.ok());
    EXPECT_EQ(found.error().message(),
              "socket lookup: local address 127.0.0.1 and remote address ::1 differ in family");
}

}  // namespace
}  // namespace sluice
