#include "cli/json_text.hpp"

#include <charconv>
#include <cmath>
#include <type_traits>

namespace sluice::cli {

namespace {

void append_json(const Value& value, std::string& out);

void append_string(std::string_view text, std::string& out) {
    static constexpr char kHexDigits[] = "0123456789abcdef";
    out += '"';
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (byte < 0x20) {
                    out += "\\u00";
                    out += kHexDigits[byte >> 4];
                    out += kHexDigits[byte & 0xf];
                } else {
                    out += c;
                }
        }
    }
    out += '"';
}

void append_double(double number, std::string& out) {
    if (!std::isfinite(number)) {
        out += "null";
        return;
    }
    char buffer[32];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), number);
    out.append(buffer, ec == std::errc{} ? end : buffer);
}

void append_json(const Value& value, std::string& out) {
    std::visit(
        [&out](const auto& item) {
            using T = std::decay_t<decltype(item)>;
            if constexpr (std::is_same_v<T, std::monostate>) {
                out += "null";
            } else if constexpr (std::is_same_v<T, bool>) {
                out += item ? "true" : "false";
            } else if constexpr (std::is_same_v<T, double>) {
                append_double(item, out);
            } else if constexpr (std::is_integral_v<T>) {
                out += std::to_string(item);
            } else if constexpr (std::is_same_v<T, std::string>) {
                append_string(item, out);
            } else if constexpr (std::is_same_v<T, Value::List>) {
                out += '[';
                for (std::size_t i = 0; i < item.size(); ++i) {
                    out += i == 0 ? "" : ",";
                    append_json(item[i], out);
                }
                out += ']';
            } else {
                out += '{';
                bool first = true;
                for (const auto& [key, element] : item) {
                    out += first ? "" : ",";
                    first = false;
                    append_string(key, out);
                    out += ':';
                    append_json(element, out);
                }
                out += '}';
            }
        },
        value.data);
}

}  // namespace

std::string to_json(const Value& value) {
    std::string out;
    append_json(value, out);
    return out;
}

std::string json_string(std::string_view text) {
    std::string out;
    append_string(text, out);
    return out;
}

}  // namespace sluice::cli
