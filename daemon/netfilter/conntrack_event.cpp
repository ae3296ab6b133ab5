#include "daemon/netfilter/conntrack_event.hpp"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include <endian.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <memory>

namespace sluice {

namespace {

struct ConntrackDeleter {
    void operator()(nf_conntrack* conntrack) const noexcept { nfct_destroy(conntrack); }
};
using ConntrackObject = std::unique_ptr<nf_conntrack, ConntrackDeleter>;

constexpr std::uint16_t message_type(std::uint8_t ctnetlink_type) {
    return static_cast<std::uint16_t>((NFNL_SUBSYS_CTNETLINK << 8) | ctnetlink_type);
}

bool has_ports(std::uint8_t protocol) {
    return protocol == IPPROTO_TCP || protocol == IPPROTO_UDP || protocol == IPPROTO_UDPLITE ||
           protocol == IPPROTO_SCTP || protocol == IPPROTO_DCCP;
}

// Attributes of one nesting level by type; parse() keeps the last of each type it knows.
template <std::size_t kMax>
struct Attributes {
    std::array<const nlattr*, kMax + 1> by_type{};

    static int collect(const nlattr* attribute, void* data) {
        auto* self = static_cast<Attributes*>(data);
        const auto type = static_cast<std::size_t>(mnl_attr_get_type(attribute));
        if (type <= kMax) {
            self->by_type[type] = attribute;
        }
        return MNL_CB_OK;
    }
    bool parse_nested(const nlattr* nest) {
        return mnl_attr_validate(nest, MNL_TYPE_NESTED) >= 0 &&
               mnl_attr_parse_nested(nest, collect, this) >= MNL_CB_STOP;
    }
    [[nodiscard]] const nlattr* get(std::size_t type) const { return by_type[type]; }
};

// Reads an attribute of a fixed size; false when it is absent or of another size.
bool read_fixed(const nlattr* attribute, void* value, std::size_t size) {
    if (attribute == nullptr || mnl_attr_get_payload_len(attribute) != size) {
        return false;
    }
    std::memcpy(value, mnl_attr_get_payload(attribute), size);
    return true;
}

bool read_address(const nlattr* attribute, std::uint8_t family, IpAddress& address) {
    if (family == AF_INET) {
        std::uint8_t octets[4];
        if (!read_fixed(attribute, octets, sizeof octets)) {
            return false;
        }
        address = IpAddress::from_v4(octets);
        return true;
    }
    IpAddress::Bytes bytes{};
    if (!read_fixed(attribute, bytes.data(), bytes.size())) {
        return false;
    }
    address = IpAddress::from_v6(bytes);
    return true;
}

std::optional<ConntrackTuple> read_tuple(const nlattr* nest, std::uint8_t family) {
    Attributes<CTA_TUPLE_MAX> tuple_attributes;
    if (nest == nullptr || !tuple_attributes.parse_nested(nest)) {
        return std::nullopt;
    }
    Attributes<CTA_IP_MAX> ip;
    Attributes<CTA_PROTO_MAX> proto;
    if (tuple_attributes.get(CTA_TUPLE_IP) == nullptr ||
        tuple_attributes.get(CTA_TUPLE_PROTO) == nullptr ||
        !ip.parse_nested(tuple_attributes.get(CTA_TUPLE_IP)) ||
        !proto.parse_nested(tuple_attributes.get(CTA_TUPLE_PROTO))) {
        return std::nullopt;
    }
    ConntrackTuple tuple;
    const bool v4 = family == AF_INET;
    if (!read_address(ip.get(v4 ? CTA_IP_V4_SRC : CTA_IP_V6_SRC), family, tuple.source) ||
        !read_address(ip.get(v4 ? CTA_IP_V4_DST : CTA_IP_V6_DST), family, tuple.destination) ||
        !read_fixed(proto.get(CTA_PROTO_NUM), &tuple.protocol, 1)) {
        return std::nullopt;
    }
    std::uint16_t source_port = 0;
    std::uint16_t destination_port = 0;
    if (has_ports(tuple.protocol) && read_fixed(proto.get(CTA_PROTO_SRC_PORT), &source_port, 2) &&
        read_fixed(proto.get(CTA_PROTO_DST_PORT), &destination_port, 2)) {
        tuple.source_port = ntohs(source_port);
        tuple.destination_port = ntohs(destination_port);
    }
    return tuple;
}

std::uint32_t read_u32_or_zero(const nlattr* attribute) {
    std::uint32_t value = 0;
    return read_fixed(attribute, &value, sizeof value) ? ntohl(value) : 0;
}

std::uint64_t read_u64_or_zero(const nlattr* attribute) {
    std::uint64_t value = 0;
    return read_fixed(attribute, &value, sizeof value) ? be64toh(value) : 0;
}

void read_counters(const nlattr* nest, std::uint64_t& packets, std::uint64_t& bytes) {
    Attributes<CTA_COUNTERS_MAX> counters;
    if (nest != nullptr && counters.parse_nested(nest)) {
        packets = read_u64_or_zero(counters.get(CTA_COUNTERS_PACKETS));
        bytes = read_u64_or_zero(counters.get(CTA_COUNTERS_BYTES));
    }
}

nlmsghdr* put_request(std::vector<std::uint8_t>& buffer, std::uint8_t ctnetlink_type,
                      std::uint16_t flags, std::uint8_t family, std::uint32_t sequence) {
    nlmsghdr* header = mnl_nlmsg_put_header(buffer.data());
    header->nlmsg_type = message_type(ctnetlink_type);
    header->nlmsg_flags = static_cast<std::uint16_t>(NLM_F_REQUEST | flags);
    header->nlmsg_seq = sequence;
    auto* generic = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(header, sizeof(nfgenmsg)));
    generic->nfgen_family = family;
    generic->version = NFNETLINK_V0;
    generic->res_id = 0;
    return header;
}

}  // namespace

