#include "cli/key_value_text.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "cli/terminal_text.hpp"

namespace sluice::cli {

std::string key_value_text(const Object& object,
                           std::span<const std::string_view> preferred_order) {
    std::vector<std::pair<std::string, std::string>> lines;
    for (const auto key : preferred_order) {
        if (object.contains(key)) {
            lines.emplace_back(std::string(key), terminal_safe(field_text(object, key)));
        }
    }
    for (const auto& [key, value] : object) {
        const bool listed =
            std::find(preferred_order.begin(), preferred_order.end(), key) != preferred_order.end();
        if (!listed) {
            lines.emplace_back(terminal_safe(key), terminal_safe(display_text(value)));
        }
    }
    std::size_t width = 0;
    for (const auto& line : lines) {
        width = std::max(width, display_width(line.first));
    }
    std::string out;
    for (const auto& [key, text] : lines) {
        out += key + ":";
        if (!text.empty()) {
            out += std::string(width - display_width(key) + 2, ' ') + text;
        }
        out += '\n';
    }
    return out;
}

}  // namespace sluice::cli
