#include "rules/host_pattern.hpp"

namespace sluice {

namespace {

constexpr std::size_t kMaxHostNameLength = 253;
constexpr std::size_t kMaxLabelLength = 63;

bool is_label_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

}  // namespace

std::optional<std::string> normalize_host_name(std::string_view text, std::string* error) {
    auto fail = [&](std::string message) -> std::optional<std::string> {
        if (error != nullptr) {
            *error = std::move(message);
        }
        return std::nullopt;
    };
    const std::string quoted = "'" + std::string(text.substr(0, kMaxHostNameLength + 2)) +
                               (text.size() > kMaxHostNameLength + 2 ? "...'" : "'");
    if (!text.empty() && text.back() == '.') {
        text.remove_suffix(1);
    }
    if (text.empty()) {
        return fail("host name is empty");
    }
    if (text.size() > kMaxHostNameLength) {
        return fail(quoted + " is longer than 253 characters");
    }
    std::string name;
    name.reserve(text.size());
    std::size_t label_length = 0;
    for (const char raw : text) {
        const char c = (raw >= 'A' && raw <= 'Z') ? static_cast<char>(raw - 'A' + 'a') : raw;
        if (c == '.') {
            if (label_length == 0) {
                return fail(quoted + " has an empty label");
            }
            label_length = 0;
        } else if (is_label_char(c)) {
            if (++label_length > kMaxLabelLength) {
                return fail(quoted + " has a label longer than 63 characters");
            }
        } else if (static_cast<unsigned char>(c) >= 0x80) {
            return fail(quoted + " is not ASCII; write international names in their xn-- form");
        } else {
            return fail(quoted + " is not a valid host name");
        }
        name.push_back(c);
    }
    if (label_length == 0) {
        return fail(quoted + " has an empty label");
    }
    return name;
}

std::optional<HostPattern> HostPattern::parse(std::string_view text, std::string* error) {
    HostPattern pattern;
    if (text.starts_with("*.")) {
        pattern.subdomains_only = true;
        text.remove_prefix(2);
    } else if (text.find('*') != std::string_view::npos) {
        if (error != nullptr) {
            *error = "'" + std::string(text) +
                     "' may use '*' only as a leading '*.' meaning every subdomain";
        }
        return std::nullopt;
    }
    auto name = normalize_host_name(text, error);
    if (!name) {
        return std::nullopt;
    }
    pattern.name = std::move(*name);
    return pattern;
}

std::optional<HostMatch> HostPattern::match(std::string_view host_name) const {
    if (!subdomains_only) {
        if (host_name == name) {
            return HostMatch{true, 0};
        }
        return std::nullopt;
    }
    if (host_name.size() > name.size() && host_name.ends_with(name) &&
        host_name[host_name.size() - name.size() - 1] == '.') {
        return HostMatch{false, static_cast<std::uint16_t>(name.size())};
    }
    return std::nullopt;
}

std::string HostPattern::to_string() const {
    return subdomains_only ? "*." + name : name;
}

}  // namespace sluice
