#include "daemon/attribution/dns_packet_observer.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "daemon/base/fd.hpp"
#include "tests/unit/dns/dns_wire.hpp"

namespace sluice {
namespace {

using test::DnsWire;

// Real kernel, loopback only: a "resolver" socket on 127.0.0.77 sends answers to a client
// socket on 127.0.0.1, as a local stub resolver would.
class DnsPacketObserverTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto observer = DnsPacketObserver::open();
        if (!observer && observer.error().errno_value == EPERM) {
            GTEST_SKIP() << "needs CAP_NET_RAW";
        }
        ASSERT_TRUE(observer.ok()) << observer.error().message();
        observer_ = std::move(*observer);
        client_ = bound_udp("127.0.0.1", 0);
        resolver_ = bound_udp("127.0.0.77", resolver_port_);
        ASSERT_TRUE(client_.valid() && resolver_.valid()) << std::strerror(errno);
        sockaddr_in address{};
        socklen_t length = sizeof address;
        ASSERT_EQ(::getsockname(client_.get(), reinterpret_cast<sockaddr*>(&address), &length), 0);
        client_address_ = address;
    }

    static Fd bound_udp(const char* host, std::uint16_t port) {
        Fd socket(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        ::inet_pton(AF_INET, host, &address.sin_addr);
        if (!socket || ::bind(socket.get(), reinterpret_cast<const sockaddr*>(&address),
                              sizeof address) != 0) {
            return Fd();
        }
        return socket;
    }

    // Sends `message` from the resolver socket and waits until the client has received it.
    void deliver(const std::vector<std::uint8_t>& message) {
        ASSERT_EQ(
            ::sendto(resolver_.get(), message.data(), message.size(), 0,
                     reinterpret_cast<const sockaddr*>(&client_address_), sizeof client_address_),
            static_cast<ssize_t>(message.size()));
        std::vector<std::uint8_t> received(4096);
        ASSERT_EQ(::recv(client_.get(), received.data(), received.size(), 0),
                  static_cast<ssize_t>(message.size()));
    }

    std::unique_ptr<DnsPacketObserver> observer_;
    std::uint16_t resolver_port_ = 53;
    Fd client_;
    Fd resolver_;
    sockaddr_in client_address_{};
    DnsCache cache_;
    DnsCache::TimePoint now_{std::chrono::seconds(10)};
};

TEST_F(DnsPacketObserverTest, AnAnswerIsInTheRingByTheTimeTheClientHasIt) {
    // No waiting between the client's recv() and the drain: the frame must already be there.
    for (int i = 0; i < 200; ++i) {
        const std::string name = "n" + std::to_string(i) + ".observer.test";
        const std::uint8_t last = static_cast<std::uint8_t>(i % 250 + 1);
        DnsWire wire(name);
        wire.a(name, 300, {198, 51, 100, last});
        deliver(wire.bytes());
        observer_->drain(cache_, now_);
        const auto names =
            cache_.names_of(*IpAddress::parse("198.51.100." + std::to_string(last)), now_);
        ASSERT_FALSE(names.empty()) << "answer " << i << " was not in the ring";
        EXPECT_EQ(names.front(), name);
    }
}

TEST_F(DnsPacketObserverTest, PacketsFromOtherPortsAreFilteredOut) {
    resolver_port_ = 5353;
    resolver_ = bound_udp("127.0.0.78", resolver_port_);
    ASSERT_TRUE(resolver_.valid());
    DnsWire wire("mdns.observer.test");
    wire.a("mdns.observer.test", 300, {198, 51, 100, 251});
    deliver(wire.bytes());
    observer_->drain(cache_, now_);
    // The parser does not look at ports: only the filter keeps this answer out.
    EXPECT_TRUE(cache_.names_of(*IpAddress::parse("198.51.100.251"), now_).empty());
}

TEST_F(DnsPacketObserverTest, MalformedAnswersAreCountedAndSkipped) {
    observer_->drain(cache_, now_);
    const auto before = observer_->counters().malformed;
    deliver({0x12, 0x34, 0x81});
    observer_->drain(cache_, now_);
    EXPECT_EQ(observer_->counters().malformed - before, 1u);
}

}  // namespace
}  // namespace sluice
