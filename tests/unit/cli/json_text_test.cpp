#include "cli/json_text.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace sluice::cli {
namespace {

TEST(JsonText, NestedValuesBecomeOneLineOfJson) {
    const Value value(Object{{"id", "web"},
                             {"hits", std::uint64_t{18446744073709551615ULL}},
                             {"priority", std::int64_t{-3}},
                             {"log", false},
                             {"host", Value::List{"a.example", "b.example"}},
                             {"nothing", Value()},
                             {"nested", Object{{"ratio", 0.5}}}});
    EXPECT_EQ(to_json(value),
              R"({"hits":18446744073709551615,"host":["a.example","b.example"],"id":"web",)"
              R"("log":false,"nested":{"ratio":0.5},"nothing":null,"priority":-3})");
}

TEST(JsonText, StringsEscapeQuotesBackslashesAndEveryControlCharacter) {
    EXPECT_EQ(json_string("a\"b\\c\n\t\x1b[2J\x7f"), R"("a\"b\\c\n\t\u001b[2J)"
                                                     "\x7f\"");
    EXPECT_EQ(json_string("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
}

TEST(JsonText, NonFiniteNumbersBecomeNull) {
    EXPECT_EQ(to_json(Value::List{std::numeric_limits<double>::infinity(), std::nan("")}),
              "[null,null]");
    EXPECT_EQ(to_json(Value::List{}), "[]");
    EXPECT_EQ(to_json(Object{}), "{}");
}

}  // namespace
}  // namespace sluice::cli
