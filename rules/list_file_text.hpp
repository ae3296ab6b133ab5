#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/diagnostic.hpp"
#include "rules/text_file.hpp"

namespace sluice {

// Limits shared by host_list and ip_list files. Sized for million-entry public block lists
// with room to spare; past them a list is refused rather than eating the daemon's memory.
inline constexpr std::size_t kMaxListFileBytes = std::size_t{256} * 1024 * 1024;
inline constexpr std::size_t kMaxListEntries = std::size_t{8} * 1024 * 1024;
// A file with this many bad lines is most likely not a list at all; stop reporting there.
inline constexpr std::size_t kMaxListErrors = 20;

// One whitespace-separated word of a list line, with its 1-based column.
struct ListToken {
    std::string_view text;
    int column = 0;
};

// Splits list file text into lines of tokens: '#' starts a comment (at the start of a line or
// after whitespace), CR before LF is ignored, a UTF-8 byte order mark at the start is skipped,
// and lines without tokens are skipped.
class ListFileText {
  public:
    explicit ListFileText(std::string_view text);
    // Fills the tokens of the next non-empty line; false at the end of the text.
    bool next_line(int& line_number, std::vector<ListToken>& tokens);

  private:
    std::string_view text_;
    std::size_t position_ = 0;
    int line_number_ = 0;
};

// Records list diagnostics until kMaxListErrors, then one final "too many errors" note.
class ListErrors {
  public:
    ListErrors(std::string file_name, Diagnostics& diagnostics)
        : file_name_(std::move(file_name)), diagnostics_(diagnostics) {}
    // False once the limit is reached; the parser should stop then.
    bool report(int line, int column, std::string message);
    [[nodiscard]] std::size_t count() const { return count_; }
    [[nodiscard]] const std::string& file_name() const { return file_name_; }

  private:
    std::string file_name_;
    Diagnostics& diagnostics_;
    std::size_t count_ = 0;
};

// Reads a list file of at most kMaxListFileBytes and parses it with `parse(text, path,
// diagnostics)`; nullopt with one diagnostic at 0:0 ("cannot read WHAT: REASON") when unreadable.
template <typename Parse>
auto load_list_file(const std::string& path, std::string_view what, Parse parse,
                    Diagnostics& diagnostics)
    -> std::optional<decltype(parse(std::string_view(), path, diagnostics))> {
    std::string error;
    const auto text = read_text_file_bounded(path, kMaxListFileBytes, error);
    if (!text) {
        diagnostics.push_back(
            Diagnostic{path, 0, 0, "cannot read " + std::string(what) + ": " + error});
        return std::nullopt;
    }
    return parse(*text, path, diagnostics);
}

}  // namespace sluice
