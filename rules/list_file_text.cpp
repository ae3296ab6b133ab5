#include "rules/list_file_text.hpp"

namespace sluice {

ListFileText::ListFileText(std::string_view text) : text_(text) {
    if (text_.starts_with("\xEF\xBB\xBF")) {
        position_ = 3;
    }
}

bool ListFileText::next_line(int& line_number, std::vector<ListToken>& tokens) {
    tokens.clear();
    while (position_ < text_.size()) {
        const std::size_t newline = text_.find('\n', position_);
        const std::size_t line_end = newline == std::string_view::npos ? text_.size() : newline;
        std::string_view line = text_.substr(position_, line_end - position_);
        position_ = newline == std::string_view::npos ? text_.size() : newline + 1;
        ++line_number_;
        if (line.ends_with('\r')) {
            line.remove_suffix(1);
        }
        std::size_t i = 0;
        while (i < line.size()) {
            while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) {
                ++i;
            }
            if (i >= line.size() || line[i] == '#') {
                break;
            }
            const std::size_t start = i;
            while (i < line.size() && line[i] != ' ' && line[i] != '\t') {
                ++i;
            }
            tokens.push_back({line.substr(start, i - start), static_cast<int>(start + 1)});
        }
        if (!tokens.empty()) {
            line_number = line_number_;
            return true;
        }
    }
    return false;
}

bool ListErrors::report(int line, int column, std::string message) {
    if (count_ >= kMaxListErrors) {
        return false;
    }
    ++count_;
    if (count_ == kMaxListErrors) {
        message += " (too many errors; not reading the rest of this file)";
    }
    diagnostics_.push_back(Diagnostic{file_name_, line, column, std::move(message)});
    return count_ < kMaxListErrors;
}

}  // namespace sluice
