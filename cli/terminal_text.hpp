#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sluice::cli {

// `text` made safe to print on a terminal: every control character (C0, DEL, and the C1
// range encoded as UTF-8) becomes a visible "\xNN". Process names, command lines and host
// names come from whoever opened the connection, and must not move the cursor or rewrite what
// `sluicectl prompt` shows next to the question.
std::string terminal_safe(std::string_view text);

// Display width of UTF-8 text in columns, counting code points.
std::size_t display_width(std::string_view text);

}  // namespace sluice::cli
