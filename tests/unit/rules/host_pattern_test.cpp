#include "rules/host_pattern.hpp"

#include <gtest/gtest.h>

namespace sluice {
namespace {

std::optional<HostMatch> host_match(std::string_view pattern, std::string_view name) {
    const auto parsed = HostPattern::parse(pattern);
    EXPECT_TRUE(parsed) << pattern;
    return parsed ? parsed->match(name) : std::nullopt;
}

TEST(HostPattern, SuffixMatchesSubdomainsOnly) {
    EXPECT_EQ(host_match("*.example.com", "a.example.com"), (HostMatch{false, 11}));
    EXPECT_EQ(host_match("*.example.com", "a.b.example.com"), (HostMatch{false, 11}));
    EXPECT_FALSE(host_match("*.example.com", "example.com"));
    EXPECT_FALSE(host_match("*.example.com", "badexample.com"));
    EXPECT_FALSE(host_match("*.example.com", "example.com.evil"));
}

TEST(HostPattern, ExactNameMatchesOnlyItself) {
    EXPECT_EQ(host_match("example.com", "example.com"), (HostMatch{true, 0}));
    EXPECT_FALSE(host_match("example.com", "www.example.com"));
}

TEST(HostPattern, ExactOutranksAnySuffixAndLongerSuffixOutranksShorter) {
    const HostMatch none;
    const HostMatch short_suffix{false, 3};
    const HostMatch long_suffix{false, 11};
    const HostMatch exact{true, 0};
    EXPECT_LT(none, short_suffix);
    EXPECT_LT(short_suffix, long_suffix);
    EXPECT_LT(long_suffix, exact);
}

TEST(HostPattern, NamesAreNormalized) {
    EXPECT_EQ(normalize_host_name("WWW.Example.COM."), "www.example.com");
    EXPECT_EQ(normalize_host_name("_dmarc.example.com"), "_dmarc.example.com");
    std::string error;
    EXPECT_FALSE(normalize_host_name(".", &error));
    EXPECT_EQ(error, "host name is empty");
    EXPECT_FALSE(normalize_host_name(std::string(64, 'a') + ".com", &error));
    EXPECT_EQ(error, "'" + std::string(64, 'a') + ".com' has a label longer than 63 characters");
    EXPECT_FALSE(normalize_host_name("a b.com", &error));
    EXPECT_EQ(error, "'a b.com' is not a valid host name");
    std::string long_name;
    for (int i = 0; i < 64; ++i) {
        long_name += "abc.";
    }
    long_name += "com";
    EXPECT_FALSE(normalize_host_name(long_name, &error));
    // Quoted values are cut short so a huge value cannot flood the log.
    EXPECT_EQ(error, "'" + long_name.substr(0, 255) + "...' is longer than 253 characters");
}

}  // namespace
}  // namespace sluice
