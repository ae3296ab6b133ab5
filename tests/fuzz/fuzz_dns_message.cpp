// Feeds arbitrary bytes to the DNS observer's parsers: first as a captured IP packet (the
// payload extraction), then each payload and the raw input as a DNS response. Checks the
// promises the cache relies on; sanitizers catch any read out of bounds.
#include <cstddef>
#include <cstdint>
#include <span>

#include "daemon/attribution/dns_message.hpp"
#include "daemon/attribution/dns_packet_payload.hpp"

namespace {

void check_response(std::span<const std::uint8_t> message) {
    sluice::DnsParseError why{};
    const auto answers = sluice::parse_dns_response(message, &why);
    if (!answers) {
        if (sluice::to_string(why) == "?") {
            __builtin_trap();
        }
        return;
    }
    for (const auto& answer : *answers) {
        if (answer.names.empty() || answer.names.size() > sluice::kMaxDnsCnameChain + 1) {
            __builtin_trap();
        }
        for (const auto& name : answer.names) {
            if (name.empty() || name.size() > 253 || name.back() == '.') {
                __builtin_trap();
            }
            for (const char c : name) {
                if (c >= 'A' && c <= 'Z') {
                    __builtin_trap();
                }
            }
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> input(data, size);
    for (const auto payload : sluice::dns_payloads_of_packet(input)) {
        if (payload.data() < input.data() ||
            payload.data() + payload.size() > input.data() + input.size()) {
            __builtin_trap();
        }
        check_response(payload);
    }
    check_response(input);
    return 0;
}
