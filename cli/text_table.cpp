#include "cli/text_table.hpp"

#include <algorithm>

#include "cli/terminal_text.hpp"

namespace sluice::cli {

namespace {

constexpr std::string_view kColumnGap = "  ";

}  // namespace

TextTable::TextTable(std::vector<Column> columns) : columns_(std::move(columns)) {}

void TextTable::add_row(std::vector<std::string> cells) {
    cells.resize(columns_.size());
    for (auto& cell : cells) {
        cell = terminal_safe(cell);
    }
    rows_.push_back(std::move(cells));
}

std::string TextTable::render() const {
    std::vector<std::size_t> widths;
    for (const auto& column : columns_) {
        widths.push_back(display_width(column.title));
    }
    for (const auto& row : rows_) {
        for (std::size_t i = 0; i < row.size(); ++i) {
            widths[i] = std::max(widths[i], display_width(row[i]));
        }
    }
    std::string out;
    const auto append_line = [&](const std::vector<std::string>& cells) {
        std::string line;
        for (std::size_t i = 0; i < cells.size(); ++i) {
            const std::string padding(widths[i] - display_width(cells[i]), ' ');
            line += i == 0 ? "" : kColumnGap;
            if (columns_[i].align == Align::kRight) {
                line += padding + cells[i];
            } else {
                line += cells[i] + padding;
            }
        }
        line.erase(line.find_last_not_of(' ') + 1);
        out += line + '\n';
    };
    std::vector<std::string> titles;
    for (const auto& column : columns_) {
        titles.push_back(column.title);
    }
    append_line(titles);
    for (const auto& row : rows_) {
        append_line(row);
    }
    return out;
}

}  // namespace sluice::cli
