#include "cli/value.hpp"

#include <charconv>
#include <limits>
#include <type_traits>

namespace sluice::cli {

namespace {

std::string number_text(double number) {
    char buffer[32];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), number);
    return ec == std::errc{} ? std::string(buffer, end) : std::string("nan");
}

}  // namespace

std::string display_text(const Value& value) {
    return std::visit(
        [](const auto& item) -> std::string {
            using T = std::decay_t<decltype(item)>;
            if constexpr (std::is_same_v<T, std::monostate>) {
                return "";
            } else if constexpr (std::is_same_v<T, bool>) {
                return item ? "yes" : "no";
            } else if constexpr (std::is_same_v<T, double>) {
                return number_text(item);
            } else if constexpr (std::is_integral_v<T>) {
                return std::to_string(item);
            } else if constexpr (std::is_same_v<T, std::string>) {
                return item;
            } else if constexpr (std::is_same_v<T, Value::List>) {
                std::string text;
                for (const auto& element : item) {
                    text += (text.empty() ? "" : ",") + display_text(element);
                }
                return text;
            } else {
                std::string text;
                for (const auto& [key, element] : item) {
                    text += (text.empty() ? "" : " ") + key + "=" + display_text(element);
                }
                return text;
            }
        },
        value.data);
}

std::string field_text(const Object& object, std::string_view key) {
    const auto found = object.find(key);
    return found == object.end() ? std::string() : display_text(found->second);
}

std::int64_t field_integer(const Object& object, std::string_view key, std::int64_t fallback) {
    const auto found = object.find(key);
    if (found == object.end()) {
        return fallback;
    }
    if (const auto* signed_number = std::get_if<std::int64_t>(&found->second.data)) {
        return *signed_number;
    }
    if (const auto* unsigned_number = std::get_if<std::uint64_t>(&found->second.data)) {
        if (*unsigned_number <=
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            return static_cast<std::int64_t>(*unsigned_number);
        }
    }
    return fallback;
}

}  // namespace sluice::cli
