#include "daemon/attribution/sock_diag_message.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <limits>
#include <vector>

namespace sluice {
namespace {

constexpr std::uint32_t kSequence = 5;
constexpr std::uint32_t kPortId = 1234;

const IpAddress kLocal4 = *IpAddress::parse("192.0.2.1");
const IpAddress kRemote4 = *IpAddress::parse("198.51.100.7");

struct BuiltRequest {
    nlmsghdr header;
    inet_diag_req_v2 request;
};

BuiltRequest build(std::uint8_t family, Protocol protocol) {
    alignas(4) std::array<std::uint8_t, kSockDiagRequestBytes> buffer{};
    const std::size_t length =
        build_sock_diag_request(buffer, family, protocol, kLocal4, 40000, kRemote4, 443, kSequence);
    EXPECT_EQ(length, kSockDiagRequestBytes);
    BuiltRequest built{};
    std::memcpy(&built.header, buffer.data(), sizeof(nlmsghdr));
    std::memcpy(&built.request, buffer.data() + sizeof(nlmsghdr), sizeof(inet_diag_req_v2));
    return built;
}

std::array<std::uint8_t, 16> bytes_of(const __be32 (&field)[4]) {
    std::array<std::uint8_t, 16> bytes{};
    std::memcpy(bytes.data(), field, bytes.size());
    return bytes;
}

std::array<std::uint8_t, 16> v4_bytes(const IpAddress& address) {
    std::array<std::uint8_t, 16> bytes{};
    std::memcpy(bytes.data(), address.family_bytes(), 4);
    return bytes;
}

// A netlink message as the kernel would send it: header + payload (+ trailing bytes).
std::vector<std::uint8_t> message(std::uint16_t type, const void* payload, std::size_t length,
                                  std::uint32_t sequence = kSequence,
                                  std::uint32_t port_id = kPortId) {
    nlmsghdr header{};
    header.nlmsg_len = static_cast<std::uint32_t>(sizeof(header) + length);
    header.nlmsg_type = type;
    header.nlmsg_seq = sequence;
    header.nlmsg_pid = port_id;
    std::vector<std::uint8_t> bytes(sizeof(header) + length);
    std::memcpy(bytes.data(), &header, sizeof(header));
    std::memcpy(bytes.data() + sizeof(header), payload, length);
    return bytes;
}

std::vector<std::uint8_t> socket_answer(std::uint8_t state, std::uint32_t inode, std::uint32_t uid,
                                        std::uint32_t sequence = kSequence) {
    inet_diag_msg diag{};
    diag.idiag_family = AF_INET;
    diag.idiag_state = state;
    diag.idiag_inode = inode;
    diag.idiag_uid = uid;
    return message(SOCK_DIAG_BY_FAMILY, &diag, sizeof(diag), sequence);
}

std::vector<std::uint8_t> error_answer(int error) {
    nlmsgerr payload{};
    payload.error = error;
    return message(NLMSG_ERROR, &payload, sizeof(payload));
}

std::string error_text(const std::vector<std::uint8_t>& answer) {
    auto parsed = parse_sock_diag_answer(answer, kSequence, kPortId);
    return parsed.ok() ? "(no error)" : parsed.error().message();
}

TEST(SockDiagRequest, IsAnExactLookupWithoutCookie) {
    const BuiltRequest built = build(AF_INET, Protocol::kTcp);
    EXPECT_EQ(built.header.nlmsg_type, SOCK_DIAG_BY_FAMILY);
    EXPECT_EQ(built.header.nlmsg_flags, NLM_F_REQUEST);  // no NLM_F_DUMP
    EXPECT_EQ(built.header.nlmsg_seq, kSequence);
    EXPECT_EQ(built.header.nlmsg_len, kSockDiagRequestBytes);
    EXPECT_EQ(built.request.sdiag_family, AF_INET);
    EXPECT_EQ(built.request.sdiag_protocol, IPPROTO_TCP);
    EXPECT_EQ(built.request.id.idiag_cookie[0], INET_DIAG_NOCOOKIE);
    EXPECT_EQ(built.request.id.idiag_cookie[1], INET_DIAG_NOCOOKIE);
    EXPECT_EQ(built.request.id.idiag_if, 0U);
}

TEST(SockDiagRequest, TcpPutsLocalSideInIdiagSrc) {
    const BuiltRequest built = build(AF_INET, Protocol::kTcp);
    EXPECT_EQ(bytes_of(built.request.id.idiag_src), v4_bytes(kLocal4));
    EXPECT_EQ(bytes_of(built.request.id.idiag_dst), v4_bytes(kRemote4));
    EXPECT_EQ(ntohs(built.request.id.idiag_sport), 40000);
    EXPECT_EQ(ntohs(built.request.id.idiag_dport), 443);
}

TEST(SockDiagRequest, UdpPutsRemoteSideInIdiagSrc) {
    const BuiltRequest built = build(AF_INET, Protocol::kUdp);
    EXPECT_EQ(built.request.sdiag_protocol, IPPROTO_UDP);
    EXPECT_EQ(bytes_of(built.request.id.idiag_src), v4_bytes(kRemote4));
    EXPECT_EQ(bytes_of(built.request.id.idiag_dst), v4_bytes(kLocal4));
    EXPECT_EQ(ntohs(built.request.id.idiag_sport), 443);
    EXPECT_EQ(ntohs(built.request.id.idiag_dport), 40000);
}

TEST(SockDiagRequest, Ipv4TupleOnIpv6FamilyIsSentV4Mapped) {
    const BuiltRequest built = build(AF_INET6, Protocol::kTcp);
    EXPECT_EQ(built.request.sdiag_family, AF_INET6);
    EXPECT_EQ(bytes_of(built.request.id.idiag_src), kLocal4.bytes());
    EXPECT_EQ(bytes_of(built.request.id.idiag_dst), kRemote4.bytes());
}

TEST(SockDiagAnswer, SocketMessageGivesInodeAndUid) {
    auto parsed =
        parse_sock_diag_answer(socket_answer(TCP_ESTABLISHED, 777, 1000), kSequence, kPortId);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message();
    EXPECT_EQ(*parsed, std::optional<SocketOwner>(SocketOwner{777, 1000}));
}

TEST(SockDiagAnswer, EnoentMeansNoSocket) {
    auto parsed = parse_sock_diag_answer(error_answer(-ENOENT), kSequence, kPortId);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message();
    EXPECT_FALSE(parsed->has_value());
}

TEST(SockDiagAnswer, MinisocketsBelongToNoProcess) {
    for (const std::uint8_t state : {TCP_TIME_WAIT, TCP_SYN_RECV}) {
        auto parsed = parse_sock_diag_answer(socket_answer(state, 0, 0), kSequence, kPortId);
        ASSERT_TRUE(parsed.ok()) << parsed.error().message();
        EXPECT_FALSE(parsed->has_value()) << int{state};
    }
}

TEST(SockDiagAnswer, OtherKernelErrorsCarryTheirErrno) {
    EXPECT_EQ(error_text(error_answer(-EPERM)),
              "looking up socket with sock_diag: Operation not permitted");
}

TEST(SockDiagAnswer, AnErrorNumberThatIsNoErrnoIsAnError) {
    // Found by fuzz_sock_diag_answer: negating INT_MIN overflowed.
    EXPECT_EQ(error_text(error_answer(std::numeric_limits<int>::min())),
              "sock_diag answer carries error number -2147483648, which is no errno");
    EXPECT_EQ(error_text(error_answer(5)),
              "sock_diag answer carries error number 5, which is no errno");
}

TEST(SockDiagAnswer, WrongSequenceIsAnError) {
    auto parsed =
        parse_sock_diag_answer(socket_answer(TCP_ESTABLISHED, 777, 1000, 4), kSequence, kPortId);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.error().message(), "sock_diag answer has sequence 4, expected 5");
}

TEST(SockDiagAnswer, WrongPortIdIsAnError) {
    inet_diag_msg diag{};
    EXPECT_EQ(error_text(message(SOCK_DIAG_BY_FAMILY, &diag, sizeof(diag), kSequence, 99)),
              "sock_diag answer is addressed to port 99, expected 1234");
}

TEST(SockDiagAnswer, ShortPayloadIsAnError) {
    const std::uint8_t payload[8] = {};
    EXPECT_EQ(error_text(message(SOCK_DIAG_BY_FAMILY, payload, sizeof(payload))),
              "sock_diag answer payload is 8 bytes, shorter than inet_diag_msg (72 bytes)");
}

TEST(SockDiagAnswer, ShortErrorPayloadIsAnError) {
    const int error = -ENOENT;
    EXPECT_EQ(error_text(message(NLMSG_ERROR, &error, sizeof(error))),
              "sock_diag answer error payload is 4 bytes, shorter than nlmsgerr (20 bytes)");
}

TEST(SockDiagAnswer, LengthBeyondReceivedBytesIsAnError) {
    std::vector<std::uint8_t> answer = socket_answer(TCP_ESTABLISHED, 777, 1000);
    answer.resize(40);
    EXPECT_EQ(error_text(answer), "sock_diag answer claims 88 bytes but 40 arrived");
}

TEST(SockDiagAnswer, LengthShorterThanHeaderIsAnError) {
    std::vector<std::uint8_t> answer = socket_answer(TCP_ESTABLISHED, 777, 1000);
    const std::uint32_t bogus_length = 3;
    std::memcpy(answer.data(), &bogus_length, sizeof(bogus_length));
    EXPECT_EQ(error_text(answer), "sock_diag answer claims 3 bytes, shorter than a netlink header");
}

TEST(SockDiagAnswer, FewerBytesThanAHeaderIsAnError) {
    EXPECT_EQ(error_text({1, 2, 3}), "sock_diag answer is 3 bytes, shorter than a netlink header");
}

TEST(SockDiagAnswer, UnexpectedTypeIsAnError) {
    inet_diag_msg diag{};
    EXPECT_EQ(error_text(message(NLMSG_DONE, &diag, sizeof(diag))),
              "sock_diag answer has unexpected type 3");
}

TEST(SockDiagAnswer, AcknowledgementIsAnError) {
    EXPECT_EQ(error_text(error_answer(0)),
              "sock_diag answer is an acknowledgement without a socket");
}

}  // namespace
}  // namespace sluice
