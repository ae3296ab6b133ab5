#include "cli/bus_value.hpp"

#include <cstdint>
#include <type_traits>

namespace sluice::cli {

namespace {

// Declared up front: the container overloads call each other for nested types, and unqualified
// calls inside templates only see what was declared before them (ADL looks in std, not here).
Value convert(const sdbus::Variant& variant);
Value convert(bool flag);
Value convert(double number);
Value convert(const std::string& text);
template <typename T>
requires std::is_integral_v<T> Value convert(T number);
template <typename T>
Value convert(const std::vector<T>& items);
template <typename T>
Value convert(const std::map<std::string, T>& entries);

Value convert(const sdbus::Variant& variant) {
    return from_variant(variant);
}
Value convert(bool flag) {
    return Value(flag);
}
Value convert(double number) {
    return Value(number);
}
Value convert(const std::string& text) {
    return Value(text);
}

template <typename T>
requires std::is_integral_v<T> Value convert(T number) {
    if constexpr (std::is_signed_v<T>) {
        return Value(static_cast<std::int64_t>(number));
    } else {
        return Value(static_cast<std::uint64_t>(number));
    }
}

template <typename T>
Value convert(const std::vector<T>& items) {
    Value::List list;
    list.reserve(items.size());
    for (const auto& item : items) {
        list.push_back(convert(static_cast<const T&>(item)));
    }
    return Value(std::move(list));
}

template <typename T>
Value convert(const std::map<std::string, T>& entries) {
    Object object;
    for (const auto& [key, item] : entries) {
        object.emplace(key, convert(item));
    }
    return Value(std::move(object));
}

// Converts `variant` as the first of `Types` whose D-Bus signature is `signature`.
template <typename... Types>
bool convert_as(const sdbus::Variant& variant, const std::string& signature, Value& out) {
    const auto try_type = [&]<typename T>() {
        if (signature != sdbus::signature_of<T>::str()) {
            return false;
        }
        out = convert(variant.get<T>());
        return true;
    };
    return (try_type.template operator()<Types>() || ...);
}

}  // namespace

Value from_variant(const sdbus::Variant& variant) {
    if (variant.isEmpty()) {
        return {};
    }
    const std::string signature = variant.peekValueType();
    if (signature == "o") {
        return Value(std::string(variant.get<sdbus::ObjectPath>()));
    }
    if (signature == "g") {
        return Value(std::string(variant.get<sdbus::Signature>()));
    }
    if (signature == "ao") {
        Value::List paths;
        for (const auto& path : variant.get<std::vector<sdbus::ObjectPath>>()) {
            paths.emplace_back(std::string(path));
        }
        return Value(std::move(paths));
    }
    Value out;
    const bool converted =
        convert_as<bool, std::uint8_t, std::int16_t, std::uint16_t, std::int32_t, std::uint32_t,
                   std::int64_t, std::uint64_t, double, std::string, sdbus::Variant>(
            variant, signature, out) ||
        convert_as<std::vector<bool>, std::vector<std::uint8_t>, std::vector<std::int16_t>,
                   std::vector<std::uint16_t>, std::vector<std::int32_t>,
                   std::vector<std::uint32_t>, std::vector<std::int64_t>,
                   std::vector<std::uint64_t>, std::vector<double>, std::vector<std::string>,
                   std::vector<sdbus::Variant>>(variant, signature, out) ||
        convert_as<std::map<std::string, bool>, std::map<std::string, std::int32_t>,
                   std::map<std::string, std::uint32_t>, std::map<std::string, std::int64_t>,
                   std::map<std::string, std::uint64_t>, std::map<std::string, double>,
                   std::map<std::string, std::string>, std::map<std::string, sdbus::Variant>,
                   std::vector<std::map<std::string, sdbus::Variant>>>(variant, signature, out);
    if (!converted) {
        return Value("(D-Bus type " + signature + ")");
    }
    return out;
}

Object from_dict(const VariantDict& dict) {
    Object object;
    for (const auto& [key, variant] : dict) {
        object.emplace(key, from_variant(variant));
    }
    return object;
}

std::vector<Object> from_dicts(const std::vector<VariantDict>& dicts) {
    std::vector<Object> objects;
    objects.reserve(dicts.size());
    for (const auto& dict : dicts) {
        objects.push_back(from_dict(dict));
    }
    return objects;
}

}  // namespace sluice::cli
