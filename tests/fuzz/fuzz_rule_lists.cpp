// Feeds arbitrary bytes to the host_list and ip_list parsers, then looks up names and
// addresses taken from the same bytes so lookups run on whatever the parsers built.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "rules/domain_list.hpp"
#include "rules/ip_list.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    sluice::Diagnostics diagnostics;
    const auto domains = sluice::parse_domain_list(text, "fuzz-hosts.txt", diagnostics);
    const auto prefixes = sluice::parse_ip_list(text, "fuzz-nets.txt", diagnostics);
    for (const auto& diagnostic : diagnostics) {
        (void)diagnostic.to_string();
    }

    // Each line doubles as a lookup key, so entries that parsed are also found.
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        const auto line = text.substr(start, end - start);
        (void)domains.match(line);
        if (const auto address = sluice::IpAddress::parse(line.substr(0, line.find('/')))) {
            (void)prefixes.longest_match(*address);
        }
        start = end + 1;
    }
    return 0;
}
