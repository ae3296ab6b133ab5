#include "cli/text_table.hpp"

#include <gtest/gtest.h>

#include "cli/terminal_text.hpp"

namespace sluice::cli {
namespace {

TEST(TextTable, ColumnsArePaddedToTheWidestCellAndNumbersAlignRight) {
    TextTable table({{"ID"}, {"ACTION"}, {"HITS", TextTable::Align::kRight}});
    table.add_row({"web", "allow", "7"});
    table.add_row({"system-dns", "deny", "1234"});
    EXPECT_EQ(table.render(),
              "ID          ACTION  HITS\n"
              "web         allow      7\n"
              "system-dns  deny    1234\n");
}

TEST(TextTable, TrailingSpacesAreTrimmedAndMissingCellsAreEmpty) {
    TextTable table({{"A"}, {"B"}});
    table.add_row({"long value"});
    EXPECT_EQ(table.render(), "A           B\nlong value\n");
}

TEST(TextTable, UnicodeCellsAreMeasuredInCharacters) {
    TextTable table({{"HOST"}, {"X"}});
    table.add_row({"b\xc3\xbc\x63her.example", "1"});  // "bücher.example": 14 characters
    table.add_row({"a", "2"});
    EXPECT_EQ(table.render(),
              "HOST            X\n"
              "b\xc3\xbc\x63her.example  1\n"
              "a               2\n");
}

TEST(TextTable, ControlCharactersCannotBreakTheRowOrReachTheTerminal) {
    TextTable table({{"PROCESS"}, {"PID"}});
    table.add_row({"/tmp/evil\n\x1b[31mfake", "1"});
    EXPECT_EQ(table.render(),
              "PROCESS                    PID\n"
              "/tmp/evil\\x0a\\x1b[31mfake  1\n");
}

TEST(TerminalText, C1ControlsAreEscapedButOtherUtf8IsKept) {
    EXPECT_EQ(terminal_safe("a\xc2\x9b"
                            "31mb"),
              "a\\x9b31mb");
    EXPECT_EQ(terminal_safe("\xc2\xa9 caf\xc3\xa9"), "\xc2\xa9 caf\xc3\xa9");
    EXPECT_EQ(display_width("\xc2\xa9 caf\xc3\xa9"), 6U);
}

}  // namespace
}  // namespace sluice::cli
