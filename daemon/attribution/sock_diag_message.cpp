#include "daemon/attribution/sock_diag_message.hpp"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace sluice {

namespace {

static_assert(kSockDiagRequestBytes == MNL_NLMSG_HDRLEN + sizeof(inet_diag_req_v2));

// Exact lookups ignore the state filter, but a zero filter reads as "none" to older kernels.
constexpr std::uint32_t kAllStates = ~0U;

void put_address(__be32 (&field)[4], std::uint8_t family, const IpAddress& address) {
    if (family == AF_INET) {
        std::memcpy(field, address.family_bytes(), 4);
    } else {
        std::memcpy(field, address.bytes().data(), 16);
    }
}

Error answer_error(const std::string& what) {
    return Error{"sock_diag answer " + what};
}

}  // namespace

std::size_t build_sock_diag_request(std::span<std::uint8_t> buffer, std::uint8_t family,
                                    Protocol protocol, const IpAddress& local,
                                    std::uint16_t local_port, const IpAddress& remote,
                                    std::uint16_t remote_port, std::uint32_t sequence) {
    std::memset(buffer.data(), 0, kSockDiagRequestBytes);
    nlmsghdr* header = mnl_nlmsg_put_header(buffer.data());
    header->nlmsg_type = SOCK_DIAG_BY_FAMILY;
    // No NLM_F_DUMP: inet_diag_cmd_exact answers with one message or an NLMSG_ERROR.
    header->nlmsg_flags = NLM_F_REQUEST;
    header->nlmsg_seq = sequence;
    auto* request = static_cast<inet_diag_req_v2*>(
        mnl_nlmsg_put_extra_header(header, sizeof(inet_diag_req_v2)));
    request->sdiag_family = family;
    request->sdiag_protocol = static_cast<std::uint8_t>(protocol);
    request->idiag_states = kAllStates;
    request->id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
    request->id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;

    // inet_diag_find_one_icsk (TCP) looks up with idiag_src as the socket's local side.
    // udp_dump_one swaps them "for historical reasons": __udp4_lib_lookup(idiag_src, ...) finds
    // the socket that would receive a datagram FROM idiag_src, so src is the remote side. That
    // is also how an unconnected (sendto) UDP socket is found: its remote side is a wildcard.
    const bool local_is_source = protocol != Protocol::kUdp;
    const IpAddress& source = local_is_source ? local : remote;
    const IpAddress& destination = local_is_source ? remote : local;
    put_address(request->id.idiag_src, family, source);
    put_address(request->id.idiag_dst, family, destination);
    request->id.idiag_sport = htons(local_is_source ? local_port : remote_port);
    request->id.idiag_dport = htons(local_is_source ? remote_port : local_port);
    return header->nlmsg_len;
}

Result<std::optional<SocketOwner>> parse_sock_diag_answer(std::span<const std::uint8_t> answer,
                                                          std::uint32_t sequence,
                                                          std::uint32_t port_id) {
    // Copies instead of casts: the bytes may be unaligned (fuzzer) and are not trusted.
    nlmsghdr header{};
    if (answer.size() < sizeof(header)) {
        return answer_error("is " + std::to_string(answer.size()) +
                            " bytes, shorter than a netlink header");
    }
    std::memcpy(&header, answer.data(), sizeof(header));
    if (header.nlmsg_len < sizeof(header)) {
        return answer_error("claims " + std::to_string(header.nlmsg_len) +
                            " bytes, shorter than a netlink header");
    }
    if (header.nlmsg_len > answer.size()) {
        return answer_error("claims " + std::to_string(header.nlmsg_len) + " bytes but " +
                            std::to_string(answer.size()) + " arrived");
    }
    if (header.nlmsg_seq != sequence) {
        return answer_error("has sequence " + std::to_string(header.nlmsg_seq) + ", expected " +
                            std::to_string(sequence));
    }
    if (header.nlmsg_pid != port_id) {
        return answer_error("is addressed to port " + std::to_string(header.nlmsg_pid) +
                            ", expected " + std::to_string(port_id));
    }
    static_assert(MNL_NLMSG_HDRLEN == sizeof(nlmsghdr));
    const std::span<const std::uint8_t> payload =
        answer.subspan(MNL_NLMSG_HDRLEN, header.nlmsg_len - MNL_NLMSG_HDRLEN);

    if (header.nlmsg_type == NLMSG_ERROR) {
        nlmsgerr error{};
        if (payload.size() < sizeof(error)) {
            return answer_error("error payload is " + std::to_string(payload.size()) +
                                " bytes, shorter than nlmsgerr (" + std::to_string(sizeof(error)) +
                                " bytes)");
        }
        std::memcpy(&error, payload.data(), sizeof(error));
        if (error.error == -ENOENT) {
            return std::optional<SocketOwner>{};
        }
        if (error.error == 0) {
            return answer_error("is an acknowledgement without a socket");
        }
        // The kernel sends a negated errno (1..4095); anything else is not one, and negating
        // INT_MIN would overflow.
        constexpr int kMaxErrno = 4095;
        if (error.error > 0 || error.error < -kMaxErrno) {
            return answer_error("carries error number " + std::to_string(error.error) +
                                ", which is no errno");
        }
        return Error{"looking up socket with sock_diag", -error.error};
    }
    if (header.nlmsg_type != SOCK_DIAG_BY_FAMILY) {
        return answer_error("has unexpected type " + std::to_string(header.nlmsg_type));
    }
    inet_diag_msg message{};
    if (payload.size() < sizeof(message)) {
        return answer_error("payload is " + std::to_string(payload.size()) +
                            " bytes, shorter than inet_diag_msg (" +
                            std::to_string(sizeof(message)) + " bytes)");
    }
    std::memcpy(&message, payload.data(), sizeof(message));
    // inet_twsk_diag_fill and inet_req_diag_fill report minisockets with uid 0 and inode 0:
    // placeholders, not an owner. A full socket in SYN_RECV without an inode (TCP Fast Open
    // child) is not held by any process yet either.
    if (message.idiag_state == TCP_TIME_WAIT ||
        (message.idiag_state == TCP_SYN_RECV && message.idiag_inode == 0)) {
        return std::optional<SocketOwner>{};
    }
    return std::optional<SocketOwner>{SocketOwner{message.idiag_inode, message.idiag_uid}};
}

}  // namespace sluice
