#include "daemon/attribution/dns_cache.hpp"

#include <gtest/gtest.h>

namespace sluice {
namespace {

using std::chrono::seconds;
using Names = std::vector<std::string>;

const IpAddress kWeb = *IpAddress::parse("10.77.0.2");
const IpAddress kOther = *IpAddress::parse("10.77.0.3");
const DnsCache::TimePoint kStart{seconds(1000)};

DnsAddressAnswer answer(const IpAddress& address, Names names, std::uint32_t ttl = 300) {
    return {address, std::move(names), ttl};
}

TEST(DnsCache, AnAnswerGivesItsAddressEveryNameOfTheChain) {
    DnsCache cache;
    cache.learn(answer(kWeb, {"app.test", "web.test"}), kStart);
    EXPECT_EQ(cache.names_of(kWeb, kStart), (Names{"app.test", "web.test"}));
    EXPECT_TRUE(cache.names_of(kOther, kStart).empty());
}

TEST(DnsCache, NamesExpireWithTheirTtl) {
    DnsCache cache;
    cache.learn(answer(kWeb, {"web.test"}, 300), kStart);
    EXPECT_EQ(cache.names_of(kWeb, kStart + seconds(299)), Names{"web.test"});
    EXPECT_TRUE(cache.names_of(kWeb, kStart + seconds(300)).empty());
}

TEST(DnsCache, TinyTtlsAreRaisedToTheMinimum) {
    DnsCache cache;  // min_ttl 60 s: applications connect after a zero TTL ran out
    cache.learn(answer(kWeb, {"web.test"}, 0), kStart);
    EXPECT_EQ(cache.names_of(kWeb, kStart + seconds(59)), Names{"web.test"});
    EXPECT_TRUE(cache.names_of(kWeb, kStart + seconds(60)).empty());
}

TEST(DnsCache, HugeTtlsAreCutToTheMaximum) {
    DnsCache::Limits limits;
    limits.max_ttl = seconds(3600);
    DnsCache cache(limits);
    cache.learn(answer(kWeb, {"web.test"}, 0x7FFFFFFF), kStart);
    EXPECT_EQ(cache.names_of(kWeb, kStart + seconds(3599)), Names{"web.test"});
    EXPECT_TRUE(cache.names_of(kWeb, kStart + seconds(3600)).empty());
}

TEST(DnsCache, ANewAnswerRenewsANameAndPutsItFirst) {
    DnsCache cache;
    cache.learn(answer(kWeb, {"a.test"}, 100), kStart);
    cache.learn(answer(kWeb, {"b.test"}, 100), kStart + seconds(10));
    cache.learn(answer(kWeb, {"a.test"}, 100), kStart + seconds(50));
    EXPECT_EQ(cache.names_of(kWeb, kStart + seconds(60)), (Names{"a.test", "b.test"}));
    EXPECT_EQ(cache.names_of(kWeb, kStart + seconds(120)), Names{"a.test"});
}

TEST(DnsCache, AnAddressKeepsOnlyItsLatestNamesWhenSharedByMany) {
    DnsCache::Limits limits;
    limits.max_names_per_address = 3;
    DnsCache cache(limits);
    for (int i = 0; i < 10; ++i) {
        cache.learn(answer(kWeb, {"n" + std::to_string(i) + ".test"}), kStart);
    }
    EXPECT_EQ(cache.names_of(kWeb, kStart), (Names{"n9.test", "n8.test", "n7.test"}));
    EXPECT_EQ(cache.counters().evicted_names, 7u);
}

TEST(DnsCache, TheLeastRecentlyAnsweredAddressGoesWhenFull) {
    DnsCache::Limits limits;
    limits.max_addresses = 2;
    DnsCache cache(limits);
    const IpAddress third = *IpAddress::parse("10.77.0.4");
    cache.learn(answer(kWeb, {"web.test"}), kStart);
    cache.learn(answer(kOther, {"other.test"}), kStart);
    cache.learn(answer(kWeb, {"web.test"}), kStart);  // kWeb is the most recent again
    cache.learn(answer(third, {"third.test"}), kStart);
    EXPECT_EQ(cache.size(), 2u);
    EXPECT_EQ(cache.names_of(kWeb, kStart), Names{"web.test"});
    EXPECT_TRUE(cache.names_of(kOther, kStart).empty());
    EXPECT_EQ(cache.names_of(third, kStart), Names{"third.test"});
    EXPECT_EQ(cache.counters().evicted_addresses, 1u);
}

TEST(DnsCache, Ipv4AndIpv6AddressesAreSeparate) {
    DnsCache cache;
    const IpAddress v6 = *IpAddress::parse("fd77::2");
    cache.learn(answer(v6, {"six.test"}), kStart);
    cache.learn(answer(kWeb, {"four.test"}), kStart);
    EXPECT_EQ(cache.names_of(v6, kStart), Names{"six.test"});
    EXPECT_EQ(cache.names_of(kWeb, kStart), Names{"four.test"});
}

}  // namespace
}  // namespace sluice
