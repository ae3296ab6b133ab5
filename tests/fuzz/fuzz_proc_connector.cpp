// Feeds arbitrary bytes to the proc connector datagram parser, as a corrupted or hostile
// netlink message could, and checks the promises the process table relies on. Sanitizers catch
// any read out of bounds.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "daemon/attribution/exec_watch.hpp"
#include "daemon/attribution/proc_connector_message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> bytes(data, size);
    std::vector<sluice::ProcEvent> events;
    const auto parsed = sluice::parse_proc_connector_datagram(bytes, events);
    // Each event needs a netlink header, a connector header and the event's fixed part.
    if (events.size() > size / (16 + 20 + 16)) {
        __builtin_trap();
    }
    for (const auto& event : events) {
        if (event.kind == sluice::ProcEvent::Kind::kAck && event.pid != 0) {
            __builtin_trap();
        }
    }
    static_cast<void>(parsed);
    // The fanotify record walker sees kernel bytes too; it must stay in bounds and never hand
    // out a descriptor from a record it did not read whole.
    std::size_t records = 0;
    static_cast<void>(sluice::parse_fanotify_events(
        bytes, [&](std::uint32_t, int, std::uint64_t) { ++records; }));
    if (records > size / 24) {
        __builtin_trap();
    }
    return 0;
}
