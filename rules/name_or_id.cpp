#include "rules/name_or_id.hpp"

#include <charconv>

namespace sluice {

namespace {

constexpr std::size_t kMaxNameLength = 256;
constexpr std::uint64_t kMaxId = 4'294'967'294;

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

}  // namespace

std::optional<NameOrId> NameOrId::parse(std::string_view text, std::string* error) {
    auto fail = [&](std::string message) -> std::optional<NameOrId> {
        if (error != nullptr) {
            *error = std::move(message);
        }
        return std::nullopt;
    };
    const std::string quoted = "'" + std::string(text.substr(0, kMaxNameLength)) +
                               (text.size() > kMaxNameLength ? "...'" : "'");
    if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos) {
        std::uint64_t value = 0;
        const auto* end = text.data() + text.size();
        auto [ptr, ec] = std::from_chars(text.data(), end, value);
        if (ec != std::errc{} || ptr != end || value > kMaxId) {
            return fail("id " + quoted + " is out of range 0 to 4294967294");
        }
        return NameOrId{"", static_cast<std::uint32_t>(value)};
    }
    std::string_view body = text;
    if (body.ends_with('$')) {
        body.remove_suffix(1);
    }
    bool valid = !body.empty() && text.size() <= kMaxNameLength && body.front() != '-';
    for (const char c : body) {
        valid = valid && is_name_char(c);
    }
    if (!valid) {
        return fail(quoted + " is not a valid name or numeric id");
    }
    return NameOrId{std::string(text), std::nullopt};
}

bool NameOrId::matches(const std::optional<std::uint32_t>& connection_id,
                       std::string_view connection_name) const {
    if (id) {
        return connection_id == id;
    }
    return !connection_name.empty() && connection_name == name;
}

std::string NameOrId::to_string() const {
    return id ? std::to_string(*id) : name;
}

}  // namespace sluice
