#include "cli/rule_options.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>

namespace sluice::cli {

namespace {

std::string field_name_of(std::string_view option_name) {
    std::string name(option_name);
    std::replace(name.begin(), name.end(), '-', '_');
    return name;
}

std::string trimmed(std::string_view text) {
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(" \t");
    return std::string(text.substr(first, last - first + 1));
}

// Every value of a list option, repeated or comma-separated, without empty pieces.
std::vector<std::string> list_values(const std::vector<std::string>& given) {
    std::vector<std::string> values;
    for (const auto& text : given) {
        std::size_t start = 0;
        while (start <= text.size()) {
            const auto comma = std::min(text.find(',', start), text.size());
            if (auto piece = trimmed(std::string_view(text).substr(start, comma - start));
                !piece.empty()) {
                values.push_back(std::move(piece));
            }
            start = comma + 1;
        }
    }
    return values;
}

template <typename Integer>
Result<Integer> integer_value(const std::string& option, const std::string& text) {
    Integer value{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) {
        return Error{"--" + option + " must be an integer from " +
                     std::to_string(std::numeric_limits<Integer>::min()) + " to " +
                     std::to_string(std::numeric_limits<Integer>::max()) + ", not '" + text + "'"};
    }
    return value;
}

Result<sdbus::Variant> option_variant(const RuleFieldInfo& info, const Invocation& invocation) {
    const std::string option = rule_option_name(info.name);
    const auto last = *invocation.value(option);
    switch (info.field) {
        case RuleField::kPriority: {
            auto value = integer_value<std::int32_t>(option, last);
            if (!value) {
                return value.error();
            }
            return sdbus::Variant(*value);
        }
        case RuleField::kPid: {
            auto value = integer_value<std::uint32_t>(option, last);
            if (!value) {
                return value.error();
            }
            return sdbus::Variant(*value);
        }
        case RuleField::kLog: {
            const auto given = std::find_if(
                invocation.options.rbegin(), invocation.options.rend(),
                [&](const CommandOption& candidate) { return candidate.name == option; });
            if (!given->has_value || given->value == "true") {
                return sdbus::Variant(true);
            }
            if (given->value == "false") {
                return sdbus::Variant(false);
            }
            return Error{"--log takes true or false, not '" + given->value + "'"};
        }
        default:
            break;
    }
    if (!rule_field_accepts_list(info.field)) {
        return sdbus::Variant(last);
    }
    auto values = list_values(invocation.values(option));
    if (values.empty()) {
        return Error{"--" + option + " needs a value"};
    }
    if (values.size() == 1) {
        return sdbus::Variant(values.front());
    }
    return sdbus::Variant(values);
}

}  // namespace

Result<VariantDict> rule_dict_from_options(const Invocation& invocation) {
    VariantDict rule;
    for (const auto& info : rule_fields()) {
        if (!invocation.has(rule_option_name(info.name))) {
            continue;
        }
        auto value = option_variant(info, invocation);
        if (!value) {
            return value.error();
        }
        rule.emplace(std::string(info.name), std::move(*value));
    }
    return rule;
}

Result<std::vector<std::string>> unset_fields(const Invocation& invocation) {
    std::vector<std::string> fields;
    for (const auto& given : list_values(invocation.values("unset"))) {
        const std::string name = field_name_of(given);
        const auto field = find_rule_field(name);
        if (!field) {
            return Error{"--unset: '" + given + "' is not a rule field"};
        }
        if (*field == RuleField::kId || *field == RuleField::kAction) {
            return Error{"--unset: a rule always has '" + name + "'"};
        }
        if (invocation.has(rule_option_name(name))) {
            return Error{"--unset " + given + " contradicts --" + rule_option_name(name)};
        }
        fields.push_back(name);
    }
    return fields;
}

VariantDict rule_changes(VariantDict changes, const std::vector<std::string>& unset) {
    for (const auto& name : unset) {
        changes.insert_or_assign(name, sdbus::Variant(std::string()));
    }
    return changes;
}

}  // namespace sluice::cli
