#include "rules/domain_list.hpp"

#include <algorithm>
#include <array>
#include <vector>

#include "rules/ip_address.hpp"
#include "rules/list_file_text.hpp"

namespace sluice {

namespace {

// Names every distribution's /etc/hosts and most hosts-format block lists start with. They are
// never learned from DNS answers, so keeping them would only add noise.
constexpr std::array<std::string_view, 12> kHostsFileBoilerplate = {
    "localhost",     "localhost.localdomain", "local",        "broadcasthost",
    "ip6-localhost", "ip6-loopback",          "ip6-localnet", "ip6-mcastprefix",
    "ip6-allnodes",  "ip6-allrouters",        "ip6-allhosts", "0.0.0.0",
};

bool is_boilerplate(std::string_view name) {
    for (const auto entry : kHostsFileBoilerplate) {
        if (name == entry) {
            return true;
        }
    }
    return IpAddress::parse(name).has_value();
}

}  // namespace

std::optional<HostMatch> DomainList::match(std::string_view host_name) const {
    if (exact_.contains(host_name)) {
        return HostMatch{true, 0};
    }
    // Longest suffix first: the first hit is the most specific.
    for (std::size_t dot = host_name.find('.'); dot != std::string_view::npos;
         dot = host_name.find('.', dot + 1)) {
        const auto suffix = host_name.substr(dot + 1);
        if (suffixes_.contains(suffix)) {
            return HostMatch{false, static_cast<std::uint16_t>(suffix.size())};
        }
    }
    return std::nullopt;
}

DomainList parse_domain_list(std::string_view text, const std::string& file_name,
                             Diagnostics& diagnostics) {
    ListErrors errors(file_name, diagnostics);
    DomainList list;
    if (text.size() > kMaxListFileBytes) {
        errors.report(0, 0, "list is larger than " + std::to_string(kMaxListFileBytes) + " bytes");
        return list;
    }
    PackedStringSet::Builder exact;
    PackedStringSet::Builder suffixes;
    // Most entries are exact names: size the buffer once instead of doubling it. Line breaks
    // are not stored, so the text without them is an upper bound.
    const auto lines_in_text = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    exact.reserve(lines_in_text + 1, text.size() - lines_in_text);
    ListFileText lines(text);
    std::vector<ListToken> tokens;
    int line = 0;
    // Returns false when parsing should stop.
    auto add = [&](const ListToken& token, bool from_hosts_file) {
        if (exact.size() + suffixes.size() >= kMaxListEntries) {
            errors.report(line, token.column,
                          "list has more than " + std::to_string(kMaxListEntries) + " entries");
            return false;
        }
        if (from_hosts_file && is_boilerplate(token.text)) {
            return true;
        }
        std::string problem;
        std::optional<HostPattern> pattern;
        if (from_hosts_file) {
            if (auto name = normalize_host_name(token.text, &problem)) {
                pattern = HostPattern{std::move(*name), false};
            }
        } else {
            pattern = HostPattern::parse(token.text, &problem);
        }
        if (!pattern) {
            return errors.report(line, token.column, problem);
        }
        auto& target = pattern->subdomains_only ? suffixes : exact;
        if (!target.add(pattern->name)) {
            errors.report(line, token.column, "list is too large");
            return false;
        }
        return true;
    };
    while (lines.next_line(line, tokens)) {
        if (IpAddress::parse(tokens.front().text)) {
            if (tokens.size() == 1) {
                if (!errors.report(line, tokens.front().column,
                                   "hosts-file line has an address but no name")) {
                    break;
                }
                continue;
            }
            bool keep_going = true;
            for (std::size_t i = 1; i < tokens.size() && keep_going; ++i) {
                keep_going = add(tokens[i], true);
            }
            if (!keep_going) {
                break;
            }
            continue;
        }
        if (tokens.size() > 1) {
            if (!errors.report(line, tokens[1].column,
                               "expected one domain per line, or an address and names as in "
                               "/etc/hosts")) {
                break;
            }
            continue;
        }
        if (!add(tokens.front(), false)) {
            break;
        }
    }
    list.exact_ = std::move(exact).build();
    list.suffixes_ = std::move(suffixes).build();
    return list;
}

std::optional<DomainList> load_domain_list(const std::string& path, Diagnostics& diagnostics) {
    return load_list_file(path, "host list", parse_domain_list, diagnostics);
}

}  // namespace sluice
