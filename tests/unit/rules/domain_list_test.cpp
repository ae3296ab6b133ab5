#include "rules/domain_list.hpp"

#include <gtest/gtest.h>

#include "rules/list_file_text.hpp"
#include "rules_test_support.hpp"

namespace sluice {
namespace {

using Errors = std::vector<std::string>;

TEST(DomainList, ReadsPlainAndHostsFileLines) {
    Diagnostics diagnostics;
    const auto list = parse_domain_list(R"(# block list
127.0.0.1 localhost
::1 localhost ip6-localhost ip6-loopback
0.0.0.0 0.0.0.0
0.0.0.0 ads.example.com tracker.example.net   # two names
Plain.Example.ORG
*.cdn.example
	spaced.example	
)",
                                        "ads.txt", diagnostics);
    EXPECT_TRUE(diagnostics.empty());
    EXPECT_EQ(list.size(), 5u);
    EXPECT_EQ(list.match("ads.example.com"), (HostMatch{true, 0}));
    EXPECT_EQ(list.match("tracker.example.net"), (HostMatch{true, 0}));
    EXPECT_EQ(list.match("plain.example.org"), (HostMatch{true, 0}));
    EXPECT_EQ(list.match("spaced.example"), (HostMatch{true, 0}));
    EXPECT_FALSE(list.match("localhost"));
    EXPECT_FALSE(list.match("www.ads.example.com"));
}

TEST(DomainList, SuffixEntriesMatchSubdomainsOnlyAndTheLongestWins) {
    Diagnostics diagnostics;
    const auto list = parse_domain_list("*.example\n*.cdn.example\n", "ads.txt", diagnostics);
    EXPECT_EQ(list.match("a.cdn.example"), (HostMatch{false, 11}));
    EXPECT_EQ(list.match("cdn.example"), (HostMatch{false, 7}));
    EXPECT_FALSE(list.match("example"));
}

TEST(DomainList, DuplicatesAreStoredOnce) {
    Diagnostics diagnostics;
    const auto list =
        parse_domain_list("a.example\nA.example\n0.0.0.0 a.example\n", "l", diagnostics);
    EXPECT_EQ(list.size(), 1u);
}

TEST(DomainList, BadLinesAreReportedWithTheirPosition) {
    Diagnostics diagnostics;
    const auto list = parse_domain_list(
        "good.example\r\nbad..example\n0.0.0.0\none two\n"
        "0.0.0.0 ok.example b@d.example\n",
        "/etc/sluice/lists/ads.txt", diagnostics);
    EXPECT_EQ(testing::to_strings(diagnostics),
              (Errors{"/etc/sluice/lists/ads.txt:2:1: error: 'bad..example' has an empty label",
                      "/etc/sluice/lists/ads.txt:3:1: error: hosts-file line has an address but "
                      "no name",
                      "/etc/sluice/lists/ads.txt:4:5: error: expected one domain per line, or an "
                      "address and names as in /etc/hosts",
                      "/etc/sluice/lists/ads.txt:5:20: error: 'b@d.example' is not a valid host "
                      "name"}));
    EXPECT_TRUE(list.match("good.example"));
    EXPECT_TRUE(list.match("ok.example"));
}

TEST(DomainList, StopsAfterTooManyErrors) {
    std::string text;
    for (int i = 0; i < 100; ++i) {
        text += "bad name\n";
    }
    Diagnostics diagnostics;
    parse_domain_list(text, "l", diagnostics);
    ASSERT_EQ(diagnostics.size(), kMaxListErrors);
    EXPECT_EQ(diagnostics.back().to_string(),
              "l:20:5: error: expected one domain per line, or an address and names as in "
              "/etc/hosts (too many errors; not reading the rest of this file)");
}

TEST(DomainList, LoadReportsAnUnreadableFile) {
    Diagnostics diagnostics;
    EXPECT_FALSE(load_domain_list("/nonexistent/ads.txt", diagnostics));
    EXPECT_EQ(testing::to_strings(diagnostics),
              Errors{"/nonexistent/ads.txt:0:0: error: cannot read host list: No such file or "
                     "directory"});
}

TEST(DomainList, LoadRefusesADirectory) {
    testing::TempDir dir;
    Diagnostics diagnostics;
    EXPECT_FALSE(load_domain_list(dir.path(), diagnostics));
    EXPECT_EQ(testing::to_strings(diagnostics),
              Errors{dir.path() + ":0:0: error: cannot read host list: Is a directory"});
}

TEST(DomainList, HundredThousandEntriesLoadAndMatch) {
    std::string text;
    for (int i = 0; i < 100'000; ++i) {
        text += "0.0.0.0 host" + std::to_string(i) + ".example\n";
    }
    Diagnostics diagnostics;
    const auto list = parse_domain_list(text, "big.txt", diagnostics);
    EXPECT_TRUE(diagnostics.empty());
    EXPECT_EQ(list.size(), 100'000u);
    EXPECT_TRUE(list.match("host99999.example"));
    EXPECT_FALSE(list.match("host100000.example"));
}

}  // namespace
}  // namespace sluice
