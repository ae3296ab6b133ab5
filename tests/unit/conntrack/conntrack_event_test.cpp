#include "daemon/netfilter/conntrack_event.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include <cstring>
#include <memory>

namespace sluice {
namespace {

struct ConntrackDeleter {
    void operator()(nf_conntrack* conntrack) const { nfct_destroy(conntrack); }
};
using ConntrackObject = std::unique_ptr<nf_conntrack, ConntrackDeleter>;

const IpAddress kClient = *IpAddress::parse("10.77.0.1");
const IpAddress kServer = *IpAddress::parse("10.77.0.2");

std::uint32_t v4(const IpAddress& address) {
    std::uint32_t value = 0;
    std::memcpy(&value, address.family_bytes(), 4);
    return value;
}

// A ctnetlink message as the kernel sends it, built with libnetfilter_conntrack.
std::vector<std::uint8_t> kernel_message(std::uint8_t type, std::uint16_t flags,
                                         const nf_conntrack* conntrack, std::uint8_t family) {
    std::vector<std::uint8_t> buffer(MNL_SOCKET_BUFFER_SIZE);
    nlmsghdr* header = mnl_nlmsg_put_header(buffer.data());
    header->nlmsg_type = static_cast<std::uint16_t>((NFNL_SUBSYS_CTNETLINK << 8) | type);
    header->nlmsg_flags = flags;
    auto* generic = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(header, sizeof(nfgenmsg)));
    generic->nfgen_family = family;
    generic->version = NFNETLINK_V0;
    EXPECT_EQ(nfct_nlmsg_build(header, conntrack), 0);
    // libnetfilter_conntrack does not build CTA_ID (only the kernel sends it).
    mnl_attr_put_u32(header, CTA_ID, htonl(4711));
    buffer.resize(header->nlmsg_len);
    return buffer;
}

ConntrackObject tcp_flow_v4() {
    ConntrackObject ct(nfct_new());
    nfct_set_attr_u8(ct.get(), ATTR_ORIG_L3PROTO, AF_INET);
    nfct_set_attr_u32(ct.get(), ATTR_ORIG_IPV4_SRC, v4(kClient));
    nfct_set_attr_u32(ct.get(), ATTR_ORIG_IPV4_DST, v4(kServer));
    nfct_set_attr_u8(ct.get(), ATTR_ORIG_L4PROTO, IPPROTO_TCP);
    nfct_set_attr_u16(ct.get(), ATTR_ORIG_PORT_SRC, htons(40000));
    nfct_set_attr_u16(ct.get(), ATTR_ORIG_PORT_DST, htons(80));
    nfct_set_attr_u8(ct.get(), ATTR_REPL_L3PROTO, AF_INET);
    nfct_set_attr_u32(ct.get(), ATTR_REPL_IPV4_SRC, v4(kServer));
    nfct_set_attr_u32(ct.get(), ATTR_REPL_IPV4_DST, v4(kClient));
    nfct_set_attr_u8(ct.get(), ATTR_REPL_L4PROTO, IPPROTO_TCP);
    nfct_set_attr_u16(ct.get(), ATTR_REPL_PORT_SRC, htons(80));
    nfct_set_attr_u16(ct.get(), ATTR_REPL_PORT_DST, htons(40000));
    nfct_set_attr_u32(ct.get(), ATTR_MARK, 0x00100000);
    return ct;
}

TEST(ConntrackEvent, ANewEventGivesBothTuplesIdAndMark) {
    const auto ct = tcp_flow_v4();
    const auto message =
        kernel_message(IPCTNL_MSG_CT_NEW, NLM_F_CREATE | NLM_F_EXCL, ct.get(), AF_INET);
    const auto entry = parse_conntrack_message(message);
    ASSERT_TRUE(entry.has_value());
    EXPECT_EQ(entry->type, ConntrackEventType::kNew);
    EXPECT_EQ(entry->original, (ConntrackTuple{kClient, kServer, 40000, 80, IPPROTO_TCP}));
    EXPECT_EQ(entry->reply, entry->original.inverse());
    EXPECT_EQ(entry->id, 4711u);
    EXPECT_EQ(entry->mark, 0x00100000u);
}

TEST(ConntrackEvent, UpdatesDestroysAndCountersAreRead) {
    auto ct = tcp_flow_v4();
    nfct_set_attr_u64(ct.get(), ATTR_ORIG_COUNTER_PACKETS, 3);
    nfct_set_attr_u64(ct.get(), ATTR_ORIG_COUNTER_BYTES, 180);
    nfct_set_attr_u64(ct.get(), ATTR_REPL_COUNTER_PACKETS, 2);
    nfct_set_attr_u64(ct.get(), ATTR_REPL_COUNTER_BYTES, 120);
    const auto update =
        parse_conntrack_message(kernel_message(IPCTNL_MSG_CT_NEW, NLM_F_MULTI, ct.get(), AF_INET));
    ASSERT_TRUE(update.has_value());
    EXPECT_EQ(update->type, ConntrackEventType::kUpdate);
    const auto destroy =
        parse_conntrack_message(kernel_message(IPCTNL_MSG_CT_DELETE, 0, ct.get(), AF_INET));
    ASSERT_TRUE(destroy.has_value());
    EXPECT_EQ(destroy->type, ConntrackEventType::kDestroy);
}

TEST(ConntrackEvent, Ipv6UdpFlowsAreRead) {
    ConntrackObject ct(nfct_new());
    const IpAddress client = *IpAddress::parse("fd77::1");
    const IpAddress server = *IpAddress::parse("fd77::2");
    nfct_set_attr_u8(ct.get(), ATTR_ORIG_L3PROTO, AF_INET6);
    nfct_set_attr(ct.get(), ATTR_ORIG_IPV6_SRC, client.bytes().data());
    nfct_set_attr(ct.get(), ATTR_ORIG_IPV6_DST, server.bytes().data());
    nfct_set_attr_u8(ct.get(), ATTR_ORIG_L4PROTO, IPPROTO_UDP);
    nfct_set_attr_u16(ct.get(), ATTR_ORIG_PORT_SRC, htons(5000));
    nfct_set_attr_u16(ct.get(), ATTR_ORIG_PORT_DST, htons(53));
    nfct_set_attr_u8(ct.get(), ATTR_REPL_L3PROTO, AF_INET6);
    nfct_set_attr(ct.get(), ATTR_REPL_IPV6_SRC, server.bytes().data());
    nfct_set_attr(ct.get(), ATTR_REPL_IPV6_DST, client.bytes().data());
    nfct_set_attr_u8(ct.get(), ATTR_REPL_L4PROTO, IPPROTO_UDP);
    nfct_set_attr_u16(ct.get(), ATTR_REPL_PORT_SRC, htons(53));
    nfct_set_attr_u16(ct.get(), ATTR_REPL_PORT_DST, htons(5000));
    const auto entry = parse_conntrack_message(
        kernel_message(IPCTNL_MSG_CT_NEW, NLM_F_CREATE, ct.get(), AF_INET6));
    ASSERT_TRUE(entry.has_value());
    EXPECT_EQ(entry->original, (ConntrackTuple{client, server, 5000, 53, IPPROTO_UDP}));
}

TEST(ConntrackEvent, MessagesCutShortOrOfOtherKindsAreRefused) {
    const auto ct = tcp_flow_v4();
    auto message = kernel_message(IPCTNL_MSG_CT_NEW, NLM_F_CREATE, ct.get(), AF_INET);
    for (std::size_t length = 0; length < message.size(); length += 7) {
        EXPECT_FALSE(parse_conntrack_message({message.data(), length}).has_value()) << length;
    }
    auto expectation = message;
    reinterpret_cast<nlmsghdr*>(expectation.data())->nlmsg_type =
        (NFNL_SUBSYS_CTNETLINK_EXP << 8) | IPCTNL_MSG_EXP_NEW;
    EXPECT_FALSE(parse_conntrack_message(expectation).has_value());
}

// Found by fuzz_conntrack_event: libmnl walks attributes up to the length rounded up to 4, so
// an attribute may end up to 3 bytes past an unaligned message (caught under ASan).
TEST(ConntrackEvent, AnAttributeRunningIntoTheAlignmentPaddingStaysInBounds) {
    const auto ct = tcp_flow_v4();
    auto message = kernel_message(IPCTNL_MSG_CT_NEW, NLM_F_CREATE, ct.get(), AF_INET);
    const std::uint32_t length = static_cast<std::uint32_t>(message.size()) + 5;
    const std::uint8_t attribute[] = {8, 0, CTA_MARK, 0, 0x12};  // 8-byte CTA_MARK, 1 byte given
    message.insert(message.end(), std::begin(attribute), std::end(attribute));
    std::memcpy(message.data(), &length, sizeof length);
    const auto entry = parse_conntrack_message(message);
    ASSERT_TRUE(entry.has_value());
    EXPECT_EQ(entry->mark, 0x12000000u);
}

TEST(ConntrackEvent, EntriesWithoutAReplyTupleAreRefused) {
    ConntrackObject ct(nfct_new());
    nfct_set_attr_u8(ct.get(), ATTR_ORIG_L3PROTO, AF_INET);
    nfct_set_attr_u32(ct.get(), ATTR_ORIG_IPV4_SRC, v4(kClient));
    nfct_set_attr_u32(ct.get(), ATTR_ORIG_IPV4_DST, v4(kServer));
    nfct_set_attr_u8(ct.get(), ATTR_ORIG_L4PROTO, IPPROTO_TCP);
    EXPECT_FALSE(parse_conntrack_message(kernel_message(IPCTNL_MSG_CT_NEW, 0, ct.get(), AF_INET)));
}

int collect_attribute(const nlattr* attribute, void* data) {
    auto* table = static_cast<const nlattr**>(data);
    const int type = mnl_attr_get_type(attribute);
    if (type <= CTA_MAX) {
        table[type] = attribute;
    }
    return MNL_CB_OK;
}

TEST(ConntrackEvent, AMarkRequestSetsOnlyOurBitsOfTheOriginalTuplesEntry) {
    const ConntrackTuple original{kClient, kServer, 40000, 80, IPPROTO_TCP};
    auto request = build_conntrack_mark_request(original, 0x00200000, 0x00700000, 9);
    ASSERT_FALSE(request.empty());
    const auto* header = reinterpret_cast<const nlmsghdr*>(request.data());
    EXPECT_EQ(header->nlmsg_len, request.size());
    EXPECT_EQ(header->nlmsg_type, (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW);
    EXPECT_EQ(header->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);  // no NLM_F_CREATE: update only
    EXPECT_EQ(header->nlmsg_seq, 9u);

    const nlattr* attributes[CTA_MAX + 1] = {};
    ASSERT_GE(mnl_attr_parse(header, sizeof(nfgenmsg), collect_attribute, attributes), 0);
    ASSERT_NE(attributes[CTA_MARK], nullptr);
    ASSERT_NE(attributes[CTA_MARK_MASK], nullptr);
    EXPECT_EQ(ntohl(mnl_attr_get_u32(attributes[CTA_MARK])), 0x00200000u);
    EXPECT_EQ(ntohl(mnl_attr_get_u32(attributes[CTA_MARK_MASK])), 0x00700000u);
    EXPECT_EQ(attributes[CTA_TUPLE_REPLY], nullptr);

    ConntrackObject parsed(nfct_new());
    ASSERT_EQ(nfct_nlmsg_parse(header, parsed.get()), 0);
    EXPECT_EQ(nfct_get_attr_u32(parsed.get(), ATTR_ORIG_IPV4_SRC), v4(kClient));
    EXPECT_EQ(nfct_get_attr_u32(parsed.get(), ATTR_ORIG_IPV4_DST), v4(kServer));
    EXPECT_EQ(ntohs(nfct_get_attr_u16(parsed.get(), ATTR_ORIG_PORT_SRC)), 40000);
    EXPECT_EQ(ntohs(nfct_get_attr_u16(parsed.get(), ATTR_ORIG_PORT_DST)), 80);
}

TEST(ConntrackEvent, ADumpRequestAsksForEveryFamily) {
    const auto request = build_conntrack_dump_request(3);
    const auto* header = reinterpret_cast<const nlmsghdr*>(request.data());
    EXPECT_EQ(header->nlmsg_type, (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET);
    EXPECT_EQ(header->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
    const auto* generic = static_cast<const nfgenmsg*>(mnl_nlmsg_get_payload(header));
    EXPECT_EQ(generic->nfgen_family, AF_UNSPEC);
}

}  // namespace
}  // namespace sluice

namespace sluice {
namespace {

std::vector<std::uint8_t> header_only(std::uint32_t length, std::size_t total) {
    std::vector<std::uint8_t> bytes(total, 0);
    std::memcpy(bytes.data(), &length, sizeof length);
    return bytes;
}

TEST(NetlinkDatagram, MessagesAreSplitAtTheirAlignedLengths) {
    auto datagram = header_only(18, 20);  // 18 bytes, padded to 20
    const auto second = header_only(16, 16);
    datagram.insert(datagram.end(), second.begin(), second.end());
    const auto messages = split_netlink_datagram(datagram);
    ASSERT_EQ(messages.size(), 2u);
    EXPECT_EQ(messages[0].size(), 18u);
    EXPECT_EQ(messages[1].data(), datagram.data() + 20);
    EXPECT_EQ(messages[1].size(), 16u);
}

TEST(NetlinkDatagram, LengthsPastTheDatagramOrBelowAHeaderEndTheSplit) {
    EXPECT_TRUE(split_netlink_datagram(header_only(0xFFFFFFFFu, 64)).empty());
    EXPECT_TRUE(split_netlink_datagram(header_only(0x80000000u, 64)).empty());
    EXPECT_TRUE(split_netlink_datagram(header_only(65, 64)).empty());
    EXPECT_TRUE(split_netlink_datagram(header_only(8, 64)).empty());
    EXPECT_TRUE(split_netlink_datagram(header_only(16, 15)).empty());
}

}  // namespace
}  // namespace sluice
