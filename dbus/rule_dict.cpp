#include "dbus/rule_dict.hpp"

#include <sdbus-c++/Error.h>

#include <limits>

namespace sluice {

namespace {

constexpr std::size_t kMaxQuotedKey = 64;

std::string quoted_key(std::string_view key) {
    if (key.size() > kMaxQuotedKey) {
        return "'" + std::string(key.substr(0, kMaxQuotedKey)) + "...'";
    }
    return "'" + std::string(key) + "'";
}

std::string known_keys() {
    std::string names;
    for (const auto& info : rule_fields()) {
        names += names.empty() ? "" : ", ";
        names += info.name;
    }
    return names;
}

template <typename T>
std::int64_t widen(const sdbus::Variant& value) {
    return static_cast<std::int64_t>(value.get<T>());
}

template <typename T>
std::vector<std::int64_t> widen_all(const sdbus::Variant& value) {
    std::vector<std::int64_t> out;
    for (const auto item : value.get<std::vector<T>>()) {
        out.push_back(static_cast<std::int64_t>(item));
    }
    return out;
}

// The draft value of one variant, or an error text without the field prefix.
Result<DraftValue> draft_value(const sdbus::Variant& value, int depth) {
    const std::string type = value.peekValueType();
    if (type == "s" || type == "o") {
        return DraftValue{value.get<std::string>()};
    }
    if (type == "b") {
        return DraftValue{value.get<bool>()};
    }
    if (type == "y") {
        return DraftValue{widen<std::uint8_t>(value)};
    }
    if (type == "n") {
        return DraftValue{widen<std::int16_t>(value)};
    }
    if (type == "q") {
        return DraftValue{widen<std::uint16_t>(value)};
    }
    if (type == "i") {
        return DraftValue{widen<std::int32_t>(value)};
    }
    if (type == "u") {
        return DraftValue{widen<std::uint32_t>(value)};
    }
    if (type == "x") {
        return DraftValue{value.get<std::int64_t>()};
    }
    if (type == "t") {
        const auto number = value.get<std::uint64_t>();
        if (number > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            return Error{"integer " + std::to_string(number) + " is too large"};
        }
        return DraftValue{static_cast<std::int64_t>(number)};
    }
    if (type == "as") {
        return DraftValue{value.get<std::vector<std::string>>()};
    }
    if (type == "ay") {
        return DraftValue{widen_all<std::uint8_t>(value)};
    }
    if (type == "an") {
        return DraftValue{widen_all<std::int16_t>(value)};
    }
    if (type == "aq") {
        return DraftValue{widen_all<std::uint16_t>(value)};
    }
    if (type == "ai") {
        return DraftValue{widen_all<std::int32_t>(value)};
    }
    if (type == "au") {
        return DraftValue{widen_all<std::uint32_t>(value)};
    }
    if (type == "ax") {
        return DraftValue{value.get<std::vector<std::int64_t>>()};
    }
    if (type == "v" && depth == 0) {
        return draft_value(value.get<sdbus::Variant>(), depth + 1);
    }
    return Error{
        "values must be strings, booleans, integers or arrays of strings or integers, "
        "not D-Bus type '" +
        type.substr(0, kMaxQuotedKey) + "'"};
}

sdbus::Variant variant_of(const DraftValue& value, RuleField field) {
    if (const auto* text = std::get_if<std::string>(&value)) {
        return sdbus::Variant(*text);
    }
    if (const auto* number = std::get_if<std::int64_t>(&value)) {
        if (field == RuleField::kPid) {
            return sdbus::Variant(static_cast<std::uint32_t>(*number));
        }
        return sdbus::Variant(static_cast<std::int32_t>(*number));
    }
    if (const auto* flag = std::get_if<bool>(&value)) {
        return sdbus::Variant(*flag);
    }
    if (const auto* strings = std::get_if<std::vector<std::string>>(&value)) {
        return sdbus::Variant(*strings);
    }
    std::vector<std::string> numbers;
    for (const auto item : std::get<std::vector<std::int64_t>>(value)) {
        numbers.push_back(std::to_string(item));
    }
    return sdbus::Variant(numbers);
}

}  // namespace

Result<RuleDraft> draft_from_dict(const VariantDict& dict) {
    RuleDraft draft;
    for (const auto& [key, value] : dict) {
        if (key == "source" || key == "hits") {
            continue;
        }
        const auto field = find_rule_field(key);
        if (!field) {
            return Error{"field " + quoted_key(key) + ": unknown key; rule keys are " +
                         known_keys()};
        }
        // A variant whose content does not match its own signature cannot come off the wire,
        // but sdbus reports any decoding problem by throwing: keep that inside this function.
        try {
            auto converted = draft_value(value, 0);
            if (!converted) {
                return Error{"field " + quoted_key(key) + ": " + converted.error().what};
            }
            draft.set(*field, std::move(*converted));
        } catch (const sdbus::Error& error) {
            return Error{"field " + quoted_key(key) + ": unreadable value: " + error.getMessage()};
        }
    }
    return draft;
}

VariantDict dict_from_rule(const Rule& rule, const RuleFacts& facts) {
    VariantDict dict;
    const RuleDraft draft = draft_from_rule(rule);
    for (const auto& entry : draft.entries()) {
        dict.emplace(std::string(to_string(entry.field)), variant_of(entry.value, entry.field));
    }
    dict.emplace("source", sdbus::Variant(facts.source));
    dict.emplace("hits", sdbus::Variant(facts.hits));
    return dict;
}

}  // namespace sluice
