#include "daemon/attribution/user_names.hpp"

#include <gtest/gtest.h>

namespace sluice {
namespace {

// Far above any allocated id, and not (uid_t)-1 / -2, which some systems name.
constexpr std::uint32_t kUnknownId = 3'999'999'999U;

TEST(UserNames, ResolvesUidAndGidZeroToRoot) {
    UserNames names;
    EXPECT_EQ(names.user_name(0), "root");
    EXPECT_EQ(names.group_name(0), "root");
}

TEST(UserNames, UnknownIdHasNoName) {
    UserNames names;
    EXPECT_EQ(names.user_name(kUnknownId), std::nullopt);
    EXPECT_EQ(names.group_name(kUnknownId), std::nullopt);
}

TEST(UserNames, RemembersAnswersUpToItsCapacity) {
    UserNames names(2);
    EXPECT_EQ(names.user_name(0), "root");
    EXPECT_EQ(names.user_name(kUnknownId), std::nullopt);
    EXPECT_EQ(names.cached_entries(), 2U);
    EXPECT_EQ(names.user_name(kUnknownId - 1), std::nullopt);  // evicts uid 0
    EXPECT_EQ(names.cached_entries(), 2U);
    EXPECT_EQ(names.user_name(0), "root");  // looked up again after eviction
    EXPECT_EQ(names.group_name(0), "root");
    EXPECT_EQ(names.cached_entries(), 3U);  // users and groups are bounded separately

    names.clear();
    EXPECT_EQ(names.cached_entries(), 0U);
}

}  // namespace
}  // namespace sluice
