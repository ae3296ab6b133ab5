#include "cli/bus_value.hpp"

#include <gtest/gtest.h>

#include "cli/json_text.hpp"

namespace sluice::cli {
namespace {

TEST(BusValue, RuleDictionaryBecomesAnObjectWithJsonTypes) {
    const VariantDict rule{
        {"id", sdbus::Variant(std::string("web"))},
        {"port", sdbus::Variant(std::uint16_t{443})},
        {"priority", sdbus::Variant(std::int32_t{-2})},
        {"hits", sdbus::Variant(std::uint64_t{9})},
        {"log", sdbus::Variant(true)},
        {"host", sdbus::Variant(std::vector<std::string>{"a.example", "b.example"})},
        {"ratio", sdbus::Variant(0.25)},
        {"path", sdbus::Variant(sdbus::ObjectPath("/org/sluice/Firewall1"))},
    };
    EXPECT_EQ(to_json(from_dict(rule)),
              R"({"hits":9,"host":["a.example","b.example"],"id":"web","log":true,)"
              R"("path":"/org/sluice/Firewall1","port":443,"priority":-2,"ratio":0.25})");
}

TEST(BusValue, NestedVariantsAndDictionaryArraysAreFollowed) {
    const VariantDict inner{{"queued", sdbus::Variant(std::uint32_t{5})}};
    const VariantDict status{
        {"counters", sdbus::Variant(inner)},
        {"boxed", sdbus::Variant(sdbus::Variant(std::string("x")))},
        {"flows", sdbus::Variant(std::vector<VariantDict>{inner, inner})},
        {"names", sdbus::Variant(std::map<std::string, std::string>{{"a", "b"}})},
    };
    EXPECT_EQ(to_json(from_dict(status)),
              R"({"boxed":"x","counters":{"queued":5},"flows":[{"queued":5},{"queued":5}],)"
              R"("names":{"a":"b"}})");
}

TEST(BusValue, UnsupportedTypesShowTheirSignatureInsteadOfFailing) {
    const VariantDict odd{
        {"pair", sdbus::Variant(sdbus::Struct<std::int32_t, std::string>(1, "x"))}};
    EXPECT_EQ(to_json(from_dict(odd)), R"json({"pair":"(D-Bus type (is))"})json");
}

}  // namespace
}  // namespace sluice::cli
