// Feeds arbitrary bytes to parse_packet, as a hostile peer or a short copy range could, and
// checks the promises the verdict pipeline relies on. Sanitizers catch any read out of bounds.
#include <cstddef>
#include <cstdint>
#include <span>

#include "daemon/netfilter/packet_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    sluice::ParseError why{};
    const auto headers = sluice::parse_packet(std::span<const std::uint8_t>(data, size), &why);
    if (!headers) {
        if (sluice::to_string(why) == "?") {
            __builtin_trap();
        }
        return 0;
    }
    if (headers->ip_version != 4 && headers->ip_version != 6) {
        __builtin_trap();
    }
    if (headers->ip_version == 4 && (!headers->source.is_v4() || !headers->destination.is_v4())) {
        __builtin_trap();
    }
    if (headers->is_fragment && (headers->source_port != 0 || headers->destination_port != 0)) {
        __builtin_trap();
    }
    return 0;
}
