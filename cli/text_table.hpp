#pragma once

#include <string>
#include <vector>

namespace sluice::cli {

// A plain-text table for terminals: a header row, columns padded to their widest cell and
// separated by two spaces, numbers right-aligned. Cells go through terminal_safe(), so one row
// stays one line (grep and awk friendly) whatever a process put into its name.
class TextTable {
  public:
    enum class Align { kLeft, kRight };
    struct Column {
        std::string title;
        Align align = Align::kLeft;
    };

    explicit TextTable(std::vector<Column> columns);

    // Missing trailing cells are empty; extra cells are dropped.
    void add_row(std::vector<std::string> cells);
    [[nodiscard]] std::size_t row_count() const { return rows_.size(); }
    // Every line ends in '\n'; trailing spaces are trimmed.
    [[nodiscard]] std::string render() const;

  private:
    std::vector<Column> columns_;
    std::vector<std::vector<std::string>> rows_;
};

}  // namespace sluice::cli
