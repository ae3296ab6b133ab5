#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

// How a host name met a host criterion, ordered by specificity: no match criterion at all
// (the default) < "*.suffix" < a longer "*.suffix" < an exact name. Two suffixes that match one
// name are nested on label boundaries, so comparing their lengths in characters is the same
// as comparing them in labels.
struct HostMatch {
    bool exact = false;
    std::uint16_t suffix_length = 0;  // characters of the matched suffix; 0 when exact

    // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads the synthesized compare
    friend auto operator<=>(const HostMatch&, const HostMatch&) = default;
};

// Lower-cases and checks a DNS name: labels of 1..63 ASCII letters, digits, '-' or '_', at
// most 253 characters; one trailing dot is dropped. International names must be given in
// their xn-- form, which is what DNS answers carry.
std::optional<std::string> normalize_host_name(std::string_view text, std::string* error = nullptr);

// One `host` value: an exact name, or "*.suffix" meaning names strictly below suffix.
struct HostPattern {
    std::string name;  // normalized; for "*.example.com" this is "example.com"
    bool subdomains_only = false;

    static std::optional<HostPattern> parse(std::string_view text, std::string* error = nullptr);
    // `host_name` must be normalized (lower case, no trailing dot), as Connection promises.
    [[nodiscard]] std::optional<HostMatch> match(std::string_view host_name) const;
    [[nodiscard]] std::string to_string() const;
    friend bool operator==(const HostPattern&, const HostPattern&) = default;
};

}  // namespace sluice
