#include "daemon/live_flow_dict.hpp"

#include "daemon/decision_log.hpp"
#include "dbus/connection_dict.hpp"
#include "rules/timestamp.hpp"

namespace sluice {

VariantDict live_flow_dict(const LiveFlow& flow) {
    VariantDict dict;
    if (flow.connection) {
        dict = connection_dict(*flow.connection);
    } else {
        const auto& tuple = flow.original;
        dict.emplace("protocol",
                     sdbus::Variant(std::string(to_string(protocol_from_number(tuple.protocol)))));
        dict.emplace("src", sdbus::Variant(tuple.source.to_string()));
        dict.emplace("sport", sdbus::Variant(tuple.source_port));
        dict.emplace("dst", sdbus::Variant(tuple.destination.to_string()));
        dict.emplace("dport", sdbus::Variant(tuple.destination_port));
    }
    dict.insert_or_assign("verdict", sdbus::Variant(std::string(to_string(flow.decision))));
    dict.insert_or_assign("rule", sdbus::Variant(flow.rule_id));
    if (flow.decided_at != std::chrono::system_clock::time_point{}) {
        dict.insert_or_assign("decided", sdbus::Variant(format_timestamp(flow.decided_at)));
    }
    const auto& counters = flow.counters;
    dict.insert_or_assign("bytes_sent", sdbus::Variant(counters.bytes_original));
    dict.insert_or_assign("bytes_received", sdbus::Variant(counters.bytes_reply));
    dict.insert_or_assign("packets_sent", sdbus::Variant(counters.packets_original));
    dict.insert_or_assign("packets_received", sdbus::Variant(counters.packets_reply));
    dict.insert_or_assign("bytes", sdbus::Variant(counters.bytes_original + counters.bytes_reply));
    dict.insert_or_assign("packets",
                          sdbus::Variant(counters.packets_original + counters.packets_reply));
    return dict;
}

}  // namespace sluice
