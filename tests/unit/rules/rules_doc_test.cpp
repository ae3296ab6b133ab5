// docs/rules.md and the code must not drift: its field table is the parser's field table, and
// every row of its precedence examples is loaded and checked here.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "rules/rule_fields.hpp"
#include "rules/rule_index.hpp"
#include "rules_test_support.hpp"

namespace sluice {
namespace {

const std::string kRulesDoc = std::string(SLUICE_SOURCE_DIR) + "/docs/rules.md";

std::string read_doc() {
    std::ifstream in(kRulesDoc);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// The table rows between "<!-- NAME: begin" and "<!-- NAME: end -->", header rows dropped.
std::vector<std::string> table_rows(const std::string& doc, const std::string& name) {
    const auto begin = doc.find("<!-- " + name + ": begin");
    const auto end = doc.find("<!-- " + name + ": end -->");
    if (begin == std::string::npos || end == std::string::npos || end < begin) {
        ADD_FAILURE() << "no '" << name << "' table in " << kRulesDoc;
        return {};
    }
    std::vector<std::string> rows;
    std::istringstream lines(doc.substr(begin, end - begin));
    std::string line;
    bool header = true;
    while (std::getline(lines, line)) {
        if (!line.starts_with("|")) {
            continue;
        }
        if (line.starts_with("|---")) {
            header = false;
            continue;
        }
        if (!header) {
            rows.push_back(line);
        }
    }
    return rows;
}

// Cells of a row, trimmed, with "\|" kept as a literal '|' and backticks removed.
std::vector<std::string> cells(const std::string& row) {
    std::vector<std::string> out;
    std::string cell;
    for (std::size_t i = 1; i < row.size(); ++i) {
        if (row[i] == '\\' && i + 1 < row.size() && row[i + 1] == '|') {
            cell.push_back('|');
            ++i;
        } else if (row[i] == '|') {
            const auto first = cell.find_first_not_of(' ');
            const auto last = cell.find_last_not_of(' ');
            out.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
            cell.clear();
        } else if (row[i] != '`') {
            cell.push_back(row[i]);
        }
    }
    return out;
}

TEST(RulesDoc, FieldTableListsEveryFieldOfTheParser) {
    std::vector<std::vector<std::string>> expected;
    for (const auto& info : rule_fields()) {
        expected.push_back(
            {std::string(info.name), std::string(info.values), std::string(info.help)});
    }
    std::vector<std::vector<std::string>> documented;
    for (const auto& row : table_rows(read_doc(), "rule-fields")) {
        documented.push_back(cells(row));
    }
    EXPECT_EQ(documented, expected);
}

std::string winner(const std::string& first, const std::string& second) {
    const auto rules = testing::parse_clean("rules:\n  - {" + first + "}\n  - {" + second + "}\n");
    if (rules.size() != 2) {
        return "unparsable";
    }
    const RuleIndex index(rules);
    const Rule* rule =
        index.match(testing::curl_connection(), parse_timestamp("2026-06-01T12:00:00Z").value());
    return rule == nullptr ? "none" : rule->id;
}

TEST(RulesDoc, PrecedenceExamplesHold) {
    const auto rows = table_rows(read_doc(), "precedence-examples");
    // Guards against a table that lost its rows (or its markers) and so tests nothing.
    EXPECT_GE(rows.size(), 25u);
    for (const auto& row : rows) {
        const auto cell = cells(row);
        ASSERT_EQ(cell.size(), 4u) << row;
        const auto& step = cell[0];
        const std::string a = "id: a, " + cell[1];
        const std::string b = "id: b, " + cell[2];
        const auto& expected = cell[3];
        if (expected == "first loaded") {
            EXPECT_EQ(winner(a, b), "a") << step;
            EXPECT_EQ(winner(b, a), "b") << step;
        } else {
            ASSERT_TRUE(expected == "a" || expected == "b") << step << ": winner " << expected;
            EXPECT_EQ(winner(a, b), expected) << step;
            EXPECT_EQ(winner(b, a), expected) << step;
        }
    }
}

}  // namespace
}  // namespace sluice
