// Feeds arbitrary bytes to the host_list and ip_list parsers, then looks up names and
// addresses taken from the same bytes so lookups run on whatever the parsers built. When the
// text parsed without a problem, a line holding just a domain must be found again (aborting
// otherwise, which libFuzzer reports), so the packed hash set cannot lose entries.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "rules/domain_list.hpp"
#include "rules/ip_list.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    sluice::Diagnostics domain_diagnostics;
    sluice::Diagnostics prefix_diagnostics;
    const auto domains = sluice::parse_domain_list(text, "fuzz-hosts.txt", domain_diagnostics);
    const auto prefixes = sluice::parse_ip_list(text, "fuzz-nets.txt", prefix_diagnostics);
    for (const auto* diagnostics : {&domain_diagnostics, &prefix_diagnostics}) {
        for (const auto& diagnostic : *diagnostics) {
            (void)diagnostic.to_string();
        }
    }
    const bool clean = domain_diagnostics.empty();

    // Each line doubles as a lookup key, so entries that parsed are also found.
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) {
            end = text.size();
        }
        const auto line = text.substr(start, end - start);
        (void)domains.match(line);
        const bool plain =
            !line.empty() && line.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_.*") ==
                                 std::string_view::npos;
        if (clean && plain) {
            if (const auto pattern = sluice::HostPattern::parse(line)) {
                // Names are looked up normalized (no trailing dot), as Connection has them.
                const auto entry =
                    domains.match(pattern->subdomains_only ? "x." + pattern->name : pattern->name);
                const bool listed = entry && (pattern->subdomains_only || entry->exact);
                if (!listed) {
                    std::abort();
                }
            }
        }
        if (const auto address = sluice::IpAddress::parse(line.substr(0, line.find('/')))) {
            (void)prefixes.longest_match(*address);
        }
        start = end + 1;
    }
    return 0;
}
