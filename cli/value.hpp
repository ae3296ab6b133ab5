#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sluice::cli {

// What sluicectl shows: a D-Bus value reduced to the shapes JSON has, so one tree feeds both
// the human tables and --json. Objects keep D-Bus dictionary order (sorted keys).
struct Value {
    using List = std::vector<Value>;
    using Object = std::map<std::string, Value, std::less<>>;

    std::variant<std::monostate, bool, std::int64_t, std::uint64_t, double, std::string, List,
                 Object>
        data;

    Value() = default;
    Value(bool flag) : data(flag) {}                      // NOLINT(google-explicit-constructor)
    Value(std::int64_t number) : data(number) {}          // NOLINT(google-explicit-constructor)
    Value(std::uint64_t number) : data(number) {}         // NOLINT(google-explicit-constructor)
    Value(double number) : data(number) {}                // NOLINT(google-explicit-constructor)
    Value(std::string text) : data(std::move(text)) {}    // NOLINT(google-explicit-constructor)
    Value(const char* text) : data(std::string(text)) {}  // NOLINT(google-explicit-constructor)
    Value(List list) : data(std::move(list)) {}           // NOLINT(google-explicit-constructor)
    Value(Object object) : data(std::move(object)) {}     // NOLINT(google-explicit-constructor)

    [[nodiscard]] bool is_null() const { return std::holds_alternative<std::monostate>(data); }
    friend bool operator==(const Value&, const Value&) = default;
};

using Object = Value::Object;

// How a value reads in a table cell: text as is, lists joined with ",", booleans as yes/no,
// nested objects as key=value pairs.
std::string display_text(const Value& value);

// The display text of `object[key]`, or "" when the key is absent.
std::string field_text(const Object& object, std::string_view key);

// `object[key]` as an integer, or `fallback` when it is absent or not an integer that fits.
std::int64_t field_integer(const Object& object, std::string_view key, std::int64_t fallback);

}  // namespace sluice::cli
