#include "daemon/attribution/proc_connector_message.hpp"

#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>

#include <cstring>
#include <string>

namespace sluice {

namespace {

constexpr std::size_t kNetlinkHeaderBytes = sizeof(nlmsghdr);
constexpr std::size_t kConnectorHeaderBytes = sizeof(cn_msg);
// what, cpu, timestamp_ns: the fixed part of struct proc_event before its union.
constexpr std::size_t kEventHeaderBytes = 16;
static_assert(kNetlinkHeaderBytes == 16 && kConnectorHeaderBytes == 20);
static_assert(offsetof(proc_event, event_data) == kEventHeaderBytes);

template <typename T>
T load(std::span<const std::uint8_t> bytes, std::size_t offset) {
    T value{};
    std::memcpy(&value, bytes.data() + offset, sizeof(T));
    return value;
}

template <typename T>
void store(std::span<std::uint8_t> bytes, std::size_t offset, T value) {
    std::memcpy(bytes.data() + offset, &value, sizeof(T));
}

Error malformed(const std::string& why) {
    return Error{"proc connector message: " + why};
}

// One struct proc_event of `length` bytes; the union part must hold the fields its kind uses.
Result<void> parse_event(std::span<const std::uint8_t> event, std::uint32_t connector_ack,
                         std::vector<ProcEvent>& events) {
    if (event.size() < kEventHeaderBytes) {
        return malformed("event of " + std::to_string(event.size()) + " bytes is too short");
    }
    const auto what = load<std::uint32_t>(event, 0);
    const std::span<const std::uint8_t> data = event.subspan(kEventHeaderBytes);
    ProcEvent parsed;
    parsed.connector_ack = connector_ack;
    parsed.timestamp_ns = load<std::uint64_t>(event, 8);
    std::size_t needed = 0;
    switch (what) {
        case proc_event::PROC_EVENT_NONE:
            parsed.kind = ProcEvent::Kind::kAck;
            needed = 4;
            break;
        case proc_event::PROC_EVENT_FORK:
            parsed.kind = ProcEvent::Kind::kFork;
            needed = 16;
            break;
        case proc_event::PROC_EVENT_EXEC:
            parsed.kind = ProcEvent::Kind::kExec;
            needed = 8;
            break;
        case proc_event::PROC_EVENT_UID:
            parsed.kind = ProcEvent::Kind::kUid;
            needed = 16;
            break;
        case proc_event::PROC_EVENT_GID:
            parsed.kind = ProcEvent::Kind::kGid;
            needed = 16;
            break;
        case proc_event::PROC_EVENT_EXIT:
            parsed.kind = ProcEvent::Kind::kExit;
            needed = 16;  // kernels before 4.x stop after exit_signal
            break;
        default:
            parsed.kind = ProcEvent::Kind::kOther;
            break;
    }
    if (data.size() < needed) {
        return malformed("event " + std::to_string(what) + " carries " +
                         std::to_string(data.size()) + " bytes, needs " + std::to_string(needed));
    }
    switch (parsed.kind) {
        case ProcEvent::Kind::kAck:
            parsed.ack_error = load<std::uint32_t>(data, 0);
            break;
        case ProcEvent::Kind::kFork:
            parsed.parent_pid = load<std::uint32_t>(data, 4);  // parent_tgid
            parsed.thread_id = load<std::uint32_t>(data, 8);   // child_pid
            parsed.pid = load<std::uint32_t>(data, 12);        // child_tgid
            break;
        case ProcEvent::Kind::kExec:
            parsed.thread_id = load<std::uint32_t>(data, 0);
            parsed.pid = load<std::uint32_t>(data, 4);
            break;
        case ProcEvent::Kind::kUid:
        case ProcEvent::Kind::kGid:
            parsed.thread_id = load<std::uint32_t>(data, 0);
            parsed.pid = load<std::uint32_t>(data, 4);
            parsed.real_id = load<std::uint32_t>(data, 8);
            parsed.effective_id = load<std::uint32_t>(data, 12);
            break;
        case ProcEvent::Kind::kExit:
            parsed.thread_id = load<std::uint32_t>(data, 0);
            parsed.pid = load<std::uint32_t>(data, 4);
            if (data.size() >= 24) {
                parsed.parent_pid = load<std::uint32_t>(data, 20);
            }
            break;
        case ProcEvent::Kind::kOther:
            break;
    }
    events.push_back(parsed);
    return {};
}

}  // namespace

std::size_t build_proc_connector_request(std::span<std::uint8_t> buffer, bool listen,
                                         std::uint32_t sequence, std::uint32_t port_id) {
    std::memset(buffer.data(), 0, kProcConnectorRequestBytes);
    store<std::uint32_t>(buffer, 0, static_cast<std::uint32_t>(kProcConnectorRequestBytes));
    store<std::uint16_t>(buffer, 4, NLMSG_DONE);
    store<std::uint32_t>(buffer, 8, sequence);
    store<std::uint32_t>(buffer, 12, port_id);
    const std::size_t connector = kNetlinkHeaderBytes;
    store<std::uint32_t>(buffer, connector + offsetof(cn_msg, id.idx), CN_IDX_PROC);
    store<std::uint32_t>(buffer, connector + offsetof(cn_msg, id.val), CN_VAL_PROC);
    store<std::uint32_t>(buffer, connector + offsetof(cn_msg, seq), sequence);
    store<std::uint32_t>(buffer, connector + offsetof(cn_msg, ack), port_id);
    store<std::uint16_t>(buffer, connector + offsetof(cn_msg, len), sizeof(std::uint32_t));
    store<std::uint32_t>(buffer, connector + kConnectorHeaderBytes,
                         listen ? PROC_CN_MCAST_LISTEN : PROC_CN_MCAST_IGNORE);
    return kProcConnectorRequestBytes;
}

Result<void> parse_proc_connector_datagram(std::span<const std::uint8_t> datagram,
                                           std::vector<ProcEvent>& events) {
    while (!datagram.empty()) {
        if (datagram.size() < kNetlinkHeaderBytes) {
            return malformed("trailing " + std::to_string(datagram.size()) + " bytes");
        }
        const auto length = load<std::uint32_t>(datagram, 0);
        const auto type = load<std::uint16_t>(datagram, 4);
        if (length < kNetlinkHeaderBytes || length > datagram.size()) {
            return malformed("netlink length " + std::to_string(length) + " in a " +
                             std::to_string(datagram.size()) + " byte datagram");
        }
        const std::span<const std::uint8_t> payload =
            datagram.subspan(kNetlinkHeaderBytes, length - kNetlinkHeaderBytes);
        // The connector sends every message as NLMSG_DONE (cn_netlink_send_mult).
        if (type == NLMSG_DONE) {
            if (payload.size() < kConnectorHeaderBytes) {
                return malformed("connector header cut short");
            }
            const auto index = load<std::uint32_t>(payload, offsetof(cn_msg, id.idx));
            const auto value = load<std::uint32_t>(payload, offsetof(cn_msg, id.val));
            const auto connector_ack = load<std::uint32_t>(payload, offsetof(cn_msg, ack));
            const auto data_length = load<std::uint16_t>(payload, offsetof(cn_msg, len));
            if (data_length > payload.size() - kConnectorHeaderBytes) {
                return malformed("connector length " + std::to_string(data_length) +
                                 " exceeds the message");
            }
            if (index == CN_IDX_PROC && value == CN_VAL_PROC) {
                auto parsed = parse_event(payload.subspan(kConnectorHeaderBytes, data_length),
                                          connector_ack, events);
                if (!parsed.ok()) {
                    return parsed;
                }
            }
        } else if (type != NLMSG_NOOP) {
            return malformed("unexpected netlink message type " + std::to_string(type));
        }
        const std::size_t aligned = NLMSG_ALIGN(length);
        datagram = datagram.subspan(std::min<std::size_t>(aligned, datagram.size()));
    }
    return {};
}

}  // namespace sluice
