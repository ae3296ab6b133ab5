#include "cli/terminal_text.hpp"

#include <algorithm>

namespace sluice::cli {

namespace {

void append_escape(unsigned char byte, std::string& out) {
    static constexpr char kHexDigits[] = "0123456789abcdef";
    out += "\\x";
    out += kHexDigits[byte >> 4];
    out += kHexDigits[byte & 0xf];
}

}  // namespace

std::string terminal_safe(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte < 0x20 || byte == 0x7f) {
            append_escape(byte, out);
            continue;
        }
        // U+0080..U+009F are C1 controls (CSI is U+009B): 0xC2 followed by 0x80..0x9F.
        if (byte == 0xc2 && i + 1 < text.size()) {
            const auto next = static_cast<unsigned char>(text[i + 1]);
            if (next >= 0x80 && next <= 0x9f) {
                append_escape(next, out);
                ++i;
                continue;
            }
        }
        out += text[i];
    }
    return out;
}

std::size_t display_width(std::string_view text) {
    // Continuation bytes (10xxxxxx) do not start a character.
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xc0) != 0x80;
    }));
}

}  // namespace sluice::cli
