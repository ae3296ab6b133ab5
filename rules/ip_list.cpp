#include "rules/ip_list.hpp"

#include <algorithm>

#include "rules/list_file_text.hpp"

namespace sluice {

namespace {

// IPv4 addresses live in ::ffff:0:0/96; any prefix this long or longer that contains one is
// an IPv4 prefix.
constexpr std::uint8_t kMappedV4Bits = 96;

bool prefix_less(const IpPrefix& a, const IpPrefix& b) {
    if (a.length != b.length) {
        return a.length < b.length;
    }
    return a.address.bytes() < b.address.bytes();
}

IpAddress masked(const IpAddress& address, std::uint8_t length) {
    auto bytes = address.bytes();
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const int kept_bits = std::clamp(static_cast<int>(length) - static_cast<int>(i) * 8, 0, 8);
        bytes[i] &= static_cast<std::uint8_t>(0xff00u >> kept_bits);
    }
    return IpAddress::from_v6(bytes);
}

}  // namespace

IpList::IpList(std::vector<IpPrefix> prefixes) : prefixes_(std::move(prefixes)) {
    std::sort(prefixes_.begin(), prefixes_.end(), prefix_less);
    prefixes_.erase(std::unique(prefixes_.begin(), prefixes_.end()), prefixes_.end());
    for (auto it = prefixes_.rbegin(); it != prefixes_.rend(); ++it) {
        if (lengths_.empty() || lengths_.back() != it->length) {
            lengths_.push_back(it->length);
        }
    }
}

std::optional<std::uint8_t> IpList::longest_match(const IpAddress& address) const {
    for (const auto length : lengths_) {
        if (address.is_v4() && length < kMappedV4Bits) {
            break;  // an IPv6 prefix such as ::/0 also spans the mapped space but means IPv6
        }
        const IpPrefix wanted{masked(address, length), length};
        if (std::binary_search(prefixes_.begin(), prefixes_.end(), wanted, prefix_less)) {
            return length;
        }
    }
    return std::nullopt;
}

IpList parse_ip_list(std::string_view text, const std::string& file_name,
                     Diagnostics& diagnostics) {
    ListErrors errors(file_name, diagnostics);
    if (text.size() > kMaxListFileBytes) {
        errors.report(0, 0, "list is larger than " + std::to_string(kMaxListFileBytes) + " bytes");
        return {};
    }
    std::vector<IpPrefix> prefixes;
    ListFileText lines(text);
    std::vector<ListToken> tokens;
    int line = 0;
    while (lines.next_line(line, tokens)) {
        if (prefixes.size() >= kMaxListEntries) {
            errors.report(line, tokens.front().column,
                          "list has more than " + std::to_string(kMaxListEntries) + " entries");
            break;
        }
        if (tokens.size() > 1) {
            if (!errors.report(line, tokens[1].column, "expected one address or prefix per line")) {
                break;
            }
            continue;
        }
        std::string problem;
        if (auto prefix = IpPrefix::parse(tokens.front().text, &problem)) {
            prefixes.push_back(*prefix);
        } else if (!errors.report(line, tokens.front().column, problem)) {
            break;
        }
    }
    return IpList(std::move(prefixes));
}

std::optional<IpList> load_ip_list(const std::string& path, Diagnostics& diagnostics) {
    return load_list_file(path, "IP list", parse_ip_list, diagnostics);
}

}  // namespace sluice