std::optional<ConntrackEntry> parse_conntrack_message(std::span<const std::uint8_t> message) {
    if (message.size() < NLMSG_HDRLEN + sizeof(nfgenmsg)) {
        return std::nullopt;
    }
    // Netlink headers need 4-byte alignment; the caller's bytes may not have it, a heap copy
    // has (operator new aligns for any fundamental type). libmnl walks attributes up to the
    // message length rounded up to 4, so the copy is zero-padded that far.
    std::vector<std::uint8_t> aligned(NLMSG_ALIGN(message.size()), 0);
    std::copy(message.begin(), message.end(), aligned.begin());
    const auto* header = reinterpret_cast<const nlmsghdr*>(aligned.data());
    if (header->nlmsg_len < NLMSG_HDRLEN + sizeof(nfgenmsg) || header->nlmsg_len > message.size() ||
        NFNL_SUBSYS_ID(header->nlmsg_type) != NFNL_SUBSYS_CTNETLINK) {
        return std::nullopt;
    }
    ConntrackEntry entry;
    const auto type = NFNL_MSG_TYPE(header->nlmsg_type);
    if (type == IPCTNL_MSG_CT_DELETE) {
        entry.type = ConntrackEventType::kDestroy;
    } else if (type == IPCTNL_MSG_CT_NEW) {
        const bool created = (header->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL)) != 0;
        entry.type = created ? ConntrackEventType::kNew : ConntrackEventType::kUpdate;
    } else {
        return std::nullopt;
    }
    // Parsed with libmnl, not nfct_nlmsg_parse: libnetfilter_conntrack calls exit() when an
    // attribute has an unexpected size ("ABI breakage"), which no input may do to the daemon.
    const auto* generic = static_cast<const nfgenmsg*>(mnl_nlmsg_get_payload(header));
    const std::uint8_t family = generic->nfgen_family;
    if (family != AF_INET && family != AF_INET6) {
        return std::nullopt;
    }
    Attributes<CTA_MAX> top;
    if (mnl_attr_parse(header, sizeof(nfgenmsg), Attributes<CTA_MAX>::collect, &top) <
        MNL_CB_STOP) {
        return std::nullopt;
    }
    const auto original = read_tuple(top.get(CTA_TUPLE_ORIG), family);
    const auto reply = read_tuple(top.get(CTA_TUPLE_REPLY), family);
    if (!original || !reply) {
        return std::nullopt;
    }
    entry.original = *original;
    entry.reply = *reply;
    entry.id = read_u32_or_zero(top.get(CTA_ID));
    entry.mark = read_u32_or_zero(top.get(CTA_MARK));
    read_counters(top.get(CTA_COUNTERS_ORIG), entry.counters.packets_original,
                  entry.counters.bytes_original);
    read_counters(top.get(CTA_COUNTERS_REPLY), entry.counters.packets_reply,
                  entry.counters.bytes_reply);
    return entry;
}

