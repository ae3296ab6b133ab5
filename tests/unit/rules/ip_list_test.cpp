#include "rules/ip_list.hpp"

#include <gtest/gtest.h>

#include "rules_test_support.hpp"

namespace sluice {
namespace {

using Errors = std::vector<std::string>;

IpAddress address(std::string_view text) {
    return IpAddress::parse(text).value();
}

TEST(IpList, LongestOverlappingPrefixWins) {
    Diagnostics diagnostics;
    const auto list = parse_ip_list(R"(# nets
10.0.0.0/8
10.1.0.0/16   # inner
10.1.2.3
2001:db8::/32
)",
                                    "nets.txt", diagnostics);
    EXPECT_TRUE(diagnostics.empty());
    EXPECT_EQ(list.size(), 4u);
    EXPECT_EQ(list.longest_match(address("10.1.2.3")), 128);
    EXPECT_EQ(list.longest_match(address("10.1.2.4")), 96 + 16);
    EXPECT_EQ(list.longest_match(address("10.2.0.1")), 96 + 8);
    EXPECT_EQ(list.longest_match(address("2001:db8::1")), 32);
    EXPECT_FALSE(list.longest_match(address("192.0.2.1")));
}

TEST(IpList, IPv4MappedIPv6AddressMatchesIPv4Prefix) {
    Diagnostics diagnostics;
    const auto list = parse_ip_list("192.0.2.0/24\n", "nets.txt", diagnostics);
    EXPECT_EQ(list.longest_match(address("::ffff:192.0.2.9")), 96 + 24);
}

TEST(IpList, IPv6DefaultRouteDoesNotMatchIPv4) {
    Diagnostics diagnostics;
    const auto list = parse_ip_list("::/0\n", "nets.txt", diagnostics);
    EXPECT_EQ(list.longest_match(address("2001:db8::1")), 0);
    EXPECT_FALSE(list.longest_match(address("192.0.2.1")));
}

TEST(IpList, BadLinesAreReportedWithTheirPosition) {
    Diagnostics diagnostics;
    const auto list = parse_ip_list("10.0.0.0/8\n  10.0.0.0/33\nexample.com\n1.2.3.4 5.6.7.8\n",
                                    "/lists/nets.txt", diagnostics);
    EXPECT_EQ(testing::to_strings(diagnostics),
              (Errors{"/lists/nets.txt:2:3: error: prefix length '33' must be 0 to 32",
                      "/lists/nets.txt:3:1: error: 'example.com' is not an IP address",
                      "/lists/nets.txt:4:9: error: expected one address or prefix per line"}));
    EXPECT_EQ(list.size(), 1u);
}

TEST(IpList, LoadReadsAFile) {
    testing::TempDir dir;
    const auto path = dir.write("nets.txt", "198.51.100.0/24\n");
    Diagnostics diagnostics;
    const auto list = load_ip_list(path, diagnostics);
    ASSERT_TRUE(list);
    EXPECT_EQ(list->longest_match(address("198.51.100.7")), 96 + 24);
    EXPECT_FALSE(load_ip_list(dir.path("missing.txt"), diagnostics));
    EXPECT_EQ(testing::to_strings(diagnostics),
              Errors{dir.path("missing.txt") +
                     ":0:0: error: cannot read IP list: No such file or directory"});
}

}  // namespace
}  // namespace sluice
