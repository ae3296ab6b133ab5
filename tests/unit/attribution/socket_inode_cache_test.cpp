#include "daemon/attribution/socket_inode_cache.hpp"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(SocketInodeCache, RemembersAndForgetsHolders) {
    SocketInodeCache cache(8);
    cache.record(100, {10, 1000, 3});
    EXPECT_EQ(cache.find(100), (SocketHolder{10, 1000, 3}));
    EXPECT_EQ(cache.find(101), std::nullopt);
    cache.record(100, {11, 2000, 4});  // the socket moved on (fd passed, fork)
    EXPECT_EQ(cache.find(100), (SocketHolder{11, 2000, 4}));
    cache.forget(100);
    EXPECT_EQ(cache.find(100), std::nullopt);
    EXPECT_EQ(cache.size(), 0U);
}

TEST(SocketInodeCache, DropsTheOldestRecordedWhenFull) {
    SocketInodeCache cache(3);
    for (std::uint64_t inode = 1; inode <= 4; ++inode) {
        cache.record(inode, {static_cast<std::uint32_t>(inode), 0, 3});
    }
    EXPECT_EQ(cache.size(), 3U);
    EXPECT_EQ(cache.find(1), std::nullopt);
    EXPECT_NE(cache.find(4), std::nullopt);
}

TEST(SocketInodeCache, StaysBoundedThroughManyForgetAndRecordCycles) {
    SocketInodeCache cache(4);
    for (std::uint64_t round = 0; round < 10000; ++round) {
        cache.record(round, {1, 0, 3});
        cache.forget(round);
        cache.record(round % 7, {2, 0, 4});
    }
    EXPECT_LE(cache.size(), 4U);
}

}  // namespace
}  // namespace sluice