std::vector<std::span<const std::uint8_t>> split_netlink_datagram(
    std::span<const std::uint8_t> datagram) {
    std::vector<std::span<const std::uint8_t>> messages;
    while (datagram.size() >= sizeof(nlmsghdr)) {
        std::uint32_t length = 0;
        std::memcpy(&length, datagram.data() + offsetof(nlmsghdr, nlmsg_len), sizeof length);
        if (length < sizeof(nlmsghdr) || length > datagram.size()) {
            break;
        }
        messages.push_back(datagram.first(length));
        datagram = datagram.subspan(std::min<std::size_t>(NLMSG_ALIGN(length), datagram.size()));
    }
    return messages;
}

std::vector<std::uint8_t> build_conntrack_mark_request(const ConntrackTuple& original,
                                                       std::uint32_t value, std::uint32_t mask,
                                                       std::uint32_t sequence) {
    std::vector<std::uint8_t> buffer(MNL_SOCKET_BUFFER_SIZE);
    const std::uint8_t family = original.source.is_v4() ? AF_INET : AF_INET6;
    nlmsghdr* header = put_request(buffer, IPCTNL_MSG_CT_NEW, NLM_F_ACK, family, sequence);
    const ConntrackObject conntrack(nfct_new());
    if (!conntrack) {
        return {};
    }
    nf_conntrack* ct = conntrack.get();
    nfct_set_attr_u8(ct, ATTR_L3PROTO, family);
    if (family == AF_INET) {
        std::uint32_t source = 0;
        std::uint32_t destination = 0;
        std::memcpy(&source, original.source.family_bytes(), 4);
        std::memcpy(&destination, original.destination.family_bytes(), 4);
        nfct_set_attr_u32(ct, ATTR_IPV4_SRC, source);
        nfct_set_attr_u32(ct, ATTR_IPV4_DST, destination);
    } else {
        nfct_set_attr(ct, ATTR_IPV6_SRC, original.source.bytes().data());
        nfct_set_attr(ct, ATTR_IPV6_DST, original.destination.bytes().data());
    }
    nfct_set_attr_u8(ct, ATTR_L4PROTO, original.protocol);
    if (has_ports(original.protocol)) {
        nfct_set_attr_u16(ct, ATTR_PORT_SRC, htons(original.source_port));
        nfct_set_attr_u16(ct, ATTR_PORT_DST, htons(original.destination_port));
    }
    nfct_set_attr_u32(ct, ATTR_MARK, value);
    if (nfct_nlmsg_build(header, ct) < 0) {
        return {};
    }
    mnl_attr_put_u32(header, CTA_MARK_MASK, htonl(mask));
    buffer.resize(header->nlmsg_len);
    return buffer;
}

std::vector<std::uint8_t> build_conntrack_dump_request(std::uint32_t sequence) {
    std::vector<std::uint8_t> buffer(MNL_SOCKET_BUFFER_SIZE);
    const nlmsghdr* header =
        put_request(buffer, IPCTNL_MSG_CT_GET, NLM_F_DUMP, AF_UNSPEC, sequence);
    buffer.resize(header->nlmsg_len);
    return buffer;
}

}  // namespace sluice
