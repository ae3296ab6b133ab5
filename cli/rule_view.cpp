#include "cli/rule_view.hpp"

#include <string_view>

#include "cli/key_value_text.hpp"
#include "cli/text_table.hpp"
#include "rules/rule_fields.hpp"

namespace sluice::cli {

namespace {

// Keys shown in their own column, or that describe the rule rather than what it matches.
bool describes_rule(std::string_view key) {
    return key == "id" || key == "action" || key == "comment" || key == "created" ||
           key == "source" || key == "hits";
}

bool at_default(std::string_view key, const std::string& text) {
    return (key == "direction" && text == "out") || (key == "priority" && text == "0") ||
           (key == "scope" && text == "forever") || (key == "log" && text == "no") || text.empty();
}

}  // namespace

std::string match_summary(const Object& rule) {
    std::string summary;
    for (const auto& field : rule_fields()) {
        if (describes_rule(field.name)) {
            continue;
        }
        const std::string text = field_text(rule, field.name);
        if (at_default(field.name, text)) {
            continue;
        }
        summary += (summary.empty() ? "" : " ") + std::string(field.name) + "=" + text;
    }
    return summary.empty() ? "any" : summary;
}

std::string rules_table(const std::vector<Object>& rules) {
    TextTable table(
        {{"ID"}, {"ACTION"}, {"MATCH"}, {"SOURCE"}, {"HITS", TextTable::Align::kRight}});
    for (const auto& rule : rules) {
        table.add_row({field_text(rule, "id"), field_text(rule, "action"), match_summary(rule),
                       field_text(rule, "source"), field_text(rule, "hits")});
    }
    return table.render();
}

std::string rule_details(const Object& rule) {
    std::vector<std::string_view> order;
    for (const auto& field : rule_fields()) {
        order.push_back(field.name);
    }
    for (const std::string_view extra : {"source", "hits"}) {
        order.push_back(extra);
    }
    return key_value_text(rule, order);
}

}  // namespace sluice::cli
