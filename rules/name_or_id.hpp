#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

// A `user` or `group` value: a numeric id, or a name compared with the name the daemon
// resolved for the connection's id. Names are not resolved here: the rule engine does no
// lookups, and a name keeps working when the account's id changes.
struct NameOrId {
    std::string name;                 // empty when an id was given
    std::optional<std::uint32_t> id;  // set when the value was all digits

    // All digits: an id 0..4294967294 ((uid_t)-1 means "no id" to the kernel). Otherwise a
    // name of 1..256 letters, digits, '.', '_' or '-' (not starting with '-'), optionally
    // ending in '$' as Samba machine accounts do.
    static std::optional<NameOrId> parse(std::string_view text, std::string* error = nullptr);
    [[nodiscard]] bool matches(const std::optional<std::uint32_t>& connection_id,
                               std::string_view connection_name) const;
    [[nodiscard]] std::string to_string() const;
    friend bool operator==(const NameOrId&, const NameOrId&) = default;
};

}  // namespace sluice
