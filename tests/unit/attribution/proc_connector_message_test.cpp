#include "daemon/attribution/proc_connector_message.hpp"

#include <gtest/gtest.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>

#include <cstring>
#include <vector>

namespace sluice {
namespace {

// One netlink message carrying one connector message carrying `event` (data_bytes of its union).
std::vector<std::uint8_t> datagram(std::uint32_t what, const std::vector<std::uint32_t>& data,
                                   std::uint32_t index = CN_IDX_PROC, std::uint32_t ack = 0) {
    const std::size_t event_bytes = 16 + data.size() * 4;
    std::vector<std::uint8_t> bytes(16 + 20 + event_bytes);
    nlmsghdr header{};
    header.nlmsg_len = static_cast<std::uint32_t>(bytes.size());
    header.nlmsg_type = NLMSG_DONE;
    std::memcpy(bytes.data(), &header, sizeof(header));
    cn_msg connector{};
    connector.id.idx = index;
    connector.id.val = CN_VAL_PROC;
    connector.ack = ack;
    connector.len = static_cast<std::uint16_t>(event_bytes);
    std::memcpy(bytes.data() + 16, &connector, sizeof(connector));
    const std::uint64_t timestamp = 5'000'000'000;
    std::memcpy(bytes.data() + 36, &what, 4);
    std::memcpy(bytes.data() + 44, &timestamp, 8);
    std::memcpy(bytes.data() + 52, data.data(), data.size() * 4);
    return bytes;
}

std::vector<ProcEvent> parse(const std::vector<std::uint8_t>& bytes) {
    std::vector<ProcEvent> events;
    const auto parsed = parse_proc_connector_datagram(bytes, events);
    EXPECT_TRUE(parsed.ok()) << parsed.error().message();
    return events;
}

TEST(ProcConnectorMessage, BuildsAListenRequestTheKernelAccepts) {
    alignas(4) std::uint8_t buffer[kProcConnectorRequestBytes] = {};
    ASSERT_EQ(build_proc_connector_request(buffer, true, 9, 4242), kProcConnectorRequestBytes);
    nlmsghdr header{};
    std::memcpy(&header, buffer, sizeof(header));
    EXPECT_EQ(header.nlmsg_len, kProcConnectorRequestBytes);
    EXPECT_EQ(header.nlmsg_type, NLMSG_DONE);
    EXPECT_EQ(header.nlmsg_seq, 9U);
    EXPECT_EQ(header.nlmsg_pid, 4242U);
    cn_msg connector{};
    std::memcpy(&connector, buffer + 16, sizeof(connector));
    EXPECT_EQ(connector.id.idx, static_cast<std::uint32_t>(CN_IDX_PROC));
    EXPECT_EQ(connector.id.val, static_cast<std::uint32_t>(CN_VAL_PROC));
    EXPECT_EQ(connector.ack, 4242U);
    EXPECT_EQ(connector.len, 4U);
    std::uint32_t op = 0;
    std::memcpy(&op, buffer + 36, 4);
    EXPECT_EQ(op, static_cast<std::uint32_t>(PROC_CN_MCAST_LISTEN));

    build_proc_connector_request(buffer, false, 10, 4242);
    std::memcpy(&op, buffer + 36, 4);
    EXPECT_EQ(op, static_cast<std::uint32_t>(PROC_CN_MCAST_IGNORE));
}

TEST(ProcConnectorMessage, ForkNamesChildAndParentThreadGroups) {
    const auto events = parse(datagram(proc_event::PROC_EVENT_FORK, {100, 100, 200, 200}));
    ASSERT_EQ(events.size(), 1U);
    EXPECT_EQ(events[0].kind, ProcEvent::Kind::kFork);
    EXPECT_EQ(events[0].pid, 200U);
    EXPECT_EQ(events[0].parent_pid, 100U);
    EXPECT_EQ(events[0].timestamp_ns, 5'000'000'000U);
    EXPECT_FALSE(events[0].is_thread());
}

TEST(ProcConnectorMessage, ThreadCreationIsMarkedAsAThread) {
    const auto events = parse(datagram(proc_event::PROC_EVENT_FORK, {100, 100, 201, 100}));
    ASSERT_EQ(events.size(), 1U);
    EXPECT_EQ(events[0].pid, 100U);
    EXPECT_EQ(events[0].thread_id, 201U);
    EXPECT_TRUE(events[0].is_thread());
}

TEST(ProcConnectorMessage, ExecExitUidAndGidCarryTheirFields) {
    auto events = parse(datagram(proc_event::PROC_EVENT_EXEC, {300, 300}));
    ASSERT_EQ(events.size(), 1U);
    EXPECT_EQ(events[0].kind, ProcEvent::Kind::kExec);
    EXPECT_EQ(events[0].pid, 300U);

    events = parse(datagram(proc_event::PROC_EVENT_EXIT, {300, 300, 0, 17, 1, 1}));
    ASSERT_EQ(events.size(), 1U);
    EXPECT_EQ(events[0].kind, ProcEvent::Kind::kExit);
    EXPECT_EQ(events[0].parent_pid, 1U);

    events = parse(datagram(proc_event::PROC_EVENT_UID, {300, 300, 1000, 0}));
    ASSERT_EQ(events.size(), 1U);
    EXPECT_EQ(events[0].kind, ProcEvent::Kind::kUid);
    EXPECT_EQ(events[0].real_id, 1000U);
    EXPECT_EQ(events[0].effective_id, 0U);

    events = parse(datagram(proc_event::PROC_EVENT_GID, {300, 300, 50, 60}));
    ASSERT_EQ(events.size(), 1U);
    EXPECT_EQ(events[0].kind, ProcEvent::Kind::kGid);
    EXPECT_EQ(events[0].effective_id, 60U);
}

TEST(ProcConnectorMessage, OldKernelExitWithoutParentIsAccepted) {
    const auto events = parse(datagram(proc_event::PROC_EVENT_EXIT, {300, 300, 0, 17}));
    ASSERT_EQ(events.size(), 1U);
    EXPECT_EQ(events[0].parent_pid, 0U);
}

TEST(ProcConnectorMessage, AckCarriesErrorAndTheRequestAckPlusOne) {
    const auto events = parse(datagram(proc_event::PROC_EVENT_NONE, {1}, CN_IDX_PROC, 4243));
    ASSERT_EQ(events.size(), 1U);
    EXPECT_EQ(events[0].kind, ProcEvent::Kind::kAck);
    EXPECT_EQ(events[0].ack_error, 1U);
    EXPECT_EQ(events[0].connector_ack, 4243U);
}

TEST(ProcConnectorMessage, UntrackedEventsAndOtherConnectorUsersAreSkipped) {
    auto events = parse(datagram(proc_event::PROC_EVENT_COMM, {1, 1, 0, 0, 0, 0}));
    ASSERT_EQ(events.size(), 1U);
    EXPECT_EQ(events[0].kind, ProcEvent::Kind::kOther);
    events = parse(datagram(proc_event::PROC_EVENT_EXEC, {5, 5}, /*index=*/7));
    EXPECT_TRUE(events.empty());
}

TEST(ProcConnectorMessage, TwoMessagesInOneDatagramAreBothRead) {
    auto bytes = datagram(proc_event::PROC_EVENT_EXEC, {1, 1});
    const auto second = datagram(proc_event::PROC_EVENT_EXIT, {1, 1, 0, 0});
    bytes.insert(bytes.end(), second.begin(), second.end());
    const auto events = parse(bytes);
    ASSERT_EQ(events.size(), 2U);
    EXPECT_EQ(events[1].kind, ProcEvent::Kind::kExit);
}

TEST(ProcConnectorMessage, MalformedMessagesAreErrorsNotCrashes) {
    std::vector<ProcEvent> events;
    auto short_fork = datagram(proc_event::PROC_EVENT_FORK, {1, 1});
    auto result = parse_proc_connector_datagram(short_fork, events);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().message(),
              "proc connector message: event 1 carries 8 bytes, needs 16");

    auto lying = datagram(proc_event::PROC_EVENT_EXEC, {1, 1});
    lying[0] = 200;  // nlmsg_len beyond the datagram
    result = parse_proc_connector_datagram(lying, events);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().message(),
              "proc connector message: netlink length 200 in a 60 byte datagram");

    auto long_connector = datagram(proc_event::PROC_EVENT_EXEC, {1, 1});
    long_connector[16 + 16] = 0xff;  // cn_msg.len
    result = parse_proc_connector_datagram(long_connector, events);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().message(),
              "proc connector message: connector length 255 exceeds the message");

    const std::vector<std::uint8_t> stub = {1, 2, 3};
    result = parse_proc_connector_datagram(stub, events);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().message(), "proc connector message: trailing 3 bytes");
    EXPECT_TRUE(events.empty());
}

}  // namespace
}  // namespace sluice
